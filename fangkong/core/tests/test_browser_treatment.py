"""Issue #10, done means: a patient's way through the beds, in a real browser, each step by the
role that takes it in 2020; the province watches the free beds; a batch of 200 waiting patients
is placed by the solver.

A suspected case isolated at a fever clinic of 南关区 is admitted to the nearest isolation bed
(its own clinic's) by the county's health commission; the clinic accepts and the patient is in
the bed. The positive result confirms the case; it is transferred to the designated hospital,
worsens into ICU, recovers back to the isolation ward and is discharged into 14 days of
observation; the province command office sees the city's free ICU beds fall and recover on its
board. Then 200 waiting patients are placed at once by a plan that beats nearest-free-bed-first,
and confirming it reserves their beds. Desktop size: office screens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.cases.choices import CaseOutcome, Category
from fangkong.cases.models import Case
from fangkong.cases.tests.factories import add_sample, make_case
from fangkong.core.tests.browser import UI
from fangkong.medical import actions as medical_actions
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Facility, Ward
from fangkong.medical.tests.factories import make_clinic
from fangkong.observation.models import Observation
from fangkong.treatment.choices import OrderState
from fangkong.treatment.models import Order, Plan, Stay

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["desktop"], indirect=True)]


def _as(ui: UI, user: Any) -> None:
    ui.page.context.clear_cookies()
    ui.login_as(user)


def _click(ui: UI, selector: str) -> None:
    with ui.page.expect_navigation():
        ui.page.locator(selector).first.click()


def _at(facility: Facility, lon: str, lat: str) -> Facility:
    Facility.objects.filter(pk=facility.pk).update(longitude=Decimal(lon), latitude=Decimal(lat))
    facility.refresh_from_db()
    return facility


def _ward(facility: Facility, bed_type: str, beds: int, name: str) -> Ward:
    return medical_actions.create_ward(
        actor=None, facility=facility, name=name, bed_type=bed_type, capacity=beds
    )


def _receive(ui: UI, order: Order, receiver: Any, *, check: bool = False) -> None:
    """The receiving facility accepts the patient; the vehicle leaves, drives, arrives."""
    _as(ui, receiver)
    ui.goto(order.get_absolute_url())
    if check:
        ui.assert_accessible()
    _click(ui, "form[action$='/accept/'] button")
    for _step in ("dispatched", "on_the_way", "arrived"):
        _click(ui, "form[action$='/transport/'] button")
    order.refresh_from_db()
    assert order.state == OrderState.ARRIVED


def _free_icu(ui: UI, city_code: str) -> int:
    ui.goto("/facilities/beds/?type=icu")
    cell = ui.page.locator(f"#beds-table tr[data-code='{city_code}'] td[data-type='icu']")
    return int(cell.get_attribute("data-free") or "-1")


def _transfer(ui: UI, case: Case, kind: str, severity: str, ward: Ward) -> Order:
    ui.goto(f"/treatment/cases/{case.pk}/transfer/?kind={kind}&severity={severity}")
    radio = ui.page.locator(f"input[name=ward][value='{ward.pk}']")
    assert radio.count() == 1, "the bed the patient needs is offered"
    radio.check()
    _click(ui, "form[method=post] button.primary")
    return Order.objects.filter(case=case).order_by("-id")[0]


def test_a_patient_goes_through_the_beds_and_a_plan_places_200(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    page = ui.page
    now = timezone.now()
    # 南关区: the fever clinic where the patient was isolated, another one farther off, and the
    # city's designated hospital (定点医院) with isolation beds and ICU
    clinic = _at(make_clinic(t.nanguan, name="发热门诊"), "125.350", "43.864")
    far = _at(make_clinic(t.nanguan, name="净月发热门诊"), "125.450", "43.790")
    hospital = _at(
        make_clinic(t.nanguan, name="长春市传染病医院", kind=FacilityKind.DESIGNATED_HOSPITAL),
        "125.371",
        "43.870",
    )
    clinic_ward = _ward(clinic, BedType.ISOLATION_WARD, 4, "留观病房")
    _ward(far, BedType.ISOLATION_WARD, 4, "留观病房")
    hospital_ward = _ward(hospital, BedType.ISOLATION_WARD, 10, "隔离病区")
    icu = _ward(hospital, BedType.ICU, 2, "重症监护室")
    officer = make_user(t.nanguan, roles=[Role.HEALTH_COMMISSION], username="nanguan-yiliao")
    clinic_staff = make_user(t.nanguan, roles=[Role.CLINIC_STAFF], username="fare")
    province = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    case = make_case(t.grid1, category=Category.SUSPECTED, diagnosed_at=now - dt.timedelta(days=8))
    assert case.responsible_facility == clinic and case.outcome == CaseOutcome.ISOLATED

    # --- the health commission admits the suspected case to the nearest isolation bed ---------
    _as(ui, officer)
    ui.goto(case.get_absolute_url())
    _click(ui, "#treatment a[href$='/admit/']")
    first = page.locator("input[name=ward]").first
    assert first.is_checked() and first.get_attribute("value") == str(clinic_ward.pk)
    ui.assert_accessible()
    ui.step("admit-nearest")
    _click(ui, "form[method=post] button.primary")
    order = Order.objects.get(case=case)
    assert order.ward == clinic_ward and order.state == OrderState.REQUESTED
    clinic_ward.refresh_from_db()
    assert (clinic_ward.reserved, clinic_ward.occupied) == (1, 0)

    _receive(ui, order, clinic_staff, check=True)
    clinic_ward.refresh_from_db()
    assert (clinic_ward.reserved, clinic_ward.occupied) == (0, 1)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.ADMITTED

    _as(ui, province)
    assert _free_icu(ui, t.changchun.code) == 2
    ui.wait_for_charts()
    ui.assert_accessible()
    ui.step("board-before")

    # --- the positive result confirms it; it goes to the designated hospital ------------------
    add_sample(case, "positive", at=now - dt.timedelta(days=7))
    _as(ui, officer)
    ui.goto(case.get_absolute_url())
    details = page.locator("#step-confirm")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    page.select_option("#id_confirm-severity", "ordinary")
    _click(ui, "#step-confirm form button.primary")
    case.refresh_from_db()
    assert case.category == Category.CONFIRMED

    to_hospital = _transfer(ui, case, "transfer_up", "", hospital_ward)
    case.refresh_from_db()
    assert case.responsible_facility == clinic, "the clinic is responsible until accepted"
    _receive(ui, to_hospital, clinic_staff)
    case.refresh_from_db()
    assert case.responsible_facility == hospital
    clinic_ward.refresh_from_db()
    assert clinic_ward.occupied == 0, "the clinic's bed is free again"

    # --- it worsens into ICU: the province sees one ICU bed fewer ------------------------------
    _as(ui, officer)
    up = _transfer(ui, case, "transfer_up", "severe", icu)
    _receive(ui, up, clinic_staff)
    case.refresh_from_db()
    assert case.severity == "severe"
    _as(ui, province)
    assert _free_icu(ui, t.changchun.code) == 1
    ui.step("board-icu-taken")

    # --- it recovers, back to the isolation ward; the ICU bed is free again --------------------
    _as(ui, officer)
    down = _transfer(ui, case, "transfer_down", "ordinary", hospital_ward)
    _receive(ui, down, clinic_staff)
    _as(ui, province)
    assert _free_icu(ui, t.changchun.code) == 2

    # --- discharged on the four criteria into 14 days of observation ---------------------------
    add_sample(case, "negative", at=now - dt.timedelta(hours=40))
    add_sample(case, "negative", at=now - dt.timedelta(hours=10))
    _as(ui, officer)
    ui.goto(case.get_absolute_url())
    details = page.locator("#step-discharge")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    page.fill(
        "#id_discharge-normal_since", (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    )
    page.locator("#id_discharge-symptoms_better").check()
    page.locator("#id_discharge-imaging_improved").check()
    _click(ui, "#step-discharge form button.primary")
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.DISCHARGED
    stays = list(Stay.objects.filter(case=case).order_by("started_at"))
    assert [s.ward for s in stays] == [clinic_ward, hospital_ward, icu, hospital_ward]
    assert all(s.ended_at for s in stays) and stays[-1].end == "discharged"
    hospital_ward.refresh_from_db()
    assert hospital_ward.occupied == 0
    assert Observation.objects.filter(person=case.person).exists()
    ui.step("discharged")

    # --- 200 waiting patients placed at once by the solver -------------------------------------
    big = _at(
        make_clinic(t.nanguan, name="南关区集中收治医院", kind=FacilityKind.DESIGNATED_HOSPITAL),
        "125.300",
        "43.900",
    )
    _ward(big, BedType.ISOLATION_WARD, 120, "一病区")
    _ward(big, BedType.ISOLATION_WARD, 100, "二病区")
    for n in range(200):
        make_case(
            t.grid1 if n % 2 else t.grid2,
            category=Category.SUSPECTED if n % 3 == 0 else Category.CONFIRMED,
            severity="" if n % 3 == 0 else "ordinary",
            diagnosed_at=now - dt.timedelta(hours=5, minutes=n),
        )
    ui.goto("/treatment/waiting/")
    ui.assert_accessible()
    page.fill("#id_division", t.nanguan.code)
    _click(ui, "form[action$='/plans/new/'] button.primary")
    plan = Plan.objects.get()
    assert (plan.waiting, plan.placed) == (200, 200)
    assert plan.total_km <= plan.greedy_km
    assert page.locator(".figure strong").first.inner_text().startswith("200 / 200")
    ui.assert_accessible()
    ui.step("plan-proposed")
    _click(ui, "form[action$='/confirm/'] button.primary")
    assert Order.objects.filter(plan=plan, state=OrderState.REQUESTED).count() == 200
    reserved = sum(Ward.objects.values_list("reserved", flat=True))
    assert reserved == 200
    assert not Case.objects.filter(outcome=CaseOutcome.ISOLATED).exclude(orders__plan=plan).exists()
    ui.step("plan-confirmed")
