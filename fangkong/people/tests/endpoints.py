"""The jurisdiction-matrix entries of people (人员):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

from fangkong.core.tests.endpoints import (
    LIST,
    SCOPED,
    Case,
    Target,
    World,
    exported,
    form,
)
from fangkong.people.choices import DocType, RevealReason


def person_record(w: World) -> Target:
    """A person in 第一网格; the body is a reason for showing their full number."""
    person = w.person()
    return Target(
        home=w.tree.grid1, args={"pk": person.pk}, data={"reason": RevealReason.CONTACT.value}
    )


def person_listed(w: World) -> Target:
    return Target(home=w.tree.grid1, marker=w.person(name=w.name("列表居民")).name)


def person_unmasked(w: World) -> Target:
    person = w.person()
    return Target(home=w.tree.grid1, query={"unmasked": "true"}, marker=person.doc_number)


def people_within(w: World) -> Target:
    w.person()
    return Target(home=w.tree.huayang, query={"within": w.tree.huayang.code})


def new_person(w: World) -> Target:
    grid = w.tree.grid1
    return Target(
        home=grid,
        query={"grid": grid.code},
        data={
            "grid": grid.code,
            "name": w.name("新居民"),
            "doc_type": DocType.RESIDENT_ID.value,
            "doc_number": w.id_number(),
            "phone": w.phone(),
            "address": w.name("华阳街"),
        },
    )


def person_edit(w: World) -> Target:
    person = w.person()
    return Target(
        home=w.tree.grid1,
        args={"pk": person.pk},
        data={"name": person.name, "phone": w.phone(), "address": w.name("新地址")},
    )


def person_move(w: World) -> Target:
    """A person of 第一网格 moving to 第二网格: only someone above both grids may do it."""
    person = w.person()
    return Target(home=w.tree.huayang, args={"pk": person.pk}, data={"grid": w.tree.grid2.code})


CASES: list[Case] = [
    # people (人员)
    Case("people:list", "GET", LIST, person_listed),
    Case("people:list", "GET", SCOPED, people_within, variant="within"),
    *form("people:create", new_person),
    Case("people:detail", "GET", SCOPED, person_record),
    *form("people:edit", person_edit),
    *form("people:move", person_move),
    # the page with the full number once, its viewing audited
    Case("people:reveal", "POST", SCOPED, person_record),
    # REST API: people
    Case("GET /api/people", "GET", LIST, person_listed),
    Case("GET /api/people", "GET", LIST, person_unmasked, variant="unmasked"),
    Case("GET /api/people", "GET", SCOPED, people_within, variant="within"),
    Case("POST /api/people", "POST", SCOPED, new_person, ok=(201,)),
    Case("GET /api/people/{pk}", "GET", SCOPED, person_record),
    Case("PATCH /api/people/{pk}", "PATCH", SCOPED, person_edit),
    Case("POST /api/people/{pk}/move", "POST", SCOPED, person_move),
    Case("POST /api/people/{pk}/reveal", "POST", SCOPED, person_record),
    # exports (bulk/exports.py): every list as a file, exactly what its page shows
    Case("bulk:export", "GET", LIST, exported("people", person_listed), variant="people"),
    # a division out of reach in the filters answers 404, and nothing is audited
    Case("bulk:export", "GET", SCOPED, exported("people", people_within, "xlsx"), variant="within"),
    Case("GET /api/exports/{name}", "GET", LIST, exported("people", person_listed, api=True)),
]
