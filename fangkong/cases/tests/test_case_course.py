"""The course of a case through its actions: each step allowed by its rule and refused with the
reason otherwise, writing nothing when refused (DESIGN.md section 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.cases import actions
from fangkong.cases.choices import CaseOutcome, Category, Result
from fangkong.cases.models import Case
from fangkong.cases.tests.factories import add_sample, make_case, make_person
from fangkong.core.errors import ActionError
from fangkong.medical.tests.factories import make_clinic
from fangkong.observation.models import Observation
from fangkong.people.choices import PersonStatus

pytestmark = pytest.mark.django_db


def _report(tree, **extra):
    person = make_person(tree.grid1)
    clinic = make_clinic(tree.nanguan)
    values = {
        "actor": None,
        "person": person,
        "facility": clinic,
        "category": Category.SUSPECTED,
        "address": "华阳社区1号",
        "address_division": tree.grid1,
        "diagnosed_at": timezone.now() - dt.timedelta(hours=1),
        "reporting_doctor": "王医生",
        "onset_date": timezone.localdate() - dt.timedelta(days=2),
    }
    values.update(extra)
    return actions.report_case(**values)


def test_a_reported_suspected_case_is_isolated_counted_in_its_county_and_on_the_2_hour_clock(tree):
    case = _report(tree)
    assert case.category == Category.SUSPECTED
    assert case.county == tree.nanguan
    assert case.isolated_at is not None
    assert case.report_due_at == case.diagnosed_at + dt.timedelta(hours=2)
    assert case.number.startswith("220102")
    case.person.refresh_from_db()
    assert case.person.status == PersonStatus.CASE
    assert AuditEvent.objects.filter(action="cases.report", object_id=str(case.pk)).exists()


def test_onset_after_diagnosis_is_refused_and_nothing_is_written(tree):
    with pytest.raises(ActionError) as refused:
        _report(tree, onset_date=timezone.localdate() + dt.timedelta(days=1))
    assert refused.value.code == "onset_after_diagnosis"
    assert not Case.objects.exists()


def test_confirmation_needs_a_positive_result(tree):
    case = _report(tree)
    with pytest.raises(ActionError) as refused:
        actions.confirm_case(actor=None, case=case, severity="ordinary")
    assert refused.value.code == "no_positive_result"
    add_sample(case, Result.POSITIVE)
    case = actions.confirm_case(actor=None, case=case, severity="ordinary")
    assert case.category == Category.CONFIRMED and case.confirmed_at is not None


def test_exclusion_needs_two_negatives_24_hours_apart(tree):
    case = _report(tree)
    first = timezone.now() - dt.timedelta(hours=30)
    add_sample(case, Result.NEGATIVE, at=first)
    add_sample(case, Result.NEGATIVE, at=first + dt.timedelta(hours=10))
    with pytest.raises(ActionError) as refused:
        actions.exclude_case(actor=None, case=case)
    assert refused.value.code == "negatives_not_apart"
    assert "10" in refused.value.message
    add_sample(case, Result.NEGATIVE, at=first + dt.timedelta(hours=25))
    case = actions.exclude_case(actor=None, case=case)
    assert case.category == Category.EXCLUDED and case.outcome == CaseOutcome.CLOSED
    case.person.refresh_from_db()
    assert case.person.status == PersonStatus.NORMAL


def test_discharge_needs_the_four_criteria_and_starts_14_days_of_observation(tree):
    case = make_case(tree.grid1)
    add_sample(case, Result.POSITIVE, at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate()
    with pytest.raises(ActionError) as refused:
        actions.discharge_case(
            actor=None,
            case=case,
            normal_since=today - dt.timedelta(days=5),
            symptoms_better=True,
            imaging_improved=True,
        )
    assert refused.value.code == "discharge_criteria"
    add_sample(case, Result.NEGATIVE, at=timezone.now() - dt.timedelta(days=3))
    add_sample(case, Result.NEGATIVE, at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ActionError):  # temperature normal only 3 days: not more than 3
        actions.discharge_case(
            actor=None,
            case=case,
            normal_since=today - dt.timedelta(days=3),
            symptoms_better=True,
            imaging_improved=True,
        )
    case = actions.discharge_case(
        actor=None,
        case=case,
        normal_since=today - dt.timedelta(days=4),
        symptoms_better=True,
        imaging_improved=True,
    )
    assert case.outcome == CaseOutcome.DISCHARGED
    observation = Observation.objects.get(person=case.person)
    assert observation.end_date == today + dt.timedelta(days=14)


def test_an_asymptomatic_infection_with_symptoms_becomes_confirmed_with_its_onset(tree):
    case = make_case(tree.grid1, category=Category.ASYMPTOMATIC)
    with pytest.raises(ActionError):
        actions.confirm_on_symptoms(actor=None, case=case, onset_date=None, severity="mild")
    case = actions.confirm_on_symptoms(
        actor=None, case=case, onset_date=timezone.localdate(), severity="mild"
    )
    assert case.category == Category.CONFIRMED and case.onset_date == timezone.localdate()


def test_mark_reported_keeps_the_time_taken_and_refuses_twice(tree):
    case = make_case(tree.grid1, reported=False)
    case = actions.mark_reported(actor=None, case=case)
    minutes = case.report_minutes()
    assert minutes is not None and minutes >= 180
    with pytest.raises(ActionError) as refused:
        actions.mark_reported(actor=None, case=case)
    assert refused.value.code == "already_reported"


def test_lab_results_for_unknown_samples_are_answered_one_by_one(tree):
    case = make_case(tree.grid1)
    sample = add_sample(case, Result.PENDING, number="LAB-0001")
    answers = actions.results_by_number(
        actor=None,
        items=[
            {"number": "LAB-0001", "result": "positive", "ct_orf1ab": "28.5"},
            {"number": "NO-SUCH", "result": "negative"},
            {"number": "LAB-0001", "result": "negative"},
        ],
    )
    assert [a["status"] for a in answers] == ["recorded", "refused", "refused"]
    assert answers[1]["code"] == "unknown_sample"
    assert answers[2]["code"] == "result_exists"
    sample.refresh_from_db()
    assert sample.result == Result.POSITIVE and str(sample.ct_orf1ab) == "28.5"
