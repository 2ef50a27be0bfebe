"""The jurisdiction-matrix entries of care (帮扶关爱):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind
from fangkong.care.models import CareRequest
from fangkong.core.tests.endpoints import (
    LIST,
    SCOPED,
    Case,
    Target,
    World,
    exported,
    form,
)
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridStaff


def _party_member(w: World, grid: Division) -> GridStaff:
    """A party member of the grid's village who works the grid (so its grid worker may pick)."""
    staff = region_actions.create_staff(
        actor=None,
        village=grid.parent,  # type: ignore[arg-type]
        name=w.name("矩阵党员"),
        phone=w.phone(),
        kind=StaffKind.PARTY_MEMBER,
    )
    w.assignment(grid, staff)
    return staff


def _care(w: World, *, assigned: bool = False) -> CareRequest:
    grid = w.grid()
    care = care_actions.create_care_request(
        actor=None,
        grid=grid,
        person=w.person(grid, name=w.name("关爱对象")),
        kind=CareKind.FOOD,
        description="矩阵：代购米面油",
    )
    if assigned:
        care_actions.assign_care_request(actor=None, care=care, staff=_party_member(w, grid))
    return care


def care_grid(w: World) -> Target:
    grid = w.grid()
    w.person(grid)
    return Target(home=grid, args={"code": grid.code})


def care_new(w: World) -> Target:
    grid = w.grid()
    person = w.person(grid)
    return Target(
        home=grid,
        args={"code": grid.code},
        data={
            "person": person.pk,
            "kind": CareKind.MEDICINE.value,
            "urgency": "urgent",
            "description": "矩阵：代购降压药",
            "requested_on": "",
            "due_on": "",
        },
    )


def care_new_api(w: World) -> Target:
    grid = w.grid()
    return Target(
        home=grid,
        data={
            "grid": grid.code,
            "person_id": w.person(grid).pk,
            "kind": CareKind.MEDICINE.value,
            "description": "矩阵：代购降压药",
        },
    )


def care_record(w: World) -> Target:
    care = _care(w)
    return Target(home=care.grid, args={"pk": care.pk})


def care_listed(w: World) -> Target:
    care = _care(w)
    return Target(home=w.tree.huayang, marker=care.person.name)  # type: ignore[union-attr]


def care_within(w: World) -> Target:
    _care(w)
    return Target(home=w.tree.huayang, query={"within": w.tree.huayang.code})


def care_assign_form(w: World) -> Target:
    care = _care(w)
    staff = _party_member(w, care.grid)
    return Target(home=care.grid, args={"pk": care.pk}, data={"staff": staff.pk})


def care_assign_api(w: World) -> Target:
    care = _care(w)
    staff = _party_member(w, care.grid)
    return Target(home=care.grid, args={"pk": care.pk}, data={"staff_id": staff.pk})


def care_done(w: World) -> Target:
    care = _care(w, assigned=True)
    return Target(home=care.grid, args={"pk": care.pk}, data={"note": "矩阵：已送到家"})


def care_cancel(w: World) -> Target:
    care = _care(w)
    return Target(home=care.grid, args={"pk": care.pk}, data={"reason": "矩阵：重复登记"})


CASES: list[Case] = [
    # care (帮扶关爱)
    Case("care:list", "GET", LIST, care_listed),
    Case("care:list", "GET", SCOPED, care_within, variant="within"),
    Case("care:grid", "GET", SCOPED, care_grid),
    *form("care:create", care_new),
    Case("care:detail", "GET", SCOPED, care_record),
    *form("care:assign", care_assign_form),
    *form("care:done", care_done),
    *form("care:cancel", care_cancel),
    # REST API: care
    Case("GET /api/care-requests", "GET", LIST, care_listed),
    Case("GET /api/care-requests", "GET", SCOPED, care_within, variant="within"),
    Case("POST /api/care-requests", "POST", SCOPED, care_new_api, ok=(201,)),
    Case("GET /api/care-requests/{pk}", "GET", SCOPED, care_record),
    Case("POST /api/care-requests/{pk}/assign", "POST", SCOPED, care_assign_api),
    Case("POST /api/care-requests/{pk}/done", "POST", SCOPED, care_done),
    Case("POST /api/care-requests/{pk}/cancel", "POST", SCOPED, care_cancel),
    Case("bulk:export", "GET", LIST, exported("care", care_listed), variant="care"),
    Case(
        "GET /api/exports/{name}",
        "GET",
        SCOPED,
        exported("care", care_within, "xlsx", api=True),
        variant="within",
    ),
]
