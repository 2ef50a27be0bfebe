"""The figures of a grid's day are computed from the records, one definition each, and the
refresh stores them idempotently without touching confirmations."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.observation.choices import Status
from fangkong.regions import actions as region_actions
from fangkong.zeroreport import actions, figures
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def test_screened_and_fever_count_the_day_in_the_grid_only(
    tree: SimpleNamespace, today: dt.date
) -> None:
    # given screenings today, yesterday and in the other grid
    yesterday = today - dt.timedelta(days=1)
    f.screening(tree.grid1, today, "36.5")
    f.screening(tree.grid1, today, "37.3")  # fever: 37.3 counts
    f.screening(tree.grid1, yesterday, "38.0")
    f.screening(tree.grid2, today, "39.0")
    obs = f.observation(tree.grid1, today - dt.timedelta(days=3))
    f.check_in(obs, today, "37.5")  # fever at check-in
    f.check_in(obs, yesterday, "37.2")  # not a fever

    # when
    mine = figures.for_grid(tree.grid1, today)
    then = figures.for_grid(tree.grid1, yesterday)

    # then
    assert mine["screened"] == 2
    assert mine["fever_found"] == 2
    assert then["screened"] == 1 and then["fever_found"] == 1
    assert figures.for_grid(tree.grid2, today)["fever_found"] == 1


def test_observations_active_and_missed_check_ins(tree: SimpleNamespace, today: dt.date) -> None:
    # given: one checked in today but not yesterday, one yesterday but not yet today, one
    # ended (released) two days ago, one not started, and one that ended today by its end date
    skipped_yesterday = f.observation(tree.grid1, today - dt.timedelta(days=2))
    f.check_in(skipped_yesterday, today)
    not_yet_today = f.observation(tree.grid1, today - dt.timedelta(days=5))
    f.check_in(not_yet_today, today - dt.timedelta(days=1))
    f.observation(
        tree.grid1,
        today - dt.timedelta(days=6),
        status=Status.RELEASED,
        ended_on=today - dt.timedelta(days=2),
    )
    f.observation(tree.grid1, today + dt.timedelta(days=1))
    f.observation(tree.grid1, today - dt.timedelta(days=14), status=Status.RELEASED, ended_on=today)
    morning = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(21)))

    # when
    at_nine = figures.for_grid(tree.grid1, today, now=morning)
    at_nine_pm = figures.for_grid(tree.grid1, today, now=evening)
    three_days_ago = figures.for_grid(tree.grid1, today - dt.timedelta(days=3))

    # then: today two run (the released one ended; the last ended today). In the morning only
    # yesterday's check-in is due (as in the observation to-do); from 20:00 today's is too.
    assert at_nine["observations_active"] == 2
    assert at_nine["check_ins_missed"] == 1
    assert at_nine_pm["check_ins_missed"] == 2
    # three days ago: 'not_yet_today' (no check-in that day), the released one (ended later)
    # and the one that ended today were running, none checked in; the day is over
    assert three_days_ago["observations_active"] == 3
    assert three_days_ago["check_ins_missed"] == 3


def test_a_morning_with_everyone_checked_in_yesterday_is_not_abnormal(
    tree: SimpleNamespace, today: dt.date
) -> None:
    # given someone under observation who checked in yesterday and not yet today
    running = f.observation(tree.grid1, today - dt.timedelta(days=3))
    f.check_in(running, today - dt.timedelta(days=1))
    morning = timezone.make_aware(dt.datetime.combine(today, dt.time(8)))

    # then the morning's figures allow a zero report
    assert not figures.is_abnormal(figures.for_grid(tree.grid1, today, now=morning))


def test_flagged_travellers_pending_go_down_as_they_are_handled(
    tree: SimpleNamespace, today: dt.date
) -> None:
    # given hand-overs to grid 1: one from yesterday still waiting, one from yesterday handled
    # this morning, one received and handled today, one received today still waiting
    yesterday = today - dt.timedelta(days=1)
    f.handover(tree.grid1, tree.nanguan, f.local(yesterday, 23, 55))
    old = f.handover(tree.grid1, tree.nanguan, f.local(yesterday, 10))
    f.handled(old, f.local(today, 0, 5))  # just after local midnight
    quick = f.handover(tree.grid1, tree.nanguan, f.local(today, 0, 10))
    f.handled(quick, f.local(today, 0, 20))
    f.handover(tree.grid1, tree.nanguan, f.local(today, 0, 30))
    f.handover(tree.grid2, tree.nanguan, f.local(today, 0, 30))

    # then today: the two still waiting are pending, the two handled today are handled
    now = figures.for_grid(tree.grid1, today)
    assert (now["passages_pending"], now["passages_handled"]) == (2, 2)
    # and yesterday, at its end: both of its hand-overs were still waiting, none handled
    before = figures.for_grid(tree.grid1, yesterday)
    assert (before["passages_pending"], before["passages_handled"]) == (2, 0)
    # and the other grid counts only its own
    assert figures.for_grid(tree.grid2, today)["passages_pending"] == 1


def test_a_grid_that_handled_every_hand_over_may_file_a_zero_report(
    tree: SimpleNamespace, today: dt.date
) -> None:
    # given a hand-over received and handled today
    h = f.handover(tree.grid1, tree.nanguan, f.local(today, 0, 10))
    assert figures.is_abnormal(figures.for_grid(tree.grid1, today))
    f.handled(h, f.local(today, 0, 15))
    # then the day is no longer abnormal and a zero report is accepted
    live = figures.for_grid(tree.grid1, today)
    assert not figures.is_abnormal(live)
    grid_day = actions.confirm_day(actor=None, grid=tree.grid1, zero_report=True)
    assert grid_day.zero_report
    assert (grid_day.passages_pending, grid_day.passages_handled) == (0, 1)


def test_care_open_at_the_end_of_a_past_day(tree: SimpleNamespace, today: dt.date) -> None:
    d = today - dt.timedelta(days=3)
    f.care(tree.grid1, d - dt.timedelta(days=1))  # still open
    f.care(tree.grid1, d, closed_at=f.local(d + dt.timedelta(days=1), 10))  # open at end of d
    f.care(tree.grid1, d, closed_at=f.local(d, 16))  # closed the same day
    f.care(tree.grid1, d + dt.timedelta(days=1))  # not yet requested on d

    assert figures.for_grid(tree.grid1, d)["care_open"] == 2
    assert figures.for_grid(tree.grid1, today)["care_open"] == 2  # open one + the later one


def test_abnormal_is_fever_missed_or_handover() -> None:
    zero = dict.fromkeys(["screened", "observations_active", "care_open"], 5)
    assert not figures.is_abnormal(zero)
    assert not figures.is_abnormal({**zero, "passages_handled": 3})
    for key in ("fever_found", "check_ins_missed", "passages_pending"):
        assert figures.is_abnormal({**zero, key: 1})


def test_compute_runs_a_fixed_number_of_queries(
    tree: SimpleNamespace, today: dt.date, django_assert_num_queries: object
) -> None:
    for grid in (tree.grid1, tree.grid2, tree.other_grid):
        f.screening(grid, today)
    with django_assert_num_queries(8):  # type: ignore[operator]
        computed = figures.compute(today, tree.province.path)
    assert computed.of(tree.other_grid.path)["screened"] == 1


def test_refresh_upserts_every_active_grid_and_is_idempotent(
    tree: SimpleNamespace, today: dt.date
) -> None:
    # given a retired grid and a screening
    retired = region_actions.create_grid(actor=None, village=tree.huayang, name="临时网格")
    region_actions.retire_grid(actor=None, grid=retired, reason="测试")
    f.screening(tree.grid1, today)
    audit_before = AuditEvent.objects.count()

    # when refreshed twice
    n1 = actions.refresh_grid_days(day=today)
    n2 = actions.refresh_grid_days(day=today)

    # then one row per active grid, the system refresh is not audited
    assert n1 == n2 == 3
    assert GridDay.objects.filter(day=today).count() == 3
    assert not GridDay.objects.filter(grid=retired).exists()
    assert GridDay.objects.get(grid=tree.grid1, day=today).screened == 1
    assert AuditEvent.objects.count() == audit_before


def test_refresh_keeps_confirmations_and_updates_figures(
    tree: SimpleNamespace, today: dt.date, make_user: object
) -> None:
    worker = make_user(tree.grid1, roles=["grid_worker"])  # type: ignore[operator]
    actions.confirm_day(actor=worker, grid=tree.grid1, zero_report=True)
    f.screening(tree.grid1, today)

    actions.refresh_grid_days(day=today, under=tree.huayang)

    row = GridDay.objects.get(grid=tree.grid1, day=today)
    assert row.screened == 1
    assert row.confirmed_at is not None and row.zero_report and row.confirmed_by == worker


def test_refresh_under_a_division_touches_only_its_grids(
    tree: SimpleNamespace, today: dt.date
) -> None:
    assert actions.refresh_grid_days(day=today, under=tree.huayang) == 2
    assert set(GridDay.objects.values_list("grid", flat=True)) == {tree.grid1.pk, tree.grid2.pk}


def test_the_migration_recomputes_stored_days_as_pending_and_handled(
    tree: SimpleNamespace, today: dt.date
) -> None:
    # given stored days from before the two figures existed (zeros) and yesterday's hand-overs,
    # one handled this morning
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "fangkong.zeroreport.migrations.0003_passages_pending_handled"
    )
    yesterday = today - dt.timedelta(days=1)
    f.handover(tree.grid1, tree.nanguan, f.local(yesterday, 9))
    f.handled(f.handover(tree.grid1, tree.nanguan, f.local(yesterday, 10)), f.local(today, 0, 5))
    actions.refresh_grid_days(day=yesterday)
    GridDay.objects.update(passages_pending=0, passages_handled=0)

    # when the data migration runs
    migration.recompute(apps, None)

    # then yesterday reads as a refresh would: both waiting at its end, none handled
    row = GridDay.objects.get(grid=tree.grid1, day=yesterday)
    assert (row.passages_pending, row.passages_handled) == (2, 0)
    assert figures.for_grid(tree.grid1, yesterday)["passages_pending"] == 2
    assert GridDay.objects.get(grid=tree.grid2, day=yesterday).passages_pending == 0
