"""The treatment API over HTTP with real users: the health commission of 南关区 orders, the staff
of the receiving facility accept and record the transport, another county's officer sees
nothing (404); refusals answer 400/409 with their code and write nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, get_args

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.cases.choices import CaseOutcome
from fangkong.cases.models import Case
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Ward
from fangkong.treatment import actions
from fangkong.treatment.api import OrderTransport
from fangkong.treatment.choices import Transport
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


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def world(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> SimpleNamespace:
    """As in test_actions: a reporting fever clinic without beds, a clinic 0.8 km away and one
    20 km away, a designated hospital 8 km away with isolation beds and an ICU, one of 昌邑区;
    the health commission (卫健委) of 南关区, the staff of its hospitals, and 昌邑区's officer."""
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
    w.officer = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))
    w.receiver = client_for(make_user(tree.nanguan, roles=[Role.CLINIC_STAFF]))
    w.stranger = client_for(make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION]))
    return w


def arrive(w: SimpleNamespace, order_id: int) -> dict[str, Any]:
    """The receiver accepts and the patient arrives."""
    assert post(w.receiver, f"/api/orders/{order_id}/accept").status_code == 200
    answer = post(w.receiver, f"/api/orders/{order_id}/transport", {"transport": "arrived"})
    assert answer.status_code == 200, answer.json()
    body: dict[str, Any] = answer.json()
    return body


# --- the course -------------------------------------------------------------------------------


def test_the_course_of_a_patient_through_the_api(world: SimpleNamespace) -> None:
    w = world
    # given a suspected case isolated at the reporting clinic
    case = suspected_case(w.tree.grid1, w.reporting)
    waiting = w.officer.get("/api/waiting").json()
    assert [c["number"] for c in waiting["items"]] == [case.number]
    assert waiting["items"][0]["responsible_facility_name"] == w.reporting.name

    # when the officer asks for the nearest beds
    beds = w.officer.get(f"/api/cases/{case.pk}/beds").json()
    # then the clinic 0.8 km away comes first, the one 20 km away later; not 昌邑区's
    assert [b["facility_name"] for b in beds["items"]][:2] == [w.near.name, w.hospital.name]
    assert beds["items"][0]["free"] == 10 and 0.5 < beds["items"][0]["km"] < 1.2
    assert w.elsewhere.name not in json.dumps(beds, ensure_ascii=False)
    assert beds["need"]  # why: a suspected case, the nearest isolation bed

    # when the officer orders the admission without choosing
    answer = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": None, "note": "发热"})
    # then the nearest bed is reserved and the reporting clinic is still responsible
    assert answer.status_code == 201, answer.json()
    order = answer.json()
    assert (order["state"], order["transport"], order["kind"]) == (
        "requested",
        "requested",
        "admission",
    )
    assert order["ward_id"] == w.near_ward.pk and order["from_facility_name"] == w.reporting.name
    assert order["case_number"] == case.number and order["note"] == "发热"
    assert counts(w.near_ward) == (0, 1)
    assert w.officer.get(f"/api/cases/{case.pk}").json()["responsible_facility_id"] == (
        w.reporting.pk
    )

    # when the receiving clinic looks at what comes in, and accepts
    incoming = w.receiver.get("/api/orders", {"side": "in", "state": "requested"}).json()
    assert [o["id"] for o in incoming["items"]] == [order["id"]]
    accepted = post(w.receiver, f"/api/orders/{order['id']}/accept")
    # then it is responsible for the case
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert w.officer.get(f"/api/cases/{case.pk}").json()["responsible_facility_id"] == w.near.pk

    # when the vehicle goes and arrives
    for step in ("dispatched", "on_the_way", "arrived"):
        answer = post(w.receiver, f"/api/orders/{order['id']}/transport", {"transport": step})
        assert answer.status_code == 200, answer.json()
    # then the patient is in the bed
    assert answer.json()["state"] == "arrived" and answer.json()["arrived_at"]
    assert counts(w.near_ward) == (1, 0)
    assert w.officer.get(f"/api/cases/{case.pk}").json()["outcome"] == CaseOutcome.ADMITTED

    # when confirmed, the case goes to the designated hospital, up to ICU and down again
    confirm(case)
    for target, kind, severity in (
        (w.isolation, "transfer_up", None),
        (w.icu, "transfer_up", "severe"),
        (w.isolation, "transfer_down", "ordinary"),
    ):
        body = {"ward": target.pk, "kind": kind, "severity": severity, "note": ""}
        answer = post(w.officer, f"/api/cases/{case.pk}/transfer", body)
        assert answer.status_code == 201, answer.json()
        arrive(w, answer.json()["id"])
    # then the patient is in the hospital's isolation ward, every other bed free
    assert counts(w.isolation) == (1, 0)
    assert counts(w.icu) == (0, 0) and counts(w.near_ward) == (0, 0)
    assert w.officer.get(f"/api/cases/{case.pk}").json()["severity"] == "ordinary"

    # when the case is discharged through the cases API
    ready_for_discharge(case)
    answer = post(
        w.officer,
        f"/api/cases/{case.pk}/discharge",
        {
            "normal_since": (timezone.localdate() - dt.timedelta(days=4)).isoformat(),
            "symptoms_better": True,
            "imaging_improved": True,
        },
    )
    # then the bed is free again and the stay has ended
    assert answer.status_code == 200, answer.json()
    assert counts(w.isolation) == (0, 0)
    assert not Stay.objects.filter(case=case, ended_at__isnull=True).exists()
    # ... and the orders list shows the four, newest first, paged by key
    first = w.officer.get("/api/orders", {"limit": 3}).json()
    rest = w.officer.get("/api/orders", {"limit": 3, "after": first["next_after"]}).json()
    assert [o["id"] for o in first["items"] + rest["items"]] == list(
        Order.objects.order_by("-id").values_list("id", flat=True)
    )
    assert rest["next_after"] is None and len(first["items"]) == 3
    assert actions.check_bed_counts().wrong == []


def test_refuse_and_cancel_give_the_bed_back(world: SimpleNamespace) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    first = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.near_ward.pk}).json()
    # when the receiver refuses without a reason, then with one
    assert post(w.receiver, f"/api/orders/{first['id']}/refuse", {"reason": " "}).json()[
        "code"
    ] == ("reason_required")
    assert counts(w.near_ward) == (0, 1)
    answer = post(w.receiver, f"/api/orders/{first['id']}/refuse", {"reason": "床位检修"})
    # then the order is refused with its reason, and the bed free
    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["refusal"]) == ("refused", "床位检修")
    assert counts(w.near_ward) == (0, 0)
    # when the officer orders elsewhere and cancels
    second = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.far_ward.pk}).json()
    answer = post(w.officer, f"/api/orders/{second['id']}/cancel", {"reason": "家属要求就近"})
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    assert counts(w.far_ward) == (0, 0)
    # ... a closed order is not cancelled twice
    again = post(w.officer, f"/api/orders/{second['id']}/cancel", {"reason": "再次"})
    assert (again.status_code, again.json()["code"]) == (409, "order_not_open")


# --- refusals: a code, a message, nothing written ----------------------------------------------


def test_refused_admissions_answer_their_code_and_write_nothing(world: SimpleNamespace) -> None:
    w = world
    small = ward(w.near, "单间", capacity=1)
    taken = suspected_case(w.tree.grid1, w.reporting)
    case = suspected_case(w.tree.grid1, w.reporting)
    assert post(w.officer, f"/api/cases/{taken.pk}/admission", {"ward": small.pk}).status_code == (
        201
    )
    url = f"/api/cases/{case.pk}/admission"
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"ward": small.pk}, 409, "ward_full"),
        ({"ward": w.icu.pk}, 400, "wrong_bed_type"),
        ({"ward": w.other_county.pk}, 404, "not_found"),  # another county's bed
        ({"ward": 987654321}, 404, "not_found"),  # no such ward
        ({"ward": w.near_ward.pk, "note": "x" * 301}, 422, "validation_error"),
        ({"ward": w.near_ward.pk, "surprise": 1}, 422, "validation_error"),
        ({"ward": -1}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        answer = post(w.officer, url, body)
        # then each is refused with its code and a message for people
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
        assert answer.json()["message"]
    # ... and nothing was written
    assert Order.objects.count() == 1
    assert counts(small) == (0, 1) and counts(w.icu) == (0, 0)
    assert counts(w.other_county) == (0, 0) and counts(w.near_ward) == (0, 0)
    full = post(w.officer, url, {"ward": small.pk}).json()
    assert full["field"] == "ward" and "单间" in full["message"]


def test_a_second_order_an_admitted_patient_and_an_early_arrival_are_refused(
    world: SimpleNamespace,
) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    order = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.near_ward.pk}).json()
    # a second open order
    second = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.far_ward.pk})
    assert (second.status_code, second.json()["code"]) == (409, "order_open")
    # arrival before acceptance
    early = post(w.receiver, f"/api/orders/{order['id']}/transport", {"transport": "arrived"})
    assert (early.status_code, early.json()["code"]) == (400, "not_accepted")
    # a transport state that does not exist
    bad = post(w.receiver, f"/api/orders/{order['id']}/transport", {"transport": "flying"})
    assert bad.status_code == 422
    # backwards
    post(w.receiver, f"/api/orders/{order['id']}/transport", {"transport": "on_the_way"})
    back = post(w.receiver, f"/api/orders/{order['id']}/transport", {"transport": "dispatched"})
    assert (back.status_code, back.json()["code"]) == (400, "transport_backwards")
    # a patient already in a bed
    arrive(w, order["id"])
    again = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.far_ward.pk})
    assert (again.status_code, again.json()["code"]) == (409, "already_admitted")
    # a transfer to the ward the patient is in, and one of a kind that is no transfer
    same = post(
        w.officer, f"/api/cases/{case.pk}/transfer", {"ward": w.near_ward.pk, "kind": "transfer_up"}
    )
    assert (same.status_code, same.json()["code"]) == (400, "same_ward")
    kind = post(
        w.officer, f"/api/cases/{case.pk}/transfer", {"ward": w.far_ward.pk, "kind": "admission"}
    )
    assert (kind.status_code, kind.json()["code"]) == (400, "bad_kind")
    assert Order.objects.count() == 1
    assert counts(w.far_ward) == (0, 0) and counts(w.near_ward) == (1, 0)


def test_another_countys_officer_sees_nothing_and_roles_decide(
    world: SimpleNamespace,
) -> None:
    w = world
    case = suspected_case(w.tree.grid1, w.reporting)
    order = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.near_ward.pk}).json()
    # another county's officer: every record answers 404, the lists are empty
    for url in (f"/api/orders/{order['id']}", f"/api/cases/{case.pk}/beds"):
        assert w.stranger.get(url).status_code == 404
    for url, body in (
        (f"/api/orders/{order['id']}/cancel", {"reason": "越权"}),
        (f"/api/orders/{order['id']}/accept", {}),
        (f"/api/orders/{order['id']}/transport", {"transport": "dispatched"}),
        (f"/api/cases/{case.pk}/transfer", {"ward": w.other_county.pk, "kind": "transfer_up"}),
    ):
        answer = post(w.stranger, url, body)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found"), url
    assert w.stranger.get("/api/orders").json()["items"] == []
    assert w.stranger.get("/api/waiting").json()["items"] == []
    # the clinic's staff may not order (403), nor set the policy
    denied = post(w.receiver, f"/api/cases/{case.pk}/admission", {"ward": w.far_ward.pk})
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden")
    assert put(w.receiver, "/api/policy", {"mild_to_makeshift": True}).status_code == 403
    # nobody logged in: 401
    assert Client().get("/api/orders").status_code == 401
    order_row = Order.objects.get()
    assert (order_row.state, order_row.transport) == ("requested", "requested")


# --- plans and policy ------------------------------------------------------------------------


def test_plans_through_the_api(world: SimpleNamespace) -> None:
    w = world
    # given 3 waiting patients and a county whose only free isolation beds are 2 at the near
    # clinic (the other wards are full or of another type)
    for full in (w.far_ward, w.isolation):
        Ward.objects.filter(pk=full.pk).update(out_of_service=full.capacity)
    Ward.objects.filter(pk=w.near_ward.pk).update(capacity=2)
    cases = [suspected_case(w.tree.grid1, w.reporting) for _ in range(3)]
    # when the officer proposes a plan for the county
    answer = post(w.officer, "/api/plans", {"division": w.tree.nanguan.code})
    assert answer.status_code == 201, answer.json()
    plan = answer.json()
    # then 2 are placed at the near clinic and one is not, with the reason
    assert (plan["state"], plan["waiting"], plan["placed"]) == ("proposed", 3, 2)
    assert {a["facility_name"] for a in plan["assignments"]} == {w.near.name}
    assert [u["reason"] for u in plan["unplaced"]] == ["no_free_bed"]
    assert w.officer.get(f"/api/plans/{plan['id']}").json()["id"] == plan["id"]
    assert w.stranger.get(f"/api/plans/{plan['id']}").status_code == 404
    # when it is confirmed
    done = post(w.officer, f"/api/plans/{plan['id']}/confirm")
    # then 2 orders reserve the 2 beds
    assert done.status_code == 200, done.json()
    assert done.json()["plan"]["state"] == "confirmed" and done.json()["failed"] == []
    assert sorted(o["case_id"] for o in done.json()["orders"]) == sorted(
        a["case"] for a in plan["assignments"]
    )
    assert counts(w.near_ward) == (0, 2)
    # ... it is not confirmed nor discarded twice
    for step in ("confirm", "discard"):
        again = post(w.officer, f"/api/plans/{plan['id']}/{step}")
        assert (again.status_code, again.json()["code"]) == (409, "plan_not_proposed")
    # a second plan for the one left over is discarded
    second = post(w.officer, "/api/plans", {"division": w.tree.nanguan.code}).json()
    assert second["waiting"] == 1 and second["placed"] == 0
    assert post(w.officer, f"/api/plans/{second['id']}/discard").json()["state"] == "discarded"
    # another county's division, or a code that is none: 404; nothing written
    for code in (w.tree.changyi.code, "999999"):
        assert post(w.officer, "/api/plans", {"division": code}).status_code == 404
    assert post(w.officer, "/api/plans", {"division": "南关"}).status_code == 422
    assert Plan.objects.count() == 2 and Order.objects.count() == 2
    assert {c.pk for c in cases} >= set(Order.objects.values_list("case", flat=True))


def test_the_province_policy_sends_mild_cases_to_makeshift_hospitals(
    world: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    w = world
    # given a mild confirmed case in the clinic's bed, and a makeshift hospital nearby
    makeshift = place(
        w.tree.nanguan, "南关区方舱医院", FacilityKind.MAKESHIFT_HOSPITAL, lon="125.36", lat="43.88"
    )
    hall = ward(makeshift, "A区", capacity=100)
    case = suspected_case(w.tree.grid1, w.reporting)
    order = post(w.officer, f"/api/cases/{case.pk}/admission", {"ward": w.near_ward.pk}).json()
    arrive(w, order["id"])
    confirm(case, "mild")
    transfer = {"ward": hall.pk, "kind": "transfer_down"}
    # when no policy allows it, the makeshift hospital is refused
    refused = post(w.officer, f"/api/cases/{case.pk}/transfer", transfer)
    assert (refused.status_code, refused.json()["code"]) == (400, "wrong_bed_type")
    # when the province's health commission allows it
    province = client_for(make_user(w.tree.province, roles=[Role.HEALTH_COMMISSION]))
    answer = put(province, "/api/policy", {"mild_to_makeshift": True})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["province_code"] == w.tree.province.code
    assert answer.json()["mild_to_makeshift"] is True
    # then the mild case may go there
    moved = post(w.officer, f"/api/cases/{case.pk}/transfer", transfer)
    assert moved.status_code == 201, moved.json()
    assert counts(hall) == (0, 1)
    # ... a county's officer does not decide for the province; a policy is a yes or a no
    county = put(w.officer, "/api/policy", {"mild_to_makeshift": False})
    assert (county.status_code, county.json()["code"]) == (400, "not_province")
    assert put(province, "/api/policy", {"mild_to_makeshift": "maybe"}).status_code == 422
    assert actions.mild_to_makeshift(case.division_path) is True


def test_lists_parse_their_query_strings(world: SimpleNamespace) -> None:
    w = world
    for query in (
        {"side": "sideways"},
        {"state": "lost"},
        {"after": "-3"},
        {"after": "１２"},
        {"limit": "0"},
        {"limit": "100000"},
    ):
        assert w.officer.get("/api/orders", query).status_code in (400, 422), query
    assert w.officer.get("/api/waiting", {"after": "2" * 30}).status_code in (400, 422)
    assert w.officer.get("/api/orders/99999999999999999999999").status_code in (400, 404, 422)
    assert w.officer.get("/api/cases/999999/beds").status_code == 404
    assert Case.objects.count() == 0


def test_the_transport_states_of_the_api_are_those_of_the_orders() -> None:
    assert list(get_args(OrderTransport)) == Transport.values


def test_the_lists_run_the_same_queries_for_two_or_six_rows(world: SimpleNamespace) -> None:
    w = world

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as orders:
            assert w.officer.get("/api/orders").status_code == 200
        with CaptureQueriesContext(connection) as waiting:
            assert w.officer.get("/api/waiting").status_code == 200
        return len(orders), len(waiting)

    # given 2 orders and 2 waiting patients, then 6 of each
    for _ in range(2):
        case = suspected_case(w.tree.grid1, w.reporting)
        actions.order_admission(actor=None, case=case, ward=w.near_ward)
        suspected_case(w.tree.grid1, w.reporting)
    few = queries()
    for _ in range(4):
        case = suspected_case(w.tree.grid1, w.reporting)
        actions.order_admission(actor=None, case=case, ward=w.far_ward)
        suspected_case(w.tree.grid1, w.reporting)
    # then the lists cost the same number of queries (no query per row)
    assert queries() == few
