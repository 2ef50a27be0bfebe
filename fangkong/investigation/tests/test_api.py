"""The investigation through the REST API: open, record movements (a new place, then the same
place picked again), read it with its linked cases, search places, the trajectory as text."""

from __future__ import annotations

import json

import pytest

from fangkong.investigation.models import Movement, Place

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _movement(place, **extra):
    body = {"day": "2020-01-20", "start_time": "08:00", "end_time": "09:30"}
    body.update(place)
    body.update(extra)
    return body


def test_an_investigation_through_the_api(inv, client_for):
    client = client_for(inv.nanguan)
    # when the investigator opens the investigation
    opened = _post(
        client, f"/api/cases/{inv.case.pk}/investigation", {"investigator_name": "李调查"}
    )
    assert opened.status_code == 201, opened.content
    pk = opened.json()["id"]
    assert opened.json()["window_start"] == "2020-01-06"
    # and records a train ride to a new place, then the same place again
    new_place = {"place": {"name": "长春站", "kind": "station", "division": inv.tree.nanguan.code}}
    first = _post(
        client,
        f"/api/investigations/{pk}/movements",
        _movement(new_place, transport="train", transport_number="K7382", seat="3车厢"),
    )
    assert first.status_code == 201, first.content
    place_id = first.json()["place"]["id"]
    again = _post(
        client,
        f"/api/investigations/{pk}/movements",
        _movement({"place_id": place_id}, day="2020-01-21"),
    )
    assert again.status_code == 201, again.content
    # then the investigation holds both, and places are found by name
    body = client.get(f"/api/investigations/{pk}").json()
    assert [m["day"] for m in body["movements"]] == ["2020-01-20", "2020-01-21"]
    found = client.get("/api/places", {"q": "长春"}).json()
    assert [p["id"] for p in found] == [place_id]
    text = client.get(f"/api/investigations/{pk}/trajectory").json()["text"]
    assert "K7382" in text
    assert inv.case.person.name not in text and inv.case.person.phone not in text
    assert inv.case.person.doc_number not in text


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"transport": "flight"}, 400, "number_required"),
        ({"day": "2019-12-01"}, 400, "outside_window"),
        ({"day": "2020-01-25"}, 400, "after_isolation"),
        ({"start_time": "10:00", "end_time": "09:00"}, 400, "end_before_start"),
        ({"note": "a\u0000b"}, 422, None),
        ({"day": "99999-01-01"}, 422, None),
    ],
)
def test_bad_movements_answer_the_reason_and_write_nothing(inv, client_for, extra, status, code):
    client = client_for(inv.nanguan)
    pk = _post(
        client, f"/api/cases/{inv.case.pk}/investigation", {"investigator_name": "李"}
    ).json()["id"]
    place = {"place": {"name": "龙嘉机场", "kind": "station", "division": inv.tree.nanguan.code}}
    response = _post(client, f"/api/investigations/{pk}/movements", _movement(place, **extra))
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    assert not Movement.objects.exists()
    assert not Place.objects.exists()


def test_another_countys_case_answers_404(inv, client_for):
    client = client_for(inv.nanguan)
    response = _post(
        client, f"/api/cases/{inv.other_case.pk}/investigation", {"investigator_name": "李"}
    )
    assert response.status_code == 404
    assert client.get("/api/investigations/999999").status_code == 404
