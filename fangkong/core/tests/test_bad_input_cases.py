"""Issue #9's bad input, through the REST API: transitions out of order, onset after diagnosis,
exposure after the case's isolation, contacts in another jurisdiction, duplicate contacts, a
self-contact, cycles in the chain, lab results for unknown samples, bad tokens. Each answers
4xx JSON with a stable code and a message for people (never a 500), and writes nothing: every
row of the apps involved, and the audit log, is the same before and after the refused call
(``_rows``), not only the row the call was about.

The action-level rules are tested in cases/tests/test_case_course.py and
tracing/tests/test_actions.py; the API files of those apps test the happy paths and the codes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.cases.choices import Category, Result
from fangkong.cases.models import Case
from fangkong.cases.tests.factories import add_sample, make_case, make_person
from fangkong.core.tests.test_api import BAD_TOKENS, assert_error
from fangkong.medical.tests.factories import make_clinic
from fangkong.people.models import Person
from fangkong.tracing import actions as tracing_actions
from fangkong.tracing.tests.factories import contact_of, days_ago, identity, tracing_case

pytestmark = pytest.mark.django_db

# Every table these calls could write to (accounts is left out: a token's "last used" moves).
WATCHED_APPS = (
    "audit",
    "cases",
    "investigation",
    "tracing",
    "people",
    "observation",
    "outbreaks",
    "medical",
    "screening",
)


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every watched table: equal before and after means nothing was written."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for app in WATCHED_APPS
        for model in apps.get_app_config(app).get_models()
    }


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _refused(call: Callable[[], Any], status: int, code: str) -> dict[str, Any]:
    """Run ``call``: it answers ``status`` JSON with ``code`` and a message, and writes nothing."""
    before = _rows()
    body = assert_error(call(), status, code)
    after = _rows()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"a refused call wrote to {changed}"
    return body


def _token_client(user: User) -> Client:
    _token, raw = account_actions.create_token(actor=None, user=user, name="测试令牌")
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def w(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    """南关区's health commission, clinic and a confirmed case of 第一网格 diagnosed and isolated
    yesterday 10:00 (onset 3 days ago); 昌邑区's health commission and a case of its own."""
    s = SimpleNamespace(tree=tree)
    s.clinic = make_clinic(tree.nanguan, name="南关区医院发热门诊")
    s.health_user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    s.health = _token_client(s.health_user)
    s.doctor = _token_client(make_user(tree.nanguan, roles=[Role.CLINIC_STAFF]))
    s.other = _token_client(make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION]))
    s.case = tracing_case(tree.grid1)
    s.other_case = tracing_case(tree.other_grid)
    return s


# --- transitions out of order ------------------------------------------------------------------


def _hours_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=n)


def _discharge_body() -> dict[str, Any]:
    return {
        "normal_since": days_ago(5).isoformat(),
        "symptoms_better": True,
        "imaging_improved": True,
    }


def test_discharge_without_two_negatives_is_refused(w: SimpleNamespace) -> None:
    # given a confirmed case, every criterion met but one negative result after the positive
    add_sample(w.case, Result.POSITIVE, at=_hours_ago(24 * 10))
    add_sample(w.case, Result.NEGATIVE, at=_hours_ago(20))
    url = f"/api/cases/{w.case.pk}/discharge"

    body = _refused(lambda: _post(w.health, url, _discharge_body()), 400, "discharge_criteria")
    assert "24" in body["message"]  # names the missing criterion: two negatives 24 h apart

    # and two negatives 10 hours apart are not enough either
    add_sample(w.case, Result.NEGATIVE, at=_hours_ago(10))
    _refused(lambda: _post(w.health, url, _discharge_body()), 400, "discharge_criteria")


def test_exclusion_with_negatives_10_hours_apart_is_refused(w: SimpleNamespace) -> None:
    suspected = make_case(w.tree.grid1, category=Category.SUSPECTED)
    add_sample(suspected, Result.NEGATIVE, at=_hours_ago(30))
    add_sample(suspected, Result.NEGATIVE, at=_hours_ago(20))

    body = _refused(
        lambda: _post(w.health, f"/api/cases/{suspected.pk}/exclude", {"note": "两次阴性"}),
        400,
        "negatives_not_apart",
    )
    assert "10" in body["message"]


@pytest.mark.parametrize("results", [[], [Result.PENDING], [Result.NEGATIVE, Result.PENDING]])
def test_confirmation_without_a_positive_result_is_refused(
    w: SimpleNamespace, results: list[str]
) -> None:
    suspected = make_case(w.tree.grid1, category=Category.SUSPECTED)
    for hours, result in enumerate(results, start=1):
        add_sample(suspected, result, at=_hours_ago(hours))

    _refused(
        lambda: _post(w.doctor, f"/api/cases/{suspected.pk}/confirm", {"severity": "mild"}),
        400,
        "no_positive_result",
    )


@pytest.mark.parametrize(
    ("step", "body", "code"),
    [
        ("confirm", {"severity": "mild"}, "wrong_category"),  # already confirmed
        ("exclude", {}, "wrong_category"),  # a confirmed case is not excluded
        ("asymptomatic", {}, "wrong_category"),
        ("onset", {"onset_date": "TODAY", "severity": "mild"}, "wrong_category"),
    ],
)
def test_steps_that_do_not_apply_to_a_confirmed_case_are_refused(
    w: SimpleNamespace, step: str, body: dict[str, Any], code: str
) -> None:
    add_sample(w.case, Result.POSITIVE)
    payload = {k: timezone.localdate().isoformat() if v == "TODAY" else v for k, v in body.items()}

    _refused(lambda: _post(w.health, f"/api/cases/{w.case.pk}/{step}", payload), 400, code)


def test_a_closed_case_takes_no_further_step(w: SimpleNamespace) -> None:
    died = make_case(w.tree.grid1, outcome="died", died_on=days_ago(1))
    add_sample(died, Result.NEGATIVE, at=_hours_ago(60))
    add_sample(died, Result.NEGATIVE, at=_hours_ago(30))

    for step, body in (("discharge", _discharge_body()), ("death", {"died_on": "2020-02-01"})):
        response = _refused(
            partial(_post, w.health, f"/api/cases/{died.pk}/{step}", body),
            400,
            "case_closed",
        )
        assert response["message"]


# --- onset after diagnosis ---------------------------------------------------------------------


def test_a_suspected_case_with_onset_after_diagnosis_is_not_reported(w: SimpleNamespace) -> None:
    # given a patient registered at the fever clinic, waiting for the doctor's decision
    visit = _post(
        w.doctor,
        "/api/clinic-visits",
        {
            "facility_id": w.clinic.pk,
            "doc_number": identity(),
            "name": "孙立",
            "grid": w.tree.grid1.code,
            "temperature": "38.4",
            "symptoms": ["fever"],
        },
    )
    assert visit.status_code == 201, visit.content
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    # when the doctor reports a suspected case whose symptoms began tomorrow
    body = _refused(
        lambda: _post(
            w.doctor,
            f"/api/clinic-visits/{visit.json()['id']}/decision",
            {
                "decision": "suspected",
                "doctor": "李医生",
                "address": "华阳街3号",
                "address_division": w.tree.grid1.code,
                "onset_date": tomorrow,
            },
        ),
        400,
        "onset_after_diagnosis",
    )

    # then nothing is reported and the visit still waits for a decision
    assert body["message"]
    assert w.doctor.get(f"/api/clinic-visits/{visit.json()['id']}").json()["decision"] == "pending"


def test_symptoms_of_an_asymptomatic_infection_dated_before_its_diagnosis_are_refused(
    w: SimpleNamespace,
) -> None:
    asymptomatic = make_case(w.tree.grid1, category=Category.ASYMPTOMATIC)
    before = (asymptomatic.diagnosed_at - dt.timedelta(days=2)).date().isoformat()

    _refused(
        lambda: _post(
            w.health,
            f"/api/cases/{asymptomatic.pk}/onset",
            {"onset_date": before, "severity": "mild"},
        ),
        400,
        "bad_onset",
    )


# --- contacts ----------------------------------------------------------------------------------


def _contact_body(residence: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "周八",
        "doc_number": identity(),
        "phone": "13812345678",
        "residence": residence,
        "relation": "workplace",
        "first_exposure": days_ago(4).isoformat(),
        "last_exposure": days_ago(2).isoformat(),
        **extra,
    }


def test_an_exposure_after_the_case_was_isolated_is_refused(w: SimpleNamespace) -> None:
    # the case was isolated yesterday at 10:00: nobody met them unprotected today
    today = timezone.localdate().isoformat()
    body = _contact_body(w.tree.grid2.code, first_exposure=today, last_exposure=today)

    response = _refused(
        lambda: _post(w.health, f"/api/cases/{w.case.pk}/contacts", body),
        400,
        "exposure_after_isolation",
    )
    assert response["message"]


def test_a_contact_of_another_jurisdictions_case_is_not_found(w: SimpleNamespace) -> None:
    # 南关区 cannot add a contact to 昌邑区's case, nor 昌邑区 to 南关区's: 404 like no case
    _refused(
        lambda: _post(
            w.health, f"/api/cases/{w.other_case.pk}/contacts", _contact_body(w.tree.grid2.code)
        ),
        404,
        "not_found",
    )
    _refused(
        lambda: _post(
            w.other, f"/api/cases/{w.case.pk}/contacts", _contact_body(w.tree.other_grid.code)
        ),
        404,
        "not_found",
    )


def test_another_jurisdictions_contact_cannot_be_traced(w: SimpleNamespace) -> None:
    contact = contact_of(w.case, w.tree.grid2, actor=w.health_user)

    # 昌邑区 cannot work 南关区's contact
    for step, body in (
        ("found", {"grid": w.tree.other_grid.code}),
        ("observe", {}),
        ("lost", {"note": "电话关机"}),
    ):
        _refused(
            partial(_post, w.other, f"/api/contacts/{contact.pk}/{step}", body),
            404,
            "not_found",
        )
    # and 南关区 cannot register its contact in a grid of 昌邑区
    _refused(
        lambda: _post(
            w.health, f"/api/contacts/{contact.pk}/found", {"grid": w.tree.other_grid.code}
        ),
        404,
        "not_found",
    )


def test_a_contact_handed_over_is_traced_by_the_receiving_county_only(w: SimpleNamespace) -> None:
    # given a contact living in 昌邑区, handed over to it
    contact = contact_of(w.case, w.tree.dongshi, actor=w.health_user)
    handover = contact.handover

    # the sender cannot trace them itself, nor act for the receiver
    body = _refused(
        lambda: _post(w.health, f"/api/contacts/{contact.pk}/found", {"grid": w.tree.grid2.code}),
        400,
        "handed_over",
    )
    assert "昌邑区" in body["message"]
    _refused(lambda: _post(w.health, f"/api/handovers/{handover.pk}/accept"), 404, "not_found")
    # the receiver cannot register them in a grid of the sender's
    _refused(
        lambda: _post(w.other, f"/api/handovers/{handover.pk}/found", {"grid": w.tree.grid2.code}),
        404,
        "not_found",
    )
    # nor observe them before they are found
    _refused(lambda: _post(w.other, f"/api/handovers/{handover.pk}/observe"), 400, "wrong_state")


def test_a_duplicate_contact_is_refused(w: SimpleNamespace) -> None:
    url = f"/api/cases/{w.case.pk}/contacts"
    first = _contact_body(w.tree.grid2.code)
    assert _post(w.health, url, first).status_code == 201

    # the same document number again, under another name
    body = _refused(
        lambda: _post(w.health, url, {**first, "name": "周八八"}), 409, "duplicate_contact"
    )
    assert "周八" in body["message"]


def test_the_case_itself_is_not_its_own_contact(w: SimpleNamespace) -> None:
    body = _contact_body(w.tree.grid1.code, doc_number=w.case.person.doc_number, name="本人")

    _refused(lambda: _post(w.health, f"/api/cases/{w.case.pk}/contacts", body), 400, "self_contact")


def _became_case(contact: Any, grid: Any) -> Case:
    """The contact's person reported as a case, linked to the contact (as the clinic does)."""
    person = make_person(grid)
    Person.objects.filter(pk=person.pk).update(doc_number=contact.doc_number)
    case = tracing_case(grid, person=Person.objects.get(pk=person.pk))
    tracing_actions.link_case_to_contacts(case)
    return case


def test_a_cycle_in_the_chain_is_refused(w: SimpleNamespace) -> None:
    # given A → B → C: B was a contact of case A and became a case, C a contact of B and a case
    b = contact_of(w.case, w.tree.grid2, actor=w.health_user)
    case_b = _became_case(b, w.tree.grid2)
    c = contact_of(case_b, w.tree.grid2, actor=w.health_user)
    case_c = _became_case(c, w.tree.grid2)
    url = f"/api/cases/{case_c.pk}/contacts"

    # when A's person or B's is added as a contact of C, the chain would loop
    for name, doc in (("甲", w.case.person.doc_number), ("乙", b.doc_number)):
        body = _contact_body(w.tree.grid2.code, name=name, doc_number=doc)
        response = _refused(partial(_post, w.health, url, body), 400, "chain_cycle")
        assert response["message"]


def test_a_secondary_contact_of_another_cases_contact_is_not_found(w: SimpleNamespace) -> None:
    other = tracing_case(w.tree.grid2)
    met = contact_of(other, w.tree.grid2, actor=w.health_user)
    body = _contact_body(w.tree.grid2.code, source_contact_id=met.pk)

    _refused(lambda: _post(w.health, f"/api/cases/{w.case.pk}/contacts", body), 404, "not_found")


# --- laboratory results ------------------------------------------------------------------------


def test_lab_results_for_unknown_samples_are_refused_one_by_one(w: SimpleNamespace) -> None:
    # a sample of 昌邑区 is unknown to 南关区's laboratory, like one that does not exist
    elsewhere = add_sample(w.other_case, Result.PENDING, at=_hours_ago(3))
    before = _rows()

    response = _post(
        w.health,
        "/api/lab/results",
        {
            "items": [
                {"number": "NO-SUCH-001", "result": "positive", "ct_orf1ab": 25},
                {"number": elsewhere.number, "result": "negative"},
            ]
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["recorded"], body["refused"]) == (0, 2)
    assert [(i["status"], i["code"]) for i in body["items"]] == [
        ("refused", "unknown_sample"),
        ("refused", "unknown_sample"),
    ]
    assert body["items"][0]["message"] == body["items"][1]["message"] != ""
    assert _rows() == before


def test_a_result_for_a_sample_id_that_does_not_exist_is_not_found(w: SimpleNamespace) -> None:
    elsewhere = add_sample(w.other_case, Result.PENDING, at=_hours_ago(3))
    for pk in (999_999, elsewhere.pk):
        _refused(
            partial(_post, w.health, f"/api/samples/{pk}/result", {"result": "positive"}),
            404,
            "not_found",
        )


def test_a_result_already_recorded_is_not_overwritten(w: SimpleNamespace) -> None:
    sample = add_sample(w.case, Result.NEGATIVE)

    _refused(
        lambda: _post(w.health, f"/api/samples/{sample.pk}/result", {"result": "positive"}),
        409,
        "result_exists",
    )


# --- bad tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_a_bad_token_writes_nothing(
    w: SimpleNamespace, make_user: Callable[..., User], kind: str
) -> None:
    # given a laboratory user's token that must not work, and a result waiting to be posted
    lab = make_user(w.tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    raw = BAD_TOKENS[kind](lab)
    sample = add_sample(w.case, Result.PENDING, at=_hours_ago(2))
    machine = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})

    # when the machine posts the result, or confirms the case
    _refused(
        lambda: _post(
            machine,
            "/api/lab/results",
            {"items": [{"number": sample.number, "result": "positive"}]},
        ),
        401,
        "unauthorized",
    )
    _refused(
        lambda: _post(machine, f"/api/cases/{w.case.pk}/discharge", _discharge_body()),
        401,
        "unauthorized",
    )


# --- a moment without its time zone (was a 500: naive compared with aware) ---------------------

NAIVE = "2020-01-22T08:00:00"


@pytest.mark.parametrize("endpoint", ["sample", "result", "national-report", "clinic-visit"])
def test_a_moment_without_its_time_zone_is_refused(w: SimpleNamespace, endpoint: str) -> None:
    unreported = make_case(w.tree.grid1, category=Category.SUSPECTED, reported=False)
    sample = add_sample(unreported, Result.PENDING, at=_hours_ago(2))
    client, url, body, field = {
        "sample": (
            w.doctor,
            f"/api/cases/{unreported.pk}/samples",
            {
                "number": "NV-1",
                "sample_type": "throat_swab",
                "sampled_at": NAIVE,
                "laboratory": "实验室",
            },
            "sampled_at",
        ),
        "result": (
            w.health,
            f"/api/samples/{sample.pk}/result",
            {"result": "positive", "result_at": NAIVE},
            "result_at",
        ),
        "national-report": (
            w.doctor,
            f"/api/cases/{unreported.pk}/national-report",
            {"at": NAIVE},
            "at",
        ),
        "clinic-visit": (
            w.doctor,
            "/api/clinic-visits",
            {
                "facility_id": w.clinic.pk,
                "doc_number": unreported.person.doc_number,
                "temperature": "38.2",
                "visited_at": NAIVE,
            },
            "visited_at",
        ),
    }[endpoint]

    response = _refused(lambda: _post(client, url, body), 400, "naive_time")

    assert response["field"] == field


def test_a_lab_result_without_its_time_zone_is_refused_on_its_own(w: SimpleNamespace) -> None:
    sample = add_sample(w.case, Result.PENDING, at=_hours_ago(2))
    before = _rows()

    response = _post(
        w.health,
        "/api/lab/results",
        {"items": [{"number": sample.number, "result": "positive", "result_at": NAIVE}]},
    )

    assert response.status_code == 200
    assert [(i["status"], i["code"]) for i in response.json()["items"]] == [
        ("refused", "naive_time")
    ]
    assert _rows() == before
