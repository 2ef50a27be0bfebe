"""The API of facilities, wards, experts and beds: answers in JSON, a refused write is a 400 or
409 with its code, never a 500; out of scope is 404."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.medical.choices import BedType
from fangkong.medical.models import Facility, Ward
from fangkong.medical.tests.factories import (
    fill_ward,
    make_bed_day,
    make_clinic,
    make_expert,
    make_hospital,
    make_ward,
)


@pytest.fixture
def hospital(tree: SimpleNamespace) -> Facility:
    return make_hospital(tree.nanguan, name="长春市传染病医院")


@pytest.fixture
def api(tree: SimpleNamespace, make_user: Callable[..., User], client_for: Any) -> Client:
    client: Client = client_for(make_user(tree.changchun, roles=[Role.HEALTH_COMMISSION]))
    return client


def _send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def test_one_facility_with_its_wards_and_experts(api: Client, hospital: Facility) -> None:
    ward = fill_ward(make_ward(hospital, BedType.ICU, 10, name="重症"), occupied=2)
    make_expert(hospital, name="李重症")
    answer = api.get(f"/api/facilities/{hospital.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["level"] == "tertiary" and body["contact_name"] == "王主任"
    assert body["wards"] == [
        {"id": ward.pk, "facility_id": hospital.pk, "name": "重症", "bed_type": "icu",
         "capacity": 10, "occupied": 2, "reserved": 0, "out_of_service": 0, "free": 8,
         "active": True},
    ]  # fmt: skip
    assert [e["name"] for e in body["experts"]] == ["李重症"]


def test_a_ward_is_created_and_changed(api: Client, hospital: Facility) -> None:
    created = _send(api, "POST", f"/api/facilities/{hospital.pk}/wards",
                    {"name": "隔离一区", "bed_type": "isolation_ward", "capacity": 40})  # fmt: skip
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    changed = _send(api, "PUT", f"/api/wards/{pk}", {"capacity": 50, "out_of_service": 3})
    assert changed.status_code == 200
    assert (changed.json()["capacity"], changed.json()["free"]) == (50, 47)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"capacity": -1}, 400, "bad_capacity"),
        ({"capacity": 10**30}, 400, "bad_capacity"),
        ({"capacity": 10, "out_of_service": -3}, 400, "bad_out_of_service"),
        ({"capacity": 5, "out_of_service": 6}, 400, "bad_out_of_service"),
        ({"bed_type": "observation"}, 400, "bed_type_not_here"),
        ({"capacity": 3.5}, 422, "validation_error"),
        ({"bed_type": "sofa"}, 422, "validation_error"),
        ({"name": "x" * 51}, 422, "validation_error"),
    ],
)
def test_a_bad_ward_is_refused_with_its_code(
    api: Client, hospital: Facility, body: dict[str, Any], status: int, code: str
) -> None:
    base = {"name": "坏病区", "bed_type": "icu", "capacity": 10}
    answer = _send(api, "POST", f"/api/facilities/{hospital.pk}/wards", {**base, **body})
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert not Ward.objects.filter(name="坏病区").exists()


def test_a_ward_name_twice_is_a_conflict(api: Client, hospital: Facility) -> None:
    make_ward(hospital, BedType.ICU, 10, name="重症")
    answer = _send(api, "POST", f"/api/facilities/{hospital.pk}/wards",
                   {"name": "重症", "bed_type": "icu", "capacity": 4})  # fmt: skip
    assert (answer.status_code, answer.json()["code"]) == (409, "ward_exists")


def test_a_ward_with_patients_cannot_close_nor_shrink(api: Client, hospital: Facility) -> None:
    ward = fill_ward(make_ward(hospital, BedType.ICU, 10), occupied=3, reserved=1)
    closing = _send(api, "PUT", f"/api/wards/{ward.pk}",
                    {"capacity": 10, "out_of_service": 0, "active": False})  # fmt: skip
    shrinking = _send(api, "PUT", f"/api/wards/{ward.pk}", {"capacity": 3, "out_of_service": 0})
    assert (closing.status_code, closing.json()["code"]) == (400, "ward_not_empty")
    assert (shrinking.status_code, shrinking.json()["code"]) == (400, "beds_in_use")


def test_experts_arrive_and_leave(api: Client, hospital: Facility) -> None:
    url = f"/api/facilities/{hospital.pk}/experts"
    body = {"name": "张呼吸", "specialty": "呼吸科", "home_hospital": "吉大"}
    added = _send(api, "POST", url, body)
    assert added.status_code == 201 and added.json()["until"] is None
    pk = added.json()["id"]
    left = _send(api, "POST", f"/api/experts/{pk}/leave", {})
    assert left.status_code == 200 and left.json()["until"] is not None
    again = _send(api, "POST", f"/api/experts/{pk}/leave", {})
    assert (again.status_code, again.json()["code"]) == (409, "expert_left")
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    late = _send(api, "POST", url, {"name": "未来", "specialty": "x", "home_hospital": "y",
                                    "since": future})  # fmt: skip
    assert (late.status_code, late.json()["code"]) == (400, "bad_since")


def test_out_of_scope_is_404_everywhere(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Any, hospital: Facility
) -> None:
    other: Client = client_for(make_user(tree.jilin_city, roles=[Role.HEALTH_COMMISSION]))
    ward = make_ward(hospital, BedType.ICU, 10)
    expert = make_expert(hospital)
    answers = [
        other.get(f"/api/facilities/{hospital.pk}"),
        _send(other, "POST", f"/api/facilities/{hospital.pk}/wards",
              {"name": "x", "bed_type": "icu", "capacity": 1}),
        _send(other, "PUT", f"/api/wards/{ward.pk}", {"capacity": 1, "out_of_service": 0}),
        _send(other, "POST", f"/api/facilities/{hospital.pk}/experts",
              {"name": "x", "specialty": "y", "home_hospital": "z"}),
        _send(other, "POST", f"/api/experts/{expert.pk}/leave", {}),
    ]  # fmt: skip
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "not_found")] * 5


def test_the_board_and_the_trend(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Any, hospital: Facility
) -> None:
    fill_ward(make_ward(hospital, BedType.ISOLATION_WARD, 100), occupied=40)
    make_ward(make_clinic(tree.changyi, name="昌邑发热门诊"), BedType.OBSERVATION, 9)
    today = dt.date.today()
    for n, used in enumerate((10, 20, 30)):
        make_bed_day(tree.changchun, today - dt.timedelta(days=3 - n), BedType.ISOLATION_WARD,
                     capacity=100, occupied=used)  # fmt: skip
    client: Client = client_for(make_user(tree.province, roles=[Role.PROVINCE_COMMAND]))

    board = client.get("/api/beds").json()
    assert board["division_name"] == "吉林省"
    assert [r["name"] for r in board["rows"]] == ["长春市", "吉林市"]
    iso = {b["bed_type"]: b for b in board["rows"][0]["beds"]}["isolation_ward"]
    assert (iso["free"], iso["capacity"], iso["occupied"]) == (60, 100, 40)
    assert board["total"]["all_types"]["free"] == 69

    trend = client.get("/api/beds/trend", {"bed_type": "isolation_ward"}).json()
    changchun = trend["cities"][0]
    assert [d["in_use"] for d in changchun["days"]] == [10, 20, 30]
    assert changchun["projection"]["status"] == "runs_out"
    assert changchun["projection"]["rate_per_day"] == "10.00"
    assert changchun["projection"]["runs_out_on"] == (today + dt.timedelta(days=6)).isoformat()
    assert client.get("/api/beds/trend", {"days": 0}).status_code == 422
