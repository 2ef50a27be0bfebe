"""The tracing API: adding contacts (refusals as 400/409 JSON, nothing written), the lists,
and the receiving county's steps, the sender seeing only the state."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.tracing.choices import ContactStatus, HandoverState
from fangkong.tracing.models import Contact
from fangkong.tracing.tests.factories import contact_of, days_ago, identity

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _body(residence: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "周八",
        "doc_number": identity(),
        "phone": "13812345678",
        "residence": residence,
        "relation": "workplace",
        "first_exposure": days_ago(4).isoformat(),
        "last_exposure": days_ago(2).isoformat(),
    }
    body.update(extra)
    return body


def test_add_list_and_get_contacts(tr: SimpleNamespace, client_for: Callable) -> None:
    client = client_for(tr.health)
    url = f"/api/cases/{tr.case.pk}/contacts"

    created = _post(client, url, _body(tr.tree.grid2.code))

    assert created.status_code == 201, created.content
    contact = created.json()
    assert (contact["kind"], contact["status"]) == ("close", "to_find")
    assert contact["handover_state"] is None
    assert [c["id"] for c in client.get(url).json()] == [contact["id"]]
    listed = client.get("/api/contacts", {"status": "to_find", "county": tr.tree.nanguan.code})
    assert [c["id"] for c in listed.json()["items"]] == [contact["id"]]
    assert client.get(f"/api/contacts/{contact['id']}").json()["name"] == "周八"
    assert client_for(tr.other_health).get(f"/api/contacts/{contact['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"first_exposure": "TODAY", "last_exposure": "TODAY"}, 400, "exposure_after_isolation"),
        ({"doc_number": "220102198501011234"}, 400, "bad_id_number"),
        ({"residence": "229999999999"}, 400, "bad_residence"),
        ({"doc_number": "SELF"}, 400, "self_contact"),
    ],
)
def test_bad_contacts_are_refused(
    tr: SimpleNamespace, client_for: Callable, change: dict[str, str], status: int, code: str
) -> None:
    today = timezone.localdate().isoformat()
    body = _body(tr.tree.grid2.code)
    for key, value in change.items():
        body[key] = {"TODAY": today, "SELF": tr.case.person.doc_number}.get(value, value)

    response = _post(client_for(tr.health), f"/api/cases/{tr.case.pk}/contacts", body)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Contact.objects.exists()


def test_duplicate_contact_is_a_conflict(tr: SimpleNamespace, client_for: Callable) -> None:
    client = client_for(tr.health)
    body = _body(tr.tree.grid2.code)
    _post(client, f"/api/cases/{tr.case.pk}/contacts", body)

    again = _post(client, f"/api/cases/{tr.case.pk}/contacts", {**body, "name": "周八八"})

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_contact"
    assert "周八" in again.json()["message"]
    assert Contact.objects.count() == 1


def test_handover_steps_and_what_each_side_sees(tr: SimpleNamespace, client_for: Callable) -> None:
    contact = contact_of(tr.case, tr.tree.dongshi, actor=tr.health)
    pk = contact.handover.pk
    sender, receiver = client_for(tr.health), client_for(tr.other_health)

    assert receiver.post(f"/api/handovers/{pk}/accept").json()["state"] == "accepted"
    assert sender.post(f"/api/handovers/{pk}/accept").status_code == 404
    found = _post(receiver, f"/api/handovers/{pk}/found", {"grid": tr.tree.other_grid.code})
    assert found.json()["state"] == "found" and found.json()["person_id"]
    observed = receiver.post(f"/api/handovers/{pk}/observe").json()
    assert observed["state"] == "observing" and observed["observation_id"]

    outgoing = sender.get("/api/handovers", {"direction": "out"}).json()["items"]
    assert [(h["id"], h["state"]) for h in outgoing] == [(pk, "observing")]
    assert outgoing[0]["person_id"] is None and outgoing[0]["observation_id"] is None
    assert sender.get(f"/api/people/{observed['person_id']}").status_code == 404
    assert sender.get(f"/api/observations/{observed['observation_id']}").status_code == 404
    assert sender.get(f"/api/contacts/{contact.pk}").json()["handover_state"] == "observing"
    incoming = receiver.get("/api/handovers", {"direction": "in"}).json()["items"]
    assert incoming[0]["observation_id"] == observed["observation_id"]
    assert receiver.get("/api/handovers", {"direction": "sideways"}).status_code == 422


def test_handover_not_found(tr: SimpleNamespace, client_for: Callable) -> None:
    contact = contact_of(tr.case, tr.tree.dongshi, actor=tr.health)
    receiver = client_for(tr.other_health)
    pk = contact.handover.pk

    assert _post(receiver, f"/api/handovers/{pk}/not-found", {"note": ""}).status_code == 422
    response = _post(receiver, f"/api/handovers/{pk}/not-found", {"note": "查无此人"})

    assert response.json()["state"] == HandoverState.NOT_FOUND
    contact.refresh_from_db()
    assert contact.status == ContactStatus.LOST
    again = receiver.post(f"/api/handovers/{pk}/observe")
    assert again.status_code == 400 and again.json()["code"] == "wrong_state"


def test_the_investigating_county_finds_and_observes_its_own_contact(
    tr: SimpleNamespace, client_for: Callable
) -> None:
    # given a close contact living in 南关区 and another handed over to 昌邑区
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    away = contact_of(tr.case, tr.tree.dongshi, actor=tr.health)
    client = client_for(tr.health)

    # when the health commission finds the contact in a grid of its own, then observes them
    elsewhere = _post(
        client, f"/api/contacts/{contact.pk}/found", {"grid": tr.tree.other_grid.code}
    )
    found = _post(client, f"/api/contacts/{contact.pk}/found", {"grid": tr.tree.grid2.code})
    observed = client.post(f"/api/contacts/{contact.pk}/observe")

    # then the contact is under observation; a grid of another county is 404, like none
    assert elsewhere.status_code == 404
    assert found.status_code == 200 and found.json()["status"] == "found"
    assert found.json()["person_id"]
    assert observed.status_code == 200
    assert observed.json()["status"] == "observing" and observed.json()["observation_id"]
    # and the contact handed over is traced by the other county, not here (nothing written)
    refused = _post(client, f"/api/contacts/{away.pk}/found", {"grid": tr.tree.grid2.code})
    assert refused.status_code == 400 and refused.json()["code"] == "handed_over"
    away.refresh_from_db()
    assert away.person_id is None
    again = client.post(f"/api/contacts/{contact.pk}/observe")
    assert again.status_code == 400 and again.json()["code"] == "wrong_status"


def test_a_contact_not_found_needs_what_was_tried(
    tr: SimpleNamespace, client_for: Callable
) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    client = client_for(tr.health)

    assert _post(client, f"/api/contacts/{contact.pk}/lost", {"note": ""}).status_code == 422
    lost = _post(client, f"/api/contacts/{contact.pk}/lost", {"note": "电话关机"})

    assert lost.status_code == 200 and lost.json()["status"] == ContactStatus.LOST
    assert client_for(tr.county).post(f"/api/contacts/{contact.pk}/observe").status_code == 403
