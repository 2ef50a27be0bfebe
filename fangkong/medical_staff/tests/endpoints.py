"""The jurisdiction-matrix entries of the medical staff app (医护人员): its pages and API
operations, with builders that make a fresh designated hospital of 南关区, its isolation ward
and staff for each call (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World, form
from fangkong.medical.models import Facility
from fangkong.medical_staff import actions
from fangkong.medical_staff.choices import FamilyCareKind, ShiftKind, StaffRole
from fangkong.medical_staff.models import StaffMember
from fangkong.medical_staff.tests.factories import make_hospital, make_staff, make_ward

NO_SUCH_FACILITY = "999999999"


def _hospital(w: World) -> Facility:
    return make_hospital(w.tree.nanguan, w.name("矩阵定点医院"))


def _staff(w: World, person: bool = True) -> StaffMember:
    hospital = _hospital(w)
    return make_staff(
        hospital,
        w.name("矩阵护士"),
        StaffRole.NURSE,
        person=w.person() if person else None,
        ward=make_ward(hospital),
    )


def _fields(w: World, facility: Facility | None = None) -> dict[str, Any]:
    data = {"name": w.name("矩阵医生"), "role": "doctor", "specialty": "呼吸内科"}
    data.update({"phone": w.phone(), "active": "on"})
    if facility is not None:
        data["facility"] = str(facility.pk)
    return data


def staff_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=_staff(w, person=False).name)


def staff_new(w: World) -> Target:
    data = _fields(w, _hospital(w))
    return Target(home=w.tree.nanguan, data=data, absent={**data, "facility": NO_SUCH_FACILITY})


def staff_edit(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _staff(w, person=False).pk}, data=_fields(w))


def roster(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _hospital(w).pk}, data={})


def roster_api(w: World) -> Target:
    staff = _staff(w, person=False)
    day = timezone.localdate()
    shifts = [{"staff_id": staff.pk, "day": day.isoformat(), "shift": "day", "ward_id": None}]
    return Target(
        home=w.tree.nanguan,
        args={"pk": staff.facility_id},
        data={"start": day.isoformat(), "end": day.isoformat(), "shifts": shifts},
    )


def due_listed(w: World) -> Target:
    staff = _staff(w, person=False)
    today = timezone.localdate()
    start = today - dt.timedelta(days=9)
    actions.save_roster(
        actor=None,
        facility=staff.facility,
        start=start,
        end=today,
        shifts=[
            actions.PlannedShift(staff, start + dt.timedelta(days=i), ShiftKind.DAY, staff.ward)
            for i in range(10)
        ],
    )
    return Target(home=w.tree.nanguan, marker=staff.name)


def _exposure_data() -> dict[str, Any]:
    return {
        "occurred_on": timezone.localdate().isoformat(),
        "kind": "ppe_breach",
        "description": "矩阵：防护服破损",
    }


def exposure(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _staff(w).pk}, data=_exposure_data())


def exposure_listed(w: World) -> Target:
    staff = _staff(w)
    actions.record_exposure(
        actor=None,
        staff=staff,
        occurred_on=timezone.localdate(),
        kind="splash",
        description="矩阵：喷溅",
    )
    return Target(home=w.tree.nanguan, marker=staff.name)


def _family_data(w: World) -> dict[str, Any]:
    return {
        "kind": FamilyCareKind.CHILDCARE.value,
        "grid": w.tree.grid1.code,
        "urgency": "normal",
        "description": "矩阵：孩子需看护",
    }


def family(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _staff(w).pk}, data=_family_data(w))


def family_listed(w: World) -> Target:
    staff = _staff(w)
    actions.request_family_care(
        actor=None,
        staff=staff,
        grid=w.tree.grid1,
        kind=FamilyCareKind.DAILY_NEEDS,
        description="矩阵：代购",
    )
    return Target(home=w.tree.nanguan, marker=staff.name)


def _rule(w: World) -> Target:
    return Target(home=w.tree.huayang, data={"max_days": "14", "rest_days": "14"})


CASES: list[Case] = [
    # medical staff (医护人员)
    Case("medical_staff:list", "GET", LIST, staff_listed),
    Case("medical_staff:new", "GET", OWN, reason="an empty form; the facility is checked on POST"),
    Case("medical_staff:new", "POST", SCOPED, staff_new, ok=(302,), form_ref=True),
    *form("medical_staff:edit", staff_edit),
    *form("medical_staff:roster", roster),
    Case("medical_staff:rotation", "GET", LIST, due_listed),
    # the province's rule: its officer's change is audited and a county's refused writes nothing
    # (medical_staff/tests/test_http.py; the matrix has no sibling of a province)
    Case(
        "medical_staff:rule",
        "POST",
        OWN,
        _rule,
        ok=(302, 403),
        writes=False,
        reason="the caller's own province's rule: set at the province, refused (403) below it",
    ),
    Case("medical_staff:exposures", "GET", LIST, exposure_listed),
    *form("medical_staff:exposure_new", exposure),
    Case("medical_staff:family", "GET", LIST, family_listed),
    *form("medical_staff:family_new", family),
    # REST API
    Case("GET /api/medical-staff", "GET", LIST, staff_listed),
    Case("GET /api/medical-staff/due-for-rotation", "GET", LIST, due_listed),
    Case("PUT /api/medical-staff/facilities/{pk}/roster", "PUT", SCOPED, roster_api),
    Case("POST /api/medical-staff/{pk}/exposures", "POST", SCOPED, exposure, ok=(201,)),
    Case("POST /api/medical-staff/{pk}/family-care", "POST", SCOPED, family, ok=(201,)),
]
