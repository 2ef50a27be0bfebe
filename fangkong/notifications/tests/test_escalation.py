"""Escalations: who answers for a division (its nearest 包保 leaders for the field, the leader of
its leading group, its command office) is notified, in the app and by phone; an escalation left
open moves up one level every FANGKONG_ESCALATE_AFTER_HOURS, up to the province, and stops when
it is resolved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.command import actions as command_actions
from fangkong.command.models import GroupMember
from fangkong.command.tests.factories import make_group, make_member, make_responsibility
from fangkong.core.errors import ActionError
from fangkong.notifications.escalation import (
    escalate,
    open_escalation,
    raise_open_escalations,
    resolve_escalation,
)
from fangkong.notifications.models import Escalation, Kind, Notification


def _link(member: GroupMember, user: User) -> None:
    GroupMember.objects.filter(pk=member.pk).update(account=user)


@pytest.fixture
def chain(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    """南关区 and 南岭街道 with leading groups; a county deputy covers 南岭街道 for medical
    treatment; 华阳社区 has its group's leader (no account) and a secretary's account."""
    c = SimpleNamespace(tree=tree)
    c.county_group = make_group(tree.nanguan)
    c.county_leader = make_member(c.county_group, "李建国", "区委书记", "leader", "13900000001")
    c.county_deputy = make_member(c.county_group, "王晓梅", "副区长", "deputy", "13900000002")
    c.deputy_user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="wangxm")
    _link(c.county_deputy, c.deputy_user)
    make_responsibility(c.county_deputy, tree.nanling, field="medical")
    c.county_office = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhb")
    c.town_group = make_group(tree.nanling)
    c.town_leader = make_member(c.town_group, "赵卫东", "街道书记", "leader", "13900000003")
    c.town_office = make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND], username="jdzhb")
    c.village_group = make_group(tree.huayang)
    c.village_leader = make_member(c.village_group, "孙丽", "社区书记", "leader", "13900000004")
    c.secretary = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="cunshuji")
    # someone at the village without the command role, and a supplies 包保 on the village
    c.worker = make_user(tree.huayang, roles=[Role.GRID_WORKER], username="wangge")
    c.supplies = make_member(c.town_group, "钱多多", "副主任", "member", "13900000005")
    make_responsibility(c.supplies, tree.huayang, field="supplies")
    return c


def _to(key: str) -> set[tuple[str, str]]:
    """(user name or "", phone) of each notification with ``key``."""
    return {
        (n.user.username if n.user else "", n.phone)
        for n in Notification.objects.filter(key=key).select_related("user")
    }


def test_escalate_reaches_the_field_leader_the_group_leader_and_the_command_office(
    chain: SimpleNamespace,
) -> None:
    # when a medical matter of 华阳社区 is escalated
    created = escalate(
        chain.tree.huayang,
        field="medical",
        kind=Kind.ESCALATION,
        title="发热病人未转运",
        link="/treatment/orders/1/",
        key="alert:1:220102001001",
    )

    # then the deputy covering 南岭街道 for medical treatment (in the app and by SMS), the
    # village group's leader (SMS: no account) and the village secretary (in the app) are told;
    # not the supplies leader of the village, nor the grid worker
    assert _to("alert:1:220102001001") == {
        ("wangxm", "13900000002"),
        ("", "13900000004"),
        ("cunshuji", ""),
    }
    assert created == 3

    # and run again, nobody is told twice
    assert (
        escalate(
            chain.tree.huayang,
            field="medical",
            kind=Kind.ESCALATION,
            title="x",
            key="alert:1:220102001001",
        )
        == 0
    )


def test_the_nearest_covering_leader_wins_and_any_field_matches(chain: SimpleNamespace) -> None:
    # a supplies matter of 华阳社区: the supplies 包保 of the village itself is nearest
    escalate(chain.tree.huayang, field="supplies", kind=Kind.ALERT, title="物资", key="s")
    assert ("", "13900000005") in _to("s")
    assert ("wangxm", "13900000002") not in _to("s")
    # no field: every current 包保 of the nearest covered level
    escalate(chain.tree.huayang, field="", kind=Kind.ALERT, title="任意", key="any")
    assert ("", "13900000005") in _to("any")


def test_an_ended_responsibility_and_a_departed_leader_are_not_told(
    chain: SimpleNamespace,
) -> None:
    resp = chain.county_deputy.responsibilities.get()
    command_actions.end_responsibility(
        actor=None, responsibility=resp, on=timezone.localdate() - dt.timedelta(days=1)
    )
    escalate(chain.tree.huayang, field="medical", kind=Kind.ALERT, title="已卸任", key="e")
    assert ("wangxm", "13900000002") not in _to("e")


def test_an_open_escalation_moves_up_after_the_hours_until_resolved(
    chain: SimpleNamespace,
) -> None:
    start = timezone.now()
    # given a directive overdue at 华阳社区
    e = open_escalation(
        chain.tree.huayang,
        field="medical",
        kind=Kind.ESCALATION,
        title="指令逾期未办结",
        link="/command/directives/7/",
        key="directive:7:220102001001",
        source="command.directive",
        now=start,
    )
    assert e.reached == chain.tree.huayang
    assert ("cunshuji", "") in _to(f"directive:7:220102001001@{chain.tree.huayang.code}")
    # opened twice, it is one escalation and nobody is told again
    again = open_escalation(
        chain.tree.huayang, field="medical", title="x", key="directive:7:220102001001", now=start
    )
    assert again.pk == e.pk
    assert Escalation.objects.count() == 1

    # when the periodic run comes before the hours are up, nothing moves
    assert raise_open_escalations(now=start + dt.timedelta(hours=3), after_hours=4) == 0

    # after 4 hours it moves to 南岭街道: its group leader and command office are told
    assert raise_open_escalations(now=start + dt.timedelta(hours=4), after_hours=4) == 1
    e.refresh_from_db()
    assert e.reached == chain.tree.nanling
    town = _to(f"directive:7:220102001001@{chain.tree.nanling.code}")
    assert {("", "13900000003"), ("jdzhb", "")} <= town
    assert ("wangxm", "13900000002") in town  # and the county deputy covering the township
    body = Notification.objects.filter(
        key=f"directive:7:220102001001@{chain.tree.nanling.code}"
    ).first()
    assert body is not None and "华阳社区" in body.body
    # the same run again moves nothing: the hours count from the last escalation
    assert raise_open_escalations(now=start + dt.timedelta(hours=5), after_hours=4) == 0

    # four more hours: 南关区, its leader and command office
    assert raise_open_escalations(now=start + dt.timedelta(hours=8), after_hours=4) == 1
    e.refresh_from_db()
    assert e.reached == chain.tree.nanguan
    assert {("", "13900000001"), ("quzhb", "")} <= _to(
        f"directive:7:220102001001@{chain.tree.nanguan.code}"
    )

    # when it is resolved, it goes no higher
    assert resolve_escalation("directive:7:220102001001") is True
    assert resolve_escalation("directive:7:220102001001") is False
    assert raise_open_escalations(now=start + dt.timedelta(hours=20), after_hours=4) == 0
    e.refresh_from_db()
    assert e.reached == chain.tree.nanguan and e.resolved_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "notifications.escalation_open",
        "notifications.escalation_raise",
        "notifications.escalation_resolve",
    } <= actions


def test_it_stops_at_the_province(chain: SimpleNamespace) -> None:
    start = timezone.now()
    open_escalation(chain.tree.changchun, field="", title="市级未报", key="k", now=start)
    assert raise_open_escalations(now=start + dt.timedelta(hours=4), after_hours=4) == 1
    assert Escalation.objects.get().reached == chain.tree.province
    assert raise_open_escalations(now=start + dt.timedelta(hours=40), after_hours=4) == 0


def test_the_command_uses_the_setting_and_the_clock(chain: SimpleNamespace, settings) -> None:
    settings.FANGKONG_ESCALATE_AFTER_HOURS = 2
    open_escalation(chain.tree.huayang, field="", title="日报未报", key="report:huayang")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=1)):
        out = StringIO()
        call_command("escalate", stdout=out)
    assert "1" in out.getvalue()
    assert Escalation.objects.get().reached == chain.tree.nanling


def test_a_key_too_long_or_empty_is_refused(chain: SimpleNamespace) -> None:
    for key in ("", "k" * 101):
        with pytest.raises(ActionError):
            open_escalation(chain.tree.huayang, field="", title="x", key=key)
    assert not Escalation.objects.exists()
