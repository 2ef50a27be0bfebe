"""The jurisdiction-matrix entries of the investigation app (see fangkong/core/tests/endpoints.py):
one per page and API operation, with the builders that make a fresh case (and investigation)
in a new grid of 华阳社区 for each call."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from fangkong.cases.models import Case as CaseRecord
from fangkong.cases.tests.factories import make_case
from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World
from fangkong.investigation import actions
from fangkong.investigation.choices import PlaceKind
from fangkong.investigation.models import Investigation, Movement


def _case(w: World) -> CaseRecord:
    return make_case(w.grid())


def _investigation(w: World) -> Investigation:
    return actions.open_investigation(actor=None, case=_case(w), investigator_name="矩阵调查员")


def _movement(w: World) -> Movement:
    investigation = _investigation(w)
    place = actions.record_place(
        actor=None,
        name=w.name("矩阵市场"),
        kind=PlaceKind.MARKET,
        division=w.tree.nanguan,
    )
    return actions.add_movement(
        actor=None,
        investigation=investigation,
        day=investigation.window_end - dt.timedelta(days=2),
        place=place,
    )


def _day(investigation: Investigation) -> dt.date:
    return investigation.window_end - dt.timedelta(days=2)


def case_record(w: World) -> Target:
    case = _case(w)
    return Target(home=case.address_division, args={"pk": case.pk})


def case_api(w: World) -> Target:
    case = _case(w)
    return Target(
        home=case.address_division,
        args={"case_id": case.pk},
        data={"investigator_name": "矩阵调查员"},
    )


def investigation_record(w: World) -> Target:
    investigation = _investigation(w)
    return Target(home=investigation.case.address_division, args={"pk": investigation.pk})


def investigation_listed(w: World) -> Target:
    investigation = _investigation(w)
    return Target(home=w.tree.huayang, marker=investigation.get_absolute_url())


def notice_listed(w: World) -> Target:
    investigation = _investigation(w)
    return Target(
        home=w.tree.huayang,
        marker=reverse("investigation:trajectory", args=[investigation.pk]),
    )


def movement_form(w: World) -> Target:
    target = investigation_record(w)
    investigation = Investigation.objects.get(pk=target.args["pk"])
    target.data = {
        "day": _day(investigation).isoformat(),
        "place": "new",
        "place_name": w.name("矩阵超市"),
        "place_kind": PlaceKind.SUPERMARKET.value,
        "place_division": w.tree.nanguan.pk,
        "protection": "surgical",
    }
    return target


def movement_api(w: World) -> Target:
    target = investigation_record(w)
    investigation = Investigation.objects.get(pk=target.args["pk"])
    target.data = {
        "day": _day(investigation).isoformat(),
        "place": {
            "name": w.name("矩阵超市"),
            "kind": "supermarket",
            "division": w.tree.nanguan.code,
        },
    }
    return target


def movement_record(w: World) -> Target:
    movement = _movement(w)
    return Target(home=movement.investigation.case.address_division, args={"pk": movement.pk})


def source_form(w: World) -> Target:
    target = investigation_record(w)
    target.data = {"kind": "key_area", "area": "矩阵：湖北省武汉市"}
    return target


def complete_form(w: World) -> Target:
    target = investigation_record(w)
    target.data = {"conclusion": "矩阵：输入病例"}
    return target


CASES: list[Case] = [
    # epidemiological investigation (流调)
    Case("investigation:list", "GET", LIST, investigation_listed),
    Case("investigation:open", "POST", SCOPED, case_record, ok=(302,)),
    Case("investigation:detail", "GET", SCOPED, investigation_record),
    Case("investigation:movement_add", "POST", SCOPED, movement_form, ok=(302,)),
    Case("investigation:movement_remove", "POST", SCOPED, movement_record, ok=(302,)),
    Case("investigation:source_add", "POST", SCOPED, source_form, ok=(302,)),
    Case("investigation:complete", "POST", SCOPED, complete_form, ok=(302,)),
    Case("investigation:report", "GET", SCOPED, investigation_record),
    Case("investigation:docx", "GET", SCOPED, investigation_record),
    Case("investigation:trajectory", "GET", SCOPED, investigation_record),
    Case("investigation:notices", "GET", LIST, notice_listed),
    # REST API: investigation
    Case("GET /api/investigations/{pk}", "GET", SCOPED, investigation_record),
    Case("POST /api/cases/{case_id}/investigation", "POST", SCOPED, case_api, ok=(201,)),
    Case("POST /api/investigations/{pk}/movements", "POST", SCOPED, movement_api, ok=(201,)),
    Case("GET /api/investigations/{pk}/trajectory", "GET", SCOPED, investigation_record),
    Case(
        "GET /api/places",
        "GET",
        OWN,
        reason="public venues, not personal data: every place of the province "
        "(docs/investigation.md)",
    ),
]
