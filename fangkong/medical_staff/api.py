"""The REST API of the medical staff app (mounted in fangkong/api.py). Schema names carry the
``MedicalStaff`` prefix: OpenAPI component names are unique across apps."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.care.choices import CareStatus, Urgency
from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.medical.models import Facility, Ward
from fangkong.medical_staff import actions, selectors
from fangkong.medical_staff.actions import MAX_DESCRIPTION
from fangkong.medical_staff.choices import (
    MAX_ROSTER_DAYS,
    ExposureKind,
    FamilyCareKind,
    ShiftKind,
    StaffRole,
)
from fangkong.medical_staff.models import Exposure, FamilyCare, StaffMember
from fangkong.medical_staff.permissions import MedicalStaffPerm as Perm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

router = Router(tags=["medical staff"])

CODE = r"^\d{1,15}$"


class MedicalStaffOut(Schema):
    id: int
    name: str
    role: StaffRole
    specialty: str
    facility_id: int
    facility_name: str = Field(..., alias="facility.name")
    ward_id: int | None
    ward_name: str | None = None
    phone: str
    has_person: bool = Field(False, description="linked to a person record")
    active: bool

    @staticmethod
    def resolve_ward_name(obj: StaffMember) -> str | None:
        return obj.ward.name if obj.ward else None

    @staticmethod
    def resolve_has_person(obj: StaffMember) -> bool:
        return obj.person_id is not None


class MedicalStaffPage(Schema):
    items: list[MedicalStaffOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class MedicalStaffQuery(Schema):
    facility: ApiId | None = Field(None, description="a facility's id")
    q: str | None = Field(None, max_length=40, description="part of the name")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class MedicalStaffDueOut(Schema):
    staff: MedicalStaffOut
    run_start: dt.date
    day_of_run: int
    max_days: int
    last_day: dt.date = Field(..., description="the run's last allowed day in the ward")
    rest_until: dt.date = Field(..., description="the last day of the rest that follows")


class MedicalStaffShiftIn(InputSchema):
    staff_id: ApiId
    day: ApiDate
    shift: ShiftKind
    ward_id: ApiId | None = Field(None, description="a ward of the facility; none: no ward")


class MedicalStaffRosterIn(InputSchema):
    start: ApiDate
    end: ApiDate = Field(..., description=f"inclusive; at most {MAX_ROSTER_DAYS} days")
    shifts: list[MedicalStaffShiftIn] = Field(..., max_length=MAX_ROSTER_DAYS * 200)


class MedicalStaffShiftOut(Schema):
    staff_id: int
    day: dt.date
    shift: ShiftKind = Field(..., alias="kind")
    ward_id: int | None


class MedicalStaffRosterOut(Schema):
    facility_id: int
    start: dt.date
    end: dt.date
    shifts: list[MedicalStaffShiftOut]


class MedicalStaffExposureIn(InputSchema):
    occurred_on: ApiDate = Field(..., description="at most 13 days ago")
    kind: ExposureKind
    ward_id: ApiId | None = None
    description: str = Field(..., min_length=1, max_length=MAX_DESCRIPTION)


class MedicalStaffExposureOut(Schema):
    id: int
    staff_id: int
    occurred_on: dt.date
    kind: ExposureKind
    ward_id: int | None
    description: str
    observation_id: int
    observation_end: dt.date = Field(..., alias="observation.end_date")


class MedicalStaffFamilyCareIn(InputSchema):
    kind: FamilyCareKind
    grid: str = Field(..., pattern=CODE, description="the code of the grid the family lives in")
    family_doc_number: str = Field(
        "", max_length=32, description="ID number of the family member, registered in the grid"
    )
    urgency: Urgency = Urgency.NORMAL
    description: str = Field(..., min_length=1, max_length=MAX_DESCRIPTION)


class MedicalStaffFamilyCareOut(Schema):
    id: int
    staff_id: int
    kind: FamilyCareKind
    grid_code: str = Field(..., alias="grid.code")
    care_request_id: int = Field(..., alias="care_id")
    care_status: CareStatus = Field(..., alias="care.status")
    created_at: dt.datetime


def _facility(request: HttpRequest, pk: int) -> Facility:
    facility: Facility = get_visible_or_404(Facility.objects.all(), request.user, pk=pk)
    return facility


def _staff(request: HttpRequest, pk: int) -> StaffMember:
    staff: StaffMember = get_visible_or_404(
        StaffMember.objects.select_related("facility", "ward"), request.user, pk=pk
    )
    return staff


def _ward(request: HttpRequest, pk: int | None) -> Ward | None:
    if pk is None:
        return None
    ward: Ward = get_visible_or_404(Ward.objects.all(), request.user, pk=pk)
    return ward


@router.get("/medical-staff", response=MedicalStaffPage, summary="Medical staff in your area")
def list_staff(request: HttpRequest, query: Query[MedicalStaffQuery]) -> dict[str, object]:
    """By id, paged by key: pass `next_after` back as `after`."""
    require(request, Perm.VIEW_STAFF)
    facility = _facility(request, query.facility) if query.facility else None
    qs = selectors.staff(request.user, facility=facility, q=(query.q or "").strip())
    page = selectors.keyset_page(qs, after=query.after, size=query.limit)
    return {"items": page.items, "next_after": page.next_after}


@router.get(
    "/medical-staff/due-for-rotation",
    response=list[MedicalStaffDueOut],
    summary="Staff due for rotation this week",
)
def due_for_rotation(request: HttpRequest) -> list[selectors.Due]:
    """On duty in an isolation ward today, their run reaching the maximum within 7 days."""
    require(request, Perm.VIEW_STAFF)
    return selectors.due_for_rotation(request.user, timezone.localdate())


@router.put(
    "/medical-staff/facilities/{pk}/roster",
    response=MedicalStaffRosterOut,
    summary="Save a facility's roster",
)
def save_roster(
    request: HttpRequest, pk: ApiId, payload: MedicalStaffRosterIn
) -> dict[str, object]:
    """Replaces the facility's shifts from `start` to `end` with `shifts`. A roster that breaks
    the province's rotation rule is refused as a whole (409), naming the staff and dates."""
    require(request, Perm.MANAGE_ROSTER)
    facility = _facility(request, pk)
    ids = {s.staff_id for s in payload.shifts}
    staff = {m.pk: m for m in selectors.staff(request.user).filter(pk__in=ids)}
    ward_ids = {s.ward_id for s in payload.shifts if s.ward_id is not None}
    wards = {w.pk: w for w in Ward.objects.visible_to(request.user).filter(pk__in=ward_ids)}
    if ids - set(staff) or ward_ids - set(wards):
        raise Http404
    planned = [
        actions.PlannedShift(
            staff=staff[s.staff_id],
            day=s.day,
            kind=s.shift,
            ward=wards[s.ward_id] if s.ward_id is not None else None,
        )
        for s in payload.shifts
    ]
    saved = actions.save_roster(
        actor=user_of(request),
        facility=facility,
        start=payload.start,
        end=payload.end,
        shifts=planned,
    )
    return {"facility_id": facility.pk, "start": payload.start, "end": payload.end, "shifts": saved}


@router.post(
    "/medical-staff/{pk}/exposures",
    response={201: MedicalStaffExposureOut},
    summary="Record an occupational exposure",
)
def record_exposure(
    request: HttpRequest, pk: ApiId, payload: MedicalStaffExposureIn
) -> Status[Exposure]:
    """Starts the staff member's centralized medical observation in the grid where they live;
    a staff member without a person record is refused (400)."""
    require(request, Perm.ADD_EXPOSURE)
    staff = _staff(request, pk)
    exposure = actions.record_exposure(
        actor=user_of(request),
        staff=staff,
        occurred_on=payload.occurred_on,
        kind=payload.kind,
        description=payload.description,
        ward=_ward(request, payload.ward_id),
    )
    return Status(201, Exposure.objects.select_related("observation").get(pk=exposure.pk))


@router.post(
    "/medical-staff/{pk}/family-care",
    response={201: MedicalStaffFamilyCareOut},
    summary="Record a need of a staff member's family",
)
def request_family_care(
    request: HttpRequest, pk: ApiId, payload: MedicalStaffFamilyCareIn
) -> Status[FamilyCare]:
    """Routed to a care request in the family's grid (anywhere in the province)."""
    require(request, Perm.ADD_FAMILYCARE)
    staff = _staff(request, pk)
    grid = Division.objects.filter(code=payload.grid, level=Level.GRID, active=True).first()
    if grid is None:
        raise ActionError(_("No grid with this code."), code="no_such_grid", field="grid")
    family = actions.request_family_care(
        actor=user_of(request),
        staff=staff,
        grid=grid,
        kind=payload.kind,
        description=payload.description,
        urgency=payload.urgency,
        family_doc_number=payload.family_doc_number,
    )
    return Status(201, FamilyCare.objects.select_related("grid", "care").get(pk=family.pk))
