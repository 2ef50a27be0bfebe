"""The person registry's REST endpoints under /api/people, through real HTTP.

Masked unless asked for and allowed (then audited); one person per identity (201 or 200 with
``"created": false``); bad input answers JSON with a stable code, never a 500, and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.people.choices import PersonStatus, Sex
from fangkong.people.models import Person, PersonMove
from fangkong.people.tests.conftest import (
    LI_ID,
    ZHANG_ID,
    audit_mark,
    audit_since,
    everything,
    new_id,
)


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(url)
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return getattr(client, method)(url, data=data, content_type="application/json")


def post(client: Client, url: str, body: Any) -> Any:
    return send(client, "post", url, body)


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


def new_person(at: Any, **fields: Any) -> dict[str, Any]:
    return {
        "grid": at.code,
        "name": "张伟",
        "doc_number": ZHANG_ID,
        "phone": "13812345678",
        "address": "华阳街 8 号 301",
        **fields,
    }


# --- read --------------------------------------------------------------------------------------


def test_the_list_is_masked_and_limited_to_the_jurisdiction(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    zhang = make_person("张伟", doc_number=ZHANG_ID, phone="13812345678")
    make_person("李娜", grid=tree.grid2)
    make_person("赵强", grid=tree.other_grid)
    page = client_for(worker).get("/api/people").json()
    assert page["next_after"] is None
    [item] = page["items"]
    assert item["id"] == zhang.pk
    assert (item["doc_number"], item["phone"], item["masked"]) == (
        "220102********1237",
        "138****5678",
        True,
    )
    assert (item["sex"], item["birth_date"], item["grid_code"]) == (
        "M",
        "1985-03-07",
        tree.grid1.code,
    )


def test_the_list_filters_searches_and_pages_by_after(
    tree: Any, county: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    people = [make_person(f"居民{i}", grid=tree.grid1 if i % 2 else tree.grid2) for i in range(7)]
    make_person("张伟", doc_number=ZHANG_ID, phone="13812345678")
    client = client_for(county)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/people?{query}")
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["items"]]

    assert len(ids("")) == 8
    assert len(ids(f"grid={tree.grid1.code}")) == 4  # 居民1, 3, 5 and 张伟
    assert len(ids(f"within={tree.huayang.code}&status=normal")) == 8
    assert ids("status=case") == []
    assert len(ids("q=居民")) == 7
    assert len(ids(f"q={ZHANG_ID}")) == len(ids("q=13812345678")) == 1
    # paging: 3 at a time, newest first, every person once
    seen, after = [], None
    while True:
        response = client.get("/api/people?limit=3" + (f"&after={after}" if after else "")).json()
        seen += [i["id"] for i in response["items"]]
        after = response["next_after"]
        if after is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 8
    assert people[0].pk == seen[-1]


@pytest.mark.parametrize(
    "query",
    [
        "status=dead",
        "limit=0",
        "limit=201",
        "after=0",
        "after=x",
        "within=abc",
        "grid=" + "1" * 16,
        "q=" + "张" * 41,
        "unmasked=perhaps",
    ],
)
def test_bad_list_parameters_answer_422(
    tree: Any, county: User, client_for: Callable[..., Client], query: str
) -> None:
    error(client_for(county).get(f"/api/people?{query}"), 422, "validation_error")


def test_a_division_outside_the_jurisdiction_answers_404(
    tree: Any, county: User, client_for: Callable[..., Client]
) -> None:
    error(client_for(county).get(f"/api/people?within={tree.dongshi.code}"), 404, "not_found")
    error(client_for(county).get(f"/api/people?grid={tree.other_grid.code}"), 404, "not_found")


def test_unmasked_lists_need_the_permission_and_are_audited_person_by_person(
    tree: Any,
    worker: User,
    county: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    zhang = make_person("张伟", doc_number=ZHANG_ID, phone="13812345678")
    # a county command office may not see full numbers: 403, nothing audited
    before = everything()
    error(client_for(county).get("/api/people?unmasked=true"), 403, "forbidden")
    assert everything() == before
    # a grid worker may, and each person shown is audited with the reason
    mark = audit_mark()
    response = client_for(worker).get("/api/people?unmasked=1&reason=随访")
    [item] = response.json()["items"]
    assert (item["doc_number"], item["phone"], item["masked"]) == (ZHANG_ID, "13812345678", False)
    [event] = audit_since(mark)
    assert (event.action, event.object_id, event.reason) == ("person.reveal", str(zhang.pk), "随访")


def test_api_answers_with_full_numbers_are_kept_by_no_cache(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    # given a person, and a grid worker who may see full numbers
    person = make_person(doc_number=ZHANG_ID, phone="13812345678")
    client = client_for(worker)

    # when the numbers are asked for unmasked (a reveal, an unmasked list), or anything else
    answers = [
        post(client, f"/api/people/{person.pk}/reveal", {"reason": "转诊"}),
        client.get("/api/people?unmasked=1&reason=随访"),
        client.get(f"/api/people/{person.pk}"),
        client.get("/api/people/99999999999"),
    ]

    # then no answer may be kept by a cache on the way, as the reveal page already says
    assert [a.status_code for a in answers] == [200, 200, 200, 404]
    assert ZHANG_ID in answers[0].content.decode() and ZHANG_ID in answers[1].content.decode()
    assert all(a["Cache-Control"] == "no-store" for a in answers)


def test_one_person_is_masked_and_outside_answers_404(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    mine = make_person("张伟", doc_number=ZHANG_ID)
    theirs = make_person("赵强", grid=tree.other_grid)
    client = client_for(worker)
    assert client.get(f"/api/people/{mine.pk}").json()["doc_number"] == "220102********1237"
    error(client.get(f"/api/people/{theirs.pk}"), 404, "not_found")
    error(client.get("/api/people/99999999999"), 404, "not_found")


def test_reveal_answers_the_full_numbers_and_is_audited(
    tree: Any,
    worker: User,
    county: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    person = make_person(doc_number=ZHANG_ID, phone="13812345678")
    before = everything()
    error(post(client_for(county), f"/api/people/{person.pk}/reveal", {}), 403, "forbidden")
    assert everything() == before
    mark = audit_mark()
    body = post(client_for(worker), f"/api/people/{person.pk}/reveal", {"reason": "转诊"}).json()
    assert (body["doc_number"], body["phone"], body["masked"]) == (ZHANG_ID, "13812345678", False)
    [event] = audit_since(mark)
    assert (event.action, event.reason) == ("person.reveal", "转诊")
    error(
        post(client_for(worker), f"/api/people/{person.pk}/reveal", {"why": "x"}),
        422,
        "validation_error",
    )


# --- register ----------------------------------------------------------------------------------


def test_register_answers_201_then_200_with_the_same_person(
    tree: Any, worker: User, client_for: Callable[..., Client]
) -> None:
    client = client_for(worker)
    first = post(client, "/api/people", new_person(tree.grid1))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["created"] is True
    assert (body["sex"], body["birth_date"], body["doc_number"], body["phone"]) == (
        "M",
        "1985-03-07",
        "220102********1237",
        "138****5678",
    )
    again = post(client, "/api/people", new_person(tree.grid1, doc_number="220102850307123"))
    assert again.status_code == 200
    assert again.json()["created"] is False and again.json()["id"] == body["id"]
    assert Person.objects.count() == 1


def test_a_person_known_only_in_another_county_is_answered_like_a_new_one(
    tree: Any,
    worker: User,
    other_worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    # given 张伟 registered in 吉林市 with his phone and address there, and 李娜 never seen
    theirs = make_person(
        "张伟",
        grid=tree.other_grid,
        doc_number=ZHANG_ID,
        phone="13900000001",
        address="东市场 1 号",
    )
    client = client_for(worker)

    # when 第一网格's worker registers both, typing where they live now
    known = post(client, "/api/people", new_person(tree.grid1, address="华阳街 9 号"))
    new = post(client, "/api/people", new_person(tree.grid1, name="李娜", doc_number=LI_ID))

    # then both answers are the same kind: 201, created, only what was typed; nothing of
    # 吉林市's record (its id, phone, address, grid, dates) and no sign that it exists
    assert (known.status_code, new.status_code) == (201, 201)
    a, b = known.json(), new.json()
    assert a.keys() == b.keys()
    assert a["created"] is b["created"] is True
    assert a["id"] != theirs.pk and a["id"] < b["id"]
    assert (a["phone"], a["address"], a["grid_code"]) == (
        "138****5678",
        "华阳街 9 号",
        tree.grid1.code,
    )
    assert (a["status"], a["status_since"], a["moved_out_at"], a["moved_to"]) == (
        b["status"],
        b["status_since"],
        None,
        None,
    )
    assert a["created_at"][:10] == b["created_at"][:10]
    for secret in ("0001", "东市场", str(tree.other_grid.code)):
        assert secret not in known.content.decode()
    # and the full number shown to the worker is the one typed, not 吉林市's
    revealed = post(client, f"/api/people/{a['id']}/reveal", {"reason": "核实"}).json()
    assert revealed["phone"] == "13812345678"
    # and 吉林市 still lists its record, saying that he moved to 长春市, and when
    listed = client_for(other_worker).get("/api/people?moved=true").json()["items"]
    assert [(i["id"], i["moved_to"]) for i in listed] == [(theirs.pk, "长春市")]
    assert listed[0]["moved_out_at"] is not None
    one = client_for(other_worker).get(f"/api/people/{theirs.pk}").json()
    assert (one["moved_to"], one["phone"]) == ("长春市", "139****0001")
    assert client_for(other_worker).get("/api/people?moved=false").json()["items"] == []


def test_a_known_number_under_another_name_is_refused_only_where_the_record_is_seen(
    tree: Any,
    worker: User,
    other_worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    # given 张伟's number registered in 第一网格
    make_person("张伟", grid=tree.grid1, doc_number=ZHANG_ID)
    # when 第一网格 types it with another name, it may be told (the record is its own)
    error(post(client_for(worker), "/api/people", new_person(tree.grid1, name="王芳")), 400,
          "name_mismatch")  # fmt: skip
    # but 吉林市 is not told that the number exists: accepted like a new one, and flagged to
    # 第一网格, which owns the record
    theirs = post(client_for(other_worker), "/api/people", new_person(tree.other_grid, name="王芳"))
    assert theirs.status_code == 201 and theirs.json()["created"] is True
    assert "name_mismatch" not in theirs.content.decode()
    [move] = PersonMove.objects.visible_to(worker)
    assert move.name_differs
    assert not PersonMove.objects.visible_to(other_worker).exists()


@pytest.mark.parametrize(
    ("fields", "code", "fragment"),
    [
        ({"doc_number": ZHANG_ID[:17] + "8"}, "bad_id_number", ""),
        ({"doc_number": "220102198502300013"}, "bad_id_number", "19850230"),
        ({"doc_number": "2201021985030712"}, "bad_id_number", "16"),
        ({"doc_number": "990102198503071236"}, "bad_id_number", "99"),
        ({"sex": "F"}, "sex_mismatch", ""),
        ({"birth_date": "1985-07-03"}, "birth_date_mismatch", "1985-03-07"),
        (
            {"doc_type": "passport", "doc_number": "E12345678", "birth_date": "2099-01-01"},
            "future_birth_date",
            "",
        ),
        ({"doc_type": "passport", "doc_number": "E1"}, "bad_doc_number", ""),
        ({"phone": "12345"}, "bad_phone", ""),
    ],
)
def test_bad_registrations_answer_400_with_the_reason_and_write_nothing(
    tree: Any,
    worker: User,
    client_for: Callable[..., Client],
    fields: dict[str, Any],
    code: str,
    fragment: str,
) -> None:
    before = everything()
    body = error(
        post(client_for(worker), "/api/people", new_person(tree.grid1, **fields)), 400, code
    )
    assert fragment in body["message"]
    assert body["field"] in {"doc_number", "sex", "birth_date", "phone", "name"}
    assert everything() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "张" * 51}, "name"),
        ({"address": "华" * 201}, "address"),
        ({"doc_number": "1" * 41}, "doc_number"),
        ({"phone": "1" * 21}, "phone"),
        ({"birth_date": "1985-02-30"}, "birth_date"),
        ({"sex": "X"}, "sex"),
        ({"doc_type": "licence"}, "doc_type"),
        ({"grid": "abc"}, "grid"),
        ({"nickname": "小张"}, "nickname"),
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
    ],
)
def test_malformed_registrations_answer_422_naming_the_field(
    tree: Any,
    worker: User,
    client_for: Callable[..., Client],
    fields: dict[str, Any],
    field: str,
) -> None:
    before = everything()
    body = error(
        post(client_for(worker), "/api/people", new_person(tree.grid1, **fields)),
        422,
        "validation_error",
    )
    assert field in {e["field"] for e in body["errors"]}
    assert everything() == before


def test_registering_in_another_jurisdictions_grid_answers_404(
    tree: Any, worker: User, client_for: Callable[..., Client]
) -> None:
    before = everything()
    client = client_for(worker)
    error(post(client, "/api/people", new_person(tree.other_grid)), 404, "not_found")
    error(post(client, "/api/people", new_person(tree.grid2)), 404, "not_found")
    error(post(client, "/api/people", new_person(tree.huayang)), 404, "not_found")  # not a grid
    assert everything() == before


def test_roles_that_may_not_register_answer_403(
    tree: Any, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    city = make_user(tree.changchun, roles=[Role.CITY_COMMAND])
    before = everything()
    error(post(client_for(city), "/api/people", new_person(tree.grid1)), 403, "forbidden")
    assert everything() == before


# --- change and move ---------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(
    tree: Any, worker: User, client_for: Callable[..., Client], make_person: Callable[..., Person]
) -> None:
    person = make_person("张伟", doc_number=ZHANG_ID, phone="13812345678", address="华阳街 8 号")
    client = client_for(worker)
    body = send(client, "patch", f"/api/people/{person.pk}", {"address": "华阳街 9 号"}).json()
    assert (body["name"], body["address"], body["phone"]) == ("张伟", "华阳街 9 号", "138****5678")
    body = send(client, "patch", f"/api/people/{person.pk}", {"phone": ""}).json()
    assert body["phone"] == ""
    person.refresh_from_db()
    assert (person.phone, person.sex) == ("", Sex.MALE)


@pytest.mark.parametrize(
    ("patch", "status", "code"),
    [
        ({"sex": "F"}, 400, "sex_mismatch"),
        ({"phone": "123"}, 400, "bad_phone"),
        ({"doc_number": LI_ID}, 422, "validation_error"),  # the identity does not change
        ({"status": PersonStatus.CASE.value}, 422, "validation_error"),
        ({"name": "张" * 51}, 422, "validation_error"),
    ],
)
def test_bad_patches_are_refused_and_write_nothing(
    tree: Any,
    worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
    patch: dict[str, Any],
    status: int,
    code: str,
) -> None:
    person = make_person("张伟", doc_number=ZHANG_ID)
    before = everything()
    error(send(client_for(worker), "patch", f"/api/people/{person.pk}", patch), status, code)
    assert everything() == before


def test_move_within_the_jurisdiction_and_not_out_of_it(
    tree: Any,
    secretary: User,
    worker: User,
    client_for: Callable[..., Client],
    make_person: Callable[..., Person],
) -> None:
    person = make_person()
    before = everything()
    error(
        post(
            client_for(secretary), f"/api/people/{person.pk}/move", {"grid": tree.other_grid.code}
        ),
        404,
        "not_found",
    )
    error(
        post(client_for(worker), f"/api/people/{person.pk}/move", {"grid": tree.grid2.code}),
        404,
        "not_found",
    )
    assert everything() == before
    body = post(client_for(secretary), f"/api/people/{person.pk}/move", {"grid": tree.grid2.code})
    assert body.json()["grid_code"] == tree.grid2.code


def test_the_openapi_document_lists_the_people_endpoints(db: Any) -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/people"])
    assert {"get", "patch"} <= set(paths["/api/people/{pk}"])
    assert "post" in paths["/api/people/{pk}/move"] and "post" in paths["/api/people/{pk}/reveal"]


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(
        st.sampled_from(["grid", "name", "doc_type", "doc_number", "sex", "birth_date", "phone"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=50), st.booleans()),
    )
)
def test_fuzzed_registrations_never_500(tree: Any, worker: User, body: dict[str, Any]) -> None:
    client = Client()
    client.force_login(worker)
    response = post(client, "/api/people", {**new_person(tree.grid1, doc_number=new_id()), **body})
    assert response.status_code in (200, 201, 400, 404, 422), response.content[:300]
    assert response.json()["code" if response.status_code >= 400 else "id"]
