"""The case list and the case page through HTTP: filters and jurisdiction on both sides of a
case, the 2-hour clock, and each step of the course, refused with the rule's reason and
writing nothing, or done."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases import rules
from fangkong.cases.choices import CaseOutcome, Category, Importation, Result
from fangkong.cases.models import CaseEvent, Sample
from fangkong.cases.selectors import facts_of
from fangkong.cases.tests.factories import add_sample, make_case
from fangkong.core.errors import ActionError
from fangkong.observation.models import Observation

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return html_lib.unescape(response.content.decode())


def _refusal(check, *args) -> str:
    """The message the rule gives, in the page's language."""
    with translation.override("zh-hans"):
        try:
            check(*args)
        except ActionError as exc:
            return exc.message
    raise AssertionError("the rule allowed it")


def _state() -> tuple[int, int, int, int]:
    return (
        AuditEvent.objects.count(),
        CaseEvent.objects.count(),
        Sample.objects.count(),
        Observation.objects.count(),
    )


@pytest.fixture
def doctor(tree, make_user, client_for):
    """A CDC doctor of the health commission of 南关区."""
    return client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))


# --- the list --------------------------------------------------------------------------------


def test_the_list_filters_by_category_course_import_overdue_county_and_number(
    tree, make_user, client_for
):
    # given cases of 南关区 of every kind, and one living in 恒安社区
    confirmed = make_case(tree.grid1, category=Category.CONFIRMED, number="T1000001")
    suspected = make_case(tree.grid1, category=Category.SUSPECTED, reported=False)
    imported = make_case(
        tree.grid2,
        category=Category.CONFIRMED,
        import_status=Importation.ABROAD,
        origin="俄罗斯",
    )
    died = make_case(tree.grid1, category=Category.CONFIRMED, outcome=CaseOutcome.DIED)
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    url = reverse("cases:list")

    def shown(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return {c.pk for c in response.context["page"].items}

    # then each filter narrows the list
    assert shown() == {confirmed.pk, suspected.pk, imported.pk, died.pk}
    assert shown(category="suspected") == {suspected.pk}
    assert shown(outcome="died") == {died.pk}
    assert shown(import_status="abroad") == {imported.pk}
    assert shown(overdue="on") == {suspected.pk}
    assert shown(q="T1000") == {confirmed.pk}
    assert shown(within=tree.grid2.code) == {imported.pk}
    # and an unknown county code is said, not a 500
    response = client.get(url, {"within": "229999"})
    assert response.status_code == 200 and response.context["errors"]


def test_the_list_shows_masked_numbers_the_clock_and_an_empty_state(tree, make_user, client_for):
    case = make_case(tree.grid1, reported=False)
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    html = _html(client.get(reverse("cases:list")))
    assert case.number in html and case.person.name in html
    assert case.person.doc_number not in html and case.person.masked_doc_number in html
    assert case.person.phone not in html and case.person.masked_phone in html
    assert 'class="tag warn overdue"' in html
    empty = client.get(reverse("cases:list"), {"category": "excluded"})
    assert empty.context["page"].items == [] and 'class="empty' in empty.content.decode()


def test_a_case_is_seen_by_its_address_county_and_its_reporting_clinics_county_only(
    tree, make_user, client_for
):
    # given a case living in 南关区 reported by a clinic of 昌邑区
    case = make_case(tree.grid1, clinic_division=tree.changyi)
    address_side = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    clinic_side = client_for(make_user(tree.changyi, roles=[Role.CLINIC_STAFF]))
    third = client_for(make_user(tree.hengan, roles=[Role.COUNTY_COMMAND]))
    for client in (address_side, clinic_side):
        listed = client.get(reverse("cases:list"))
        assert [c.pk for c in listed.context["page"].items] == [case.pk]
        assert client.get(case.get_absolute_url()).status_code == 200
    # and a third jurisdiction neither lists it nor opens it
    assert third.get(reverse("cases:list")).context["page"].items == []
    assert third.get(case.get_absolute_url()).status_code == 404


def test_the_list_costs_the_same_queries_for_one_row_as_for_twelve(tree, make_user, client_for):
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    make_case(tree.grid1)
    client.get(reverse("cases:list"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(reverse("cases:list")).context["page"].items) == 1
    for _ in range(11):
        make_case(tree.grid2, clinic_division=tree.changyi)
    with CaptureQueriesContext(connection) as twelve:
        assert len(client.get(reverse("cases:list")).context["page"].items) == 12
    assert len(twelve) == len(one)


def test_the_list_pages_by_key(tree, make_user, client_for):
    cases = [make_case(tree.grid1) for _ in range(3)]
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    from fangkong.cases import views

    views_page, views.PAGE = views.PAGE, 2
    try:
        first = client.get(reverse("cases:list"))
        after = first.context["page"].next_after
        second = client.get(reverse("cases:list"), {"after": after})
    finally:
        views.PAGE = views_page
    assert [c.pk for c in first.context["page"].items] == [cases[2].pk, cases[1].pk]
    assert [c.pk for c in second.context["page"].items] == [cases[0].pk]
    assert client.get(reverse("cases:list"), {"after": "x1"}).status_code == 400


# --- the case page ---------------------------------------------------------------------------


def test_the_case_page_shows_the_report_card_the_clock_overdue_and_the_slots(tree, doctor):
    case = make_case(
        tree.grid1, reported=False, diagnosed_at=timezone.now() - dt.timedelta(hours=3)
    )
    response = doctor.get(case.get_absolute_url())
    html = _html(response)
    assert response.status_code == 200
    assert case.number in html and case.reporting_doctor in html
    assert case.responsible_facility.name in html
    assert 'class="clock-overdue"' in html
    # the investigation button when the investigation app serves it
    assert reverse("investigation:open", args=[case.pk]) in html


def test_the_case_page_shows_minutes_taken_when_reported(tree, doctor):
    case = make_case(tree.grid1, reported=True)
    response = doctor.get(case.get_absolute_url())
    assert response.context["clock"].minutes == 40
    assert not response.context["clock"].overdue


def test_refused_steps_show_their_reason_before_anyone_tries(tree, doctor):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    response = doctor.get(case.get_absolute_url())
    steps = {s.name: s for s in response.context["steps"]}
    assert not steps["confirm"].allowed and not steps["exclude"].allowed
    expected = _refusal(rules.check_confirm, case.category, case.outcome, [])
    assert expected in _html(response)


def test_confirm_without_a_positive_is_refused_with_the_reason_and_writes_nothing(tree, doctor):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    add_sample(case, Result.NEGATIVE)
    before = _state()
    response = doctor.post(reverse("cases:confirm", args=[case.pk]), {"confirm-severity": "mild"})
    assert response.status_code == 200
    expected = _refusal(
        rules.check_confirm, case.category, case.outcome, facts_of(list(case.samples.all()))
    )
    assert expected in _html(response)
    assert _state() == before
    case.refresh_from_db()
    assert case.category == Category.SUSPECTED


def test_confirm_with_a_positive_confirms_and_the_course_shows_it(tree, doctor):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    add_sample(case, Result.POSITIVE)
    response = doctor.post(reverse("cases:confirm", args=[case.pk]), {"confirm-severity": "severe"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.category == Category.CONFIRMED and case.severity == "severe"
    page = doctor.get(case.get_absolute_url())
    assert 'data-event="confirmed"' in page.content.decode()


def test_exclusion_with_negatives_10_hours_apart_is_refused_and_writes_nothing(tree, doctor):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at - dt.timedelta(hours=12))
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at - dt.timedelta(hours=2))
    before = _state()
    response = doctor.post(reverse("cases:exclude", args=[case.pk]), {"exclude-note": ""})
    assert response.status_code == 200
    expected = _refusal(
        rules.check_exclude, case.category, case.outcome, facts_of(list(case.samples.all()))
    )
    assert "10" in expected and expected in _html(response)
    assert _state() == before
    case.refresh_from_db()
    assert case.category == Category.SUSPECTED and case.outcome == CaseOutcome.ISOLATED


def test_discharge_without_two_negatives_is_refused_with_the_checklist(tree, doctor):
    case = make_case(tree.grid1, category=Category.CONFIRMED)
    add_sample(case, Result.POSITIVE, at=case.diagnosed_at - dt.timedelta(days=1))
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at + dt.timedelta(hours=1))
    before = _state()
    since = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    response = doctor.post(
        reverse("cases:discharge", args=[case.pk]),
        {
            "discharge-normal_since": since,
            "discharge-symptoms_better": "on",
            "discharge-imaging_improved": "on",
        },
    )
    assert response.status_code == 200
    assert _state() == before
    checklist = response.context["checklist"]
    assert [met for _label, met in checklist] == [True, True, True, False]
    with translation.override("zh-hans"):
        missing = str(
            rules.discharge_criteria(
                rules.DischargeFacts(None, True, True), [], timezone.localdate()
            )[3][0]
        )
    assert missing in _html(response)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.ISOLATED


def test_discharge_on_the_four_criteria_starts_the_observation(tree, doctor):
    case = make_case(
        tree.grid1, category=Category.CONFIRMED, diagnosed_at=timezone.now() - dt.timedelta(days=12)
    )
    add_sample(case, Result.POSITIVE, at=case.diagnosed_at - dt.timedelta(hours=1))
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at + dt.timedelta(days=8))
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at + dt.timedelta(days=9, hours=1))
    since = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    response = doctor.post(
        reverse("cases:discharge", args=[case.pk]),
        {
            "discharge-normal_since": since,
            "discharge-symptoms_better": "on",
            "discharge-imaging_improved": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.DISCHARGED
    assert Observation.objects.filter(person=case.person).exists()


def test_onset_before_the_diagnosis_or_in_the_future_is_refused(tree, doctor):
    case = make_case(tree.grid1, category=Category.ASYMPTOMATIC)
    before = _state()
    for day in (
        case.diagnosed_at.date() - dt.timedelta(days=3),
        timezone.localdate() + dt.timedelta(days=1),
    ):
        response = doctor.post(
            reverse("cases:onset", args=[case.pk]),
            {"onset-onset_date": day.isoformat(), "onset-severity": "mild"},
        )
        assert response.status_code == 200
        expected = _refusal(
            rules.check_symptoms_onset,
            case.category,
            case.outcome,
            day,
            case.diagnosed_at,
            timezone.localdate(),
        )
        assert expected in _html(response)
    assert _state() == before


def test_death_and_the_national_report_through_the_page(tree, doctor):
    case = make_case(tree.grid1, category=Category.CONFIRMED, reported=False)
    response = doctor.post(reverse("cases:national_report", args=[case.pk]), {})
    assert response.status_code == 302
    again = doctor.post(reverse("cases:national_report", args=[case.pk]), {})
    assert again.status_code == 200 and again.context["steps"]
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    refused = doctor.post(reverse("cases:death", args=[case.pk]), {"death-died_on": future})
    assert refused.status_code == 200
    done = doctor.post(
        reverse("cases:death", args=[case.pk]),
        {"death-died_on": timezone.localdate().isoformat()},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.DIED and case.national_reported_at is not None


def test_a_sample_is_added_and_its_result_recorded_through_the_page(tree, doctor):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    at = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = doctor.post(
        reverse("cases:sample_add", args=[case.pk]),
        {
            "sample-number": "SP0001",
            "sample-sample_type": "throat_swab",
            "sample-sampled_at": at,
            "sample-laboratory": "南关区疾控中心",
            "sample-method": "pcr",
        },
    )
    assert response.status_code == 302
    sample = Sample.objects.get(number="SP0001")
    # a second sample with the same number is refused with the reason
    duplicate = doctor.post(
        reverse("cases:sample_add", args=[case.pk]),
        {
            "sample-number": "SP0001",
            "sample-sample_type": "throat_swab",
            "sample-sampled_at": at,
            "sample-laboratory": "南关区疾控中心",
            "sample-method": "pcr",
        },
    )
    assert duplicate.status_code == 200 and "SP0001" in _html(duplicate)
    assert Sample.objects.filter(number="SP0001").count() == 1
    done = doctor.post(
        reverse("cases:sample_result", args=[sample.pk]),
        {f"result-{sample.pk}-result": "positive", f"result-{sample.pk}-ct_n": "28.5"},
    )
    assert done.status_code == 302
    sample.refresh_from_db()
    assert sample.result == Result.POSITIVE and str(sample.ct_n) == "28.5"
    # now the case may be confirmed
    page = doctor.get(case.get_absolute_url())
    assert {s.name: s for s in page.context["steps"]}["confirm"].allowed


def test_a_command_office_sees_the_case_but_no_step_forms(tree, make_user, client_for):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert reverse("cases:confirm", args=[case.pk]) not in response.content.decode()
    assert client.post(reverse("cases:confirm", args=[case.pk]), {}).status_code == 403


# --- the workbench ---------------------------------------------------------------------------


def test_the_2_hour_clock_heads_the_county_command_and_health_commission_to_do(
    tree, make_user, client_for
):
    make_case(tree.grid1, reported=False)
    overdue_url = f"{reverse('cases:list')}?overdue=on"
    for role in (Role.COUNTY_COMMAND, Role.HEALTH_COMMISSION):
        client = client_for(make_user(tree.nanguan, roles=[role]))
        response = client.get(reverse("core:home"))
        assert response.status_code == 200
        html = response.content.decode()
        assert overdue_url.replace("&", "&amp;") in html or overdue_url in html, role
