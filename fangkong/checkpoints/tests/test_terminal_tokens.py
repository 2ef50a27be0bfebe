"""Terminal tokens are bound to their checkpoints: a token may post passages only for the
checkpoints the command office bound it to, never for another checkpoint of the same county,
and a token bound to none posts none. People logged in on the web are not limited by this."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.roles import Role
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import SiteKind
from fangkong.checkpoints.models import Checkpoint, Passage
from fangkong.checkpoints.tests.conftest import (
    audit_mark,
    audit_since,
    machine,
    passage,
    post_json,
)


@pytest.fixture
def second(t: SimpleNamespace) -> Checkpoint:
    """Another checkpoint of 南关区, the same county as ``checkpoint``."""
    return actions.create_checkpoint(
        actor=None,
        division=t.nanguan,
        name="南关区高速出口卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("125.360"),
        latitude=Decimal("43.870"),
    )


@pytest.fixture
def token(staff: User) -> tuple[ApiToken, str]:
    return account_actions.create_token(actor=None, user=staff, name="一号卡口终端")


def test_a_bound_token_posts_for_its_checkpoint_only(
    checkpoint: Checkpoint, second: Checkpoint, token: tuple[ApiToken, str]
) -> None:
    # given a terminal's token bound to the first checkpoint of 南关区
    actions.bind_tokens(actor=None, checkpoint=checkpoint, tokens=[token[0].pk])
    terminal = machine(token[1])

    # when it posts a passage for its checkpoint, then one (and a batch) for the other
    ours = post_json(terminal, "/api/passages", passage(checkpoint=checkpoint.pk))
    theirs = post_json(terminal, "/api/passages", passage(checkpoint=second.pk))
    batch = post_json(
        terminal, "/api/passages/batch", {"checkpoint": second.pk, "passages": [passage()]}
    )

    # then only its own is registered; the others answer 403 with a clear reason
    assert ours.status_code == 201, ours.content
    for refused in (theirs, batch):
        assert refused.status_code == 403, refused.content
        body = refused.json()
        assert (body["code"], body["field"]) == ("token_not_bound", "checkpoint")
        assert "令牌" in body["message"] and "卡口" in body["message"]
    assert list(Passage.objects.values_list("checkpoint_id", flat=True)) == [checkpoint.pk]


def test_a_token_bound_to_no_checkpoint_posts_no_passage(
    checkpoint: Checkpoint, token: tuple[ApiToken, str]
) -> None:
    response = post_json(machine(token[1]), "/api/passages", passage(checkpoint=checkpoint.pk))
    assert response.status_code == 403 and response.json()["code"] == "token_not_bound"
    assert not Passage.objects.exists()


def test_a_person_logged_in_on_the_web_is_not_a_terminal(
    checkpoint: Checkpoint, second: Checkpoint, staff: User, web: Callable[..., Client]
) -> None:
    response = post_json(web(staff), "/api/passages", passage(checkpoint=second.pk))
    assert response.status_code == 201, response.content


def test_the_command_office_binds_tokens_through_the_api_and_it_is_audited(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    second: Checkpoint,
    token: tuple[ApiToken, str],
    command: User,
    web: Callable[..., Client],
    make_user: Callable[..., User],
) -> None:
    client = web(command)
    url = f"/api/checkpoints/{second.pk}/tokens"
    mark = audit_mark()

    # when 南关区's command office binds the terminal's token to the second checkpoint
    response = client.put(url, {"tokens": [token[0].pk]}, content_type="application/json")

    # then the token posts there now, and the binding is audited at the checkpoint
    assert response.status_code == 200, response.content
    assert [t["id"] for t in response.json()["tokens"]] == [token[0].pk]
    assert "raw" not in response.content.decode() and token[1] not in response.content.decode()
    posted = post_json(machine(token[1]), "/api/passages", passage(checkpoint=second.pk))
    assert posted.status_code == 201
    [event] = [e for e in audit_since(mark) if e.action == "checkpoint.tokens"]
    assert (event.action, event.division_path) == ("checkpoint.tokens", second.division_path)
    assert event.changes == {"tokens": [[], [token[0].prefix]]}

    # and a token of 吉林市 cannot be bound here, nor can 吉林市 bind anything here
    jilin = make_user(t.changyi, roles=[Role.CHECKPOINT_STAFF, Role.COUNTY_COMMAND])
    foreign, _raw = account_actions.create_token(actor=None, user=jilin, name="昌邑终端")
    refused = client.put(url, {"tokens": [foreign.pk]}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "token_not_bindable"
    outside = web(jilin).put(url, {"tokens": [foreign.pk]}, content_type="application/json")
    assert outside.status_code == 404
    assert list(second.tokens.all()) == [token[0]]

    # and unbinding stops it at once
    assert client.put(url, {"tokens": []}, content_type="application/json").status_code == 200
    again = post_json(machine(token[1]), "/api/passages", passage(checkpoint=second.pk))
    assert again.status_code == 403


def test_the_command_office_binds_tokens_on_the_checkpoint_page(
    checkpoint: Checkpoint,
    token: tuple[ApiToken, str],
    command: User,
    web: Callable[..., Client],
) -> None:
    client = web(command)
    page = client.get(reverse("checkpoints:tokens", args=[checkpoint.pk]))
    assert page.status_code == 200 and "一号卡口终端" in page.content.decode()
    assert (
        reverse("checkpoints:tokens", args=[checkpoint.pk])
        in client.get(checkpoint.get_absolute_url()).content.decode()
    )

    response = client.post(
        reverse("checkpoints:tokens", args=[checkpoint.pk]), {"tokens": [str(token[0].pk)]}
    )

    assert response.status_code == 302
    assert list(checkpoint.tokens.all()) == [token[0]]
    posted = post_json(machine(token[1]), "/api/passages", passage(checkpoint=checkpoint.pk))
    assert posted.status_code == 201


def test_a_grid_worker_may_not_bind_tokens(
    checkpoint: Checkpoint, token: tuple[ApiToken, str], worker: User, web: Callable[..., Client]
) -> None:
    body: Any = {"tokens": [token[0].pk]}
    client = web(worker)
    url = f"/api/checkpoints/{checkpoint.pk}/tokens"
    assert client.put(url, body, content_type="application/json").status_code in (403, 404)
    assert not checkpoint.tokens.exists()
