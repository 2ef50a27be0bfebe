"""First diagnosis at the fever clinic (首诊负责制): registering patients, referred or walking
in, the doctor's decision, and referrals that never arrive on the grid's and county's lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases import clinic, clinic_selectors
from fangkong.cases.choices import Category, Decision
from fangkong.cases.models import Case, ClinicVisit
from fangkong.cases.tests.factories import add_sample, make_person
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.core.workbench import build
from fangkong.medical.tests.factories import make_clinic
from fangkong.observation import actions as observation_actions
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.models import Observation
from fangkong.people.choices import PersonStatus
from fangkong.screening.choices import Outcome as ScreeningOutcome
from fangkong.screening.models import Screening

pytestmark = pytest.mark.django_db


def referred_by_screening(person: Any, **extra: Any) -> Screening:
    """A grid worker's screening that found a fever and referred the person to a clinic."""
    return Screening.objects.create(
        person=person,
        grid=person.grid,
        division_path=person.grid.path,
        screened_on=timezone.localdate(),
        temperature=Decimal("38.2"),
        symptoms=["fever", "dry_cough"],
        outcome=ScreeningOutcome.FEVER_CLINIC,
        arrival_date=timezone.localdate() - dt.timedelta(days=3),
        origin_name="湖北省武汉市",
        travel=[{"code": "4201", "name": "湖北省武汉市", "date": "2020-01-20"}],
        transport_number="G1234",
        contact="key_area",
        contact_date=timezone.localdate() - dt.timedelta(days=4),
        last_exposure=timezone.localdate() - dt.timedelta(days=3),
        **extra,
    )


@pytest.fixture
def clinic_user(tree: SimpleNamespace, make_user: Any) -> Any:
    return make_user(tree.nanguan, roles=[Role.CLINIC_STAFF], full_name="李医生")


@pytest.fixture
def fever_clinic(tree: SimpleNamespace) -> Any:
    return make_clinic(tree.nanguan, name="南关区医院发热门诊")


def visit(actor: Any, facility: Any, person: Any, **extra: Any) -> ClinicVisit:
    return clinic.register_visit(
        actor=actor,
        facility=facility,
        person=person,
        temperature=extra.pop("temperature", "38.1"),
        symptoms=extra.pop("symptoms", ["fever"]),
        **extra,
    )


def test_a_referred_person_arrives_and_the_referral_shows_arrived(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    # given a person referred by their grid this morning
    person = make_person(tree.grid1, name="张三")
    screening = referred_by_screening(person)
    assert clinic_selectors.count_referrals(clinic_user, "expected") == 1
    # when the clinic registers them
    v = visit(clinic_user, fever_clinic, person)
    # then the visit answers the referral, which shows as arrived, with the history pre-filled
    assert v.referral_screening == screening
    assert v.decision == Decision.PENDING
    assert "湖北省武汉市" in v.epi_history and "G1234" in v.epi_history
    assert clinic_selectors.count_referrals(clinic_user, "expected") == 0
    assert clinic_selectors.count_referrals(clinic_user, "arrived") == 1
    assert AuditEvent.objects.filter(action="cases.visit").count() == 1


def test_a_referral_from_observation_is_found_too(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    person = make_person(tree.grid1)
    observation, _ = observation_actions.start_observation(
        actor=None,
        person=person,
        grid=tree.grid1,
        last_exposure=timezone.localdate() - dt.timedelta(days=2),
        reason="自武汉返回",
    )
    observation_actions.refer_observation(actor=None, observation=observation, note="发热38.5")
    v = visit(clinic_user, fever_clinic, person)
    assert v.referral_observation == observation
    assert "自武汉返回" in v.epi_history


def test_a_walk_in_patient_has_no_referral(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    person = make_person(tree.grid2)
    v = visit(clinic_user, fever_clinic, person, epi_history="自述无外出")
    assert v.referral_screening is None and v.referral_observation is None
    assert v.epi_history == "自述无外出"


def test_suspected_isolates_the_person_as_a_case_reported_by_this_clinic(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    # given a referred patient under home observation, registered at the clinic
    person = make_person(tree.grid1)
    observation_actions.start_observation(
        actor=None,
        person=person,
        grid=tree.grid1,
        last_exposure=timezone.localdate() - dt.timedelta(days=2),
        reason="密接",
    )
    v = visit(clinic_user, fever_clinic, person)
    # when the doctor decides: suspected
    decided = clinic.decide_visit(
        actor=clinic_user,
        visit=v,
        decision=Decision.SUSPECTED,
        doctor="李医生",
        case=clinic.CaseFields(
            address="华阳街1号",
            address_division=tree.grid1,
            onset_date=timezone.localdate() - dt.timedelta(days=1),
            import_status="other_province",
            origin="湖北省武汉市",
        ),
    )
    # then a suspected case, isolated, reported by and the responsibility of this clinic
    assert decided.case_id is not None
    case = Case.objects.get(pk=decided.case_id)
    assert case.category == Category.SUSPECTED
    assert case.isolated_at is not None
    assert case.reporting_facility == fever_clinic
    assert case.responsible_facility == fever_clinic
    assert case.reporting_doctor == "李医生"
    assert case.county == tree.nanguan
    person.refresh_from_db()
    assert person.status == PersonStatus.CASE
    assert not Observation.objects.filter(person=person, status=ObservationStatus.ACTIVE).exists()
    assert AuditEvent.objects.filter(action="cases.visit_decide").count() == 1
    # and the clinic's workbench sees a suspected case without results
    assert clinic_selectors.suspected_awaiting_results(clinic_user).count() == 1
    add_sample(case, result="negative")
    assert clinic_selectors.suspected_awaiting_results(clinic_user).count() == 0


def test_home_observation_is_started_in_the_persons_grid(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    person = make_person(tree.grid2)
    referred_by_screening(person)
    v = visit(clinic_user, fever_clinic, person)
    decided = clinic.decide_visit(
        actor=clinic_user, visit=v, decision=Decision.HOME_OBSERVATION, doctor="王医生"
    )
    observation = decided.observation
    assert observation is not None and observation.grid == tree.grid2
    assert observation.kind == "home"
    # 14 days from the last exposure the screening gave
    assert observation.last_exposure == timezone.localdate() - dt.timedelta(days=3)
    person.refresh_from_db()
    assert person.status == PersonStatus.HOME_OBSERVATION


def test_the_decision_is_taken_once(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    v = visit(clinic_user, fever_clinic, make_person(tree.grid1))
    clinic.decide_visit(actor=clinic_user, visit=v, decision=Decision.NO_RISK, doctor="李医生")
    with pytest.raises(Conflict) as refused:
        clinic.decide_visit(
            actor=clinic_user, visit=v, decision=Decision.HOME_OBSERVATION, doctor="李医生"
        )
    assert refused.value.code == "already_decided"
    assert not Observation.objects.filter(person=v.person).exists()


@pytest.mark.parametrize(
    ("temperature", "symptoms", "code"),
    [
        ("44", ["fever"], "temperature_out_of_range"),
        ("热", ["fever"], "bad_temperature"),
        ("38.0", ["sneezing_loudly"], "bad_symptom"),
    ],
)
def test_bad_temperature_or_symptom_is_refused_and_nothing_written(
    tree: SimpleNamespace,
    clinic_user: Any,
    fever_clinic: Any,
    temperature: str,
    symptoms: list[str],
    code: str,
) -> None:
    person = make_person(tree.grid1)
    with pytest.raises(ActionError) as refused:
        visit(clinic_user, fever_clinic, person, temperature=temperature, symptoms=symptoms)
    assert refused.value.code == code
    assert not ClinicVisit.objects.exists()


def test_a_suspected_decision_without_the_address_is_refused(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    v = visit(clinic_user, fever_clinic, make_person(tree.grid1))
    with pytest.raises(ActionError):
        clinic.decide_visit(actor=clinic_user, visit=v, decision=Decision.SUSPECTED, doctor="李")
    v.refresh_from_db()
    assert v.decision == Decision.PENDING and not Case.objects.exists()


def test_a_person_out_of_jurisdiction_is_not_found(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any, client_for: Any
) -> None:
    # given a person living in 昌邑区, outside the 南关区 clinic's jurisdiction
    stranger = make_person(tree.other_grid)
    assert clinic.find_person(clinic_user, stranger.doc_number) is None
    with pytest.raises(OutOfJurisdiction):
        visit(clinic_user, fever_clinic, stranger)
    # and their visit elsewhere answers 404 like one that does not exist
    other_clinic = make_clinic(tree.changyi, name="昌邑区发热门诊")
    theirs = clinic.register_visit(
        actor=None, facility=other_clinic, person=stranger, temperature="37.0"
    )
    client = client_for(clinic_user)
    assert client.get(reverse("cases:visit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("cases:visit_decide", args=[theirs.pk]), {}).status_code == 404


def test_a_referral_not_arriving_in_24_hours_is_on_the_grid_and_county_todo(
    tree: SimpleNamespace, make_user: Any, clinic_user: Any
) -> None:
    # given a referral made now, and nobody at a clinic
    referred_by_screening(make_person(tree.grid1))
    grid_worker = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    other_county = make_user(tree.changyi, roles=[Role.COUNTY_COMMAND])
    later = timezone.now() + dt.timedelta(hours=25)

    def todo(user: Any, now: dt.datetime) -> dict[str, int]:
        bench = build(user, user.home_division, now=now)
        return {e.item.key: e.count for e in bench.todo}

    # then not yet within the 24 h
    assert "cases.referral_missing" not in todo(grid_worker, timezone.now())
    # when 25 hours have passed
    assert todo(grid_worker, later)["cases.referral_missing"] == 1
    assert todo(county, later)["cases.referral_missing"] == 1
    assert "cases.referral_missing" not in todo(other_county, later)
    assert todo(clinic_user, later)["cases.referral_clinic_missing"] == 1
    # and the grid worker opens the list of the referrals not arrived
    assert clinic_selectors.pending_referrals(grid_worker, later) == 1


def test_the_clinic_workbench_counts_its_day(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any
) -> None:
    referred_by_screening(make_person(tree.grid1))
    arrived = make_person(tree.grid2)
    referred_by_screening(arrived)
    visit(clinic_user, fever_clinic, arrived)
    bench = build(clinic_user, clinic_user.home_division)
    counts = {e.item.key: e.count for e in [*bench.todo, *bench.done]}
    assert counts["cases.referral_expected"] == 1
    assert counts["cases.referral_arrived"] == 1
    assert counts["cases.visit_waiting"] == 1
    assert ("接诊登记", reverse("cases:visit_new")) in bench.quick or any(
        url == reverse("cases:visit_new") for _label, url in bench.quick
    )


# --- pages -------------------------------------------------------------------------------


def test_register_a_referred_patient_and_decide_suspected_through_the_pages(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any, client_for: Any
) -> None:
    person = make_person(tree.grid1, name="赵四")
    referred_by_screening(person)
    client = client_for(clinic_user)
    # the clinic looks the person up by ID number: history pre-filled, referral shown
    page = client.get(reverse("cases:visit_new"), {"doc_number": person.doc_number})
    assert page.status_code == 200
    text = page.content.decode()
    assert "赵四" in text and "湖北省武汉市" in text and 'data-referral="open"' in text
    # and registers the visit
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("cases:visit_new"),
        {
            "facility": fever_clinic.pk,
            "doc_type": person.doc_type,
            "doc_number": person.doc_number,
            "visited_at": now,
            "temperature": "38.4",
            "symptoms": ["fever"],
            "epi_history": page.context["form"].initial["epi_history"],
        },
    )
    v = ClinicVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == v.get_absolute_url()
    assert v.referral_screening is not None
    assert client.session["cases.clinic"] == fever_clinic.pk
    # the doctor decides: suspected
    response = client.post(
        reverse("cases:visit_decide", args=[v.pk]),
        {
            "decision": "suspected",
            "doctor": "李医生",
            "address": "华阳街2号",
            "address_division": tree.grid1.code,
            "onset_date": timezone.localdate().isoformat(),
            "occupation": "unknown",
            "import_status": "local",
        },
    )
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.decision == Decision.SUSPECTED and v.case is not None
    shown = client.get(v.get_absolute_url()).content.decode()
    assert v.case.number in shown
    # a second decision is refused with the reason, nothing changes
    again = client.post(
        reverse("cases:visit_decide", args=[v.pk]), {"decision": "no_risk", "doctor": "李医生"}
    )
    assert again.status_code == 200
    assert "已" in again.content.decode() or "already" in again.content.decode()
    v.refresh_from_db()
    assert v.decision == Decision.SUSPECTED


def test_a_new_person_is_registered_in_a_grid_of_the_clinic(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any, client_for: Any
) -> None:
    client = client_for(clinic_user)
    response = client.post(
        reverse("cases:visit_new"),
        {
            "facility": fever_clinic.pk,
            "doc_type": "passport",
            "doc_number": "E12345678",
            "name": "王五",
            "grid": tree.grid2.code,
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "temperature": "37.9",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    v = ClinicVisit.objects.get()
    assert v.person.name == "王五" and v.person.grid == tree.grid2


def test_the_form_refuses_bad_input_with_messages(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any, client_for: Any
) -> None:
    client = client_for(clinic_user)
    response = client.post(
        reverse("cases:visit_new"),
        {
            "facility": fever_clinic.pk,
            "doc_type": "resident_id",
            "doc_number": "nobody",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "temperature": "45",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["temperature"]
    assert not ClinicVisit.objects.exists()


def test_the_visit_list_costs_the_same_for_one_and_many(
    tree: SimpleNamespace,
    clinic_user: Any,
    fever_clinic: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(clinic_user)
    visit(clinic_user, fever_clinic, make_person(tree.grid1))
    with django_assert_max_num_queries(12) as one:
        assert client.get(reverse("cases:visit_list")).status_code == 200
    for _ in range(5):
        visit(clinic_user, fever_clinic, make_person(tree.grid2))
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("cases:visit_list"), {"decision": "pending"})
    assert response.content.decode().count("data-visit=") == 6
    assert client.get(reverse("cases:visit_list"), {"after": "abc"}).status_code == 400
    assert client.get(reverse("cases:visit_list"), {"day": "2020-13-45"}).status_code == 200


def test_the_referral_list_shows_each_state(
    tree: SimpleNamespace, clinic_user: Any, fever_clinic: Any, client_for: Any, make_user: Any
) -> None:
    waiting = make_person(tree.grid1, name="钱六")
    referred_by_screening(waiting)
    client = client_for(clinic_user)
    expected = client.get(reverse("cases:referrals"), {"state": "expected"}).content.decode()
    assert "钱六" in expected
    visit(clinic_user, fever_clinic, waiting)
    arrived = client.get(reverse("cases:referrals"), {"state": "arrived"}).content.decode()
    assert "钱六" in arrived
    # the grid worker opens the list from the to-do entry
    grid_worker = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    assert client_for(grid_worker).get(reverse("cases:referrals")).status_code == 200
