"""Small factories through the command app's own actions (``actor=None``: the system)."""

from __future__ import annotations

import datetime as dt

from fangkong.command import actions
from fangkong.command.models import GroupMember, LeadingGroup, Responsibility, Secretary
from fangkong.regions.models import Division


def make_group(division: Division, name: str | None = None) -> LeadingGroup:
    return actions.create_group(
        actor=None,
        division=division,
        name=name or f"{division.name}新冠肺炎疫情防控工作领导小组",
        office_name="领导小组办公室",
        office_phone="043188888888",
    )


def make_member(
    group: LeadingGroup, name: str, post: str, role: str = "member", phone: str = "13900000009"
) -> GroupMember:
    return actions.add_member(actor=None, group=group, name=name, post=post, phone=phone, role=role)


def make_responsibility(
    member: GroupMember,
    division: Division | None = None,
    field: str = "",
    starts_on: dt.date | None = None,
) -> Responsibility:
    return actions.assign_responsibility(
        actor=None,
        member=member,
        division=division,
        field=field,
        starts_on=starts_on or dt.date(2020, 1, 25),
    )


def make_secretary(division: Division, name: str, phone: str = "13800000000") -> Secretary:
    return actions.set_secretary(
        actor=None,
        division=division,
        name=name,
        post=f"{division.name}党委书记",
        phone=phone,
        starts_on=dt.date(2019, 6, 1),
    )
