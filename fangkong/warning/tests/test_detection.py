"""Detection runs on hand-built daily series: alarms on the right days, consecutive alarm days
grouped into one signal, a gap opening a second one, re-runs writing nothing twice, stocks and
other provinces' parameters, and the alert that reaches the 包保 leader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.command.models import GroupMember
from fangkong.command.tests.factories import make_group, make_member, make_responsibility
from fangkong.notifications.models import Escalation, Kind, Notification
from fangkong.warning import detection, methods
from fangkong.warning.choices import Indicator, Method, Source
from fangkong.warning.models import Alarm, Parameters, Signal
from fangkong.warning.tests.signal_factories import DAY, FLAT, flat_then, put_series

ONE = dt.timedelta(days=1)


def _c1(**lookup: object) -> list[Signal]:
    return list(Signal.objects.filter(method=Method.C1, **lookup).order_by("start"))


def test_a_spike_after_a_flat_series_raises_a_c1_alarm_on_the_spike_day(
    tree: SimpleNamespace,
) -> None:
    # given 30 days of 5 cases a day in 南关区, then 30 cases
    flat_then(tree.nanguan, [30])

    # when detection runs for the day before and for the spike day
    detection.run_day(DAY - ONE)
    assert not Alarm.objects.filter(method=Method.C1).exists()
    recorded = detection.run_day(DAY)

    # then C1 raised an alarm on the spike day: 30 observed over a threshold of 5 (a flat
    # baseline has no spread)
    alarm = Alarm.objects.get(method=Method.C1, day=DAY)
    assert (alarm.observed, alarm.threshold) == (30, pytest.approx(5.0))
    assert alarm.division == tree.nanguan and alarm.indicator == Indicator.CONFIRMED_LOCAL
    assert recorded == Alarm.objects.filter(day=DAY).count() >= 1
    # and it is the first day of a signal, waiting for a verdict
    (signal,) = _c1()
    assert (signal.start, signal.end, signal.alarms, signal.peak_observed) == (DAY, DAY, 1, 30)
    assert signal.verdict == "" and signal.escalation_key == f"warning:{signal.pk}"
    # and the numbers are those of methods.detect
    bounds = methods.detect(Method.C1, [FLAT] * 30 + [30])
    assert bounds[-1].alarm is True and bounds[-1].upperbound == pytest.approx(alarm.threshold)


def test_alarms_on_consecutive_days_are_one_signal(tree: SimpleNamespace) -> None:
    # given a spike that goes on growing for a second day
    flat_then(tree.nanguan, [30, 60])

    # when detection runs day by day
    detection.run_day(DAY)
    detection.run_day(DAY + ONE)

    # then C1's two alarms make one signal from the first day to the second
    assert list(Alarm.objects.filter(method=Method.C1).values_list("day", flat=True)) == [
        DAY + ONE,
        DAY,
    ]
    (signal,) = _c1()
    assert (signal.start, signal.end, signal.alarms, signal.peak_observed) == (
        DAY,
        DAY + ONE,
        2,
        60,
    )
    assert set(Alarm.objects.filter(method=Method.C1).values_list("signal", flat=True)) == {
        signal.pk
    }


def test_a_range_run_groups_the_same_way_as_a_day_by_day_run(tree: SimpleNamespace) -> None:
    flat_then(tree.nanguan, [30, 60])
    detection.run_range(DAY - 5 * ONE, DAY + 3 * ONE)
    (signal,) = _c1()
    assert (signal.start, signal.end, signal.alarms) == (DAY, DAY + ONE, 2)


def test_a_day_without_an_alarm_between_two_opens_a_second_signal(tree: SimpleNamespace) -> None:
    # given a spike, an ordinary day, and a bigger spike
    flat_then(tree.nanguan, [30, FLAT, 200])

    # when detection runs over the three days
    for i in range(3):
        detection.run_day(DAY + i * ONE)

    # then C1 raised two signals of one day each
    signals = _c1()
    assert [(s.start, s.end, s.alarms) for s in signals] == [
        (DAY, DAY, 1),
        (DAY + 2 * ONE, DAY + 2 * ONE, 1),
    ]
    assert len({s.escalation_key for s in signals}) == 2


def test_re_running_a_day_or_a_range_records_nothing_twice(tree: SimpleNamespace) -> None:
    flat_then(tree.nanguan, [30, 60])
    first = detection.run_range(DAY - ONE, DAY + ONE)
    state = (
        list(Signal.objects.values_list("pk", "start", "end", "alarms").order_by("pk")),
        Alarm.objects.count(),
        Escalation.objects.count(),
        Notification.objects.count(),
    )
    assert first > 0

    # when the same days run again, alone and as a range
    assert detection.run_day(DAY) == 0
    assert detection.run_day(DAY + ONE) == 0
    assert detection.run_range(DAY - ONE, DAY + ONE) == 0

    # then nothing is added
    after = (
        list(Signal.objects.values_list("pk", "start", "end", "alarms").order_by("pk")),
        Alarm.objects.count(),
        Escalation.objects.count(),
        Notification.objects.count(),
    )
    assert after == state


def test_stocks_are_not_watched_and_zero_series_cost_nothing(tree: SimpleNamespace) -> None:
    # given free beds that jump (a stock), and an imported series of the same division
    flat_then(tree.nanguan, [300], indicator=Indicator.BEDS_FREE)
    flat_then(tree.nanguan, [40], source=Source.IMPORTED)

    detection.run_day(DAY)

    # then only the imported case series alarms
    assert set(Alarm.objects.filter(method=Method.C1).values_list("indicator", "source")) == {
        (Indicator.CONFIRMED_LOCAL, Source.IMPORTED)
    }


def test_detection_stops_at_the_county_unless_told_to_go_lower(tree: SimpleNamespace) -> None:
    flat_then(tree.huayang, [30])
    detection.run_day(DAY)
    assert not Alarm.objects.exists()
    detection.run_day(DAY, max_level=5)
    assert Alarm.objects.filter(division=tree.huayang, method=Method.C1).exists()


def test_under_limits_the_run_to_a_subtree(tree: SimpleNamespace) -> None:
    flat_then(tree.nanguan, [30])
    flat_then(tree.changyi, [30])
    detection.run_day(DAY, under=tree.changchun)
    assert set(Alarm.objects.values_list("division", flat=True)) == {tree.nanguan.pk}


def test_the_province_s_parameters_are_used(tree: SimpleNamespace) -> None:
    # given a province whose EARS minimum sigma makes 30 after a flat 5 ordinary
    Parameters.objects.create(
        division=tree.province, division_path=tree.province.path, ears_min_sigma=20
    )
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    assert not Alarm.objects.filter(method=Method.C1).exists()


def test_the_run_costs_the_same_queries_for_one_series_as_for_many(
    tree: SimpleNamespace,
) -> None:
    # (without alerts: opening each new signal's escalation costs a few queries per signal)
    flat_then(tree.nanguan, [FLAT])
    with CaptureQueriesContext(connection) as few:
        detection.run_day(DAY, alert=False)
    for indicator in (Indicator.CLINIC_VISITS, Indicator.FEVERS_FOUND, Indicator.CONTACTS_NEW):
        flat_then(tree.nanguan, [FLAT], indicator=indicator)
        flat_then(tree.changyi, [FLAT], indicator=indicator)
    with CaptureQueriesContext(connection) as many:
        detection.run_day(DAY, alert=False)
    # (a write that has nothing to write is skipped: opening, extending, recounting signals
    # cost one query each when there is any)
    assert len(many) <= len(few) + 3


def test_a_year_of_every_method_on_a_long_series_runs(tree: SimpleNamespace) -> None:
    # three years and a half of a weekly rhythm with an outbreak in the last month: the
    # moving percentile method has its history and raises alarms too
    first = DAY - dt.timedelta(days=3 * 365 + 200)
    n = (DAY - first).days + 31
    values = [3 + (i % 7 == 0) * 2 for i in range(n)]
    for i in range(n - 20, n):
        values[i] = 40
    put_series(tree.nanguan, values, first=first)
    detection.run_range(DAY - dt.timedelta(days=60), DAY + dt.timedelta(days=30), alert=False)
    methods_alarmed = set(Alarm.objects.values_list("method", flat=True))
    assert {Method.C1, Method.MOVING_PERCENTILE, Method.CUSUM} <= methods_alarmed
    assert not Escalation.objects.exists()
    mpm = Alarm.objects.filter(method=Method.MOVING_PERCENTILE).order_by("day").first()
    assert mpm is not None and mpm.observed > mpm.threshold


def test_the_moving_percentile_needs_three_years_since_the_series_began(
    tree: SimpleNamespace,
) -> None:
    # given a series that began a month ago (as COVID-19 did): no history for the method
    flat_then(tree.nanguan, [30, 60, 90])
    detection.run_range(DAY, DAY + 2 * ONE, alert=False)
    assert Alarm.objects.filter(method=Method.C1).exists()
    assert not Alarm.objects.filter(method=Method.MOVING_PERCENTILE).exists()


@pytest.fixture
def leader(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """The county deputy answering for 南关区's medical work (包保), with an account."""
    group = make_group(tree.nanguan)
    deputy = make_member(group, "王晓梅", "副区长", "deputy", "13900000002")
    user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="wangxm")
    GroupMember.objects.filter(pk=deputy.pk).update(account=user)
    make_responsibility(deputy, tree.nanguan, field="medical")
    return user


def test_a_new_signal_alerts_the_responsible_leader_in_their_notification_centre(
    tree: SimpleNamespace, leader: User, client_for: Callable[[User | None], object]
) -> None:
    # given a spike of local cases in 南关区
    flat_then(tree.nanguan, [30])

    # when detection runs
    detection.run_day(DAY)

    # then an escalation is open at 南关区 for the new signal, in the medical field
    signal = Signal.objects.get(method=Method.C1)
    escalation = Escalation.objects.get(key=signal.escalation_key)
    assert escalation.division == tree.nanguan and escalation.field == "medical"
    assert escalation.kind == Kind.ALERT and escalation.source == "warning"
    assert escalation.link == reverse("warning:signal", args=[signal.pk])
    assert escalation.resolved_at is None
    # and the 包保 leader has it in the app (and by SMS)
    note = Notification.objects.get(user=leader, link=escalation.link)
    assert note.kind == Kind.ALERT and note.phone == "13900000002"
    assert tree.nanguan.name in note.title
    page = client_for(leader).get(reverse("notifications:list"))  # type: ignore[attr-defined]
    assert escalation.link in page.content.decode()


def test_methods_that_see_the_same_rise_make_one_alert(tree: SimpleNamespace, leader: User) -> None:
    # given a spike every method but the moving percentile flags, and a rise the next day
    flat_then(tree.nanguan, [30, 40])

    # when detection runs day by day
    detection.run_day(DAY)
    detection.run_day(DAY + ONE)

    # then each method has its signal, but the leader has one alert for the series' rise
    signals = list(Signal.objects.filter(division=tree.nanguan))
    assert len({s.method for s in signals}) >= 3
    assert len({s.escalation_key for s in signals}) == 1
    assert Escalation.objects.filter(source="warning").count() == 1
    assert Notification.objects.filter(user=leader).count() == 1

    # when the leader gives one of them a verdict, the alert is resolved for all
    from fangkong.warning import actions

    actions.judge_signal(signals[0], actor=leader, verdict="real", note="")
    assert Escalation.objects.get(source="warning").resolved_at is not None

    # and a rise of the series after that is a new alert
    put_series(tree.nanguan, [90], first=DAY + 3 * ONE)
    detection.run_day(DAY + 3 * ONE)
    assert Escalation.objects.filter(source="warning").count() == 2


def test_a_back_fill_can_leave_the_leaders_alone(tree: SimpleNamespace, leader: User) -> None:
    flat_then(tree.nanguan, [30])
    detection.run_range(DAY, DAY, alert=False)
    assert Signal.objects.exists() and not Notification.objects.exists()


def test_the_run_is_audited_as_the_system(tree: SimpleNamespace) -> None:
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    event = AuditEvent.objects.get(action="warning.detection_run")
    assert event.changes["alarms"] == Alarm.objects.count()


def test_the_command_runs_a_range_and_refuses_bad_days(tree: SimpleNamespace) -> None:
    flat_then(tree.nanguan, [30, 60])
    out = StringIO()
    call_command(
        "run_warning",
        "--from",
        (DAY - ONE).isoformat(),
        "--to",
        (DAY + ONE).isoformat(),
        "--no-indicators",
        stdout=out,
    )
    assert Signal.objects.filter(method=Method.C1).count() == 1
    with pytest.raises(CommandError):
        call_command("run_warning", "--day", "2020-02-30", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("run_warning", "--from", "2020-03-02", "--to", "2020-03-01")
    with pytest.raises(CommandError):
        call_command("run_warning", "--day", "2020-03-01", "--under", "999")
