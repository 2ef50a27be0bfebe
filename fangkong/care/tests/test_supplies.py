"""The supplies officer (物资保障) reads the care requests of the kinds it supplies: food and
daily necessities, and medicine (issue #8). Within its jurisdiction, those kinds only, on the
list, a request's page, the grid view, the API and the export; read only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import ROLE_PERMISSIONS, Role
from fangkong.care.choices import CareKind
from fangkong.care.models import CareRequest
from fangkong.care.permissions import CarePerm

ClientFor = Callable[[User | None], Client]


@pytest.fixture
def requests(care: SimpleNamespace, new_request: Callable[..., CareRequest]) -> SimpleNamespace:
    """One request of each kind in 华阳社区, and a food request in the sibling 东市场社区."""
    return SimpleNamespace(
        food=new_request(kind=CareKind.FOOD),
        medicine=new_request(kind=CareKind.MEDICINE, grid=care.grid2, person=care.neighbour),
        elderly=new_request(kind=CareKind.ELDERLY_ALONE),
        children=new_request(
            kind=CareKind.CHILDREN_ALONE,
            grid=care.grid2,
            person=None,
            household=care.neighbour.household,
        ),
        other=new_request(kind=CareKind.OTHER),
        far_food=new_request(kind=CareKind.FOOD, grid=care.other_grid, person=care.other_person),
    )


@pytest.fixture
def supplies(care: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """The supplies officer of 南关区."""
    return make_user(care.tree.nanguan, roles=[Role.SUPPLIES_OFFICER], username="wuzi")


def test_the_supplies_officer_lists_food_and_medicine_requests_of_its_county_only(
    requests: SimpleNamespace, supplies: User, client_for: ClientFor
) -> None:
    # when the supplies officer opens the care list
    response = client_for(supplies).get(reverse("care:list"))

    # then it answers (not 403) with the food and medicine requests of 南关区 only
    assert response.status_code == 200
    shown = {c.pk for c in response.context["page"].items}
    assert shown == {requests.food.pk, requests.medicine.pk}
    # and a kind it does not supply finds nothing, rather than an error
    elderly = client_for(supplies).get(reverse("care:list"), {"kind": CareKind.ELDERLY_ALONE})
    assert elderly.status_code == 200 and elderly.context["page"].items == []


def test_the_supplies_officer_opens_a_food_request_but_not_an_elderly_one(
    requests: SimpleNamespace, supplies: User, client_for: ClientFor
) -> None:
    client = client_for(supplies)

    assert client.get(requests.food.get_absolute_url()).status_code == 200
    assert client.get(requests.medicine.get_absolute_url()).status_code == 200
    # another kind, and a food request in another city, are "not found"
    assert client.get(requests.elderly.get_absolute_url()).status_code == 404
    assert client.get(requests.far_food.get_absolute_url()).status_code == 404


def test_the_grid_view_shows_the_supplies_officer_its_kinds_only(
    care: SimpleNamespace, requests: SimpleNamespace, supplies: User, client_for: ClientFor
) -> None:
    response = client_for(supplies).get(reverse("care:grid", args=[care.grid1.code]))

    assert response.status_code == 200
    assert [c.pk for c in response.context["items"]] == [requests.food.pk]


def test_the_api_gives_the_supplies_officer_its_kinds_only(
    requests: SimpleNamespace, supplies: User, client_for: ClientFor
) -> None:
    client = client_for(supplies)

    listed = client.get("/api/care-requests")
    assert listed.status_code == 200
    assert {c["kind"] for c in listed.json()["items"]} == {"food", "medicine"}
    assert client.get(f"/api/care-requests/{requests.food.pk}").status_code == 200
    assert client.get(f"/api/care-requests/{requests.other.pk}").status_code == 404


def test_the_export_holds_what_the_supplies_officer_sees(
    requests: SimpleNamespace, supplies: User, client_for: ClientFor
) -> None:
    response = client_for(supplies).get(reverse("bulk:export", args=["care", "csv"]))

    assert response.status_code == 200
    raw = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(raw)))
    ids = {int(r[0]) for r in rows[1:]}
    assert ids == {requests.food.pk, requests.medicine.pk}


@pytest.mark.parametrize(
    ("name", "path", "data"),
    [
        ("assign", "/api/care-requests/{pk}/assign", {"staff_id": 1}),
        ("done", "/api/care-requests/{pk}/done", {"note": "送到了"}),
        ("cancel", "/api/care-requests/{pk}/cancel", {"reason": "不需要了"}),
    ],
)
def test_the_supplies_officer_reads_but_does_not_change_requests(
    name: str,
    path: str,
    data: dict[str, Any],
    requests: SimpleNamespace,
    supplies: User,
    client_for: ClientFor,
) -> None:
    client = client_for(supplies)

    response = client.post(path.format(pk=requests.food.pk), data, content_type="application/json")
    page = client.get(requests.food.get_absolute_url()).content.decode()

    assert response.status_code == 403
    requests.food.refresh_from_db()
    assert requests.food.status == "open"
    assert reverse(f"care:{name}", args=[requests.food.pk]) not in page


@pytest.mark.parametrize(
    "role", [Role.GRID_WORKER, Role.VILLAGE_SECRETARY, Role.TOWNSHIP_COMMAND, Role.COUNTY_COMMAND]
)
def test_the_roles_that_work_care_requests_still_see_every_kind(
    role: str,
    care: SimpleNamespace,
    requests: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    user = make_user(care.grid1 if role == Role.GRID_WORKER else care.tree.huayang, roles=[role])

    response = client_for(user).get(reverse("care:list"))

    kinds = {c.kind for c in response.context["page"].items}
    assert CareKind.ELDERLY_ALONE in kinds


def test_every_role_that_sees_care_requests_sees_every_kind_but_the_supplies_officer() -> None:
    for role, perms in ROLE_PERMISSIONS.items():
        if CarePerm.VIEW_CAREREQUEST in perms:
            assert (CarePerm.VIEW_EVERY_KIND in perms) == (role != Role.SUPPLIES_OFFICER), role


@pytest.mark.parametrize("role", [Role.HEALTH_COMMISSION, Role.CLINIC_STAFF, Role.PUBLICITY_OFFICE])
def test_roles_without_care_still_get_403(
    role: str, care: SimpleNamespace, make_user: Callable[..., User], client_for: ClientFor
) -> None:
    user = make_user(care.tree.nanguan, roles=[role])

    assert client_for(user).get(reverse("care:list")).status_code == 403
