"""The REST API of the investigation app (mounted in fangkong/api.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.cases.models import Case
from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.investigation import actions, documents, selectors
from fangkong.investigation.choices import (
    InvestigationStatus,
    MovementTransport,
    PlaceKind,
    Protection,
    SourceKind,
)
from fangkong.investigation.models import Investigation, Movement, Place
from fangkong.investigation.permissions import InvestigationPerm
from fangkong.regions.models import Division

router = Router(tags=["investigation"])

CODE = r"^\d{1,15}$"


class PlaceOut(Schema):
    id: int
    name: str
    kind: PlaceKind
    address: str
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    longitude: Decimal | None
    latitude: Decimal | None


class MovementOut(Schema):
    id: int
    day: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    place: PlaceOut
    transport: MovementTransport | None = None
    transport_number: str
    seat: str
    people_met: str
    protection: Protection
    note: str

    @staticmethod
    def resolve_transport(obj: Movement) -> str | None:
        return obj.transport or None


class SourceOut(Schema):
    id: int
    kind: SourceKind
    source_case_id: int | None
    source_case_number: str | None = None
    place_id: int | None
    area: str
    note: str

    @staticmethod
    def resolve_source_case_number(obj: object) -> str | None:
        case = getattr(obj, "source_case", None)
        return case.number if case else None


class LinkOut(Schema):
    case_id: int
    case_number: str
    place_id: int
    place_name: str
    day: dt.date


class InvestigationOut(Schema):
    id: int
    case_id: int
    case_number: str
    investigator_name: str
    window_start: dt.date = Field(..., description="movements are recorded from this day")
    window_end: dt.date = Field(..., description="the day the case was isolated")
    status: InvestigationStatus
    conclusion: str
    started_at: dt.datetime
    completed_at: dt.datetime | None
    movements: list[MovementOut]
    sources: list[SourceOut]
    linked_cases: list[LinkOut] = Field(
        default_factory=list, description="other cases at the same place on the same day"
    )


class TrajectoryOut(Schema):
    investigation_id: int
    text: str = Field(
        ..., description="the public notice: no name, ID or phone; sex, age, places and times"
    )


class OpenIn(InputSchema):
    investigator_name: str = Field(..., min_length=1, max_length=50)


class NewPlaceIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: PlaceKind
    address: str = Field("", max_length=200)
    division: str = Field(..., pattern=CODE, description="the code of the place's division")
    # bounded and rounded to 6 places by the action (a 400 with the field), as any client sends
    longitude: Decimal | None = Field(None, description="decimal degrees east, -180–180")
    latitude: Decimal | None = Field(None, description="decimal degrees north, -90–90")


class MovementIn(InputSchema):
    day: ApiDate
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    place_id: int | None = Field(None, ge=1, le=2**63 - 1, description="a recorded place")
    place: NewPlaceIn | None = Field(None, description="or a new place (found if recorded)")
    transport: MovementTransport | None = None
    transport_number: str = Field("", max_length=16, description="required by train or flight")
    seat: str = Field("", max_length=16)
    people_met: str = Field("", max_length=300)
    protection: Protection = Protection.NONE
    note: str = Field("", max_length=300)


class PlaceQuery(Schema):
    q: str = Field("", max_length=50, description="part of the name or address")


def _investigation(request: HttpRequest, pk: int) -> Investigation:
    investigation: Investigation = get_visible_or_404(
        Investigation.objects.select_related(
            "case",
            "case__person",
            "case__county",
            "case__address_division",
            "case__address_division__parent",
        ),
        request.user,
        pk=pk,
    )
    return investigation


def _out(request: HttpRequest, investigation: Investigation) -> dict[str, object]:
    links = selectors.linked_cases(user_of(request), investigation)
    return {
        "id": investigation.pk,
        "case_id": investigation.case_id,
        "case_number": investigation.case.number,
        "investigator_name": investigation.investigator_name,
        "window_start": investigation.window_start,
        "window_end": investigation.window_end,
        "status": investigation.status,
        "conclusion": investigation.conclusion,
        "started_at": investigation.started_at,
        "completed_at": investigation.completed_at,
        "movements": list(
            investigation.movements.select_related("place", "place__division").order_by(
                "day", "start_time", "id"
            )
        ),
        "sources": list(investigation.sources.select_related("source_case")),
        "linked_cases": [
            {
                "case_id": link.case.pk,
                "case_number": link.case.number,
                "place_id": link.place.pk,
                "place_name": link.place.name,
                "day": link.day,
            }
            for link in links
        ],
    }


@router.get(
    "/investigations/{pk}", response=InvestigationOut, summary="One epidemiological investigation"
)
def get_investigation(request: HttpRequest, pk: ApiId) -> dict[str, object]:
    require(request, InvestigationPerm.VIEW_INVESTIGATION)
    return _out(request, _investigation(request, pk))


@router.post(
    "/cases/{case_id}/investigation",
    response={201: InvestigationOut},
    summary="Start the investigation of a case",
)
def open_investigation(
    request: HttpRequest, case_id: ApiId, payload: OpenIn
) -> Status[dict[str, object]]:
    require(request, InvestigationPerm.ADD_INVESTIGATION)
    case = get_visible_or_404(Case.objects.all(), request.user, pk=case_id)
    investigation = actions.open_investigation(
        actor=user_of(request), case=case, investigator_name=payload.investigator_name
    )
    return Status(201, _out(request, _investigation(request, investigation.pk)))


@router.post(
    "/investigations/{pk}/movements",
    response={201: MovementOut},
    summary="Record a movement of the case",
)
def add_movement(request: HttpRequest, pk: ApiId, payload: MovementIn) -> Status[Movement]:
    require(request, InvestigationPerm.CHANGE_INVESTIGATION)
    investigation = _investigation(request, pk)
    user = user_of(request)
    if (payload.place_id is None) == (payload.place is None):
        raise ActionError(
            _("Give either place_id (a recorded place) or place (a new one)."),
            code="place_required",
            field="place_id",
        )
    with transaction.atomic():  # a new place is kept only with its movement
        if payload.place_id is not None:
            found = selectors.places_visible_to(user).filter(pk=payload.place_id).first()
            if found is None:
                raise Http404
            place: Place = found
        else:
            assert payload.place is not None
            division = Division.objects.filter(code=payload.place.division).first()
            if division is None:
                raise ActionError(
                    _("No such division."), code="unknown_division", field="place.division"
                )
            place = actions.record_place(
                actor=user,
                name=payload.place.name,
                kind=payload.place.kind,
                address=payload.place.address,
                division=division,
                lon=payload.place.longitude,
                lat=payload.place.latitude,
            )
        movement = actions.add_movement(
            actor=user,
            investigation=investigation,
            day=payload.day,
            start_time=payload.start_time,
            end_time=payload.end_time,
            place=place,
            transport=payload.transport or "",
            transport_number=payload.transport_number,
            seat=payload.seat,
            people_met=payload.people_met,
            protection=payload.protection,
            note=payload.note,
        )
    return Status(
        201, Movement.objects.select_related("place", "place__division").get(pk=movement.pk)
    )


@router.get(
    "/places",
    response=list[PlaceOut],
    summary="Recorded places (at most 20)",
    url_name="investigation_places",
)
def list_places(request: HttpRequest, query: Query[PlaceQuery]) -> list[Place]:
    """Places are public venues: every place of the caller's province, so that cases of two
    counties at the same market are linked. Names starting with ``q`` first."""
    require(request, InvestigationPerm.VIEW_PLACE)
    return selectors.search_places(user_of(request), query.q)


@router.get(
    "/investigations/{pk}/trajectory",
    response=TrajectoryOut,
    summary="The public trajectory notice (行程轨迹公告) as text",
)
def get_trajectory(
    request: HttpRequest, pk: ApiId, n: int = Query(1, ge=1, le=9999)
) -> dict[str, object]:
    require(request, InvestigationPerm.VIEW_INVESTIGATION)
    investigation = _investigation(request, pk)
    return {
        "investigation_id": investigation.pk,
        "text": documents.trajectory_notice(investigation, number=n),
    }
