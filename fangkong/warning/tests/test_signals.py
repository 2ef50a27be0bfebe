"""Verdicts, false-alarm rates and the province's parameters, through the actions and
selectors: a verdict is kept and resolves the alert, changes are audited with the old value,
only the signal's area may judge it, and parameters outside their bounds are refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.notifications.models import Escalation
from fangkong.warning import actions, detection, selectors
from fangkong.warning.choices import Method, Verdict
from fangkong.warning.models import Parameters, Signal
from fangkong.warning.parameters import params_for_path
from fangkong.warning.tests.signal_factories import DAY, flat_then, make_signal


@pytest.fixture
def office(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhb")


def _detected(tree: SimpleNamespace) -> Signal:
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    return Signal.objects.get(method=Method.C1)


def test_a_verdict_is_kept_and_resolves_the_alert(tree: SimpleNamespace, office: User) -> None:
    # given a signal detection opened, with its alert open
    signal = _detected(tree)
    assert Escalation.objects.get(key=signal.escalation_key).resolved_at is None

    # when the county command office finds it a false alarm
    actions.judge_signal(signal, actor=office, verdict=Verdict.FALSE_ALARM, note="")

    # then the verdict is kept with who and when, and the alert is resolved
    signal.refresh_from_db()
    assert (signal.verdict, signal.verdict_by, signal.verdict_at is not None) == (
        Verdict.FALSE_ALARM,
        office,
        True,
    )
    assert Escalation.objects.get(key=signal.escalation_key).resolved_at is not None
    event = AuditEvent.objects.get(action="warning.signal_judge")
    assert event.changes["verdict"] == ["", Verdict.FALSE_ALARM]
    assert event.division_path == tree.nanguan.path


def test_a_verdict_can_be_changed_and_the_old_one_is_audited(
    tree: SimpleNamespace, office: User
) -> None:
    signal = make_signal(tree.nanguan)
    actions.judge_signal(signal, actor=office, verdict=Verdict.FALSE_ALARM)
    actions.judge_signal(signal, actor=office, verdict=Verdict.EXPLAINED, note="  学校体检  ")
    signal.refresh_from_db()
    assert (signal.verdict, signal.verdict_note) == (Verdict.EXPLAINED, "学校体检")
    event = AuditEvent.objects.get(action="warning.signal_rejudge")
    assert event.changes["verdict"] == [Verdict.FALSE_ALARM, Verdict.EXPLAINED]
    assert event.changes["verdict_note"] == ["", "学校体检"]


def test_explained_needs_a_note_and_the_verdict_must_be_one_of_the_three(
    tree: SimpleNamespace, office: User
) -> None:
    signal = make_signal(tree.nanguan)
    with pytest.raises(ActionError) as refused:
        actions.judge_signal(signal, actor=office, verdict=Verdict.EXPLAINED, note="   ")
    assert refused.value.field == "note"
    with pytest.raises(ActionError):
        actions.judge_signal(signal, actor=office, verdict="maybe")
    with pytest.raises(ActionError):
        actions.judge_signal(signal, actor=office, verdict=Verdict.REAL, note="长" * 301)
    signal.refresh_from_db()
    assert (
        signal.verdict == ""
        and not AuditEvent.objects.filter(action__startswith="warning.signal").exists()
    )


def test_another_county_cannot_judge_and_a_reader_cannot_either(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    signal = make_signal(tree.nanguan)
    other = make_user(tree.changyi, roles=[Role.COUNTY_COMMAND])
    with pytest.raises(OutOfJurisdiction):
        actions.judge_signal(signal, actor=other, verdict=Verdict.REAL)
    reader = make_user(tree.nanguan, roles=[Role.ORGANIZATION_DEPT])
    with pytest.raises(PermissionDenied):
        actions.judge_signal(signal, actor=reader, verdict=Verdict.REAL)
    signal.refresh_from_db()
    assert signal.verdict == ""
    assert selectors.signals(other).count() == 0


def test_false_alarm_rates_per_method(
    tree: SimpleNamespace, office: User, make_user: Callable[..., User]
) -> None:
    # given C1 signals: two false alarms, one real, one open; a CUSUM explained one; and a
    # false alarm in 昌邑区, outside the office's area
    for i, verdict in enumerate((Verdict.FALSE_ALARM, Verdict.FALSE_ALARM, Verdict.REAL, "")):
        make_signal(tree.nanguan, verdict=verdict, day=DAY - dt.timedelta(days=2 * i))
    make_signal(tree.nanguan, method=Method.CUSUM, verdict=Verdict.EXPLAINED)
    make_signal(tree.changyi, verdict=Verdict.FALSE_ALARM)

    # when the office asks for its rates
    by_method = {r.method: r for r in selectors.rates(office)}

    # then C1 has 4 signals, 3 judged, 2 false: a rate of 2/3; CUSUM 0 of 1; C2 none judged
    c1 = by_method[Method.C1]
    assert (c1.signals, c1.open, c1.judged, c1.false_alarm) == (4, 1, 3, 2)
    assert c1.rate == pytest.approx(2 / 3) and c1.percent == "66.7%"
    assert by_method[Method.CUSUM].rate == 0
    assert by_method[Method.C2].rate is None and by_method[Method.C2].percent == "—"
    # and the province sees 昌邑区's too; a window of days leaves out the signals before it
    province = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    assert {r.method: r for r in selectors.rates(province)}[Method.C1].false_alarm == 3
    later = DAY + dt.timedelta(days=1)
    assert sum(r.signals for r in selectors.rates(office, later, None)) == 0


def test_the_rates_cost_one_query(
    tree: SimpleNamespace, office: User, django_assert_num_queries: Any
) -> None:
    for i in range(5):
        make_signal(tree.nanguan, verdict=Verdict.REAL, day=DAY - dt.timedelta(days=2 * i))
    with django_assert_num_queries(1):
        selectors.rates(office)


@pytest.fixture
def provincial(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.province, roles=[Role.PROVINCE_COMMAND])


def test_parameters_are_set_checked_and_audited(tree: SimpleNamespace, provincial: User) -> None:
    row = actions.set_parameters(
        tree.province, actor=provincial, si_mean=6.5, si_sd=3.0, ears_baseline=14
    )
    assert (row.si_mean, row.si_sd, row.ears_baseline, row.ears_alpha) == (6.5, 3.0, 14, 0.001)
    event = AuditEvent.objects.get(action="warning.parameters_set")
    assert event.changes["si_mean"] == [None, 6.5]
    actions.set_parameters(tree.province, actor=provincial, si_mean=7.0)
    last = AuditEvent.objects.filter(action="warning.parameters_set").latest("pk")
    assert last.changes == {"si_mean": [6.5, 7.0]}
    # and detection reads them
    assert params_for_path(tree.nanguan.path).ears_baseline == 14


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("si_mean", 1),
        ("si_mean", 30),
        ("si_mean", float("nan")),
        ("si_sd", 0),
        ("si_sd", -1),
        ("ears_alpha", 0),
        ("ears_alpha", 0.5),
        ("ears_baseline", 2),
        ("ears_baseline", 29),
        ("ears_baseline", 7.5),
        ("percentile", 49),
        ("percentile", 100),
        ("cusum_k", 0),
        ("cusum_h", -1),
        ("cusum_h", float("inf")),
        ("ears_min_sigma", -0.1),
        ("si_mean", "abc"),
    ],
)
def test_parameters_outside_their_bounds_are_refused(
    tree: SimpleNamespace, provincial: User, name: str, value: object
) -> None:
    with pytest.raises(ActionError) as refused:
        actions.set_parameters(tree.province, actor=provincial, **{name: value})
    assert refused.value.field == name
    assert (
        not Parameters.objects.exists()
        and not AuditEvent.objects.filter(action="warning.parameters_set").exists()
    )


def test_parameters_belong_to_a_province_and_its_own_users(
    tree: SimpleNamespace, make_user: Callable[..., User], provincial: User
) -> None:
    with pytest.raises(ActionError):
        actions.set_parameters(tree.changchun, actor=provincial, si_mean=6)
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    with pytest.raises(PermissionDenied):
        actions.set_parameters(tree.province, actor=county, si_mean=6)
    with pytest.raises(ActionError):
        actions.set_parameters(tree.province, actor=provincial, nonsense=1)
