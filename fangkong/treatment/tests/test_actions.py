"""Admission and transfer through the actions: the whole course of a patient from the fever
clinic's isolation bed to discharge, the bed counters at every step, the batch allocation, the
nightly bed check, and every refusal answered with its code while writing nothing."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from conftest import database_vendor
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases import actions as case_actions
from fangkong.cases.choices import CaseOutcome, Severity
from fangkong.cases.models import Case
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Ward
from fangkong.observation.models import Observation
from fangkong.treatment import actions, selectors
from fangkong.treatment.choices import OrderKind, OrderState, PlanState, StayEnd, Transport
from fangkong.treatment.models import Order, Plan, Stay
from fangkong.treatment.tests.factories import (
    confirm,
    counts,
    place,
    ready_for_discharge,
    suspected_case,
    ward,
)

pytestmark = pytest.mark.django_db


def refused(call: Callable[[], Any]) -> ActionError:
    with pytest.raises(ActionError) as info:
        call()
    return info.value


@pytest.fixture
def world(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    """南关区: the fever clinic that reports (no beds of its own), a fever clinic 0.8 km away and
    one 20 km away with isolation beds, a designated hospital 8 km away with isolation beds and
    an ICU; a designated hospital of 昌邑区 (another county); the county's health commission
    officer and the staff of its hospitals."""
    w = SimpleNamespace(tree=tree)
    w.reporting = place(tree.nanguan, "南关区社区医院发热门诊", lon="125.35", lat="43.87")
    w.near = place(tree.nanguan, "南关区中心医院发热门诊", lon="125.36", lat="43.87")
    w.far = place(tree.nanguan, "南关区远郊医院发热门诊", lon="125.60", lat="43.90")
    w.hospital = place(
        tree.nanguan, "南关区定点医院", FacilityKind.DESIGNATED_HOSPITAL, lon="125.45", lat="43.88"
    )
    w.elsewhere = place(
        tree.changyi, "昌邑区定点医院", FacilityKind.DESIGNATED_HOSPITAL, lon="126.55", lat="43.84"
    )
    w.near_ward = ward(w.near, "隔离病区", capacity=10)
    w.far_ward = ward(w.far, "隔离病区", capacity=10)
    w.isolation = ward(w.hospital, "感染一病区", capacity=5)
    w.icu = ward(w.hospital, "ICU", BedType.ICU, capacity=2)
    w.other_county = ward(w.elsewhere, "感染一病区", capacity=5)
    w.officer = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="nanguan_wjw")
    w.receiver = make_user(tree.nanguan, roles=[Role.CLINIC_STAFF], username="nanguan_clinic")
    return w


def admit(w: SimpleNamespace, case: Case, ward: Ward | None = None) -> Order:
    """Order, accept and bring the patient to the bed."""
    order = actions.order_admission(actor=w.officer, case=case, ward=ward)
    actions.accept_order(actor=w.receiver, order=order)
    return actions.advance_transport(actor=w.receiver, order=order, transport=Transport.ARRIVED)


def move(w: SimpleNamespace, case: Case, ward: Ward, kind: str, severity: str = "") -> Order:
    order = actions.order_transfer(
        actor=w.officer, case=case, ward=ward, kind=kind, severity=severity
    )
    actions.accept_order(actor=w.receiver, order=order)
    return actions.advance_transport(actor=w.receiver, order=order, transport=Transport.ARRIVED)


def open_stay_of(case: Case) -> Stay:
    return Stay.objects.get(case=case, ended_at__isnull=True)


# --- the whole course -------------------------------------------------------------------------


def test_a_suspected_case_goes_from_isolation_to_discharge_and_every_bed_is_counted(
    world: SimpleNamespace,
) -> None:
    w = world
    # given a suspected case reported and isolated on the spot at a fever clinic without beds
    case = suspected_case(w.tree.grid1, w.reporting)
    assert case.outcome == CaseOutcome.ISOLATED
    assert list(selectors.waiting(w.officer)) == [case]

    # when the officer orders the admission without choosing a ward
    order = actions.order_admission(actor=w.officer, case=case, note="发热38.5℃")
    # then the nearest isolation bed is reserved: the clinic 0.8 km away, not the one 20 km away
    assert order.ward == w.near_ward and order.to_facility == w.near
    assert order.from_facility == w.reporting
    assert order.distance_km is not None and 0.5 < order.distance_km < 1.2
    assert order.state == OrderState.REQUESTED and order.transport == Transport.REQUESTED
    assert counts(w.near_ward) == (0, 1) and counts(w.far_ward) == (0, 0)
    # ... the case waits no more, and the reporting clinic stays responsible until acceptance
    assert list(selectors.waiting(w.officer)) == []
    case.refresh_from_db()
    assert case.responsible_facility == w.reporting

    # when the receiving clinic accepts
    order = actions.accept_order(actor=w.receiver, order=order)
    # then it is responsible for the case from now on
    assert order.state == OrderState.ACCEPTED and order.answered_by == w.receiver
    case.refresh_from_db()
    assert case.responsible_facility == w.near
    assert case.outcome == CaseOutcome.ISOLATED  # not in the bed yet

    # when the vehicle is dispatched, on the way, and arrives
    for step in (Transport.DISPATCHED, Transport.ON_THE_WAY, Transport.ARRIVED):
        order = actions.advance_transport(actor=w.receiver, order=order, transport=step)
    # then the patient is in the bed: the stay is open, the reserved bed became occupied
    assert order.state == OrderState.ARRIVED and order.arrived_at is not None
    stay = open_stay_of(case)
    assert stay.ward == w.near_ward and stay.order == order
    assert counts(w.near_ward) == (1, 0)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.ADMITTED

    # when the case is confirmed and transferred to the designated hospital
    case = confirm(case, Severity.ORDINARY)
    moved = move(w, case, w.isolation, OrderKind.TRANSFER_UP)
    # then the clinic's stay ended as a transfer and its bed is free; the hospital's is taken
    stay.refresh_from_db()
    assert stay.ended_at is not None and stay.end == StayEnd.TRANSFERRED
    assert counts(w.near_ward) == (0, 0) and counts(w.isolation) == (1, 0)
    assert moved.from_facility == w.near
    case.refresh_from_db()
    assert case.responsible_facility == w.hospital

    # when the patient worsens: up to ICU, the severity recorded with the order
    move(w, case, w.icu, OrderKind.TRANSFER_UP, severity=Severity.SEVERE)
    case.refresh_from_db()
    assert case.severity == Severity.SEVERE
    assert counts(w.icu) == (1, 0) and counts(w.isolation) == (0, 0)

    # when the patient recovers: down again
    move(w, case, w.isolation, OrderKind.TRANSFER_DOWN, severity=Severity.ORDINARY)
    case.refresh_from_db()
    assert case.severity == Severity.ORDINARY
    assert counts(w.icu) == (0, 0) and counts(w.isolation) == (1, 0)
    assert open_stay_of(case).ward == w.isolation

    # when the case is discharged (cases' action; treatment's ON_CASE_CLOSED hook)
    ready_for_discharge(case)
    case_actions.discharge_case(
        actor=w.officer,
        case=case,
        normal_since=timezone.localdate() - dt.timedelta(days=4),
        symptoms_better=True,
        imaging_improved=True,
    )
    # then the last stay ends as a discharge, the bed is free, and observation starts
    assert not Stay.objects.filter(case=case, ended_at__isnull=True).exists()
    last = Stay.objects.filter(case=case).order_by("-started_at", "-id").first()
    assert last is not None and last.end == StayEnd.DISCHARGED
    assert counts(w.isolation) == (0, 0)
    assert Observation.objects.filter(person=case.person).exists()
    # ... four stays, four orders, every one arrived
    assert [s.ward for s in selectors.stays_of(case)] == [
        w.near_ward,
        w.isolation,
        w.icu,
        w.isolation,
    ]
    assert {o.state for o in selectors.orders_of(case)} == {OrderState.ARRIVED}

    # and the nightly check finds every counter equal to the stays and orders
    check = actions.check_bed_counts()
    assert check.wrong == [] and check.wards == Ward.objects.count()


def test_a_refusal_gives_the_bed_back_and_the_patient_waits_again(world: SimpleNamespace) -> None:
    w = world
    # given an admission ordered to the near clinic
    case = suspected_case(w.tree.grid1, w.reporting)
    order = actions.order_admission(actor=w.officer, case=case, ward=w.near_ward)
    assert counts(w.near_ward) == (0, 1)
    # when the clinic refuses with the reason
    order = actions.refuse_order(actor=w.receiver, order=order, reason="  负压设备检修  ")
    # then the order is refused with it, the bed is free, the patient waits for another bed
    assert order.state == OrderState.REFUSED and order.refusal == "负压设备检修"
    assert counts(w.near_ward) == (0, 0)
    assert list(selectors.waiting(w.officer)) == [case]
    case.refresh_from_db()
    assert case.responsible_facility == w.reporting
    # ... and a new order may be placed
    actions.order_admission(actor=w.officer, case=case, ward=w.far_ward)
    assert counts(w.far_ward) == (0, 1)


def test_the_orderer_cancels_a_requested_or_an_accepted_order(world: SimpleNamespace) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    # given a requested order; when cancelled
    first = actions.order_admission(actor=w.officer, case=case, ward=w.near_ward)
    first = actions.cancel_order(actor=w.officer, order=first, reason="患者已转往上级医院")
    # then the bed is free
    assert first.state == OrderState.CANCELLED and first.refusal == "患者已转往上级医院"
    assert counts(w.near_ward) == (0, 0)
    # given an accepted order; when cancelled
    second = actions.order_admission(actor=w.officer, case=case, ward=w.near_ward)
    actions.accept_order(actor=w.receiver, order=second)
    second = actions.cancel_order(actor=w.officer, order=second, reason="车辆故障，改派")
    # then too; and a cancelled order cannot be accepted
    assert second.state == OrderState.CANCELLED and counts(w.near_ward) == (0, 0)
    assert refused(lambda: actions.accept_order(actor=w.receiver, order=second)).code == (
        "order_not_open"
    )


def test_the_nightly_check_finds_and_repairs_corrupted_counters(world: SimpleNamespace) -> None:
    w = world
    # given one patient in the near clinic and one order to the far clinic
    admit(w, suspected_case(w.tree.grid1, w.reporting), w.near_ward)
    actions.order_admission(
        actor=w.officer, case=suspected_case(w.tree.grid1, w.reporting), ward=w.far_ward
    )
    assert actions.check_bed_counts().wrong == []
    # ... and the near ward's counters changed behind the actions' back
    Ward.objects.filter(pk=w.near_ward.pk).update(occupied=4, reserved=2)
    # when the check runs without repair
    check = actions.check_bed_counts()
    # then it lists that ward, with what is stored and what the stays and orders say
    assert [(x["ward"], x["occupied"], x["reserved"]) for x in check.wrong] == [
        (w.near_ward.pk, [4, 1], [2, 0])
    ]
    assert not check.repaired and counts(w.near_ward) == (4, 2)
    # when it runs with repair
    check = actions.check_bed_counts(repair=True)
    # then the counters are those of the stays and orders again, the repair audited
    assert check.repaired
    assert counts(w.near_ward) == (1, 0) and counts(w.far_ward) == (0, 1)
    assert AuditEvent.objects.filter(action="treatment.bed_repair").count() == 1
    assert actions.check_bed_counts().wrong == []


# --- batch allocation ---------------------------------------------------------------------------


def test_a_plan_places_as_many_as_there_are_beds_and_confirming_issues_the_orders(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    # given 3 suspected patients waiting at a clinic and 2 free isolation beds in the county
    officer = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    reporting = place(tree.nanguan, "南关区社区医院发热门诊", lon="125.35", lat="43.87")
    clinic = place(tree.nanguan, "南关区中心医院发热门诊", lon="125.36", lat="43.87")
    beds = ward(clinic, capacity=2)
    cases = [suspected_case(tree.grid1, reporting) for _ in range(3)]
    # when the officer proposes a plan for the county
    plan = actions.propose_plan(actor=officer, division=tree.nanguan)
    # then 2 are placed, the third is listed with the reason; nothing is reserved yet
    assert (plan.state, plan.waiting, plan.placed) == (PlanState.PROPOSED, 3, 2)
    assert [u["reason"] for u in plan.unplaced] == ["no_free_bed"]
    assert {a["case"] for a in plan.assignments} | {plan.unplaced[0]["case"]} == {
        c.pk for c in cases
    }
    assert counts(beds) == (0, 0) and not Order.objects.exists()
    # when the plan is confirmed
    done = actions.confirm_plan(actor=officer, plan=plan)
    # then 2 orders reserve the 2 beds, and the plan is confirmed
    assert len(done.orders) == 2 and done.failed == []
    assert done.plan.state == PlanState.CONFIRMED
    assert counts(beds) == (0, 2)
    assert set(Order.objects.values_list("plan", flat=True)) == {plan.pk}
    assert [c.pk for c in selectors.waiting(officer)] == [plan.unplaced[0]["case"]]
    # ... and a confirmed plan is not confirmed twice
    assert refused(lambda: actions.confirm_plan(actor=officer, plan=plan)).code == (
        "plan_not_proposed"
    )
    assert Order.objects.count() == 2


def test_a_plan_without_facilities_places_nobody_and_says_why(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    # given 2 waiting patients and no ward anywhere
    officer = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    reporting = place(tree.nanguan, "南关区社区医院发热门诊", lon="125.35", lat="43.87")
    for _ in range(2):
        suspected_case(tree.grid1, reporting)
    # when a plan is proposed
    plan = actions.propose_plan(actor=officer, division=tree.nanguan)
    # then nobody is placed, each with the reason no_pool; only the plan is written
    assert (plan.waiting, plan.placed) == (2, 0)
    assert [u["reason"] for u in plan.unplaced] == ["no_pool", "no_pool"]
    assert Plan.objects.count() == 1 and not Order.objects.exists()
    # ... and a discarded plan is done with
    plan = actions.discard_plan(actor=officer, plan=plan)
    assert plan.state == PlanState.DISCARDED


# --- bad input: a clear refusal, nothing written ------------------------------------------------


def test_a_full_ward_refuses_the_admission(world: SimpleNamespace) -> None:
    w = world
    # given a one-bed ward already reserved for a patient
    small = ward(w.near, "单间", capacity=1)
    first = suspected_case(w.tree.grid1, w.reporting)
    actions.order_admission(actor=w.officer, case=first, ward=small)
    case = suspected_case(w.tree.grid1, w.reporting)
    # when another patient is ordered there
    error = refused(lambda: actions.order_admission(actor=w.officer, case=case, ward=small))
    # then it is refused as full, and nothing changed
    assert error.code == "ward_full" and error.status == 409 and "单间" in error.message
    assert counts(small) == (0, 1) and Order.objects.count() == 1


def test_a_suspected_case_is_not_sent_to_an_icu(world: SimpleNamespace) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    error = refused(lambda: actions.order_admission(actor=w.officer, case=case, ward=w.icu))
    assert error.code == "wrong_bed_type" and error.field == "ward"
    assert counts(w.icu) == (0, 0) and not Order.objects.exists()


def test_a_patient_in_a_bed_is_not_admitted_again(world: SimpleNamespace) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    admit(w, case, w.near_ward)
    error = refused(lambda: actions.order_admission(actor=w.officer, case=case, ward=w.far_ward))
    assert error.code == "already_admitted" and "转院" in error.message  # "order a transfer"
    assert counts(w.far_ward) == (0, 0) and Order.objects.count() == 1


def test_a_bed_outside_the_officers_jurisdiction_is_refused(world: SimpleNamespace) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    with pytest.raises(OutOfJurisdiction):  # the API answers 404
        actions.order_admission(actor=w.officer, case=case, ward=w.other_county)
    assert counts(w.other_county) == (0, 0) and not Order.objects.exists()


def test_a_second_open_order_for_a_case_is_refused(world: SimpleNamespace) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    actions.order_admission(actor=w.officer, case=case, ward=w.near_ward)
    error = refused(lambda: actions.order_admission(actor=w.officer, case=case, ward=w.far_ward))
    assert error.code == "order_open" and error.status == 409
    assert counts(w.near_ward) == (0, 1) and counts(w.far_ward) == (0, 0)
    assert Order.objects.count() == 1


def test_a_patient_cannot_arrive_before_the_receiver_accepts(world: SimpleNamespace) -> None:
    w = world
    order = actions.order_admission(
        actor=w.officer, case=suspected_case(w.tree.grid1, w.reporting), ward=w.near_ward
    )
    error = refused(
        lambda: actions.advance_transport(actor=w.officer, order=order, transport=Transport.ARRIVED)
    )
    assert error.code == "not_accepted"
    order.refresh_from_db()
    assert (order.state, order.transport) == (OrderState.REQUESTED, Transport.REQUESTED)
    assert counts(w.near_ward) == (0, 1) and not Stay.objects.exists()


def test_the_transport_only_moves_forward(world: SimpleNamespace) -> None:
    w = world
    order = actions.order_admission(
        actor=w.officer, case=suspected_case(w.tree.grid1, w.reporting), ward=w.near_ward
    )
    actions.advance_transport(actor=w.officer, order=order, transport=Transport.ON_THE_WAY)
    for step in (Transport.DISPATCHED, Transport.ON_THE_WAY, "teleported"):
        error = refused(
            lambda step=step: actions.advance_transport(  # type: ignore[misc]
                actor=w.officer, order=order, transport=step
            )
        )
        assert error.code in ("transport_backwards", "bad_transport")
    order.refresh_from_db()
    assert order.transport == Transport.ON_THE_WAY


def test_a_refusal_needs_its_reason(world: SimpleNamespace) -> None:
    w = world
    order = actions.order_admission(
        actor=w.officer, case=suspected_case(w.tree.grid1, w.reporting), ward=w.near_ward
    )
    error = refused(lambda: actions.refuse_order(actor=w.receiver, order=order, reason="   "))
    assert error.code == "reason_required" and error.field == "reason"
    order.refresh_from_db()
    assert order.state == OrderState.REQUESTED and counts(w.near_ward) == (0, 1)


def test_the_receiving_side_alone_answers_an_order(
    world: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    w = world
    order = actions.order_admission(
        actor=w.officer, case=suspected_case(w.tree.grid1, w.reporting), ward=w.near_ward
    )
    stranger = make_user(w.tree.changyi, roles=[Role.CLINIC_STAFF])
    with pytest.raises(OutOfJurisdiction):
        actions.accept_order(actor=stranger, order=order)
    order.refresh_from_db()
    assert order.state == OrderState.REQUESTED


# --- the race for the last beds (PostgreSQL: concurrent writers) -------------------------------


@pytest.mark.django_db(transaction=True)  # 50 threads, 50 connections, real commits
@pytest.mark.skipif(
    database_vendor() != "postgresql",
    reason="SQLite runs one writer at a time: the admissions wait in turn and never race",
)
def test_fifty_admissions_at_once_for_the_last_ten_beds_make_ten_orders(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    # given 50 waiting patients and a ward with its last 10 beds
    officer = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    reporting = place(tree.nanguan, "南关区社区医院发热门诊", lon="125.35", lat="43.87")
    last_beds = ward(place(tree.nanguan, "南关区中心医院发热门诊", lon="125.36", lat="43.87"))
    cases = [suspected_case(tree.grid1, reporting) for _ in range(50)]
    start = threading.Barrier(len(cases), timeout=60)
    answers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def order(case: Case) -> None:
        try:
            start.wait()
            try:
                actions.order_admission(actor=officer, case=case, ward=last_beds)
                answer = "ordered"
            except ActionError as exc:
                answer = exc.code
            with lock:
                answers.append(answer)
        except BaseException as exc:  # reported below, on the main thread
            failures.append(exc)
        finally:
            connection.close()

    # when all 50 ask for a bed of that ward at the same moment
    threads = [threading.Thread(target=order, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    # then exactly 10 got one and 40 were told the ward is full; the counter says 10
    assert failures == []
    assert sorted(answers.count(a) for a in ("ordered", "ward_full")) == [10, 40]
    assert answers.count("ordered") == 10
    assert Order.objects.count() == 10
    assert counts(last_beds) == (0, 10)
    assert actions.check_bed_counts().wrong == []
