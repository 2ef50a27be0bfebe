"""A flagged traveller screened in one tap (筛查此人): the screening form opens filled in from
the hand-over's passage, with the document held by the server (never shown in full, never
revealed, so no reveal is audited), and saving the screening marks the hand-over handled in
the same transaction. A hand-over the user may not see, or a malformed id, answers 404 / 400."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import HandoverStatus, Outcome
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Checkpoint, Handover
from fangkong.checkpoints.tests.conftest import resident_id
from fangkong.observation.models import Observation
from fangkong.people.idcard import mask_id
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import hubei

NEW = reverse("screening:new")
WUHAN_ID = resident_id("420106", "19850601", "135")


def hand_over(checkpoint: Checkpoint, destination: str, **over: Any) -> Handover:
    """周强, from 武汉市武昌区 (a key area), flagged at ``checkpoint`` for ``destination``."""
    traveller = {
        "name": "周强",
        "doc_type": "resident_id",
        "doc_number": WUHAN_ID,
        "phone": "13907270001",
        "temperature": Decimal("36.6"),
        "origin_code": "420106",
        "destination": destination,
        "destination_detail": "华阳小区8栋",
        **over,
    }
    passage, _created = actions.register_passage(
        actor=None,
        checkpoint=checkpoint,
        passage=PassageInput(direction="in", plate="鄂A·D1234", people=[PersonInput(**traveller)]),
    )
    return Handover.objects.get(entry__passage=passage)


@pytest.fixture
def handover(t: SimpleNamespace, checkpoint: Checkpoint) -> Handover:
    hubei(t.province)
    return hand_over(checkpoint, t.grid1.code)


def form_of(page: Any) -> dict[str, Any]:
    """What the page's form would send: its fields' starting values."""
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    return data


def test_screen_this_person_opens_the_form_filled_in_without_revealing_the_document(
    t: SimpleNamespace, handover: Handover, worker: User, web: Callable[[User | None], Client]
) -> None:
    # given the grid worker and a traveller handed to their grid
    client = web(worker)
    reveals = AuditEvent.objects.filter(action="passage_person.reveal").count()

    # when they open the hand-over, then "screen this person"
    page = client.get(handover.get_absolute_url())
    link = f"{NEW}?handover={handover.pk}"
    assert link in page.content.decode()
    page = client.get(link)

    # then the form holds the person, phone, origin, arrival and address from the passage
    assert page.status_code == 200
    html = page.content.decode()
    data = form_of(page)
    assert data["name"] == "周强" and data["address"] == "华阳小区8栋"
    assert data["origin_code"] == "420106" and data["transport"] == "car"
    assert data["arrival_date"] == timezone.localdate().isoformat()
    assert data["handover"] == handover.pk and data["grid"] == t.grid1.code
    # and the document is shown masked, never in full, and not as a field to retype
    assert mask_id(WUHAN_ID) in html and WUHAN_ID not in html
    assert "doc_number" not in page.context["form"].fields
    assert "13907270001" not in html and "139****0001" in html
    # the origin is named, without its division code
    assert "武汉" in html or "湖北" in html
    assert "（42）" not in html
    # and nothing was revealed
    assert AuditEvent.objects.filter(action="passage_person.reveal").count() == reveals


def test_saving_the_screening_handles_the_hand_over_in_the_same_transaction(
    t: SimpleNamespace, handover: Handover, worker: User, web: Callable[[User | None], Client]
) -> None:
    # given the form opened from the hand-over, with only the temperature typed
    client = web(worker)
    data = form_of(client.get(f"{NEW}?handover={handover.pk}"))
    data.update(temperature="36.7", client_uuid=str(uuid.uuid4()))

    # when it is saved
    response = client.post(NEW, data)

    # then the screening is stored with the passage's document and phone
    screening = Screening.objects.get()
    assert response.status_code == 302 and response["Location"] == screening.get_absolute_url()
    assert screening.person.doc_number == WUHAN_ID and screening.phone == "13907270001"
    assert screening.outcome == "home_observation" and screening.origin_code == "420106"
    assert Observation.objects.filter(person=screening.person).count() == 1
    # and the hand-over is handled, by the worker, with what the screening found
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.HANDLED and handover.handled_by == worker
    assert handover.outcome == Outcome.OBSERVATION
    # both audited, and no reveal
    actions_done = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"screening.create", "handover.handle"} <= actions_done
    assert "passage_person.reveal" not in actions_done

    # when the same form is sent again (a double tap), nothing more is written
    again = client.post(NEW, data)
    assert again.status_code == 302 and Screening.objects.count() == 1


def test_a_refused_screening_leaves_the_hand_over_pending(
    t: SimpleNamespace, handover: Handover, worker: User, web: Callable[[User | None], Client]
) -> None:
    # given a name that contradicts the registry's record of the same document
    from fangkong.people.actions import register_person

    register_person(
        actor=None, grid=t.grid1, name="王五", doc_type="resident_id", doc_number=WUHAN_ID
    )
    client = web(worker)
    data = form_of(client.get(f"{NEW}?handover={handover.pk}"))
    data.update(temperature="36.7", client_uuid=str(uuid.uuid4()))

    # when it is saved, the action refuses: the page shows why
    page = client.post(NEW, data)
    assert page.status_code == 200 and page.context["form"].errors

    # then neither the screening nor the handling was written
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.PENDING and not Screening.objects.exists()


def test_a_phone_typed_on_the_form_replaces_the_checkpoints(
    t: SimpleNamespace, handover: Handover, worker: User, web: Callable[[User | None], Client]
) -> None:
    client = web(worker)
    data = form_of(client.get(f"{NEW}?handover={handover.pk}"))
    data.update(temperature="38.2", phone="13900009999", client_uuid=str(uuid.uuid4()))
    assert client.post(NEW, data).status_code == 302
    screening = Screening.objects.get()
    assert screening.phone == "13900009999" and screening.outcome == "fever_clinic"
    handover.refresh_from_db()
    assert handover.outcome == Outcome.REFERRED


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1.5", "99999999999999999999", "１"])
def test_a_malformed_handover_id_is_refused_with_a_clear_message(
    raw: str, worker: User, web: Callable[[User | None], Client]
) -> None:
    client = web(worker)
    page = client.get(NEW, {"handover": raw})
    assert page.status_code == 400
    assert "handover" in page.content.decode()


def test_an_unknown_or_foreign_handover_is_not_found(
    t: SimpleNamespace,
    handover: Handover,
    other_checkpoint: Checkpoint,
    make_user: Callable[..., User],
    web: Callable[[User | None], Client],
) -> None:
    # given a hand-over to 吉林市's 东市场社区, and a worker of 华阳社区 第一网格
    foreign = hand_over(other_checkpoint, t.dongshi.code, doc_number=resident_id("220202"))
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER])
    client = web(worker)

    # then neither a foreign nor an unknown hand-over opens the form, nor saves a screening
    assert client.get(NEW, {"handover": foreign.pk}).status_code == 404
    assert client.get(NEW, {"handover": foreign.pk + 1000}).status_code == 404
    data = form_of(client.get(f"{NEW}?handover={handover.pk}"))
    data.update(temperature="36.5", handover=foreign.pk, client_uuid=str(uuid.uuid4()))
    assert client.post(NEW, data).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == HandoverStatus.PENDING and not Screening.objects.exists()


def test_a_handled_traveller_is_not_screened_again_from_the_hand_over(
    t: SimpleNamespace, handover: Handover, worker: User, web: Callable[[User | None], Client]
) -> None:
    client = web(worker)
    data = form_of(client.get(f"{NEW}?handover={handover.pk}"))
    actions.handle_handover(actor=worker, handover=handover, outcome="visited")

    # the link leads back to the hand-over, which says it is handled
    response = client.get(NEW, {"handover": handover.pk})
    assert response.status_code == 302 and response["Location"] == handover.get_absolute_url()
    # and a form sent afterwards says so, writing nothing
    data.update(temperature="36.5", client_uuid=str(uuid.uuid4()))
    page = client.post(NEW, data)
    assert page.status_code == 200 and page.context["form"].non_field_errors()
    assert not Screening.objects.exists()


def test_the_to_do_list_offers_screen_this_person_for_pending_travellers_only(
    t: SimpleNamespace, handover: Handover, worker: User, web: Callable[[User | None], Client]
) -> None:
    client = web(worker)
    html = client.get(reverse("checkpoints:todo")).content.decode()
    assert f'data-screen="{handover.pk}"' in html
    actions.handle_handover(actor=worker, handover=handover, outcome="visited")
    html = client.get(reverse("checkpoints:todo") + "?status=all").content.decode()
    assert "data-screen=" not in html
