"""Issue #9's "done means", through the REST API only: a fever clinic of 南关区 reports a
suspected case, the laboratory posts its positive result with a machine token, the county's
health commission investigates (movements, a household contact at home and a workmate living in
昌邑区), 南关区 traces its contact into observation, 昌邑区 accepts, finds and observes the one
handed over (南关区 seeing only the state), the case is confirmed and the county command office
reads its risk grade going from low to medium once the health commission grades again.

Every call is real HTTP through the Django test client with a bearer token of a real user of
the real role; the records a test starts from (the tree, the clinic, the users and their tokens)
are made by the actions, as an administrator would."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.medical.tests.factories import make_clinic
from fangkong.outbreaks.tasks import grade_risk_task
from fangkong.people.idcard import compose_resident_id

pytestmark = pytest.mark.django_db


def _api(user: User, name: str) -> Client:
    """A client holding a bearer token of ``user`` (CSRF enforced, as for any API client)."""
    _token, raw = account_actions.create_token(actor=None, user=user, name=name)
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _actions(path: str, since: int) -> list[tuple[str, str, str]]:
    """(action, actor, channel) of the audit rows written since ``since`` in the subtree."""
    return list(
        AuditEvent.objects.filter(pk__gt=since, division_path__startswith=path)
        .order_by("pk")
        .values_list("action", "actor__username", "channel")
    )


@pytest.fixture
def story(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    s = SimpleNamespace(tree=tree)
    s.clinic = make_clinic(tree.nanguan, name="南关区人民医院发热门诊")
    s.doctor_user = make_user(tree.nanguan, roles=[Role.CLINIC_STAFF], username="ng_doctor")
    s.cdc_user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="ng_cdc")
    s.lab_user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="ng_lab")
    s.receiver_user = make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION], username="cy_cdc")
    s.command_user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="ng_command")
    s.doctor = _api(s.doctor_user, "发热门诊工作站")
    s.cdc = _api(s.cdc_user, "流调队")
    s.lab = _api(s.lab_user, "南关区疾控实验室 LIS")  # the laboratory's machine token
    s.receiver = _api(s.receiver_user, "昌邑区疾控")
    s.command = _api(s.command_user, "南关区指挥部")
    return s


def test_a_suspected_case_is_traced_confirmed_and_moves_the_county_risk_grade(
    story: SimpleNamespace,
) -> None:
    s, tree = story, story.tree
    today = timezone.localdate()
    onset = today - dt.timedelta(days=2)
    patient_id = compose_resident_id("220102", dt.date(1978, 3, 14), 231)
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # --- the fever clinic registers a walk-in patient and decides: suspected ---------------
    visit = _ok(
        _post(
            s.doctor,
            "/api/clinic-visits",
            {
                "facility_id": s.clinic.pk,
                "doc_number": patient_id,
                "name": "张建国",
                "grid": tree.grid1.code,
                "phone": "13904310001",
                "address": "华阳街12号",
                "temperature": "38.6",
                "symptoms": ["fever", "dry_cough"],
            },
        ),
        201,
    )
    assert visit["decision"] == "pending" and visit["case_id"] is None
    assert visit["referral_screening_id"] is None  # walked in
    decided = _ok(
        _post(
            s.doctor,
            f"/api/clinic-visits/{visit['id']}/decision",
            {
                "decision": "suspected",
                "doctor": "李医生",
                "address": "华阳街12号",
                "address_division": tree.grid1.code,
                "onset_date": onset.isoformat(),
                "occupation": "worker",
                "workplace": "长春客车厂",
            },
        )
    )
    assert decided["decision"] == "suspected" and decided["case_id"]
    case_id = decided["case_id"]
    case = _ok(s.doctor.get(f"/api/cases/{case_id}"))
    assert (case["category"], case["outcome"]) == ("suspected", "isolated")
    assert case["responsible_facility_name"] == "南关区人民医院发热门诊"
    assert case["reporting_doctor"] == "李医生" and case["county_name"] == "南关区"
    assert case["national_reported_at"] is None and case["overdue"] is False
    assert case["doc_number"] != patient_id  # masked in the case list and page

    # the clinic marks it reported to the national system (网络直报), within the 2 hours
    reported = _ok(_post(s.doctor, f"/api/cases/{case_id}/national-report"))
    assert reported["national_reported_at"] is not None
    assert 0 <= reported["report_minutes"] <= 120

    # --- a sample, and the laboratory's positive result by its machine token --------------
    sample = _ok(
        _post(
            s.doctor,
            f"/api/cases/{case_id}/samples",
            {
                "number": "NG20200122-001",
                "sample_type": "throat_swab",
                "sampled_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
                "laboratory": "南关区疾控中心实验室",
            },
        ),
        201,
    )
    assert sample["result"] == "pending"
    waiting = _ok(s.doctor.get("/api/cases", {"awaiting": "true"}))["items"]
    assert [c["id"] for c in waiting] == [case_id]
    lab = _ok(
        _post(
            s.lab,
            "/api/lab/results",
            {
                "items": [
                    {
                        "number": "NG20200122-001",
                        "result": "positive",
                        "ct_orf1ab": "28.4",
                        "ct_n": "30.1",
                    }
                ]
            },
        )
    )
    assert (lab["recorded"], lab["refused"]) == (1, 0)
    samples = _ok(s.doctor.get(f"/api/cases/{case_id}"))["samples"]
    assert [(x["number"], x["result"], x["ct_orf1ab"]) for x in samples] == [
        ("NG20200122-001", "positive", "28.4")
    ]
    assert _ok(s.doctor.get("/api/cases", {"awaiting": "true"}))["items"] == []

    # --- the county health commission investigates: where the case went -------------------
    inv = _ok(
        _post(s.cdc, f"/api/cases/{case_id}/investigation", {"investigator_name": "赵流调"}), 201
    )
    assert inv["window_start"] == (onset - dt.timedelta(days=14)).isoformat()
    assert inv["window_end"] == today.isoformat() and inv["status"] == "open"
    market = _ok(
        _post(
            s.cdc,
            f"/api/investigations/{inv['id']}/movements",
            {
                "day": (onset - dt.timedelta(days=3)).isoformat(),
                "start_time": "08:30",
                "end_time": "09:40",
                "place": {
                    "name": "华阳农贸市场",
                    "kind": "market",
                    "address": "华阳街1号",
                    "division": tree.huayang.code,
                },
                "transport": "bus",
                "transport_number": "62路",
                "people_met": "摊主二人",
                "protection": "none",
            },
        ),
        201,
    )
    train = _ok(
        _post(
            s.cdc,
            f"/api/investigations/{inv['id']}/movements",
            {
                "day": (onset - dt.timedelta(days=1)).isoformat(),
                "start_time": "13:05",
                "end_time": "15:20",
                "place": {
                    "name": "长春站",
                    "kind": "station",
                    "address": "人民大街1号",
                    "division": tree.nanguan.code,
                },
                "transport": "train",
                "transport_number": "G1234",
                "seat": "05车12F",
                "protection": "surgical",
            },
        ),
        201,
    )
    again = _ok(
        _post(
            s.cdc,
            f"/api/investigations/{inv['id']}/movements",
            {  # the same market picked from the places already recorded
                "day": onset.isoformat(),
                "place_id": market["place"]["id"],
                "transport": "walk",
            },
        ),
        201,
    )
    assert again["place"]["id"] == market["place"]["id"]
    assert train["transport_number"] == "G1234" and train["seat"] == "05车12F"
    read = _ok(s.cdc.get(f"/api/investigations/{inv['id']}"))
    assert [(m["day"], m["place"]["name"], m["transport"]) for m in read["movements"]] == [
        ((onset - dt.timedelta(days=3)).isoformat(), "华阳农贸市场", "bus"),
        ((onset - dt.timedelta(days=1)).isoformat(), "长春站", "train"),
        (onset.isoformat(), "华阳农贸市场", "walk"),
    ]
    notice = _ok(s.cdc.get(f"/api/investigations/{inv['id']}/trajectory"))["text"]
    assert "华阳农贸市场" in notice and "G1234" in notice
    assert "张建国" not in notice and patient_id not in notice

    # --- whom the case met: a household contact at home and a workmate in 昌邑区 -----------
    exposure = {
        "first_exposure": (today - dt.timedelta(days=3)).isoformat(),
        "last_exposure": (today - dt.timedelta(days=1)).isoformat(),
    }
    wife_id = compose_resident_id("220102", dt.date(1980, 7, 2), 242)
    mate_id = compose_resident_id("220202", dt.date(1985, 11, 9), 311)
    wife = _ok(
        _post(
            s.cdc,
            f"/api/cases/{case_id}/contacts",
            {
                "name": "王秀英",
                "doc_number": wife_id,
                "phone": "13904310002",
                "address": "华阳街12号",
                "residence": tree.grid2.code,
                "relation": "household",
                **exposure,
            },
        ),
        201,
    )
    mate = _ok(
        _post(
            s.cdc,
            f"/api/cases/{case_id}/contacts",
            {
                "name": "刘志强",
                "doc_number": mate_id,
                "phone": "13904320003",
                "address": "吉林市昌邑区东市场街8号",
                "residence": tree.dongshi.code,
                "relation": "workplace",
                **exposure,
            },
        ),
        201,
    )
    assert (wife["kind"], wife["status"], wife["handover_state"]) == ("close", "to_find", None)
    assert (
        wife["observe_until"] == (today - dt.timedelta(days=1) + dt.timedelta(days=14)).isoformat()
    )
    assert (mate["kind"], mate["handover_state"]) == ("close", "sent")
    assert mate["status"] == "handed_over"

    # --- 南关区 finds its contact and starts the centralized observation --------------------
    found = _ok(_post(s.cdc, f"/api/contacts/{wife['id']}/found", {"grid": tree.grid2.code}))
    assert found["status"] == "found" and found["person_id"]
    observed = _ok(_post(s.cdc, f"/api/contacts/{wife['id']}/observe"))
    assert observed["status"] == "observing" and observed["observation_id"]
    observation = _ok(s.cdc.get(f"/api/observations/{observed['observation_id']}"))
    assert observation["status"] == "active"

    # --- 昌邑区 receives the hand-over: accepts, finds and observes ---------------------------
    incoming = _ok(s.receiver.get("/api/handovers", {"direction": "in"}))["items"]
    assert [(h["contact_name"], h["state"], h["from_name"]) for h in incoming] == [
        ("刘志强", "sent", "南关区")
    ]
    handover_id = incoming[0]["id"]
    assert incoming[0]["contact_id"] is None  # the sender's record stays the sender's
    assert s.receiver.get(f"/api/cases/{case_id}/contacts").status_code == 404
    assert s.receiver.get(f"/api/contacts/{mate['id']}").status_code == 404
    assert _ok(_post(s.receiver, f"/api/handovers/{handover_id}/accept"))["state"] == "accepted"
    there = _ok(
        _post(s.receiver, f"/api/handovers/{handover_id}/found", {"grid": tree.other_grid.code})
    )
    assert there["state"] == "found" and there["person_id"]
    there = _ok(_post(s.receiver, f"/api/handovers/{handover_id}/observe"))
    assert there["state"] == "observing" and there["observation_id"]

    # the sender sees the state, never the other county's person or observation
    outgoing = _ok(s.cdc.get("/api/handovers", {"direction": "out"}))["items"]
    assert [(h["id"], h["state"]) for h in outgoing] == [(handover_id, "observing")]
    assert outgoing[0]["person_id"] is None and outgoing[0]["observation_id"] is None
    assert outgoing[0]["note"] is None
    assert _ok(s.cdc.get(f"/api/contacts/{mate['id']}"))["handover_state"] == "observing"
    assert s.cdc.get(f"/api/people/{there['person_id']}").status_code == 404
    assert s.cdc.get(f"/api/observations/{there['observation_id']}").status_code == 404
    # and the sender cannot act for the receiver
    assert _post(s.cdc, f"/api/handovers/{handover_id}/not-found", {"note": "x"}).status_code == 404

    # --- the risk grades before the confirmation: last night's and this morning's runs -------
    # The nightly job is a task (`grade_risk_task`, what the scheduler and `fangkong grade-risk`
    # run), not an API operation: the test runs it itself, for yesterday and for today.
    grade_risk_task.call(day=(today - dt.timedelta(days=1)).isoformat())
    grade_risk_task.call(day=today.isoformat())
    grades = _ok(s.command.get("/api/risk-grades"))
    assert [(g["county_name"], g["grade"], g["cumulative"]) for g in grades] == [
        ("南关区", "low", 0)
    ]

    # --- the case is confirmed on its positive result ---------------------------------------
    confirmed = _ok(_post(s.cdc, f"/api/cases/{case_id}/confirm", {"severity": "ordinary"}))
    assert (confirmed["category"], confirmed["severity"]) == ("confirmed", "ordinary")
    assert confirmed["confirmed_at"] is not None
    assert [e["kind"] for e in confirmed["events"]][-1] == "confirmed"

    # --- the health commission grades today again, the command office reads the change ------
    regraded = _ok(_post(s.cdc, "/api/risk-grades/grade-now"))
    assert regraded["changed"] == 1
    grades = _ok(s.command.get("/api/risk-grades"))
    assert [
        (g["county_name"], g["grade"], g["previous"], g["cumulative"], g["new_14d"]) for g in grades
    ] == [("南关区", "medium", "low", 1, 1)]
    assert grades == regraded["grades"]
    yesterday = _ok(s.command.get("/api/risk-grades", {"day": (today - dt.timedelta(days=1))}))
    assert [g["grade"] for g in yesterday] == ["low"]
    # 昌邑区 (no case of its own) stays low, seen by its own people only
    assert [(g["county_name"], g["grade"]) for g in _ok(s.receiver.get("/api/risk-grades"))] == [
        ("昌邑区", "low")
    ]
    # the command office sees the case and its contacts, and writes nothing
    assert _ok(s.command.get(f"/api/cases/{case_id}"))["category"] == "confirmed"
    listed = _ok(s.command.get("/api/contacts", {"case": confirmed["number"]}))["items"]
    assert {c["name"] for c in listed} == {"王秀英", "刘志强"}
    assert (
        _post(s.command, f"/api/cases/{case_id}/confirm", {"severity": "mild"}).status_code == 403
    )

    # --- the audit trail: each step by its user, through the API, on its county's side ------
    nanguan = _actions(tree.nanguan.path, start)
    assert nanguan == [
        ("person.create", "ng_doctor", "api"),  # the walk-in, registered in 第一网格
        ("cases.visit", "ng_doctor", "api"),
        ("cases.report", "ng_doctor", "api"),
        ("cases.visit_decide", "ng_doctor", "api"),
        ("cases.national_report", "ng_doctor", "api"),
        ("cases.sample", "ng_doctor", "api"),
        ("cases.result", "ng_lab", "api"),
        ("investigation.open", "ng_cdc", "api"),
        ("investigation.place", "ng_cdc", "api"),
        ("investigation.movement", "ng_cdc", "api"),
        ("investigation.place", "ng_cdc", "api"),
        ("investigation.movement", "ng_cdc", "api"),
        ("investigation.movement", "ng_cdc", "api"),
        ("contact.add", "ng_cdc", "api"),
        ("contact.add", "ng_cdc", "api"),
        ("handover.send", "ng_cdc", "api"),
        ("person.create", "ng_cdc", "api"),  # the contact, registered in 第二网格
        ("contact.find", "ng_cdc", "api"),
        ("observation.start", "ng_cdc", "api"),
        ("contact.observe", "ng_cdc", "api"),
        ("handover.accept", "cy_cdc", "api"),
        ("handover.found", "cy_cdc", "api"),
        ("handover.observe", "cy_cdc", "api"),
        ("cases.confirm", "ng_cdc", "api"),
        ("outbreaks.grade_change", None, "api"),  # computed as the system, on ng_cdc's request
        ("outbreaks.grade_now", "ng_cdc", "api"),
    ]
    # the sender's rows of the receiver's steps say the state, nothing of the person found
    for row in AuditEvent.objects.filter(
        pk__gt=start, action__startswith="handover.", division_path__startswith=tree.nanguan.path
    ):
        assert "person" not in row.changes and "grid" not in row.changes
        assert tree.other_grid.name not in json.dumps(row.changes, ensure_ascii=False)
    assert _actions(tree.changyi.path, start) == [
        ("handover.receive", "ng_cdc", "api"),
        ("handover.accept", "cy_cdc", "api"),
        ("person.create", "cy_cdc", "api"),
        ("handover.found", "cy_cdc", "api"),
        ("observation.start", "cy_cdc", "api"),
        ("handover.observe", "cy_cdc", "api"),
    ]
