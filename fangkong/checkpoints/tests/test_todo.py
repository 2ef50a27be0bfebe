"""Flagged travellers go to the to-do list of their destination, across jurisdictions.

A checkpoint of 昌邑区 (吉林市, county A) registers a car whose passenger has a fever and is
going to 华阳社区 第一网格 in 南关区 (长春市, county B). B's grid worker and village see the
passenger, and only the passenger; A's own people do not see B's to-do; 宽城区, a third county,
sees nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import COMBINABLE_ROLES, Role
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import HandoverStatus, Outcome
from fangkong.checkpoints.models import Checkpoint, Handover, Passage
from fangkong.checkpoints.tests.conftest import (
    audit_mark,
    audit_since,
    machine,
    passage,
    person,
    post_json,
    resident_id,
)
from fangkong.core.jurisdiction import OutOfJurisdiction

ALL_ROLES = list(COMBINABLE_ROLES)  # every role one account may hold (三员分立)
FEVER_ID = resident_id("220202", "19850315", "432")


@pytest.fixture
def flagged(
    t: SimpleNamespace, other_checkpoint: Checkpoint, make_user: Callable[..., User]
) -> Passage:
    """昌邑区's terminal registers a healthy driver and a feverish passenger for 第一网格."""
    staff_a = make_user(t.changyi, roles=[Role.CHECKPOINT_STAFF], username="changyi_kakou")
    token, raw = account_actions.create_token(actor=None, user=staff_a, name="昌邑终端")
    actions.bind_tokens(actor=None, checkpoint=other_checkpoint, tokens=[token.pk])
    body = passage(
        checkpoint=other_checkpoint.pk,
        plate="吉B54321",
        people=[
            person(name="司机赵强", destination=t.dongshi.code, doc_number=resident_id("220202")),
            person(name="乘客孙丽", doc_number=FEVER_ID, phone="13904320099", temperature=38.4,
                   destination=t.grid1.code, destination_detail="华阳小区 3 栋"),
        ],
    )  # fmt: skip
    response = post_json(machine(raw), "/api/passages", body)
    assert response.status_code == 201, response.content
    return Passage.objects.get(pk=response.json()["id"])


def test_the_destination_sees_the_flagged_traveller_and_only_them(
    t: SimpleNamespace,
    flagged: Passage,
    worker: User,
    make_user: Callable[..., User],
    web: Callable[[User | None], Client],
) -> None:
    # given B's grid worker and 华阳社区's secretary
    secretary = make_user(t.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    handover = Handover.objects.get()

    # when they open their to-do lists
    for user in (worker, secretary):
        client = web(user)
        html = client.get(reverse("checkpoints:todo")).content.decode()

        # then the feverish passenger is there, with why and from where, masked
        assert "乘客孙丽" in html and "昌邑区省道卡口" in html
        assert "139****0099" in html and "13904320099" not in html
        # ... and nothing else of the checkpoint's traffic
        assert "司机赵强" not in html
        page = client.get(handover.get_absolute_url()).content.decode()
        assert "乘客孙丽" in page and "华阳小区 3 栋" in page and "吉B54321" in page
        assert "司机赵强" not in page and FEVER_ID not in page
        # ... the passage itself stays the checkpoint's
        assert client.get(reverse("checkpoints:passage", args=[flagged.pk])).status_code == 404
        api = client.get("/api/todo/passages").json()
        assert [i["traveller"]["name"] for i in api["items"]] == ["乘客孙丽"]
        assert api["items"][0]["traveller"]["doc_number_masked"] != FEVER_ID
        assert api["items"][0]["passage"]["checkpoint_name"] == "昌邑区省道卡口"
        assert "people" not in api["items"][0]["passage"]


def test_the_checkpoint_side_and_a_third_county_see_nothing_of_the_destinations_to_do(
    t: SimpleNamespace,
    flagged: Passage,
    make_user: Callable[..., User],
    web: Callable[[User | None], Client],
) -> None:
    handover = Handover.objects.get()
    # county A's people, with every role, and a third county's
    for division in (t.changyi, t.kuancheng):
        client = web(make_user(division, roles=ALL_ROLES))
        html = client.get(reverse("checkpoints:todo")).content.decode()
        assert "乘客孙丽" not in html
        assert client.get(handover.get_absolute_url()).status_code == 404
        assert client.post(handover.get_absolute_url(), {"outcome": "visited"}).status_code == 404
        assert client.get("/api/todo/passages").json()["items"] == []
        assert (
            post_json(
                client, f"/api/todo/passages/{handover.pk}/handle", {"outcome": "visited"}
            ).status_code
            == 404
        )
    # the third county does not see the passage either; county A does
    kuancheng = web(make_user(t.kuancheng, roles=ALL_ROLES))
    assert kuancheng.get(reverse("checkpoints:passage", args=[flagged.pk])).status_code == 404
    assert "吉B54321" not in kuancheng.get(reverse("checkpoints:passages")).content.decode()
    changyi = web(make_user(t.changyi, roles=ALL_ROLES))
    assert "吉B54321" in changyi.get(reverse("checkpoints:passages")).content.decode()
    # and the checkpoint staff's role has no to-do list at all
    staff_a = User.objects.get(username="changyi_kakou")
    assert web(staff_a).get(reverse("checkpoints:todo")).status_code == 403
    assert Handover.objects.get().status == HandoverStatus.PENDING


def test_the_grid_worker_marks_it_handled_and_it_is_audited(
    t: SimpleNamespace, flagged: Passage, worker: User, web: Callable[[User | None], Client]
) -> None:
    client = web(worker)
    handover = Handover.objects.get()
    mark = audit_mark()

    # when the grid worker records the visit
    response = client.post(
        handover.get_absolute_url(), {"outcome": Outcome.OBSERVATION.value, "note": "已上门测温"}
    )

    # then it leaves the to-do list, with who, when and what
    assert response.status_code == 302 and response["Location"] == reverse("checkpoints:todo")
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.HANDLED and handover.handled_by == worker
    assert (handover.outcome, handover.note) == (Outcome.OBSERVATION, "已上门测温")
    assert "乘客孙丽" not in client.get(reverse("checkpoints:todo")).content.decode()
    assert (
        "乘客孙丽" in client.get(reverse("checkpoints:todo") + "?status=handled").content.decode()
    )
    [event] = audit_since(mark)
    assert (event.action, event.actor, event.division_path) == (
        "handover.handle",
        worker,
        t.grid1.path,
    )
    # ... the checkpoint side sees that it was handled
    passage_page = web(User.objects.get(username="changyi_kakou")).get(flagged.get_absolute_url())
    assert passage_page.status_code == 200

    # and a second attempt is refused, on the page and in the API
    twice = client.post(handover.get_absolute_url(), {"outcome": Outcome.VISITED.value})
    assert twice.status_code == 200 and twice.context["form"].non_field_errors()
    api = post_json(client, f"/api/todo/passages/{handover.pk}/handle", {"outcome": "visited"})
    assert api.status_code == 409 and api.json()["code"] == "already_handled"
    assert len(audit_since(mark)) == 1


def test_the_api_handles_a_flagged_traveller(
    t: SimpleNamespace, flagged: Passage, worker: User
) -> None:
    _token, raw = account_actions.create_token(actor=None, user=worker, name="网格员手机")
    phone = machine(raw)
    [item] = phone.get("/api/todo/passages").json()["items"]
    bad = post_json(phone, f"/api/todo/passages/{item['id']}/handle", {"outcome": "shrug"})
    assert bad.status_code == 422
    unknown = post_json(
        phone, f"/api/todo/passages/{item['id']}/handle", {"outcome": "visited", "who": "me"}
    )
    assert unknown.status_code == 422
    done = post_json(
        phone,
        f"/api/todo/passages/{item['id']}/handle",
        {"outcome": "referred", "note": "送发热门诊"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "handled" and done.json()["outcome"] == "referred"
    assert phone.get("/api/todo/passages").json()["items"] == []
    assert len(phone.get("/api/todo/passages?status=all").json()["items"]) == 1


def test_a_handler_without_the_role_cannot_mark_it(
    t: SimpleNamespace, flagged: Passage, command: User, web: Callable[[User | None], Client]
) -> None:
    # 南关区's command office sees its subtree's to-do list but the grid handles it
    client = web(command)
    handover = Handover.objects.get()
    assert "乘客孙丽" in client.get(reverse("checkpoints:todo")).content.decode()
    assert client.get(handover.get_absolute_url()).status_code == 200
    assert client.post(handover.get_absolute_url(), {"outcome": "visited"}).status_code == 403
    assert (
        post_json(
            client, f"/api/todo/passages/{handover.pk}/handle", {"outcome": "visited"}
        ).status_code
        == 403
    )
    assert Handover.objects.get().status == HandoverStatus.PENDING


def test_the_full_number_is_shown_on_request_and_audited(
    t: SimpleNamespace,
    flagged: Passage,
    worker: User,
    command: User,
    web: Callable[[User | None], Client],
) -> None:
    handover = Handover.objects.get()
    mark = audit_mark()
    shown = web(worker).post(reverse("checkpoints:reveal", args=[handover.pk]))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert FEVER_ID in html and "13904320099" in html
    [event] = audit_since(mark)
    assert (event.action, event.actor, event.object_id) == (
        "passage_person.reveal",
        worker,
        str(handover.entry_id),
    )
    # a command office without the role to see full numbers may not
    assert web(command).post(reverse("checkpoints:reveal", args=[handover.pk])).status_code == 403
    with pytest.raises(actions.ActionError):
        actions.reveal_traveller(actor=command, handover=handover)
    assert len(audit_since(mark)) == 1


def test_handling_outside_the_jurisdiction_is_refused_by_the_action(
    t: SimpleNamespace, flagged: Passage, make_user: Callable[..., User]
) -> None:
    outsider = make_user(t.other_grid, roles=ALL_ROLES)
    before = AuditEvent.objects.count()
    with pytest.raises(OutOfJurisdiction):
        actions.handle_handover(
            actor=outsider, handover=Handover.objects.get(), outcome=Outcome.VISITED
        )
    with pytest.raises(actions.ActionError) as refused:
        actions.handle_handover(actor=None, handover=Handover.objects.get(), outcome="shrug")
    assert refused.value.code == "bad_outcome"
    assert AuditEvent.objects.count() == before
