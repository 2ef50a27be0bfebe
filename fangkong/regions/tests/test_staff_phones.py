"""Grid staff phone numbers (issue #8): shown to the command offices of the staff's own chain
(township, county, city, province), the village and the grid worker (their own grid's staff,
themself among them); not to the health commission, fever clinic, supplies, organisation or
publicity roles. One rule (``regions.selectors.staff_phone_visible``) on the grid page, the
staff list, the zero-report roll-up (page and API), care requests and the staff API."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import ROLE_PERMISSIONS, Role
from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind
from fangkong.care.tests.factories import add_person
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import GridStaff
from fangkong.regions.permissions import RegionsPerm
from fangkong.regions.selectors import staff_phone_visible
from fangkong.zeroreport import actions as zero_actions

ClientFor = Callable[[User | None], Client]
PHONE = "13900001111"
MEMBER_PHONE = "13900002222"

SEES = [
    Role.GRID_WORKER,
    Role.VILLAGE_SECRETARY,
    Role.TOWNSHIP_COMMAND,
    Role.COUNTY_COMMAND,
    Role.CITY_COMMAND,
    Role.PROVINCE_COMMAND,
]
DOES_NOT_SEE = [
    Role.HEALTH_COMMISSION,
    Role.CLINIC_STAFF,
    Role.SUPPLIES_OFFICER,
    Role.ORGANIZATION_DEPT,
    Role.PUBLICITY_OFFICE,
    Role.CHECKPOINT_STAFF,
]


@pytest.fixture
def staffed(tree: SimpleNamespace) -> SimpleNamespace:
    """李二网格 works 第一网格 of 华阳社区 (phone 13900001111); a party member does a care
    request there."""
    worker = region_actions.create_staff(
        actor=None, village=tree.huayang, name="李二网格", phone=PHONE, kind=StaffKind.GRID_WORKER
    )
    region_actions.assign_staff(actor=None, grid=tree.grid1, staff=worker)
    member = region_actions.create_staff(
        actor=None,
        village=tree.huayang,
        name="张党员",
        phone=MEMBER_PHONE,
        kind=StaffKind.PARTY_MEMBER,
    )
    region_actions.assign_staff(actor=None, grid=tree.grid1, staff=member)
    care = care_actions.create_care_request(
        actor=None,
        grid=tree.grid1,
        person=add_person(tree.grid1, "李桂英"),
        kind=CareKind.FOOD,
        description="代购米面油",
    )
    care_actions.assign_care_request(actor=None, care=care, staff=member)
    return SimpleNamespace(worker=worker, member=member, care=care)


def home_of(role: str, tree: SimpleNamespace) -> object:
    homes: dict[str, object] = {
        Role.GRID_WORKER: tree.grid1,
        Role.VILLAGE_SECRETARY: tree.huayang,
        Role.TOWNSHIP_COMMAND: tree.nanling,
        Role.CITY_COMMAND: tree.changchun,
        Role.PROVINCE_COMMAND: tree.province,
    }
    return homes.get(role, tree.nanguan)


def pages(tree: SimpleNamespace, role: str) -> list[str]:
    """The pages where this role meets 李二网格 and the party member."""
    urls = [tree.grid1.get_absolute_url()]
    perms = ROLE_PERMISSIONS[role]
    if RegionsPerm.VIEW_GRIDSTAFF in perms and role != Role.GRID_WORKER:
        urls.append(reverse("regions:staff_list"))
    if role != Role.GRID_WORKER:
        urls.append(reverse("zeroreport:rollup", args=[tree.huayang.code]))
    return urls


@pytest.mark.parametrize("role", SEES)
def test_the_chain_the_village_and_the_grid_worker_see_staff_phones(
    role: str,
    tree: SimpleNamespace,
    staffed: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    client = client_for(make_user(home_of(role, tree), roles=[role]))

    for url in pages(tree, role):
        response = client.get(url)
        assert response.status_code == 200, url
        assert PHONE in response.content.decode(), url
    # and the party member's phone on the care request they do, for the roles that see it
    if role in (Role.GRID_WORKER, Role.VILLAGE_SECRETARY, Role.TOWNSHIP_COMMAND):
        assert MEMBER_PHONE in client.get(staffed.care.get_absolute_url()).content.decode()


@pytest.mark.parametrize("role", DOES_NOT_SEE)
def test_the_health_clinic_supplies_organisation_and_publicity_roles_see_no_staff_phone(
    role: str,
    tree: SimpleNamespace,
    staffed: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[role]))

    for url in pages(tree, role):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        # the names are there, the phones are not
        assert "李二网格" in page, url
        assert PHONE not in page and MEMBER_PHONE not in page, url
    if role == Role.SUPPLIES_OFFICER:  # reads food requests, not who to call for them
        page = client.get(staffed.care.get_absolute_url()).content.decode()
        assert "张党员" in page and MEMBER_PHONE not in page


def test_searching_the_staff_list_by_phone_needs_the_phone_permission(
    tree: SimpleNamespace,
    staffed: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    health = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))
    county = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))

    # a phone typed into the search would otherwise say whose it is
    assert health.get(reverse("regions:staff_list"), {"q": "139000011"}).context["items"] == []
    assert county.get(reverse("regions:staff_list"), {"q": "139000011"}).context["items"] == [
        staffed.worker
    ]


@pytest.mark.parametrize(
    ("role", "sees"), [(Role.COUNTY_COMMAND, True), (Role.CLINIC_STAFF, False)]
)
def test_the_api_gives_staff_phones_by_the_same_rule(
    role: str,
    sees: bool,
    tree: SimpleNamespace,
    staffed: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[role]))
    expected = PHONE if sees else None

    one = client.get(f"/api/staff/{staffed.worker.pk}").json()
    listed = client.get("/api/staff").json()["items"]
    grid = client.get(f"/api/grids/{tree.grid1.code}").json()

    assert one["phone"] == expected
    assert {s["phone"] for s in listed if s["id"] == staffed.worker.pk} == {expected}
    assert {
        a["staff"]["phone"] for a in grid["assignments"] if a["staff"]["name"] == "李二网格"
    } == {expected}


@pytest.mark.parametrize(
    ("role", "sees"), [(Role.COUNTY_COMMAND, True), (Role.PUBLICITY_OFFICE, False)]
)
def test_the_rollup_api_names_the_unconfirmed_grids_workers_with_phones_by_the_same_rule(
    role: str,
    sees: bool,
    tree: SimpleNamespace,
    staffed: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    zero_actions.refresh_grid_days(day=timezone.localdate(), under=tree.nanguan)
    client = client_for(make_user(tree.nanguan, roles=[role]))

    data = client.get(f"/api/zero/divisions/{tree.huayang.code}").json()

    workers = [w for g in data["unconfirmed"] for w in g["workers"] if w["name"] == "李二网格"]
    assert workers == [{"name": "李二网格", "phone": PHONE if sees else None}]


def test_a_member_of_staff_sees_their_own_phone_whatever_their_role(
    tree: SimpleNamespace, staffed: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    user = make_user(tree.huayang, roles=[Role.PUBLICITY_OFFICE])
    GridStaff.objects.filter(pk=staffed.worker.pk).update(user=user)
    staffed.worker.refresh_from_db()

    assert staff_phone_visible(user, staffed.worker)
    assert not staff_phone_visible(user, staffed.member)
