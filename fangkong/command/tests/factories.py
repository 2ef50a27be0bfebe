"""Small factories through the command app's own actions (``actor=None``: the system)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangkong.command import actions, directives
from fangkong.command.models import (
    Directive,
    GroupMember,
    LeadingGroup,
    Responsibility,
    Secretary,
    Venue,
)
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


# --- directives and venues ---------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def later(hours: int = 48) -> dt.datetime:
    from django.utils import timezone

    return timezone.now() + dt.timedelta(hours=hours)


def make_directive(
    issuer: Division,
    recipients: list[Division] | None = None,
    *,
    title: str = "关于加强社区封闭管理的通知",
    level: int | None = None,
    kind: str = "plain",
    feedback_required: str = "",
    deadline: dt.datetime | None = None,
    attachments: list[Any] | None = None,
) -> Directive:
    return directives.issue_directive(
        actor=None,
        issuer_division=issuer,
        title=title,
        content="各单位：请立即落实。",
        deadline=deadline or later(),
        feedback_required=feedback_required,
        recipients=[d.code for d in recipients] if recipients else None,
        level=level,
        kind=kind,
        attachments=attachments,
    )


def make_venue(division: Division, name: str, kind: str = "market") -> Venue:
    return directives.add_venue(actor=None, division=division, name=name, kind=kind)


def pdf(name: str = "通知.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")
