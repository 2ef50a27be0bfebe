"""The jurisdiction-matrix entries of screening (排查登记, key areas):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fangkong.core.tests.endpoints import (
    LIST,
    OWN,
    SCOPED,
    Case,
    Target,
    World,
    exported,
)
from fangkong.people.choices import DocType
from fangkong.regions.models import Division


def _screening_form(w: World, grid: Division) -> dict[str, Any]:
    return {
        "grid": grid.code,
        "doc_type": DocType.RESIDENT_ID.value,
        "doc_number": w.id_number(),
        "name": w.name("矩阵排查"),
        "phone": w.phone(),
        "address": w.name("华阳小区"),
        "household_size": "3",
        "screened_on": dt.date.today().isoformat(),
        "temperature": "36.6",
        "contact": "none",
        "client_uuid": str(uuid.uuid4()),
    }


def screening_new_page(w: World) -> Target:
    return Target(home=w.tree.grid1, query={"grid": w.tree.grid1.code})


def screening_new_form(w: World) -> Target:
    data = _screening_form(w, w.tree.grid1)
    return Target(home=w.tree.grid1, data=data, absent={**data, "grid": "220102001001999"})


def _handover(w: World) -> Any:
    """A feverish traveller handed to 第一网格 by a checkpoint (the sibling: 东市场's grid)."""
    from fangkong.checkpoints.models import Handover
    from fangkong.checkpoints.tests.endpoints import _passage

    registered, _name = _passage(w, fever=True)
    return Handover.objects.get(entry__passage=registered)


def screening_from_handover_page(w: World) -> Target:
    return Target(home=w.tree.grid1, query={"handover": str(_handover(w).pk)})


def screening_from_handover_form(w: World) -> Target:
    data = _screening_form(w, w.tree.grid1)
    for held in ("doc_type", "doc_number"):
        data.pop(held)
    return Target(home=w.tree.grid1, data={**data, "handover": str(_handover(w).pk)})


def screening_household_page(w: World) -> Target:
    return Target(home=w.tree.grid1, query={"household_of": str(_screening(w).pk)})


def screening_household_form(w: World) -> Target:
    data = _screening_form(w, w.tree.grid1)
    return Target(home=w.tree.grid1, data={**data, "household_of": str(_screening(w).pk)})


def screening_preview(w: World) -> Target:
    return Target(home=w.tree.grid1, data={**_screening_form(w, w.tree.grid1), "temperature": 38})


def _screening(w: World) -> Any:
    from fangkong.screening.actions import register_screening

    return register_screening(
        actor=None,
        grid=w.tree.grid1,
        name=w.name("矩阵排查"),
        doc_number=w.id_number(),
        phone=w.phone(),
        address=w.name("华阳小区"),
        temperature="36.6",
    )


def screening_record(w: World) -> Target:
    return Target(home=w.tree.grid1, args={"pk": _screening(w).pk})


def screening_listed(w: World) -> Target:
    return Target(home=w.tree.grid1, marker=_screening(w).person.name)


def screening_person_known(w: World) -> Target:
    person = w.person(w.tree.grid1)
    query = {"doc_type": person.doc_type, "doc_number": person.doc_number}
    return Target(home=w.tree.grid1, query=query, marker=person.name)


def screening_api_new(w: World) -> Target:
    form = _screening_form(w, w.tree.grid1)
    data = {
        "grid": form["grid"],
        "person": {"name": form["name"], "doc_number": form["doc_number"]},
        "phone": form["phone"],
        "address": form["address"],
        "temperature": 36.6,
        "client_uuid": form["client_uuid"],
    }
    return Target(home=w.tree.grid1, data=data)


def screening_api_preview(w: World) -> Target:
    data = {"temperature": 37.0, "arrival_date": dt.date.today().isoformat(), "origin_code": "42"}
    return Target(home=w.tree.grid1, data=data)


def _key_area(w: World, division: Division) -> Any:
    from fangkong.screening.actions import declare_key_area

    return declare_key_area(
        actor=None,
        division=division,
        code=f"42{w.number() % 90 + 10:02d}",
        name=w.name("矩阵重点地区"),
        start_date=dt.date(2020, 1, 1),
    )


def key_area_new(w: World) -> Target:
    # Declared at the caller's own division (a command office): nobody's is out of scope.
    data = {"code": f"42{w.number() % 90 + 10:02d}", "name": w.name("矩阵重点地区")}
    return Target(home=w.tree.changchun, data={**data, "start_date": "2020-01-01"})


def key_area_record(w: World) -> Target:
    area = _key_area(w, w.tree.changchun)
    return Target(home=w.tree.changchun, args={"pk": area.pk}, data={"note": "矩阵"})


CASES: list[Case] = [
    # screening (排查登记)
    Case("screening:list", "GET", LIST, screening_listed),
    Case("screening:new", "GET", SCOPED, screening_new_page),
    Case("screening:new", "POST", SCOPED, screening_new_form, ok=(302,), form_ref=True),
    # 筛查此人: the form filled in from a flagged traveller's hand-over; saving handles it
    Case("screening:new", "GET", SCOPED, screening_from_handover_page, variant="handover"),
    Case(
        "screening:new",
        "POST",
        SCOPED,
        screening_from_handover_form,
        ok=(302,),
        variant="handover",
    ),
    # 同户下一位: the form carrying over the household of a screening
    Case("screening:new", "GET", SCOPED, screening_household_page, variant="household"),
    Case(
        "screening:new",
        "POST",
        SCOPED,
        screening_household_form,
        ok=(302,),
        variant="household",
    ),
    # the live outcome of the form: the rules only, nothing written
    Case(
        "screening:preview",
        "POST",
        OWN,
        screening_preview,
        writes=False,
        reason="the outcome rules run on the form's values; no record read or written",
    ),
    Case("screening:person_lookup", "GET", LIST, screening_person_known),
    Case("screening:detail", "GET", SCOPED, screening_record),
    Case(
        "screening:key_areas",
        "GET",
        OWN,
        reason="key areas (places with cases elsewhere) are read by everyone logged in",
    ),
    # a command office declares a key area at its own division
    Case(
        "screening:key_areas",
        "POST",
        OWN,
        key_area_new,
        ok=(302,),
        reason="declared at the caller's own division, never another",
    ),
    Case("screening:key_area_end", "POST", SCOPED, key_area_record, ok=(302,)),
    # REST API: screening
    Case("GET /api/screenings", "GET", LIST, screening_listed),
    Case("POST /api/screenings", "POST", SCOPED, screening_api_new, ok=(201,)),
    Case("GET /api/screenings/{pk}", "GET", SCOPED, screening_record),
    Case(
        "POST /api/screenings/preview",
        "POST",
        OWN,
        screening_api_preview,
        writes=False,
        reason="the outcome rules run on the body's values; no record read or written",
    ),
    Case(
        "GET /api/key-areas",
        "GET",
        OWN,
        reason="key areas (places with cases elsewhere) are read by everyone logged in",
    ),
    Case(
        "POST /api/key-areas",
        "POST",
        OWN,
        key_area_new,
        ok=(201,),
        reason="declared at the caller's own division, never another",
    ),
    Case("POST /api/key-areas/{pk}/end", "POST", SCOPED, key_area_record),
    Case(
        "bulk:export", "GET", LIST, exported("screenings", screening_listed), variant="screenings"
    ),
]
