"""The screening API: register, list (keyset), one, preview, key areas; bad input answered 4xx."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.people.idcard import mask_id
from fangkong.people.models import Person
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id, screen, today


@pytest.fixture
def api(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> Client:
    return client_for(make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge"))


def post(client: Client, path: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body, default=str)
    return client.post(f"/api{path}", data, content_type="application/json")


def body(tree: SimpleNamespace, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "grid": tree.grid1.code,
        "person": {"name": "赵敏", "doc_number": make_id()},
        "phone": "13904310099",
        "address": "华阳小区5栋1单元202",
        "temperature": 36.8,
    }
    data.update(over)
    return data


def test_register_a_screening_that_starts_an_observation(api: Client, tree: Any) -> None:
    hubei(tree.province)
    answer = post(
        api,
        "/screenings",
        body(
            tree,
            arrival_date=days_ago(2),
            origin_code="4201",
            origin_name="武汉市",
            transport="flight",
            transport_number="CZ6101",
            travel=[{"code": "", "name": "泰国曼谷", "date": days_ago(6)}],
            symptoms=[],
            household_size=4,
            client_uuid=str(uuid.uuid4()),
        ),
    )
    assert answer.status_code == 201, answer.json()
    got = answer.json()
    assert got["outcome"] == "home_observation"
    assert [r["code"] for r in got["reasons"]] == ["no_fever", "arrival_key_area", "observe"]
    assert all(r["text"] for r in got["reasons"])
    assert got["observation_id"] is not None
    assert got["person"]["doc_number"] == mask_id(Person.objects.get().doc_number)
    assert got["phone"] == "139****0099"
    assert got["grid_code"] == tree.grid1.code
    assert got["last_exposure"] == days_ago(2).isoformat()
    assert got["temperature"] == 36.8


def test_the_same_client_uuid_answers_the_stored_screening(api: Client, tree: Any) -> None:
    data = body(tree, client_uuid=str(uuid.uuid4()))
    first = post(api, "/screenings", data)
    again = post(api, "/screenings", data)
    assert first.json()["id"] == again.json()["id"]
    assert Screening.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "status", "code"),
    [
        ({"temperature": 42.5}, 400, "temperature_out_of_range"),
        ({"temperature": "hot"}, 422, "validation_error"),
        ({"screened_on": (today() + dt.timedelta(days=1)).isoformat()}, 400, "future_date"),
        ({"person": {"name": "x", "doc_number": "220102199001011237"}}, 400, "bad_id_number"),
        ({"person": {"name": "x", "doc_number": "220102199002301234"}}, 400, "bad_id_number"),
        ({"grid": "220202001001001"}, 404, "not_found"),  # another jurisdiction's grid
        ({"grid": "229999999999001"}, 404, "not_found"),  # no such grid
        ({"grid": "220102001001"}, 404, "not_found"),  # a village, not a grid
        ({"symptoms": ["sneezing"]}, 422, "validation_error"),
        ({"colour": "red"}, 422, "validation_error"),
        ({"client_uuid": "not-a-uuid"}, 422, "validation_error"),
        ({"contact": "confirmed"}, 400, "date_required"),
        ({"arrival_date": "2020-02-30", "origin_code": "42"}, 422, "validation_error"),
        ({"travel": [{"code": "42", "date": "2020-01-01"}] * 21}, 422, "validation_error"),
        ({"household_size": 0}, 422, "validation_error"),
    ],
)
def test_bad_input_is_answered_with_a_code_and_writes_nothing(
    api: Client, tree: Any, over: dict[str, Any], status: int, code: str
) -> None:
    before = (Person.objects.count(), Screening.objects.count(), AuditEvent.objects.count())
    answer = post(api, "/screenings", body(tree, **over))
    assert answer.status_code == status, answer.json()
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert (Person.objects.count(), Screening.objects.count(), AuditEvent.objects.count()) == before


def test_malformed_json_is_a_400(api: Client) -> None:
    assert post(api, "/screenings", '{"grid": ').status_code == 400


def test_the_list_filters_and_pages_by_key(api: Client, tree: Any) -> None:
    made = [screen(tree.grid1, screened_on=days_ago(i % 4), name=f"名{i}") for i in range(5)]
    screen(tree.other_grid)
    first = api.get("/api/screenings", {"limit": 2}).json()
    second = api.get("/api/screenings", {"limit": 2, "after": first["next_after"]}).json()
    third = api.get("/api/screenings", {"limit": 2, "after": second["next_after"]}).json()
    ids = [i["id"] for i in first["items"] + second["items"] + third["items"]]
    assert sorted(ids) == sorted(s.pk for s in made)
    assert third["next_after"] is None
    assert api.get("/api/screenings", {"q": "名3"}).json()["items"][0]["id"] == made[3].pk
    assert api.get("/api/screenings", {"outcome": "fever_clinic"}).json()["items"] == []
    assert api.get("/api/screenings", {"grid": tree.other_grid.code}).status_code == 404
    assert api.get("/api/screenings", {"after": "yesterday"}).status_code == 422
    assert api.get("/api/screenings", {"limit": 500}).status_code == 422


def test_one_screening_and_one_outside(api: Client, tree: Any) -> None:
    mine, other = screen(tree.grid1), screen(tree.other_grid)
    assert api.get(f"/api/screenings/{mine.pk}").json()["id"] == mine.pk
    assert api.get(f"/api/screenings/{other.pk}").status_code == 404
    assert api.get("/api/screenings/abc").status_code == 422


def test_the_preview_says_the_outcome_and_stores_nothing(api: Client, tree: Any) -> None:
    hubei(tree.province)
    before = AuditEvent.objects.count()
    answer = post(
        api,
        "/screenings/preview",
        {"temperature": 37.9, "arrival_date": days_ago(1), "origin_code": "42"},
    )
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "fever_clinic"
    assert answer.json()["last_exposure"] == days_ago(1).isoformat()
    assert AuditEvent.objects.count() == before
    calm = post(api, "/screenings/preview", {"temperature": 36.5, "grid": tree.grid1.code})
    assert calm.json()["outcome"] == "no_risk"
    assert (
        post(api, "/screenings/preview", {"temperature": 36.5, "contact": "confirmed"}).status_code
        == 400
    )


def test_key_areas_through_the_api(
    tree: Any,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
    api: Client,
) -> None:
    hubei(tree.province)
    listed = api.get("/api/key-areas").json()
    assert [(a["code"], a["current"], a["declared_by_code"]) for a in listed] == [
        ("42", True, tree.province.code)
    ]
    assert api.get("/api/key-areas", {"current": "false"}).json() == []
    # a grid worker may not declare; a city command office may, at its own division
    assert post(api, "/key-areas", {"code": "4201", "start_date": "2020-01-01"}).status_code == 403
    city = client_for(make_user(tree.changchun, roles=[Role.CITY_COMMAND]))
    made = post(city, "/key-areas", {"code": "4201", "name": "武汉市", "start_date": "2020-01-01"})
    assert made.status_code == 201 and made.json()["declared_by_code"] == tree.changchun.code
    bad = post(city, "/key-areas", {"code": "42x", "start_date": "2020-01-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_division_code"
    area = KeyArea.objects.get(code="4201")
    ended = post(city, f"/key-areas/{area.pk}/end", {"end_date": "2020-04-08"})
    assert ended.status_code == 200 and ended.json()["end_date"] == "2020-04-08"
    again = post(city, f"/key-areas/{area.pk}/end", {})
    assert again.status_code == 400 and again.json()["code"] == "already_ended"
    provincial = KeyArea.objects.get(code="42")
    assert post(city, f"/key-areas/{provincial.pk}/end", {}).status_code == 404


def test_screening_a_person_known_only_in_another_county_keeps_each_countys_records(
    api: Client,
    tree: Any,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given 赵敏 screened in 吉林市 (东市场社区), with the phone and address she had there
    number = make_id()
    theirs = screen(
        tree.other_grid, name="赵敏", doc_number=number, phone="13900000001", address="东市场 1 号"
    )

    # when 第一网格 (南关区) screens her where she lives now
    answer = post(api, "/screenings", body(tree, person={"name": "赵敏", "doc_number": number}))

    # then the answer holds only what was typed in 第一网格, nothing of 吉林市's record
    assert answer.status_code == 201, answer.json()
    got = answer.json()
    assert got["person"]["id"] != theirs.person_id
    assert (got["phone"], got["address"]) == ("139****0099", "华阳小区5栋1单元202")
    assert "东市场" not in answer.content.decode() and "0001" not in answer.content.decode()
    # and 吉林市 still sees its screening and its person, who moved to 长春市
    jilin = client_for(make_user(tree.other_grid, roles=[Role.GRID_WORKER]))
    listed = jilin.get("/api/screenings").json()["items"]
    assert [s["id"] for s in listed] == [theirs.pk]
    person = jilin.get(f"/api/people/{theirs.person_id}").json()
    assert (person["moved_to"], person["address"]) == ("长春市", "东市场 1 号")
    # and 第一网格 sees its own screening only
    assert [s["id"] for s in api.get("/api/screenings").json()["items"]] == [got["id"]]
