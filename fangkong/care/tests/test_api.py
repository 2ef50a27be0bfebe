"""The care API: /api/care-requests, its lifecycle, paging, and bad input answered 4xx with
its code (never a 500, never a partial write)."""

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
from fangkong.audit.models import AuditEvent
from fangkong.care import actions
from fangkong.care.choices import CareKind
from fangkong.care.models import CareRequest

Make = Callable[..., CareRequest]
ClientFor = Callable[[User | None], Client]
URL = "/api/care-requests"


def _post(client: Client, url: str, body: dict[str, Any] | str) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def _body(care: SimpleNamespace, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grid": care.grid1.code,
        "person_id": care.grandma.pk,
        "kind": "food",
        "description": "居家观察，需代购米面油",
    }
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


def _nothing_written(before: tuple[int, int]) -> bool:
    return (CareRequest.objects.count(), AuditEvent.objects.count()) == before


def test_a_terminal_records_assigns_and_closes_a_request(
    care: SimpleNamespace, client_for: ClientFor
) -> None:
    # given the grid worker's machine token
    _token, raw = account_actions.create_token(actor=None, user=care.worker, name="网格终端")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    # when it records a medicine request
    created = _post(client, URL, _body(care, kind="medicine", urgency="urgent"))

    # then it answers the request, due tomorrow, for her household
    assert created.status_code == 201, created.json()
    data = created.json()
    today = timezone.localdate()
    assert data["status"] == "open"
    assert data["grid_code"] == care.grid1.code
    assert data["person_name"] == "李桂英"
    assert data["household_address"] == "华阳街1号"
    assert data["due_on"] == (today + dt.timedelta(days=1)).isoformat()
    assert data["overdue"] is False
    assert "doc_number" not in json.dumps(data)

    # and it can be assigned to the grid's party member, and done
    pk = data["id"]
    assigned = _post(client, f"{URL}/{pk}/assign", {"staff_id": care.member1.pk})
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["assignee_name"] == "张志强"
    done = _post(client, f"{URL}/{pk}/done", {"note": "药已送到"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["close_note"]) == ("done", "药已送到")
    assert client.get(f"{URL}/{pk}").json()["status"] == "done"
    assert list(
        AuditEvent.objects.filter(object_id=str(pk), object_type="care.carerequest")
        .order_by("pk")
        .values_list("action", "channel")
    ) == [("care.create", "api"), ("care.assign", "api"), ("care.done", "api")]


def test_cancel(care: SimpleNamespace, new_request: Make, client_for: ClientFor) -> None:
    request = new_request()
    response = _post(client_for(care.secretary), f"{URL}/{request.pk}/cancel", {"reason": "重复"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_the_list_filters_and_pages_by_key(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    # given four requests in 第一网格 (one overdue, one medicine) and one in 第二网格
    late = new_request(today=timezone.localdate() - dt.timedelta(days=6))
    medicine = new_request(kind=CareKind.MEDICINE)
    plain = [new_request(), new_request()]
    other_grid = new_request(grid=care.grid2, person=care.neighbour)
    client = client_for(care.secretary)

    def ids(**query: Any) -> list[int]:
        response = client.get(URL, query)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["items"]]

    assert ids(overdue=True) == [late.pk]
    assert ids(kind="medicine") == [medicine.pk]
    assert ids(grid=care.grid2.code) == [other_grid.pk]
    assert ids(within=care.grid1.code, status="open") == [
        plain[1].pk,
        plain[0].pk,
        medicine.pk,
        late.pk,
    ]
    assert client.get(URL, {"overdue": True}).json()["items"][0]["overdue"] is True

    # and paging by key walks every request once, newest first
    seen, after = [], None
    while True:
        page = client.get(URL, {"limit": 2, **({"after": after} if after else {})}).json()
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 5

    # the grid worker of 第一网格 sees only their grid's
    assert other_grid.pk not in [i["id"] for i in client_for(care.worker).get(URL).json()["items"]]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"grid": "220102001001999"}, 404, "not_found"),  # no such grid
        ({"grid": "OTHER_GRID"}, 404, "not_found"),  # another city's grid
        ({"grid": "VILLAGE"}, 404, "not_found"),  # not a grid
        ({"grid": "第一网格"}, 422, "validation_error"),
        ({"person_id": 999999}, 404, "not_found"),  # no such person
        ({"person_id": "OTHER_PERSON"}, 404, "not_found"),  # another city's person
        ({"person_id": "NEIGHBOUR"}, 400, "person_other_grid"),
        ({"person_id": None}, 400, "subject_required"),
        ({"household_id": 999999}, 404, "not_found"),
        ({"due_on": "PAST"}, 400, "due_in_past"),
        ({"due_on": "2020-02-30"}, 422, "validation_error"),
        ({"requested_on": "FUTURE"}, 400, "requested_in_future"),
        ({"description": "药" * 1001}, 422, "validation_error"),
        ({"description": ""}, 422, "validation_error"),
        ({"kind": "money"}, 422, "validation_error"),
        ({"urgency": "now"}, 422, "validation_error"),
        ({"colour": "red"}, 422, "validation_error"),
        ({"description": "a\x00b"}, 422, "validation_error"),
    ],
)
def test_bad_input_to_create(
    care: SimpleNamespace,
    client_for: ClientFor,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    today = timezone.localdate()
    values = {
        "OTHER_GRID": care.other_grid.code,
        "VILLAGE": care.tree.huayang.code,
        "OTHER_PERSON": care.other_person.pk,
        "NEIGHBOUR": care.neighbour.pk,
        "PAST": (today - dt.timedelta(days=1)).isoformat(),
        "FUTURE": (today + dt.timedelta(days=1)).isoformat(),
    }
    body = _body(
        care, **{k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    )
    if change.get("person_id", 0) is None:
        body.pop("person_id", None)
    before = (CareRequest.objects.count(), AuditEvent.objects.count())

    response = _post(client_for(care.secretary), URL, body)

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert _nothing_written(before)


def test_malformed_json_is_refused(care: SimpleNamespace, client_for: ClientFor) -> None:
    response = _post(client_for(care.secretary), URL, "{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_json"


def test_bad_input_to_assign_and_close(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    request = new_request()
    url = f"{URL}/{request.pk}"
    street, worker = client_for(care.street_care), client_for(care.worker)
    before = (CareRequest.objects.count(), AuditEvent.objects.count())

    # a party member of another village, whom the street office may see: refused by the rule
    other_village = _post(street, f"{url}/assign", {"staff_id": care.hengan_member.pk})
    assert other_village.status_code == 400
    assert other_village.json()["code"] == "staff_other_village"
    assert other_village.json()["field"] == "staff"
    # one the caller may not see (another grid's, another city's) or that does not exist: 404
    for staff_id in (care.member2.pk, care.other_member.pk, 999999):
        hidden = _post(worker, f"{url}/assign", {"staff_id": staff_id})
        assert hidden.status_code == 404, staff_id
    # not a party member
    worker_staff = _post(street, f"{url}/assign", {"staff_id": care.worker_staff.pk})
    assert worker_staff.json()["code"] == "staff_not_party_member"
    # done before assigned; notes too long or missing
    assert _post(worker, f"{url}/done", {"note": "已办"}).json()["code"] == "not_assigned"
    assert _post(worker, f"{url}/cancel", {"reason": "因" * 501}).status_code == 422
    assert _post(worker, f"{url}/cancel", {}).status_code == 422
    assert _nothing_written(before)

    # closing twice
    actions.cancel_care_request(actor=None, care=request, reason="重复")
    before = (CareRequest.objects.count(), AuditEvent.objects.count())
    for verb, body in (("cancel", {"reason": "再次"}), ("done", {"note": "再次"})):
        again = _post(worker, f"{url}/{verb}", body)
        assert again.status_code == 400
        assert again.json()["code"] == "already_closed"
    assert _post(worker, f"{url}/assign", {"staff_id": care.member1.pk}).json()["code"] == (
        "already_closed"
    )
    assert _nothing_written(before)


def test_another_jurisdiction_gets_404_and_the_roles_403(
    care: SimpleNamespace, new_request: Make, client_for: ClientFor
) -> None:
    request = new_request()
    sibling = client_for(care.sibling)
    before = (CareRequest.objects.count(), AuditEvent.objects.count())
    assert sibling.get(f"{URL}/{request.pk}").status_code == 404
    assert _post(sibling, f"{URL}/{request.pk}/cancel", {"reason": "x"}).status_code == 404
    assert sibling.get(URL, {"within": care.tree.huayang.code}).status_code == 404
    assert sibling.get(URL).json()["items"] == []
    checkpoint = client_for(care.checkpoint)
    assert checkpoint.get(URL).status_code == 403
    assert _post(checkpoint, URL, _body(care)).status_code == 403
    township = client_for(care.township)
    assert _post(township, URL, _body(care)).status_code == 403
    assert _post(township, f"{URL}/{request.pk}/cancel", {"reason": "x"}).status_code == 403
    assert _nothing_written(before)
