"""The jurisdiction-matrix entries of regions (the tree, grids, grid staff):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

from fangkong.core.tests.endpoints import (
    LIST,
    OWN,
    SCOPED,
    Case,
    Target,
    World,
    fixture_grid,
    form,
    village,
)
from fangkong.regions.choices import StaffKind


def new_grid(w: World) -> Target:
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"name": w.name("新名"), "note": ""})


def new_grid_in_village(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        args={"code": w.tree.huayang.code},
        data={"name": w.name("新建网格"), "note": "矩阵"},
    )


def new_staff_in_village(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        args={"code": w.tree.huayang.code},
        data={
            "name": w.name("新网格员"),
            "phone": w.phone(),
            "kind": StaffKind.PARTY_MEMBER.value,
            "party_organisation": "华阳社区党委",
        },
    )


def merge(w: World) -> Target:
    source, into = w.grid(), w.grid()
    return Target(
        home=w.tree.huayang,
        args={"code": source.code},
        data={"target": into.code, "reason": "矩阵合并"},
    )


def retire(w: World) -> Target:
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"reason": "矩阵撤销"})


def assign_form(w: World) -> Target:
    grid, staff = w.grid(), w.staff()
    return Target(home=w.tree.huayang, args={"code": grid.code}, data={"staff": staff.pk})


def assign_api(w: World) -> Target:
    grid, staff = w.grid(), w.staff()
    return Target(home=w.tree.huayang, args={"code": grid.code}, data={"staff_id": staff.pk})


def end_assignment(w: World) -> Target:
    grid = w.grid()
    assignment = w.assignment(grid, w.staff())
    return Target(home=grid, args={"pk": assignment.pk}, data={"reason": "矩阵调离"})


def staff_record(w: World) -> Target:
    staff = w.staff()
    return Target(
        home=w.tree.huayang,
        args={"pk": staff.pk},
        data={
            "name": w.name("改名网格员"),
            "phone": staff.phone,
            "kind": staff.kind,
            "party_organisation": "",
            "active": "on",
        },
    )


def staff_listed(w: World) -> Target:
    staff = w.staff(name=w.name("列表标记人"))
    return Target(home=w.tree.huayang, marker=staff.name)


def division_listed(w: World) -> Target:
    return Target(home=w.tree.huayang, query={"q": "华阳"}, marker=w.tree.huayang.code)


def search_within(w: World) -> Target:
    return Target(home=w.tree.huayang, query={"q": "网格", "within": w.tree.huayang.code})


def api_new_grid(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        data={"village": w.tree.huayang.code, "name": w.name("接口网格"), "note": ""},
    )


def api_new_staff(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        data={
            "village": w.tree.huayang.code,
            "name": w.name("接口网格员"),
            "phone": w.phone(),
            "kind": StaffKind.GRID_WORKER.value,
        },
    )


def api_staff(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": w.staff().pk})


CASES: list[Case] = [
    # regions: the tree
    Case("regions:division", "GET", SCOPED, village, variant="village"),
    Case("regions:division", "GET", SCOPED, fixture_grid, variant="grid"),
    Case("regions:search", "GET", LIST, division_listed),
    Case("regions:search", "GET", SCOPED, search_within, variant="within"),
    Case(
        "regions:suggest",
        "GET",
        OWN,
        reason="division names and codes of the whole province, nobody's data",
    ),
    Case(
        "regions:geojson",
        "GET",
        OWN,
        ok=(302,),  # to the static file
        reason="the province's map outline, the same for everyone; no one's data",
    ),
    # regions: grids and staff
    *form("regions:grid_create", new_grid_in_village),
    *form("regions:grid_rename", new_grid),
    *form("regions:grid_merge", merge),
    *form("regions:grid_retire", retire),
    *form("regions:grid_assign", assign_form),
    *form("regions:assignment_end", end_assignment),
    *form("regions:staff_create", new_staff_in_village),
    Case("regions:staff_list", "GET", LIST, staff_listed),
    *form("regions:staff_edit", staff_record),
    # REST API: divisions
    Case("GET /api/divisions/search", "GET", LIST, division_listed),
    Case("GET /api/divisions/search", "GET", SCOPED, search_within, variant="within"),
    Case("GET /api/divisions/{code}", "GET", SCOPED, village),
    Case("GET /api/divisions/{code}/children", "GET", SCOPED, village),
    # REST API: grids
    Case("POST /api/grids", "POST", SCOPED, api_new_grid, ok=(201,)),
    Case("GET /api/grids/{code}", "GET", SCOPED, fixture_grid),
    Case("PATCH /api/grids/{code}", "PATCH", SCOPED, new_grid),
    Case("POST /api/grids/{code}/merge", "POST", SCOPED, merge),
    Case("POST /api/grids/{code}/retire", "POST", SCOPED, retire),
    Case("POST /api/grids/{code}/assignments", "POST", SCOPED, assign_api, ok=(201,)),
    Case("POST /api/assignments/{pk}/end", "POST", SCOPED, end_assignment),
    # REST API: grid staff
    Case("GET /api/staff", "GET", LIST, staff_listed),
    Case("POST /api/staff", "POST", SCOPED, api_new_staff, ok=(201,)),
    Case("GET /api/staff/{pk}", "GET", SCOPED, api_staff),
]
