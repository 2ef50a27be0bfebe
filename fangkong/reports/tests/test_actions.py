"""The daily report's rules (issue #11): the five-level happy path, late marking,
completeness counts, and every bad input answering a clear message and writing nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.command.tests.factories import make_group, make_member
from fangkong.core.errors import ActionError, Conflict
from fangkong.notifications.models import Notification
from fangkong.reports import actions, selectors
from fangkong.reports.choices import State
from fangkong.reports.models import Arrangement, DailyReport, Deadline, ExpectedDay, Problem

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def at(hour: int, minute: int = 0, day: dt.date | None = None) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day or today(), dt.time(hour, minute)))


def counts() -> tuple[int, ...]:
    return (
        DailyReport.objects.count(),
        Arrangement.objects.count(),
        Problem.objects.count(),
        AuditEvent.objects.filter(action__startswith="reports.").count(),
        Deadline.objects.filter(updated_by__isnull=False).count(),
        sum(ExpectedDay.objects.values_list("submitted", flat=True)),
    )


def submit(user: Any, division: Any, **kw: Any) -> DailyReport:
    kw.setdefault("day", today())
    kw.setdefault("at", at(10))
    return actions.submit_report(actor=user, division=division, **kw)


def refused(fn: Any, code: str) -> ActionError:
    before = counts()
    with pytest.raises(ActionError) as info:
        fn()
    assert info.value.code == code
    assert info.value.message
    assert counts() == before
    return info.value


def test_village_submits_with_arrangements_problems_and_figures(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    group = make_group(t.huayang)
    leader = make_member(group, "张书记", "社区书记", "leader")
    report = submit(
        rpt.huayang,
        t.huayang,
        arrangements=[
            {"member_id": leader.pk, "where": "华阳小区卡口", "doing": "front_line"},
            {"name": "李委员", "where": "社区", "doing": "at_post", "note": ""},
        ],
        problems=[{"text": "口罩不足", "request": "请求调拨口罩500个"}],
        tomorrow_plan="继续排查",
    )
    assert report.state == State.SUBMITTED and not report.late
    assert report.submitted_by == rpt.huayang
    assert [a.name for a in report.arrangements.order_by("id")] == ["张书记", "李委员"]
    assert report.problems.get().request == "请求调拨口罩500个"
    assert set(report.figures) and all(isinstance(v, int) for v in report.figures.values())
    assert AuditEvent.objects.filter(action="reports.submit", object_id=str(report.pk)).exists()
    # the township's reviewer is told
    assert Notification.objects.filter(user=rpt.nanling, kind="report_review").exists()
    row = ExpectedDay.objects.get(level=5, day=today())
    assert (row.expected, row.submitted, row.on_time, row.late) == (3, 1, 1, 0)


def test_five_levels_happy_path(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    a = submit(rpt.huayang, t.huayang)
    b = submit(rpt.hengan, t.hengan)
    actions.approve(actor=rpt.nanling, report=a)
    actions.return_report(actor=rpt.nanling, report=b, reason="人员去向不全")
    b.refresh_from_db()
    assert b.state == State.RETURNED and b.return_reason == "人员去向不全"
    # the township cannot submit while 恒安 is returned
    refused(lambda: submit(rpt.nanling, t.nanling, at=at(11)), "children_not_approved")
    b = submit(rpt.hengan, t.hengan, at=at(11))
    actions.approve(actor=rpt.nanling, report=b)
    township = submit(rpt.nanling, t.nanling, at=at(11))
    actions.approve(actor=rpt.nanguan, report=township)
    county = submit(rpt.nanguan, t.nanguan, at=at(12))
    actions.approve(actor=rpt.changchun, report=county)
    city = submit(rpt.changchun, t.changchun, at=at(12))
    # the province waits for 吉林市 too: marks it missing, approves 长春市, submits its own
    refused(lambda: submit(rpt.province, t.province, at=at(13)), "children_not_approved")
    actions.mark_missing(actor=rpt.province, division=t.jilin_city, day=today(), reason="未报")
    actions.approve(actor=rpt.province, report=city)
    province = submit(rpt.province, t.province, at=at(13))
    assert province.state == State.SUBMITTED
    # roll-up: the province's figures are the sum of its children's, recomputed
    assert selectors.rollup(t.province, today()) == province.figures
    # completeness: one row per level
    rows = {r.level: r for r in selectors.completeness(today())}
    assert (rows[5].expected, rows[5].submitted, rows[5].approved) == (3, 2, 2)
    assert (rows[4].submitted, rows[4].approved) == (1, 1)
    assert (rows[2].expected, rows[2].submitted, rows[2].missing, rows[2].approved) == (2, 1, 1, 1)
    assert (rows[1].expected, rows[1].submitted, rows[1].on_time) == (1, 1, 1)
    trend = selectors.trend(today())
    assert trend.levels[5][today()].submitted == 2 and len(trend.days) == 30
    assert AuditEvent.objects.filter(action="reports.return").count() == 1


def test_late_report_is_accepted_and_marked(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    day = today()
    with time_machine.travel(at(16, 30, day), tick=False):
        report = submit(rpt.huayang, t.huayang, at=None)
    assert report.late and report.state == State.SUBMITTED
    with time_machine.travel(at(15, 59, day), tick=False):
        on_time = submit(rpt.hengan, t.hengan, at=None)
    assert not on_time.late
    row = ExpectedDay.objects.get(level=5, day=day)
    assert (row.submitted, row.on_time, row.late) == (2, 1, 1)


def test_completeness_counts_follow_return_and_reopen(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    a = submit(rpt.huayang, t.huayang)
    actions.approve(actor=rpt.nanling, report=a)
    actions.reopen(actor=rpt.nanguan, report=a, reason="数据有误")  # two levels up may reopen
    a.refresh_from_db()
    assert a.state == State.RETURNED and a.reopen_reason == "数据有误"
    row = ExpectedDay.objects.get(level=5, day=today())
    assert (row.submitted, row.approved) == (1, 0)
    actions.mark_missing(actor=rpt.nanling, division=t.hengan, day=today(), reason="联系不上")
    row.refresh_from_db()
    assert row.missing == 1


def test_retired_division_is_not_expected(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    from fangkong.regions.models import Division

    Division.objects.filter(pk=t.province.pk).update(n_villages=2)  # as retiring one does
    assert actions.expected_counts()[5] == 2


# --- bad input: a clear message, nothing written ---------------------------------------------


def test_submitting_for_another_division_is_refused(rpt: SimpleNamespace) -> None:
    refused(lambda: submit(rpt.huayang, rpt.tree.hengan), "not_own_division")
    refused(lambda: submit(rpt.nanling, rpt.tree.huayang), "not_own_division")


def test_grids_do_not_report(rpt: SimpleNamespace, make_user: Any) -> None:
    from fangkong.accounts.roles import Role

    user = make_user(rpt.tree.grid1, roles=[Role.VILLAGE_SECRETARY])
    refused(lambda: submit(user, rpt.tree.grid1), "not_reporting_level")


def test_second_report_for_the_same_day_is_a_conflict(rpt: SimpleNamespace) -> None:
    submit(rpt.huayang, rpt.tree.huayang)
    err = refused(lambda: submit(rpt.huayang, rpt.tree.huayang, at=at(11)), "report_submitted")
    assert isinstance(err, Conflict)


def test_approving_a_child_whose_children_are_not_approved_is_refused(
    rpt: SimpleNamespace,
) -> None:
    t = rpt.tree
    a = submit(rpt.huayang, t.huayang)
    b = submit(rpt.hengan, t.hengan)
    actions.approve(actor=rpt.nanling, report=a)
    actions.approve(actor=rpt.nanling, report=b)
    township = submit(rpt.nanling, t.nanling, at=at(11))
    # a child of the township is reopened from above before the county approves
    DailyReport.objects.filter(pk=b.pk).update(state=State.RETURNED)
    refused(lambda: actions.approve(actor=rpt.nanguan, report=township), "children_not_approved")


def test_only_the_level_directly_above_approves(rpt: SimpleNamespace) -> None:
    a = submit(rpt.huayang, rpt.tree.huayang)
    refused(lambda: actions.approve(actor=rpt.nanguan, report=a), "not_parent")
    refused(lambda: actions.approve(actor=rpt.hengan, report=a), "not_allowed")


def test_editing_a_locked_report_is_refused(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    a = submit(rpt.huayang, t.huayang)
    actions.approve(actor=rpt.nanling, report=a)
    err = refused(
        lambda: actions.save_draft(
            actor=rpt.huayang, division=t.huayang, day=today(), tomorrow_plan="改"
        ),
        "report_locked",
    )
    assert isinstance(err, Conflict)
    refused(lambda: submit(rpt.huayang, t.huayang, at=at(11)), "report_locked")
    refused(lambda: actions.approve(actor=rpt.nanling, report=a), "not_submitted")


def test_returning_needs_a_reason(rpt: SimpleNamespace) -> None:
    a = submit(rpt.huayang, rpt.tree.huayang)
    refused(
        lambda: actions.return_report(actor=rpt.nanling, report=a, reason=" "), "reason_required"
    )


@pytest.mark.parametrize("value", ["25:00", "8:00", "12:60", "noon", "", "12:00:00", "-1:00"])
def test_a_deadline_that_makes_no_sense_is_refused(rpt: SimpleNamespace, value: str) -> None:
    refused(lambda: actions.set_deadline(actor=rpt.province, level=5, time=value), "bad_deadline")


def test_deadlines_keep_the_levels_in_order(rpt: SimpleNamespace) -> None:
    refused(
        lambda: actions.set_deadline(actor=rpt.province, level=5, time="17:30"),
        "deadline_after_parent",
    )
    refused(lambda: actions.set_deadline(actor=rpt.nanguan, level=5, time="15:00"), "not_allowed")
    # a deadline already past today is allowed: today's later reports are late
    d = actions.set_deadline(actor=rpt.province, level=5, time="09:00")
    assert d.time == dt.time(9) and d.updated_by == rpt.province
    assert AuditEvent.objects.filter(action="reports.deadline_set").count() == 1
    report = submit(rpt.huayang, rpt.tree.huayang, at=at(10))
    assert report.late


def test_a_report_day_in_the_future_or_too_far_back_is_refused(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    tomorrow = today() + dt.timedelta(days=1)
    refused(lambda: submit(rpt.huayang, t.huayang, day=tomorrow), "day_in_future")
    old = today() - dt.timedelta(days=30)
    refused(lambda: submit(rpt.huayang, t.huayang, day=old), "day_closed")


def test_bad_rows_are_refused(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    other_group = make_group(t.hengan)
    stranger = make_member(other_group, "外人", "书记", "leader")
    refused(
        lambda: submit(
            rpt.huayang, t.huayang, arrangements=[{"member_id": stranger.pk, "doing": "at_post"}]
        ),
        "bad_member",
    )
    refused(
        lambda: submit(rpt.huayang, t.huayang, arrangements=[{"name": "甲", "doing": "sleeping"}]),
        "bad_doing",
    )


def test_problems_are_answered_or_passed_up(rpt: SimpleNamespace) -> None:
    t = rpt.tree
    a = submit(rpt.huayang, t.huayang, problems=[{"text": "缺口罩", "request": "调拨"}])
    b = submit(rpt.hengan, t.hengan, problems=[{"text": "缺测温枪", "request": ""}])
    p = a.problems.get()
    actions.answer_problem(actor=rpt.nanling, problem=p, answer="明日送达")
    p.refresh_from_db()
    assert p.answer == "明日送达" and p.answered_by == rpt.nanling
    q = b.problems.get()
    actions.pass_up(actor=rpt.nanling, problem=q)
    q.refresh_from_db()
    assert q.passed_to is not None and q.passed_to.report.division == t.nanling
    refused(lambda: actions.pass_up(actor=rpt.nanling, problem=q), "passed_up")
    # the township's own report keeps the passed-up problem when it is written
    actions.approve(actor=rpt.nanling, report=a)
    actions.approve(actor=rpt.nanling, report=b)
    own = submit(rpt.nanling, t.nanling, at=at(11), problems=[{"text": "本级问题"}])
    assert own.problems.count() == 2
    assert set(selectors.children_problems(t.nanling, today())) == {q, p}


def test_reminders_and_escalations_are_sent_once(rpt: SimpleNamespace) -> None:
    submit(rpt.hengan, rpt.tree.hengan)
    # 15:30: the villages' deadline (16:00) is within the hour; 华阳 and 东市场 have not submitted
    assert actions.remind_unsubmitted(now=at(15, 30)) == 2
    assert Notification.objects.filter(kind="report_reminder", user=rpt.huayang).count() == 1
    assert not Notification.objects.filter(kind="report_reminder", user=rpt.hengan).exists()
    actions.remind_unsubmitted(now=at(15, 40))
    assert Notification.objects.filter(kind="report_reminder", user=rpt.huayang).count() == 1
    # after 16:00 the two villages are escalated, once
    n = actions.escalate_missing(now=at(16, 30))
    assert n == 2
    assert actions.escalate_missing(now=at(16, 40)) == 2  # idempotent: keys, no new rows
    from fangkong.notifications.models import Escalation

    key = actions.missing_key(rpt.tree.huayang, today())
    assert Escalation.objects.filter(resolved_at__isnull=True).count() == 2
    # 华阳 submits late: accepted, marked late, and its escalation is resolved
    late = submit(rpt.huayang, rpt.tree.huayang, at=at(16, 50))
    assert late.late
    assert Escalation.objects.get(key=key).resolved_at is not None
    assert Escalation.objects.filter(resolved_at__isnull=True).count() == 1
