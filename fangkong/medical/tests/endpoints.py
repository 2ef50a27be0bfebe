"""The jurisdiction-matrix entries of the medical app (医疗机构): its pages and API operations,
with builders that make a fresh fever clinic or designated hospital of 南关区 (with a ward, an
expert) for each call (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

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
from fangkong.medical.choices import BedType
from fangkong.medical.models import Facility, Ward
from fangkong.medical.tests.factories import make_clinic, make_expert, make_hospital, make_ward


def _facility(w: World) -> Facility:
    return make_clinic(w.tree.nanguan, name=w.name("矩阵发热门诊"))


def _hospital(w: World) -> Facility:
    return make_hospital(w.tree.nanguan, name=w.name("矩阵定点医院"))


def _ward(w: World) -> Ward:
    return make_ward(_hospital(w), BedType.ISOLATION_WARD, 40, name=w.name("矩阵病区"))


def _fields(w: World, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "fever_clinic",
        "division": w.tree.nanguan.code,
        "address": "矩阵：人民大街1号",
        "phone": w.phone(),
        "longitude": "125.3245",
        "latitude": "43.8868",
        "level": "secondary",
        "contact_name": "矩阵联系人",
        "opened_on": "2020-01-25",
        "closed_on": "",
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


def facility_page(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _hospital(w).pk})


def ward_add(w: World) -> Target:
    data = {
        "ward-name": w.name("矩阵新病区"),
        "ward-bed_type": "isolation_ward",
        "ward-capacity": "20",
        "ward-out_of_service": "0",
    }
    return Target(home=w.tree.nanguan, args={"pk": _hospital(w).pk}, data=data)


def ward_edit(w: World) -> Target:
    ward = _ward(w)
    prefix = f"ward{ward.pk}"
    data = {f"{prefix}-capacity": "50", f"{prefix}-out_of_service": "2", f"{prefix}-active": "on"}
    return Target(home=w.tree.nanguan, args={"pk": ward.pk}, data=data)


def expert_add(w: World) -> Target:
    data = {
        "expert-name": w.name("矩阵专家"),
        "expert-specialty": "呼吸与危重症医学",
        "expert-home_hospital": "吉林大学第一医院",
        "expert-since": "",
    }
    return Target(home=w.tree.nanguan, args={"pk": _hospital(w).pk}, data=data)


def expert_leave(w: World) -> Target:
    expert = make_expert(_hospital(w), name=w.name("矩阵专家"))
    return Target(
        home=w.tree.nanguan, args={"pk": expert.pk}, data={f"expert{expert.pk}-until": ""}
    )


def _beds_marker(w: World, *, api: bool, home: Any) -> Target:
    """A fresh ward of isolation beds in 南关区; the marker is the isolation beds 长春市 now
    has (every ward of this call's world is in 南关区): the county sees it as the row of its
    own facilities and the total, the city and the province in the row of 长春市 or 南关区,
    and the 吉林市 side never."""
    make_ward(_hospital(w), BedType.ISOLATION_WARD, 1000 + w.number(), name=w.name("矩阵病区"))
    total = Ward.objects.filter(
        active=True, bed_type=BedType.ISOLATION_WARD, division_path__startswith="22/2201/"
    ).aggregate(n=Sum("capacity"))["n"]
    marker = f'"capacity": {total}' if api else f'data-capacity="{total}"'
    return Target(home=home, marker=marker)


def beds_listed(w: World) -> Target:
    return _beds_marker(w, api=False, home=w.tree.nanguan)


def beds_api_listed(w: World) -> Target:
    return _beds_marker(w, api=True, home=w.tree.nanguan)


def trend_api_listed(w: World) -> Target:
    # the trend is kept per city: callers at the city (above: the province; sibling: 吉林市)
    return _beds_marker(w, api=True, home=w.tree.changchun)


def api_ward_add(w: World) -> Target:
    data = {"name": w.name("矩阵新病区"), "bed_type": "icu", "capacity": 12, "out_of_service": 0}
    return Target(home=w.tree.nanguan, args={"pk": _hospital(w).pk}, data=data)


def api_ward_change(w: World) -> Target:
    data = {"capacity": 45, "out_of_service": 1, "active": True}
    return Target(home=w.tree.nanguan, args={"pk": _ward(w).pk}, data=data)


def api_expert_add(w: World) -> Target:
    data = {"name": w.name("矩阵专家"), "specialty": "感染科", "home_hospital": "长春市传染病医院"}
    return Target(home=w.tree.nanguan, args={"pk": _hospital(w).pk}, data=data)


def api_expert_leave(w: World) -> Target:
    expert = make_expert(_hospital(w), name=w.name("矩阵专家"))
    return Target(home=w.tree.nanguan, args={"pk": expert.pk}, data={})


CASES: list[Case] = [
    # medical facilities (医疗机构)
    Case("medical:list", "GET", LIST, facility_listed),
    Case("medical:new", "GET", OWN, reason="an empty form; the division is checked on POST"),
    Case("medical:new", "POST", SCOPED, facility_new, ok=(302,), form_ref=True),
    *form("medical:edit", facility_edit),
    Case("medical:detail", "GET", SCOPED, facility_page),
    # wards and experts, from the facility's page (POST only; errors show on that page)
    Case("medical:ward_add", "POST", SCOPED, ward_add, ok=(302,)),
    Case("medical:ward_edit", "POST", SCOPED, ward_edit, ok=(302,)),
    Case("medical:expert_add", "POST", SCOPED, expert_add, ok=(302,)),
    Case("medical:expert_leave", "POST", SCOPED, expert_leave, ok=(302,)),
    # the bed board (集中资源)
    Case("medical:beds", "GET", LIST, beds_listed),
    # REST API: medical facilities, wards, experts, beds
    Case("GET /api/facilities", "GET", LIST, facility_listed),
    Case("GET /api/facilities/{pk}", "GET", SCOPED, facility_page),
    Case("POST /api/facilities/{pk}/wards", "POST", SCOPED, api_ward_add, ok=(201,)),
    Case("PUT /api/wards/{pk}", "PUT", SCOPED, api_ward_change),
    Case("POST /api/facilities/{pk}/experts", "POST", SCOPED, api_expert_add, ok=(201,)),
    Case("POST /api/experts/{pk}/leave", "POST", SCOPED, api_expert_leave),
    Case("GET /api/beds", "GET", LIST, beds_api_listed),
    Case("GET /api/beds/trend", "GET", LIST, trend_api_listed),
]
