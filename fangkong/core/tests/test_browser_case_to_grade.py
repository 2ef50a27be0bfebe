"""Issue #9, done means: one case from the fever clinic to the county's risk grade, in a real
browser, each step by the role that takes it in 2020.

A fever clinic doctor of 南关区 registers a patient and reports a suspected case isolated on the
spot; the county's health commission (its CDC) investigates where the case went and whom they
met, adds a contact at home and one living in 昌邑区; 南关区 finds and observes its contact, 昌邑区
accepts, finds and observes the one handed over (seeing nothing else of 南关区's case); the
positive result confirms the case; the health commission grades today again and the county
command office sees 南关区 go from low to medium risk. Runs at desktop size: these are office
screens (the grid worker's phone is tested in test_browser_grid_*).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases.choices import Category
from fangkong.cases.models import Case, ClinicVisit
from fangkong.cases.tests.factories import make_person
from fangkong.core.tests.browser import UI
from fangkong.investigation.models import Movement
from fangkong.medical.tests.factories import make_clinic
from fangkong.observation.choices import Kind
from fangkong.outbreaks.actions import run_daily
from fangkong.outbreaks.choices import Grade
from fangkong.outbreaks.models import RiskGrade
from fangkong.tracing.choices import ContactStatus, HandoverState
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.tests.factories import identity

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["desktop"], indirect=True)]


def _as(ui: UI, user: Any) -> None:
    """Hand the browser to another person: a new session for them."""
    ui.page.context.clear_cookies()
    ui.login_as(user)


def _submit(ui: UI, form: str) -> None:
    with ui.page.expect_navigation():
        ui.page.locator(f"{form} button.primary").first.click()


def _open(ui: UI, summary_of: str) -> None:
    """Open a <details> section (a step of the case page) if it is closed."""
    details = ui.page.locator(summary_of)
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def test_a_suspected_case_is_investigated_traced_confirmed_and_the_grade_changes(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    page = ui.page
    today = timezone.localdate()
    clinic = make_clinic(t.nanguan, name="南关区人民医院发热门诊")
    doctor = make_user(t.nanguan, roles=[Role.CLINIC_STAFF], username="fare", full_name="李医生")
    cdc = make_user(
        t.nanguan, roles=[Role.HEALTH_COMMISSION], username="nanguan-cdc", full_name="王流调"
    )
    receiver = make_user(t.changyi, roles=[Role.HEALTH_COMMISSION], username="changyi-cdc")
    command = make_user(t.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan-command")
    patient = make_person(t.grid1, name="张建华")
    # yesterday's daily grading: no case anywhere, every county low
    run_daily(day=today - dt.timedelta(days=1))
    assert RiskGrade.objects.get(county=t.nanguan).grade == Grade.LOW

    # --- the fever clinic: the patient, found by ID number, and the doctor's decision ----------
    _as(ui, doctor)
    ui.goto(f"/cases/visits/new/?doc_number={patient.doc_number}")
    assert page.locator(".person-found").count() == 1
    assert page.locator("#id_facility").input_value() == str(clinic.pk)
    page.fill("#id_temperature", "38.6")
    page.locator("input[name=symptoms][value=fever]").check()
    page.locator("input[name=symptoms][value=dry_cough]").check()
    ui.step("clinic-register")
    _submit(ui, "form.visit-form")
    visit = ClinicVisit.objects.get(person=patient)
    assert ui.path() == f"/cases/visits/{visit.pk}/"
    assert visit.facility == clinic and visit.decision == "pending"

    page.locator("input[name=decision][value=suspected]").check()
    assert page.locator("#case-fields").is_visible()  # the report card's fields show
    assert page.locator("#id_address_division").input_value() == t.grid1.code  # pre-filled
    page.fill("#id_onset_date", (today - dt.timedelta(days=2)).isoformat())
    page.select_option("#id_occupation", "service")
    ui.step("clinic-decide")
    _submit(ui, "form.decision-form")
    case = Case.objects.get(person=patient)
    assert case.category == Category.SUSPECTED
    assert case.reporting_facility == clinic and case.responsible_facility == clinic
    assert case.isolated_at is not None  # 就地隔离
    assert case.reporting_doctor == "李医生"

    # it is reported to the national system within the 2-hour clock, from the case page
    ui.goto(case.get_absolute_url())
    _open(ui, "#step-national_report")
    _submit(ui, "#step-national_report form")
    case.refresh_from_db()
    assert case.national_reported_at is not None
    # and a throat swab goes to the laboratory
    page.locator("#samples details summary").last.click()
    page.fill("#id_sample-number", "NG20201207001")
    page.fill("#id_sample-laboratory", "南关区疾控中心实验室")
    sampled = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    page.fill("#id_sample-sampled_at", sampled.strftime("%Y-%m-%dT%H:%M"))
    _submit(ui, "#samples form[action$='/samples/']")
    assert case.samples.get().number == "NG20201207001"
    ui.step("case-reported")

    # --- the investigation: where the case went ---------------------------------------------
    _as(ui, cdc)
    ui.goto(case.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role("button", name="流行病学调查").click()
    investigation = case.investigation
    assert ui.path() == f"/investigations/{investigation.pk}/"
    page.fill("#id_day", (today - dt.timedelta(days=3)).isoformat())
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "10:30")
    page.fill("#id_place_name", "华阳农贸市场")
    page.select_option("#id_place_kind", "market")
    page.fill("#id_place_address", "华阳街88号")
    page.select_option("#id_place_division", str(t.nanguan.pk))
    page.select_option("#id_transport", "bus")
    page.fill("#id_transport_number", "6路")
    page.fill("#id_people_met", "摊主赵某、同行家属")
    ui.step("investigation-movement")
    _submit(ui, "form.place-picker")
    movement = Movement.objects.get(investigation=investigation)
    assert movement.place.name == "华阳农贸市场" and movement.transport_number == "6路"
    assert "华阳农贸市场" in page.locator("#movements").inner_text()

    # ... and whom they met: one contact at home, one living in 昌邑区
    contacts = [
        ("李秀兰", identity("220102"), t.grid1.code, "household"),
        ("赵德明", identity("220202"), t.dongshi.code, "social"),
    ]
    for name, number, lives_in, relation in contacts:
        ui.goto(f"/tracing/cases/{case.pk}/contacts/new/")
        page.fill("#id_name", name)
        page.fill("#id_doc_number", number)
        page.fill("#id_phone", "13800138000")
        page.fill("#id_residence", lives_in)
        page.select_option("#id_relation", relation)
        page.fill("#id_first_exposure", (today - dt.timedelta(days=3)).isoformat())
        page.fill("#id_last_exposure", (today - dt.timedelta(days=1)).isoformat())
        _submit(ui, "main form")
    home, away = (Contact.objects.get(case=case, name=n) for n, *_rest in contacts)
    assert home.status == ContactStatus.TO_FIND
    assert home.observe_until == today - dt.timedelta(days=1) + dt.timedelta(days=14)
    handover = Handover.objects.get(contact=away)
    assert handover.to_division == t.changyi and handover.state == HandoverState.SENT
    # the case page lists both
    ui.goto(case.get_absolute_url())
    listed = page.locator("#contacts").inner_text()
    assert "李秀兰" in listed and "赵德明" in listed
    ui.step("case-contacts")

    # 南关区 finds its contact and starts centralized observation
    ui.goto(home.get_absolute_url())
    page.select_option("main form[action$='/find/'] select", str(t.grid1.pk))
    _submit(ui, "main form[action$='/find/']")
    _submit(ui, "main form[action$='/observe/']")
    home.refresh_from_db()
    assert home.status == ContactStatus.OBSERVING
    assert home.observation is not None and home.observation.kind == Kind.CENTRALIZED
    ui.step("contact-observed")

    # --- 昌邑区: the hand-over, accepted, found, observed --------------------------------------
    _as(ui, receiver)
    ui.goto("/tracing/handovers/")
    with page.expect_navigation():
        page.locator(f"a[href='{handover.get_absolute_url()}']").first.click()
    assert "张建华" not in page.locator("main").inner_text()  # not the other county's case
    _submit(ui, "main form[action$='/accept/']")
    page.select_option("main form[action$='/found/'] select", str(t.other_grid.pk))
    _submit(ui, "main form[action$='/found/']")
    _submit(ui, "main form[action$='/observe/']")
    handover.refresh_from_db()
    assert handover.state == HandoverState.OBSERVING
    ui.step("handover-observed")
    # the receiving county still cannot open the case
    other = Client()
    other.force_login(receiver)
    assert other.get(case.get_absolute_url()).status_code == 404

    # --- the positive result confirms the case ------------------------------------------------
    _as(ui, cdc)
    ui.goto(handover.contact.get_absolute_url())  # the sender sees the state, not the records
    assert (
        "在观察" in page.locator("main").inner_text() or "观察" in page.locator("main").inner_text()
    )
    ui.goto(case.get_absolute_url())
    sample = case.samples.get()
    page.locator(f"tr[data-sample='{sample.number}'] + tr summary").click()
    page.select_option(f"#id_result-{sample.pk}-result", "positive")
    page.fill(f"#id_result-{sample.pk}-ct_orf1ab", "26.5")
    _submit(ui, f"form[action$='/samples/{sample.pk}/result/']")
    _open(ui, "#step-confirm")
    page.select_option("#id_confirm-severity", "ordinary")
    _submit(ui, "#step-confirm form")
    case.refresh_from_db()
    assert case.category == Category.CONFIRMED and case.confirmed_at is not None
    ui.step("case-confirmed")

    # the health commission grades today again ...
    ui.goto("/outbreaks/")
    with page.expect_navigation():
        page.locator("#grade-now").click()
    grade = RiskGrade.objects.get(county=t.nanguan, day=today)
    assert grade.grade == Grade.MEDIUM and grade.previous == Grade.LOW

    # --- ... and the county command office sees its grade change -----------------------------
    _as(ui, command)
    ui.goto("/outbreaks/")
    changed = page.locator("#changed-title").locator("xpath=..").inner_text()
    assert "南关区" in changed and "低风险" in changed and "中风险" in changed
    row = page.locator("#grades tbody tr", has_text="南关区").inner_text()
    assert "中风险" in row
    ui.step("risk-grade-changed")
    ui.assert_accessible()

    # every write of the story is in the audit log, by the person who made it
    by = {
        e.action: e.actor_id
        for e in AuditEvent.objects.filter(
            action__in=["cases.report", "cases.confirm", "contact.add"]
        )
    }
    assert by == {"cases.report": doctor.pk, "cases.confirm": cdc.pk, "contact.add": cdc.pk}
