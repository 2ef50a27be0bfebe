"""The jurisdiction-matrix entries of the medical app (医疗机构): its pages and API operation,
with builders that make a fresh fever clinic of 南关区 for each call (see
fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

from typing import Any

from fangkong.core.tests.endpoints import (
    LIST,
    NO_SUCH_DIVISION,
    OWN,
    SCOPED,
    Case,
    Target,
    World,
    form,
)
from fangkong.medical.models import Facility
from fangkong.medical.tests.factories import make_clinic


def _facility(w: World) -> Facility:
    return make_clinic(w.tree.nanguan, name=w.name("矩阵发热门诊"))


def _fields(w: World, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "fever_clinic",
        "division": w.tree.nanguan.code,
        "address": "矩阵：人民大街1号",
        "phone": w.phone(),
        "longitude": "125.3245",
        "latitude": "43.8868",
        "active": "on",
    }


def facility_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=_facility(w).name)


def facility_new(w: World) -> Target:
    data = _fields(w, w.name("矩阵新门诊"))
    return Target(home=w.tree.nanguan, data=data, absent={**data, "division": NO_SUCH_DIVISION})


def facility_edit(w: World) -> Target:
    facility = _facility(w)
    return Target(
        home=w.tree.nanguan,
        args={"pk": facility.pk},
        data=_fields(w, w.name("矩阵改名门诊")),
    )


CASES: list[Case] = [
    # medical facilities (医疗机构)
    Case("medical:list", "GET", LIST, facility_listed),
    Case("medical:new", "GET", OWN, reason="an empty form; the division is checked on POST"),
    Case("medical:new", "POST", SCOPED, facility_new, ok=(302,), form_ref=True),
    *form("medical:edit", facility_edit),
    # REST API: medical facilities
    Case("GET /api/facilities", "GET", LIST, facility_listed),
]
