"""Confirming a grid's day: the zero report only when nothing is abnormal, today or yesterday
only, in the actor's jurisdiction, audited with before and after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.zeroreport import actions
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.grid1, roles=["grid_worker"], username="wangge_t")


def test_a_zero_report_on_a_quiet_day_is_stored_and_audited(
    tree: SimpleNamespace, worker: User
) -> None:
    f.screening(tree.grid1, timezone.localdate())

    row = actions.confirm_day(actor=worker, grid=tree.grid1, zero_report=True)

    assert row.zero_report and row.confirmed_by == worker and not row.confirmed_late
    assert row.screened == 1
    event = AuditEvent.objects.get(action="grid_day.zero_report")
    assert event.object_id == str(row.pk)
    assert event.changes["zero_report"] == [None, True]


def test_a_zero_report_is_refused_when_something_is_abnormal(
    tree: SimpleNamespace, worker: User
) -> None:
    f.screening(tree.grid1, timezone.localdate(), "38.2")

    with pytest.raises(ActionError) as exc:
        actions.confirm_day(actor=worker, grid=tree.grid1, zero_report=True)

    assert exc.value.code == "abnormal"
    assert "零报告" in exc.value.message
    assert not GridDay.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="grid_day").exists()


def test_abnormal_figures_are_confirmed_with_a_note_and_reconfirming_updates(
    tree: SimpleNamespace, worker: User
) -> None:
    obs = f.observation(tree.grid1, timezone.localdate() - dt.timedelta(days=2))

    first = actions.confirm_day(actor=worker, grid=tree.grid1, zero_report=False, note="已电话提醒")
    assert first.check_ins_missed == 1 and not first.zero_report and first.note == "已电话提醒"

    # the missed check-in was yesterday's; after it is entered (and today's, which counts as
    # missed too from 20:00) the day is quiet
    f.check_in(obs, timezone.localdate() - dt.timedelta(days=1))
    f.check_in(obs, timezone.localdate())
    again = actions.confirm_day(actor=worker, grid=tree.grid1, zero_report=True)

    assert again.pk == first.pk and again.zero_report and again.check_ins_missed == 0
    events = list(AuditEvent.objects.filter(action__startswith="grid_day").order_by("id"))
    assert [e.action for e in events] == ["grid_day.confirm", "grid_day.zero_report"]
    assert events[1].changes["check_ins_missed"] == [1, 0]
    assert events[1].changes["zero_report"] == [False, True]


def test_yesterday_is_late_older_and_future_days_are_refused(
    tree: SimpleNamespace, worker: User
) -> None:
    today = timezone.localdate()
    late = actions.confirm_day(
        actor=worker, grid=tree.grid1, day=today - dt.timedelta(days=1), zero_report=True
    )
    assert late.confirmed_late

    for day, code in (
        (today - dt.timedelta(days=2), "day_too_old"),
        (today + dt.timedelta(days=1), "future_day"),
    ):
        with pytest.raises(ActionError) as exc:
            actions.confirm_day(actor=worker, grid=tree.grid1, day=day, zero_report=True)
        assert exc.value.code == code
    assert GridDay.objects.count() == 1


def test_another_jurisdiction_is_refused(tree: SimpleNamespace, worker: User) -> None:
    with pytest.raises(OutOfJurisdiction):
        actions.confirm_day(actor=worker, grid=tree.grid2, zero_report=True)
    assert not GridDay.objects.exists()


def test_only_a_grid_and_a_short_note(tree: SimpleNamespace, make_user: Any) -> None:
    secretary = make_user(tree.huayang, roles=["village_secretary"])
    with pytest.raises(ActionError):
        actions.confirm_day(actor=secretary, grid=tree.huayang, zero_report=True)
    with pytest.raises(ActionError) as exc:
        actions.confirm_day(actor=secretary, grid=tree.grid1, zero_report=False, note="x" * 301)
    assert exc.value.field == "note"
    # the village secretary may confirm a grid of the village
    assert actions.confirm_day(actor=secretary, grid=tree.grid2, zero_report=True).pk
