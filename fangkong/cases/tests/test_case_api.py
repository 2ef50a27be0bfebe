"""The cases API: the list and its filters, the steps of the course (refused with a code and
the reason, writing nothing), samples, and the laboratories' batch of results by token."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts import actions as account_actions
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases.api import LAB_BATCH_MAX
from fangkong.cases.choices import CaseOutcome, Category, Result
from fangkong.cases.models import Case, Sample
from fangkong.cases.tests.factories import add_sample, make_case

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict, **headers: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def cdc(tree, make_user, client_for):
    return client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))


@pytest.fixture
def lab_token(tree, make_user):
    """A machine token of the 南关区 CDC laboratory."""
    user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    _token, raw = account_actions.create_token(actor=None, user=user, name="南关区疾控实验室")
    return raw


def test_the_api_lists_cases_with_filters_and_masked_numbers(tree, cdc):
    late = make_case(tree.grid1, category=Category.SUSPECTED, reported=False)
    make_case(tree.grid2, category=Category.CONFIRMED)
    make_case(tree.other_grid)  # another county's
    everything = cdc.get("/api/cases").json()
    assert len(everything["items"]) == 2
    overdue = cdc.get("/api/cases", {"overdue": "true"}).json()["items"]
    assert [c["number"] for c in overdue] == [late.number]
    assert overdue[0]["overdue"] is True
    assert overdue[0]["doc_number"] == late.person.masked_doc_number
    assert late.person.doc_number not in json.dumps(everything)
    assert [c["id"] for c in cdc.get("/api/cases", {"category": "suspected"}).json()["items"]] == [
        late.pk
    ]
    assert cdc.get("/api/cases", {"within": tree.dongshi.code}).status_code == 404
    assert cdc.get("/api/cases", {"after": "-3"}).status_code in (400, 422)


def test_the_api_pages_by_key(tree, cdc):
    cases = [make_case(tree.grid1) for _ in range(3)]
    first = cdc.get("/api/cases", {"limit": 2}).json()
    second = cdc.get("/api/cases", {"limit": 2, "after": first["next_after"]}).json()
    assert [c["id"] for c in first["items"]] == [cases[2].pk, cases[1].pk]
    assert [c["id"] for c in second["items"]] == [cases[0].pk] and second["next_after"] is None


def test_a_case_with_its_samples_and_course(tree, cdc):
    case = make_case(tree.grid1)
    sample = add_sample(case, Result.POSITIVE)
    body = cdc.get(f"/api/cases/{case.pk}").json()
    assert body["number"] == case.number
    assert [s["number"] for s in body["samples"]] == [sample.number]
    assert body["report_minutes"] == 40
    assert cdc.get("/api/cases/999999").status_code == 404


def test_refused_steps_answer_the_code_and_the_reason_and_write_nothing(tree, cdc):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at - dt.timedelta(hours=12))
    add_sample(case, Result.NEGATIVE, at=case.diagnosed_at - dt.timedelta(hours=2))
    audits = AuditEvent.objects.count()
    confirm = _post(cdc, f"/api/cases/{case.pk}/confirm", {"severity": "mild"})
    assert confirm.status_code == 400 and confirm.json()["code"] == "no_positive_result"
    exclude = _post(cdc, f"/api/cases/{case.pk}/exclude", {})
    assert exclude.status_code == 400 and exclude.json()["code"] == "negatives_not_apart"
    discharge = _post(cdc, f"/api/cases/{case.pk}/discharge", {})
    assert discharge.status_code == 400 and discharge.json()["code"] == "wrong_category"
    assert AuditEvent.objects.count() == audits
    case.refresh_from_db()
    assert case.category == Category.SUSPECTED


def test_an_asymptomatic_infection_with_symptoms_is_confirmed_through_the_api(tree, cdc):
    case = make_case(tree.grid1, category=Category.ASYMPTOMATIC)
    after = (case.diagnosed_at - dt.timedelta(days=2)).date().isoformat()
    refused = _post(cdc, f"/api/cases/{case.pk}/onset", {"onset_date": after, "severity": "mild"})
    assert refused.status_code == 400 and refused.json()["code"] == "bad_onset"
    today = timezone.localdate().isoformat()
    done = _post(cdc, f"/api/cases/{case.pk}/onset", {"onset_date": today, "severity": "mild"})
    assert done.status_code == 200
    assert done.json()["category"] == "confirmed" and done.json()["onset_date"] == today


def test_the_national_report_keeps_the_time_taken_and_is_not_repeated(tree, cdc):
    case = make_case(tree.grid1, reported=False)
    done = _post(cdc, f"/api/cases/{case.pk}/national-report", {})
    assert done.status_code == 200 and done.json()["report_minutes"] >= 180
    again = _post(cdc, f"/api/cases/{case.pk}/national-report", {})
    assert again.status_code == 409 and again.json()["code"] == "already_reported"


def test_samples_and_results_through_the_api(tree, cdc):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    made = _post(
        cdc,
        f"/api/cases/{case.pk}/samples",
        {"number": "AP001", "sample_type": "throat_swab", "sampled_at": at, "laboratory": "实验室"},
    )
    assert made.status_code == 201
    sample_id = made.json()["id"]
    bad_ct = _post(cdc, f"/api/samples/{sample_id}/result", {"result": "positive", "ct_n": 70})
    # refused by the rule, naming the field, and nothing recorded
    assert bad_ct.status_code == 400 and bad_ct.json()["code"] == "bad_ct"
    done = _post(cdc, f"/api/samples/{sample_id}/result", {"result": "positive", "ct_n": "30.1"})
    assert done.status_code == 200 and done.json()["result"] == "positive"
    confirm = _post(cdc, f"/api/cases/{case.pk}/confirm", {"severity": "mild"})
    assert confirm.status_code == 200 and confirm.json()["category"] == "confirmed"


# --- the laboratory's batch ------------------------------------------------------------------


def test_a_lab_posts_results_by_number_each_answered_on_its_own(tree, lab_token):
    case = make_case(tree.grid1, category=Category.SUSPECTED)
    pending = add_sample(case, Result.PENDING, at=timezone.now() - dt.timedelta(hours=3))
    done = add_sample(case, Result.NEGATIVE)
    elsewhere = add_sample(
        make_case(tree.other_grid), Result.PENDING, at=timezone.now() - dt.timedelta(hours=3)
    )
    client = Client()
    response = _post(
        client,
        "/api/lab/results",
        {
            "items": [
                {"number": pending.number, "result": "positive", "ct_orf1ab": 25.3},
                {"number": "NO-SUCH", "result": "negative"},
                {"number": elsewhere.number, "result": "negative"},
                {"number": done.number, "result": "positive"},
            ]
        },
        HTTP_AUTHORIZATION=f"Bearer {lab_token}",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["recorded"] == 1 and body["refused"] == 3
    items = body["items"]
    assert items[0]["status"] == "recorded"
    # unknown and out of the jurisdiction answer alike
    assert items[1]["code"] == items[2]["code"] == "unknown_sample"
    assert {k: v for k, v in items[1].items() if k != "index"} == {
        k: v for k, v in items[2].items() if k != "index"
    }
    assert items[3]["code"] == "result_exists"
    pending.refresh_from_db()
    elsewhere.refresh_from_db()
    assert pending.result == Result.POSITIVE and str(pending.ct_orf1ab) == "25.3"
    assert elsewhere.result == Result.PENDING


def test_a_bad_token_is_401_and_records_nothing(tree):
    case = make_case(tree.grid1)
    sample = add_sample(case, Result.PENDING, at=timezone.now() - dt.timedelta(hours=3))
    response = _post(
        Client(),
        "/api/lab/results",
        {"items": [{"number": sample.number, "result": "positive"}]},
        HTTP_AUTHORIZATION="Bearer fk_not-a-token",
    )
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    sample.refresh_from_db()
    assert sample.result == Result.PENDING


def test_a_batch_over_the_limit_or_empty_is_refused(tree, lab_token):
    header = {"HTTP_AUTHORIZATION": f"Bearer {lab_token}"}
    item = {"number": "X", "result": "negative"}
    too_many = _post(
        Client(), "/api/lab/results", {"items": [item] * (LAB_BATCH_MAX + 1)}, **header
    )
    assert too_many.status_code == 422
    empty = _post(Client(), "/api/lab/results", {"items": []}, **header)
    assert empty.status_code == 422
    assert (
        not Sample.objects.exists() and not Case.objects.filter(outcome=CaseOutcome.DIED).exists()
    )
