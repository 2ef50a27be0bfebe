"""Checkpoint sites: a command office adds, edits, closes and reopens them; bad input answers a
clear message and writes nothing; another jurisdiction's site is not found."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import SiteKind
from fangkong.checkpoints.models import Checkpoint
from fangkong.checkpoints.tests.conftest import audit_mark, audit_since, post_json
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction


def site_form(t: SimpleNamespace, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "南关区客运站卡口",
        "kind": SiteKind.BUS_STATION.value,
        "division": t.nanguan.code,
        "longitude": "125.3345",
        "latitude": "43.8623",
        "note": "",
    }
    data.update(overrides)
    return data


def test_a_command_office_adds_a_checkpoint_through_the_form(
    t: SimpleNamespace, command: User, web: Callable[[User | None], Client]
) -> None:
    # given 南关区's command office
    client = web(command)
    mark = audit_mark()

    # when it fills in the new-checkpoint form
    page = client.get(reverse("checkpoints:create"))
    response = client.post(reverse("checkpoints:create"), site_form(t))

    # then the site exists, run by 南关区, and the change is audited
    assert page.status_code == 200
    checkpoint = Checkpoint.objects.get(name="南关区客运站卡口")
    assert response.status_code == 302
    assert response["Location"] == checkpoint.get_absolute_url()
    assert checkpoint.division == t.nanguan
    assert checkpoint.division_path == t.nanguan.path
    assert (checkpoint.longitude, checkpoint.latitude) == (Decimal("125.3345"), Decimal("43.8623"))
    assert checkpoint.active and checkpoint.is_station
    [event] = audit_since(mark)
    assert event.action == "checkpoint.create" and event.actor == command
    assert event.division_path == t.nanguan.path
    # and it is listed, with today's counts
    listing = client.get(reverse("checkpoints:list"))
    assert "南关区客运站卡口" in listing.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"longitude": "200"}, "longitude", "73"),
        ({"longitude": "60.5"}, "longitude", "73"),
        ({"latitude": "60"}, "latitude", "54"),
        ({"latitude": "-5"}, "latitude", "54"),
        ({"name": "   "}, "name", ""),
    ],
)
def test_a_checkpoint_outside_china_or_without_a_name_is_refused(
    t: SimpleNamespace,
    command: User,
    web: Callable[[User | None], Client],
    overrides: dict[str, str],
    field: str,
    text: str,
) -> None:
    # given the command office
    client = web(command)
    before = AuditEvent.objects.count()

    # when it enters a location outside China's bounding box (or no name)
    response = client.post(reverse("checkpoints:create"), site_form(t, **overrides))

    # then the form says what is wrong, on the field, and nothing is written
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    assert not Checkpoint.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_jilin_site_outside_jilin_is_kept_with_a_warning(
    t: SimpleNamespace, command: User, web: Callable[[User | None], Client]
) -> None:
    # given coordinates inside China but outside Jilin (swapped digits put it in Hebei)
    client = web(command)

    # when the command office saves the site
    response = client.post(
        reverse("checkpoints:create"),
        site_form(t, longitude="115.3245", latitude="38.8841"),
        follow=True,
    )

    # then it is saved, and the page warns that the location is outside Jilin
    assert response.status_code == 200
    checkpoint = Checkpoint.objects.get()
    html = response.content.decode()
    assert "121.6" in html and "115.324500" in html
    assert response.redirect_chain[-1][0] == checkpoint.get_absolute_url()


def test_a_site_is_run_by_a_county_or_township_of_the_users_jurisdiction(
    t: SimpleNamespace, command: User
) -> None:
    # a village cannot run a checkpoint
    with pytest.raises(ActionError) as refused:
        actions.create_checkpoint(
            actor=command,
            division=t.huayang,
            name="社区卡口",
            kind=SiteKind.URBAN_FRINGE,
            longitude=Decimal("125.3"),
            latitude=Decimal("43.8"),
        )
    assert refused.value.code == "division_level"
    # a county of another city is not 南关区's to run
    with pytest.raises(OutOfJurisdiction):
        actions.create_checkpoint(
            actor=command,
            division=t.changyi,
            name="越界卡口",
            kind=SiteKind.URBAN_FRINGE,
            longitude=Decimal("126.5"),
            latitude=Decimal("43.8"),
        )
    # a township of 南关区 can
    site = actions.create_checkpoint(
        actor=command,
        division=t.nanling,
        name="南岭街道卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("125.3"),
        latitude=Decimal("43.8"),
    )
    assert site.division_path == t.nanling.path
    assert Checkpoint.objects.count() == 1


def test_two_open_sites_of_one_division_cannot_share_a_name(
    checkpoint: Checkpoint, command: User
) -> None:
    with pytest.raises(ActionError) as refused:
        actions.create_checkpoint(
            actor=command,
            division=checkpoint.division,
            name=checkpoint.name,
            kind=SiteKind.AIRPORT,
            longitude=Decimal("125.3"),
            latitude=Decimal("43.8"),
        )
    assert refused.value.code == "name_taken" and refused.value.field == "name"


def test_edit_close_and_reopen_a_site(
    t: SimpleNamespace,
    checkpoint: Checkpoint,
    command: User,
    web: Callable[[User | None], Client],
) -> None:
    client = web(command)
    mark = audit_mark()

    # when the command office renames it and moves it to a township of 南关区
    edit_url = reverse("checkpoints:edit", args=[checkpoint.pk])
    assert client.get(edit_url).status_code == 200
    edited = client.post(
        edit_url,
        {
            "name": "南岭卡口",
            "kind": SiteKind.PROVINCIAL_BORDER.value,
            "division": t.nanling.code,
            "longitude": "125.35",
            "latitude": "43.85",
            "note": "改设",
        },
    )
    assert edited.status_code == 302
    checkpoint.refresh_from_db()
    assert (checkpoint.name, checkpoint.kind) == ("南岭卡口", SiteKind.PROVINCIAL_BORDER)
    assert checkpoint.division.name == "南岭街道"
    assert checkpoint.division_path == checkpoint.division.path

    # and closes it, then reopens it
    close_url = reverse("checkpoints:close", args=[checkpoint.pk])
    assert client.get(close_url).status_code == 200
    assert client.post(close_url, {"reason": "撤点"}).status_code == 302
    checkpoint.refresh_from_db()
    assert not checkpoint.active and checkpoint.closed_at is not None
    closed_again = client.post(close_url, {"reason": "再撤"})
    assert closed_again.status_code == 200 and closed_again.context["form"].errors
    reopened = client.post(reverse("checkpoints:reopen", args=[checkpoint.pk]))
    assert reopened.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.active and checkpoint.closed_at is None

    # then each step is in the audit log
    assert [e.action for e in audit_since(mark)] == [
        "checkpoint.update",
        "checkpoint.close",
        "checkpoint.reopen",
    ]


def test_checkpoint_staff_may_not_manage_sites(
    checkpoint: Checkpoint, staff: User, web: Callable[[User | None], Client], t: SimpleNamespace
) -> None:
    client = web(staff)
    assert client.get(reverse("checkpoints:create")).status_code == 403
    assert client.post(reverse("checkpoints:create"), site_form(t)).status_code == 403
    assert client.get(reverse("checkpoints:edit", args=[checkpoint.pk])).status_code == 403
    assert client.post(reverse("checkpoints:close", args=[checkpoint.pk])).status_code == 403
    assert client.get(reverse("checkpoints:detail", args=[checkpoint.pk])).status_code == 200
    assert Checkpoint.objects.get().active


def test_another_jurisdictions_site_is_not_found(
    other_checkpoint: Checkpoint, command: User, web: Callable[[User | None], Client]
) -> None:
    client = web(command)
    for name in ("detail", "edit", "close", "register"):
        assert (
            client.get(reverse(f"checkpoints:{name}", args=[other_checkpoint.pk])).status_code
            == 404
        )
    assert client.post(reverse("checkpoints:reopen", args=[other_checkpoint.pk])).status_code == 404
    assert client.get(f"/api/checkpoints/{other_checkpoint.pk}").status_code == 404
    assert "昌邑区省道卡口" not in client.get(reverse("checkpoints:list")).content.decode()


# --- the API -----------------------------------------------------------------------------------


def test_api_opens_lists_and_reads_checkpoints(t: SimpleNamespace, command: User) -> None:
    client = Client()
    client.force_login(command)
    body = {
        "name": "南关区火车站卡口",
        "kind": "train_station",
        "division": t.nanguan.code,
        "longitude": 125.3,
        "latitude": 43.85,
    }
    created = post_json(client, "/api/checkpoints", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["division_code"] == t.nanguan.code and out["warnings"] == []
    assert out["kind"] == "train_station" and out["active"] is True

    listing = client.get("/api/checkpoints").json()
    assert [c["name"] for c in listing["items"]] == ["南关区火车站卡口"]
    assert listing["items"][0]["today"] == {"passages": 0, "people": 0, "flagged": 0}
    one = client.get(f"/api/checkpoints/{out['id']}").json()
    assert one["today"] == {"passages": 0, "people": 0, "flagged": 0}

    warned = post_json(
        client,
        "/api/checkpoints",
        {**body, "name": "河北某地", "longitude": 115.0, "latitude": 38.0},
    )
    assert warned.status_code == 201 and warned.json()["warnings"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"longitude": 200}, 400, "outside_china"),
        ({"latitude": 2}, 400, "outside_china"),
        ({"kind": "bridge"}, 422, "validation_error"),
        ({"division": "229999999999"}, 404, "not_found"),
        ({"colour": "red"}, 422, "validation_error"),
        ({"longitude": "east"}, 422, "validation_error"),
    ],
)
def test_api_refuses_bad_sites(
    t: SimpleNamespace, command: User, change: dict[str, Any], status: int, code: str
) -> None:
    client = Client()
    client.force_login(command)
    body = {
        "name": "坏卡口",
        "kind": "urban_fringe",
        "division": t.nanguan.code,
        "longitude": 125.3,
        "latitude": 43.85,
        **change,
    }
    response = post_json(client, "/api/checkpoints", body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not Checkpoint.objects.exists()


def test_api_a_role_without_the_permission_gets_403(
    t: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER])
    client = Client()
    client.force_login(worker)
    assert client.get("/api/checkpoints").status_code == 403
    body = {
        "name": "x",
        "kind": "airport",
        "division": t.nanguan.code,
        "longitude": 1,
        "latitude": 1,
    }
    assert post_json(client, "/api/checkpoints", body).status_code == 403
