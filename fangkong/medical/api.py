"""The REST API of the medical app (mounted in fangkong/api.py): facilities, one facility with
its wards and experts, the writes on wards and experts, and the bed board (集中资源)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.medical import actions, selectors
from fangkong.medical.choices import BedType, FacilityKind, FacilityLevel
from fangkong.medical.models import Expert, Facility, Ward
from fangkong.medical.permissions import MedicalPerm

router = Router(tags=["medical"])


class FacilityOut(Schema):
    id: int
    name: str
    kind: FacilityKind
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    address: str
    phone: str
    longitude: float | None
    latitude: float | None
    active: bool
    level: FacilityLevel
    contact_name: str
    opened_on: dt.date | None
    closed_on: dt.date | None


class FacilityPage(Schema):
    items: list[FacilityOut]
    next_after: int | None


class FacilityQuery(Schema):
    kind: FacilityKind | None = None
    q: str | None = Field(None, max_length=40, description="part of the name")
    active: bool = Field(False, description="open facilities only")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class FacilityWardOut(Schema):
    id: int
    facility_id: int
    name: str
    bed_type: BedType
    capacity: int
    occupied: int = Field(..., description="kept by admissions, transfers and discharges")
    reserved: int = Field(..., description="reserved for patients on their way")
    out_of_service: int
    free: int = Field(..., description="capacity less occupied, reserved, out of service")
    active: bool


class FacilityExpertOut(Schema):
    id: int
    facility_id: int
    name: str
    specialty: str
    home_hospital: str
    since: dt.date
    until: dt.date | None = Field(None, description="the day the expert left; null on site")


class FacilityDetailOut(FacilityOut):
    wards: list[FacilityWardOut]
    experts: list[FacilityExpertOut] = Field(..., description="on site and gone, newest first")

    @staticmethod
    def resolve_wards(obj: Facility) -> list[Ward]:
        return list(obj.wards.all())

    @staticmethod
    def resolve_experts(obj: Facility) -> list[Expert]:
        return list(obj.experts.all())


# Numbers of beds are plain integers here: the action checks them (a whole number from 0 to
# actions.MAX_BEDS) and answers 400 with its code (bad_capacity, bad_out_of_service).


class FacilityWardIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    bed_type: BedType = Field(..., description="one the kind of facility holds")
    capacity: int = Field(..., description=f"beds, 0 to {actions.MAX_BEDS}")
    out_of_service: int = Field(0, description="beds out of service, at most the capacity")


class FacilityWardChangeIn(InputSchema):
    capacity: int = Field(..., description="never below the beds in use plus out of service")
    out_of_service: int
    active: bool = Field(True, description="false closes the ward (refused with patients)")


class FacilityExpertIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    specialty: str = Field(..., min_length=1, max_length=50)
    home_hospital: str = Field(..., min_length=1, max_length=100)
    since: ApiDate | None = Field(None, description="on site since; today if omitted")


class FacilityExpertLeaveIn(InputSchema):
    until: ApiDate | None = Field(None, description="the day the expert left; today if omitted")


class BedCountOut(Schema):
    bed_type: str = Field(..., description="a bed type, or 'all'")
    capacity: int
    occupied: int
    reserved: int
    out_of_service: int
    free: int


class BedDivisionOut(Schema):
    code: str | None = Field(None, description="the division's code; null for the total")
    name: str
    direct: bool = Field(
        False, description="facilities recorded at the parent division itself, not in a child"
    )
    beds: list[BedCountOut]
    all_types: BedCountOut


class BedBoardOut(Schema):
    division_code: str | None
    division_name: str | None
    rows: list[BedDivisionOut]
    total: BedDivisionOut


class BedTrendQuery(Schema):
    bed_type: BedType | None = Field(None, description="one type; every type if omitted")
    days: int = Field(30, ge=1, le=90, description="days of history")


class BedTrendDayOut(Schema):
    day: dt.date
    capacity: int
    in_use: int = Field(..., description="occupied + reserved")
    free: int


class BedRunOutOut(Schema):
    status: str = Field(..., description="no_history, steady or runs_out")
    rate_per_day: Decimal | None = Field(
        None, description="net change of beds in use per day over the last 7 days"
    )
    days_left: Decimal | None = None
    runs_out_on: dt.date | None = None


class BedCityTrendOut(Schema):
    code: str
    name: str
    bed_type: BedType
    days: list[BedTrendDayOut]
    today: BedCountOut
    projection: BedRunOutOut


class BedTrendOut(Schema):
    today: dt.date
    cities: list[BedCityTrendOut]


def _count(bed_type: str, beds: selectors.Beds) -> dict[str, object]:
    return {
        "bed_type": bed_type,
        "capacity": beds.capacity,
        "occupied": beds.occupied,
        "reserved": beds.reserved,
        "out_of_service": beds.out_of_service,
        "free": beds.free,
    }


def _row(row: selectors.BedRow, name: str | None = None) -> dict[str, object]:
    return {
        "code": row.division.code if row.division and name is None else None,
        "name": name or (row.division.name if row.division else ""),
        "direct": row.direct,
        "beds": [_count(t, b) for t, b in row.cells],
        "all_types": _count("all", row.all_types),
    }


def _facility(request: HttpRequest, pk: int) -> Facility:
    facility: Facility = get_visible_or_404(
        selectors.facility_with_beds(request.user), request.user, pk=pk
    )
    return facility


@router.get("/facilities", response=FacilityPage, summary="Medical facilities in your area")
def list_facilities(request: HttpRequest, query: Query[FacilityQuery]) -> dict[str, object]:
    require(request, MedicalPerm.VIEW_FACILITY)
    qs = selectors.facilities(
        request.user,
        kind=query.kind.value if query.kind else "",
        q=(query.q or "").strip(),
        active_only=query.active,
    )
    page = selectors.page(qs, after=query.after, size=query.limit)
    return {"items": page.items, "next_after": page.next_after}


@router.get(
    "/facilities/{pk}", response=FacilityDetailOut, summary="One facility, its wards and experts"
)
def get_facility(request: HttpRequest, pk: ApiId) -> Facility:
    require(request, MedicalPerm.VIEW_FACILITY)
    return _facility(request, pk)


@router.post(
    "/facilities/{pk}/wards", response={201: FacilityWardOut}, summary="Open a ward of beds"
)
def create_ward(request: HttpRequest, pk: ApiId, payload: FacilityWardIn) -> Status[Ward]:
    facility = _facility(request, pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    ward = actions.create_ward(
        actor=user_of(request),
        facility=facility,
        name=payload.name,
        bed_type=payload.bed_type.value,
        capacity=payload.capacity,
        out_of_service=payload.out_of_service,
    )
    return Status(201, ward)


@router.put("/wards/{pk}", response=FacilityWardOut, summary="Change a ward's beds, or close it")
def update_ward(request: HttpRequest, pk: ApiId, payload: FacilityWardChangeIn) -> Ward:
    ward: Ward = get_visible_or_404(Ward.objects.all(), request.user, pk=pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    return actions.update_ward(
        actor=user_of(request),
        ward=ward,
        capacity=payload.capacity,
        out_of_service=payload.out_of_service,
        active=payload.active,
    )


@router.post(
    "/facilities/{pk}/experts",
    response={201: FacilityExpertOut},
    summary="Record an expert on site",
)
def add_expert(request: HttpRequest, pk: ApiId, payload: FacilityExpertIn) -> Status[Expert]:
    facility = _facility(request, pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    expert = actions.add_expert(
        actor=user_of(request),
        facility=facility,
        name=payload.name,
        specialty=payload.specialty,
        home_hospital=payload.home_hospital,
        since=payload.since,
    )
    return Status(201, expert)


@router.post(
    "/experts/{pk}/leave", response=FacilityExpertOut, summary="The expert has left the facility"
)
def expert_leave(request: HttpRequest, pk: ApiId, payload: FacilityExpertLeaveIn) -> Expert:
    expert: Expert = get_visible_or_404(Expert.objects.all(), request.user, pk=pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    return actions.end_expert(actor=user_of(request), expert=expert, until=payload.until)


@router.get("/beds", response=BedBoardOut, summary="Free beds by type per division of your area")
def beds(request: HttpRequest) -> dict[str, object]:
    """Open wards' beds by type for each child of your home division (the province: its
    cities; a city: its counties), with the total."""
    require(request, MedicalPerm.VIEW_FACILITY)
    board = selectors.beds_by_division(user_of(request))
    return {
        "division_code": board.parent.code if board.parent else None,
        "division_name": board.parent.name if board.parent else None,
        "rows": [_row(r) for r in board.rows],
        "total": _row(board.total, name="total"),
    }


@router.get(
    "/beds/trend", response=BedTrendOut, summary="Free beds per city: trend and run-out day"
)
def beds_trend(request: HttpRequest, query: Query[BedTrendQuery]) -> dict[str, object]:
    """Per city wholly in your area and bed type: the nightly summaries of the last ``days``
    days, today's live figures, and the day the city runs out at the rate of the last 7 days."""
    require(request, MedicalPerm.VIEW_FACILITY)
    trend = selectors.bed_trend(
        user_of(request),
        days=query.days,
        bed_type=query.bed_type.value if query.bed_type else None,
        today=timezone.localdate(),
    )
    return {
        "today": trend.today,
        "cities": [
            {
                "code": c.city.code,
                "name": c.city.name,
                "bed_type": c.bed_type,
                "days": [
                    {
                        "day": p.day,
                        "capacity": p.beds.capacity,
                        "in_use": p.beds.in_use,
                        "free": p.beds.free,
                    }
                    for p in c.days
                ],
                "today": _count(c.bed_type, c.today),
                "projection": {
                    "status": c.projection.status,
                    "rate_per_day": c.projection.rate,
                    "days_left": c.projection.days_left,
                    "runs_out_on": c.projection.on,
                },
            }
            for c in trend.cities
        ],
    }
