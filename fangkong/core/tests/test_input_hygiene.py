"""Text and dates nobody should store: invisible characters in names, a key area from year 1, a
multipart body without its boundary (issue #7, "Also found").

Invisible and control characters are refused once, in ``core.validators`` (``check_text``), by
the API's request schemas, and by the actions every form and import goes through.
"""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.accounts.roles import Role
from fangkong.care.models import CareRequest
from fangkong.people.models import Person
from fangkong.screening import actions as screening_actions
from fangkong.screening.models import KeyArea

ZHANG_ID = "220102198503071237"
# U+202E right-to-left override, U+FEFF BOM, U+200B-D zero-width space / non-joiner / joiner,
# U+2060 word joiner, BEL, ESC, U+0085 next line (C1), U+2066 left-to-right isolate
INVISIBLE = [
    "\u202e",
    "\ufeff",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\x07",
    "\x1b",
    "\x85",
    "\u2066",
]


@pytest.fixture
def worker(tree, make_user):
    return make_user(tree.grid1, roles=[Role.GRID_WORKER])


def _person(grid, **fields):
    return {
        "grid": grid.code,
        "name": "张伟",
        "doc_type": "resident_id",
        "doc_number": ZHANG_ID,
        "phone": "13812345678",
        "address": "华阳街 8 号 301",
        **fields,
    }


@pytest.mark.parametrize("char", INVISIBLE)
def test_the_api_refuses_a_name_with_an_invisible_character(tree, worker, client_for, char):
    response = client_for(worker).post(
        "/api/people", _person(tree.grid1, name=f"张{char}伟"), content_type="application/json"
    )

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "name"
    assert f"U+{ord(char):04X}" in error["message"]
    assert not Person.objects.exists()


@pytest.mark.parametrize("field", ["name", "address"])
@pytest.mark.parametrize("char", ["\u202e", "\ufeff", "\u200b"])
def test_the_registration_form_refuses_an_invisible_character_in_chinese(
    tree, worker, client_for, field, char
):
    data = _person(tree.grid1, sex="", birth_date="")
    data[field] = f"华阳{char}街"
    response = client_for(worker).post("/people/new/", data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert "不可见字符或控制字符" in " ".join(errors[field])
    assert not Person.objects.exists()


def test_a_grid_name_with_a_right_to_left_override_is_refused(tree, make_user, client_for):
    village = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    response = client_for(village).patch(
        f"/api/grids/{tree.grid1.code}",
        {"name": "第一\u202e网格"},
        content_type="application/json",
    )

    assert response.status_code == 422
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "第一网格"


def test_an_action_refuses_what_a_form_or_an_import_would_pass_on(tree):
    # forms and imports reach the same actions: the action is where the rule holds for them
    with pytest.raises(Exception) as refused:
        screening_actions.clean_text("湖北\u200b省", field="name", max_length=100)
    assert getattr(refused.value, "code", None) == "bad_character"


def test_prose_keeps_its_line_breaks_but_not_a_bidi_override(tree, worker, client_for):
    client = client_for(worker)
    registered = client.post("/api/people", _person(tree.grid1), content_type="application/json")
    person_id = registered.json()["id"]
    body = {
        "grid": tree.grid1.code,
        "person_id": person_id,
        "kind": "medicine",
        "description": "降压药\n每日一次",
    }

    kept = client.post("/api/care-requests", body, content_type="application/json")
    assert kept.status_code == 201, kept.content
    assert CareRequest.objects.get().description == "降压药\n每日一次"

    body["description"] = "降压药\u202e每日一次"
    refused = client.post("/api/care-requests", body, content_type="application/json")
    assert refused.status_code == 422
    assert CareRequest.objects.count() == 1


def test_the_openapi_description_says_which_characters_text_may_not_hold(client: Client):
    schema = client.get("/api/openapi.json").json()
    name = schema["components"]["schemas"]["PersonIn"]["properties"]["name"]
    assert "\\u202e" in name["pattern"]


# --- dates of key areas ------------------------------------------------------------------------


@pytest.fixture
def county(tree, make_user):
    return make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])


@pytest.mark.parametrize("start", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_key_area_cannot_start_outside_1900_2100(tree, county, client_for, start):
    client = client_for(county)

    by_api = client.post(
        "/api/key-areas",
        {"code": "42", "name": "湖北省", "start_date": start},
        content_type="application/json",
    )
    by_form = client.post(
        "/screening/key-areas/", {"code": "42", "name": "湖北省", "start_date": start}
    )

    assert by_api.status_code == 422
    assert by_form.status_code == 200
    assert by_form.context["form"].errors
    assert not KeyArea.objects.exists()


def test_the_key_area_action_itself_refuses_year_one(tree):
    import datetime as dt

    from fangkong.core.parsing import BadInput

    with pytest.raises(BadInput):
        screening_actions.declare_key_area(
            actor=None, division=tree.nanguan, code="42", start_date=dt.date(1, 1, 1)
        )
    assert not KeyArea.objects.exists()


# --- multipart without a boundary --------------------------------------------------------------


def test_a_multipart_request_without_its_boundary_answers_json_400(tree, county, client_for):
    response = client_for(county).generic(
        "POST", "/api/imports", b"--x\r\n", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_request"


def test_an_import_refuses_a_name_and_an_address_with_invisible_characters(
    tree, make_user, tmp_path, settings
):
    from fangkong.bulk.tests.test_import import row, run, write_csv

    settings.VAR_DIR = tmp_path / "var"
    village = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    path = write_csv(
        tmp_path / "rows.csv",
        [row(tree.grid1, 姓名="张\u202e伟"), row(tree.grid1, 现住址="华阳小区\ufeff1栋")],
    )

    outcome = run(village, path)

    assert outcome.created == 0
    columns = {(e["row"], e["column"]) for e in outcome.errors}
    assert columns == {(2, "姓名"), (3, "现住址")}
    assert all("U+" in e["reason"] for e in outcome.errors)
    assert not Person.objects.exists()
