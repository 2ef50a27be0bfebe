"""The command app's writes: groups, members, working groups, 包保 responsibilities and
secretaries; each audited; bad input refused with a clear message and nothing written."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.command import actions
from fangkong.command.models import GroupMember, LeadingGroup, Responsibility, Secretary
from fangkong.command.tests.factories import make_responsibility, make_secretary
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction


def _counts() -> tuple[int, ...]:
    return (
        LeadingGroup.objects.count(),
        GroupMember.objects.count(),
        Responsibility.objects.count(),
        Secretary.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_command_office_sets_up_the_group_of_a_township_below_it(cmd: SimpleNamespace) -> None:
    # given the county's command office
    # when it sets up the leading group of 南岭街道
    group = actions.create_group(
        actor=cmd.county,
        division=cmd.tree.nanling,
        name="南岭街道新冠肺炎疫情防控工作指挥部",
        office_name="指挥部办公室",
        office_phone="0431-8888 1234",
    )
    # then it is there, its phone cleaned, and audited
    assert group.division_path == cmd.tree.nanling.path
    assert group.office_phone == "043188881234"
    event = AuditEvent.objects.get(action="command.group_create", object_id=str(group.pk))
    assert event.actor == cmd.county and event.object_id == str(group.pk)


def test_a_second_group_for_the_same_division_is_refused(cmd: SimpleNamespace) -> None:
    before = _counts()
    with pytest.raises(Conflict) as exc:
        actions.create_group(actor=cmd.county, division=cmd.tree.nanguan, name="又一个领导小组")
    assert exc.value.code == "group_exists"
    assert _counts() == before


def test_a_group_for_a_division_outside_the_jurisdiction_is_refused(cmd: SimpleNamespace) -> None:
    # given the sibling county's office and 南岭街道 (南关区)
    before = _counts()
    # when it tries to set up 南岭街道's group
    with pytest.raises(OutOfJurisdiction):
        actions.create_group(actor=cmd.sibling, division=cmd.tree.nanling, name="越权的领导小组")
    # then nothing is written
    assert _counts() == before


def test_members_working_groups_and_one_leader_at_a_time(cmd: SimpleNamespace) -> None:
    wg = actions.add_working_group(
        actor=cmd.county, group=cmd.group, name="医疗救治组", field="medical"
    )
    member = actions.add_member(
        actor=cmd.county,
        group=cmd.group,
        name="赵卫东",
        post="区卫健局局长",
        phone="139 0000 0003",
        role="member",
        working_group=wg,
    )
    assert member.phone == "13900000003" and member.working_group == wg
    with pytest.raises(Conflict) as exc:
        actions.add_member(
            actor=cmd.county,
            group=cmd.group,
            name="孙",
            post="区委副书记",
            phone="13900000004",
            role="leader",
        )
    assert exc.value.code == "leader_exists"
    with pytest.raises(ActionError) as bad:
        actions.add_member(
            actor=cmd.county, group=cmd.group, name="钱", post="干部", phone="12345", role="member"
        )
    assert bad.value.code == "bad_phone"


def test_a_responsibility_is_assigned_and_ended_and_kept(cmd: SimpleNamespace) -> None:
    # given the deputy covering 南岭街道 for grid work
    resp = actions.assign_responsibility(
        actor=cmd.county,
        member=cmd.deputy,
        division=cmd.tree.nanling,
        field="grid",
        starts_on=dt.date(2020, 1, 25),
    )
    assert resp.covered_path == cmd.tree.nanling.path
    # when it is ended
    actions.end_responsibility(
        actor=cmd.county, responsibility=resp, on=dt.date(2020, 2, 10), reason="调整分工"
    )
    # then it is kept, with its last day, and both writes are audited
    resp.refresh_from_db()
    assert resp.ends_on == dt.date(2020, 2, 10) and resp.end_reason == "调整分工"
    assert set(
        AuditEvent.objects.filter(object_type="command.responsibility").values_list(
            "action", flat=True
        )
    ) == {"command.responsibility_assign", "command.responsibility_end"}


def test_a_responsibility_outside_the_groups_subtree_is_refused(cmd: SimpleNamespace) -> None:
    # given a township group and a village of another county
    township = actions.create_group(actor=None, division=cmd.tree.nanling, name="南岭街道指挥部")
    member = actions.add_member(
        actor=None, group=township, name="周", post="主任", phone="13900000005", role="leader"
    )
    before = _counts()
    # when 南岭街道's leader is to cover 恒安社区's neighbour in 南关区's parent… 南关区 itself
    with pytest.raises(ActionError) as exc:
        actions.assign_responsibility(
            actor=None, member=member, division=cmd.tree.nanguan, starts_on=dt.date(2020, 2, 1)
        )
    # then refused with a clear message, nothing written
    assert exc.value.code == "division_outside_group"
    assert "南关区" in exc.value.message
    with pytest.raises(ActionError):
        actions.assign_responsibility(
            actor=None, member=member, division=cmd.tree.dongshi, starts_on=dt.date(2020, 2, 1)
        )
    assert _counts() == before


def test_reversed_dates_and_nothing_covered_are_refused(cmd: SimpleNamespace) -> None:
    before = _counts()
    with pytest.raises(ActionError) as exc:
        actions.assign_responsibility(
            actor=cmd.county,
            member=cmd.deputy,
            division=cmd.tree.nanling,
            starts_on=dt.date(2020, 2, 10),
            ends_on=dt.date(2020, 2, 1),
        )
    assert exc.value.code == "dates_reversed"
    with pytest.raises(ActionError) as nothing:
        actions.assign_responsibility(
            actor=cmd.county, member=cmd.deputy, starts_on=dt.date(2020, 2, 1)
        )
    assert nothing.value.code == "nothing_covered"
    far = timezone.localdate() + dt.timedelta(days=400)
    with pytest.raises(ActionError) as ahead:
        actions.assign_responsibility(
            actor=cmd.county, member=cmd.deputy, field="grid", starts_on=far
        )
    assert ahead.value.code == "starts_on_too_far"
    assert _counts() == before


def test_a_member_leaving_ends_their_responsibilities(cmd: SimpleNamespace) -> None:
    resp = make_responsibility(cmd.deputy, cmd.tree.nanling)
    actions.end_member(actor=cmd.county, member=cmd.deputy, reason="工作调动")
    resp.refresh_from_db()
    cmd.deputy.refresh_from_db()
    assert cmd.deputy.left_on == timezone.localdate()
    assert resp.ends_on == timezone.localdate()
    with pytest.raises(Conflict):
        actions.end_member(actor=cmd.county, member=cmd.deputy)


def test_a_new_secretary_ends_the_previous_term(cmd: SimpleNamespace) -> None:
    first = make_secretary(cmd.tree.huayang, "陈书记")
    second = actions.set_secretary(
        actor=cmd.county,
        division=cmd.tree.huayang,
        name="刘书记",
        post="华阳社区党委书记",
        phone="13800000001",
        starts_on=dt.date(2020, 2, 1),
    )
    first.refresh_from_db()
    assert first.ends_on == dt.date(2020, 1, 31) and second.ends_on is None
    assert second.level == cmd.tree.huayang.level
    with pytest.raises(ActionError) as grid:
        actions.set_secretary(
            actor=cmd.county, division=cmd.tree.grid1, name="某", post="某", phone="13800000002"
        )
    assert grid.value.code == "bad_division"
    with pytest.raises(OutOfJurisdiction):
        actions.set_secretary(
            actor=cmd.sibling, division=cmd.tree.huayang, name="某", post="某", phone="13800000002"
        )
