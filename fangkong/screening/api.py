"""REST endpoints for screenings and key areas."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import DATE_CURSOR_PATTERN, ApiDate, ApiId, parse_date_cursor
from fangkong.core.permissions import require
from fangkong.people.choices import DocType, Sex, Symptom
from fangkong.people.health import clean_temperature
from fangkong.people.schemas import PersonSummaryOut
from fangkong.regions.choices import Level
from fangkong.regions.selectors import visible_division
from fangkong.screening import actions, selectors
from fangkong.screening.choices import Contact, Outcome, Transport
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.permissions import ScreeningPerm
from fangkong.screening.rules import Assessment, Facts, Place, assess

router = Router(tags=["screening"])

CODE = r"^\d{1,15}$"


# --- schemas -----------------------------------------------------------------------------------


class ScreeningPersonIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., min_length=1, max_length=32)
    sex: Sex | None = None
    birth_date: ApiDate | None = None


class PlaceIn(InputSchema):
    code: str = Field("", max_length=12, description="division code or prefix; empty abroad")
    name: str = Field("", max_length=100)
    date: ApiDate


class FactsIn(InputSchema):
    screened_on: ApiDate | None = Field(None, description="default: today")
    temperature: Decimal = Field(..., description="℃, 35.0–42.0; 37.3 and above is a fever")
    symptoms: list[Symptom] = Field([], max_length=10)
    arrival_date: ApiDate | None = None
    origin_code: str = Field("", max_length=12)
    origin_name: str = Field("", max_length=100)
    travel: list[PlaceIn] = Field([], max_length=20, description="places in the last 14 days")
    contact: Contact = Contact.NONE
    contact_date: ApiDate | None = None


class ScreeningIn(FactsIn):
    grid: str = Field(..., max_length=15, pattern=CODE, description="grid code")
    person: ScreeningPersonIn
    phone: str = Field(..., max_length=20)
    address: str = Field(..., max_length=200)
    transport: Transport | None = None
    transport_number: str = Field("", max_length=16)
    household_size: int = Field(1, ge=1, le=50)
    measures: str = Field("", max_length=200)
    client_uuid: uuid.UUID | None = Field(None, description="sending it again stores it once")


class PreviewIn(FactsIn):
    grid: str | None = Field(None, max_length=15, pattern=CODE, description="for its key areas")


class ReasonOut(Schema):
    code: str
    text: str


class AssessmentOut(Schema):
    outcome: Outcome
    reasons: list[ReasonOut]
    last_exposure: dt.date | None
    observe_until: dt.date | None = Field(
        None,
        description="home observation: the release date (解除观察日), same as "
        "observation_release_date (kept for existing clients)",
    )
    observation_start: dt.date | None = Field(
        None, description="home observation: the first day under observation (the screening day)"
    )
    observation_last_day: dt.date | None = Field(
        None, description="home observation: the last day under observation (last check-in due)"
    )
    observation_release_date: dt.date | None = Field(
        None,
        description="home observation: the release date (解除观察日), last exposure + 14 "
        "days; the day after the last day under observation",
    )


class ScreeningOut(Schema):
    id: int
    person: PersonSummaryOut
    grid_code: str = Field(..., alias="grid.code")
    grid_name: str = Field(..., alias="grid.name")
    screened_on: dt.date
    phone: str = Field(..., description="masked")
    address: str
    arrival_date: dt.date | None
    origin_code: str
    origin_name: str
    travel: list[dict[str, Any]]
    transport: str
    transport_number: str
    contact: str
    contact_date: dt.date | None
    temperature: float
    symptoms: list[str]
    measures: str
    household_size: int
    outcome: Outcome
    reasons: list[ReasonOut]
    last_exposure: dt.date | None
    observation_id: int | None = None
    client_uuid: uuid.UUID | None
    created_at: dt.datetime

    @staticmethod
    def resolve_phone(obj: Screening) -> str:
        from fangkong.people.idcard import mask_phone

        return mask_phone(obj.phone)

    @staticmethod
    def resolve_reasons(obj: Screening) -> list[dict[str, str]]:
        return _reasons(obj.assessment())

    @staticmethod
    def resolve_observation_id(obj: Screening) -> int | None:
        started = list(obj.observations.all())  # prefetched
        return started[0].pk if started else None


class ScreeningPage(Schema):
    items: list[ScreeningOut]
    next_after: str | None = Field(None, description="pass as `after` to get the next page")


class ScreeningQuery(Schema):
    within: str | None = Field(None, max_length=15, pattern=CODE, description="division code")
    grid: str | None = Field(None, max_length=15, pattern=CODE)
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    outcome: Outcome | None = None
    q: str | None = Field(None, max_length=40, description="name, or document number (exact)")
    after: str | None = Field(None, max_length=40, pattern=DATE_CURSOR_PATTERN)
    limit: int = Field(50, ge=1, le=200)


def _reasons(assessment: Assessment) -> list[dict[str, str]]:
    return [{"code": r.code, "text": str(r)} for r in assessment.reasons]


def _one(request: HttpRequest, pk: int) -> Screening:
    screening: Screening = get_visible_or_404(
        Screening.objects.select_related("person", "grid").prefetch_related("observations"),
        request.user,
        pk=pk,
    )
    return screening


# --- screenings --------------------------------------------------------------------------------


@router.post("/screenings", response={201: ScreeningOut}, summary="Register a screening")
def create_screening(request: HttpRequest, payload: ScreeningIn) -> Status[Screening]:
    """The person is found by their document, or registered. The rules decide the outcome;
    home observation starts an observation (its id is in ``observation_id``)."""
    require(request, ScreeningPerm.ADD_SCREENING)
    grid = visible_division(request.user, payload.grid, level=Level.GRID)
    screening = actions.register_screening(
        actor=user_of(request),
        grid=grid,
        name=payload.person.name,
        doc_type=payload.person.doc_type,
        doc_number=payload.person.doc_number,
        sex=payload.person.sex,
        birth_date=payload.person.birth_date,
        client_uuid=payload.client_uuid,
        screened_on=payload.screened_on,
        temperature=payload.temperature,
        symptoms=[s.value for s in payload.symptoms],
        phone=payload.phone,
        address=payload.address,
        arrival_date=payload.arrival_date,
        origin_code=payload.origin_code,
        origin_name=payload.origin_name,
        travel=[p.model_dump() for p in payload.travel],
        transport=payload.transport.value if payload.transport else "",
        transport_number=payload.transport_number,
        contact=payload.contact.value,
        contact_date=payload.contact_date,
        household_size=payload.household_size,
        measures=payload.measures,
    )
    return Status(201, _one(request, screening.pk))


@router.get("/screenings", response=ScreeningPage, summary="Screenings in your jurisdiction")
def list_screenings(request: HttpRequest, query: Query[ScreeningQuery]) -> dict[str, object]:
    """Newest first. Filters: division (``within``), grid, dates, outcome, and ``q``: a name, or
    a document number (exact)."""
    require(request, ScreeningPerm.VIEW_SCREENING)
    filters = selectors.Filters(
        within=visible_division(request.user, query.within) if query.within else None,
        grid=visible_division(request.user, query.grid, level=Level.GRID) if query.grid else None,
        date_from=query.date_from,
        date_to=query.date_to,
        outcome=query.outcome.value if query.outcome else "",
        q=(query.q or "").strip(),
    )
    qs = selectors.screenings(request.user, filters).prefetch_related("observations")
    page = selectors.page(qs, after=parse_date_cursor(query.after), size=query.limit)
    return {"items": page.items, "next_after": page.next_after}


@router.post("/screenings/preview", response=AssessmentOut, summary="The outcome, without saving")
def preview_screening(request: HttpRequest, payload: PreviewIn) -> dict[str, object]:
    """What the rules conclude from these facts (with the key areas that hold in ``grid``, or
    at your home division); nothing is stored."""
    require(request, ScreeningPerm.ADD_SCREENING)
    user = user_of(request)
    path = (
        visible_division(request.user, payload.grid, level=Level.GRID).path
        if payload.grid
        else getattr(user.home_division, "path", "")
    )
    arrival = None
    if payload.arrival_date is not None:
        arrival = Place(payload.origin_code, payload.origin_name, payload.arrival_date)
    facts = Facts(
        screened_on=payload.screened_on or timezone.localdate(),
        temperature=clean_temperature(payload.temperature),
        symptoms=[s.value for s in payload.symptoms],
        arrival=arrival,
        travel=[Place(p.code, p.name, p.date) for p in payload.travel],
        contact=payload.contact.value,
        contact_date=payload.contact_date,
    )
    if facts.contact != Contact.NONE and facts.contact_date is None:
        raise ActionError(
            _("Enter the date of the last contact."), code="date_required", field="contact_date"
        )
    assessment = assess(facts, actions.key_areas_for(path) if path else [])
    period = assessment.period
    return {
        "outcome": assessment.outcome,
        "reasons": _reasons(assessment),
        "last_exposure": assessment.last_exposure,
        "observe_until": assessment.observe_until,
        "observation_start": period.start if period else None,
        "observation_last_day": period.last_day if period else None,
        "observation_release_date": period.release if period else None,
    }


@router.get("/screenings/{pk}", response=ScreeningOut, summary="One screening")
def get_screening(request: HttpRequest, pk: ApiId) -> Screening:
    require(request, ScreeningPerm.VIEW_SCREENING)
    return _one(request, pk)


# --- key areas ---------------------------------------------------------------------------------


class KeyAreaOut(Schema):
    id: int
    code: str
    name: str
    start_date: dt.date
    end_date: dt.date | None
    declared_by_code: str = Field(..., alias="declared_by.code")
    declared_by_name: str = Field(..., alias="declared_by.name")
    note: str
    current: bool = False

    @staticmethod
    def resolve_current(obj: KeyArea) -> bool:
        return obj.is_current(timezone.localdate())


class KeyAreaIn(InputSchema):
    code: str = Field(..., max_length=12, description="division code prefix: 42, 4201, …")
    name: str = Field("", max_length=100, description="default: the province's name")
    start_date: ApiDate
    end_date: ApiDate | None = None
    note: str = Field("", max_length=200)


class KeyAreaEndIn(InputSchema):
    end_date: ApiDate | None = Field(None, description="the last day; default today")
    note: str = Field("", max_length=200)


class KeyAreaQuery(Schema):
    current: bool | None = Field(None, description="only those holding today (or only not)")


@router.get("/key-areas", response=list[KeyAreaOut], summary="Key areas (everyone may read)")
def list_key_areas(request: HttpRequest, query: Query[KeyAreaQuery]) -> list[KeyArea]:
    items = list(selectors.key_areas()[:1000])
    if query.current is not None:
        today = timezone.localdate()
        items = [a for a in items if a.is_current(today) == query.current]
    return items


@router.post(
    "/key-areas", response={201: KeyAreaOut}, summary="Declare a key area at your division"
)
def declare_key_area(request: HttpRequest, payload: KeyAreaIn) -> Status[KeyArea]:
    """Command offices of a province, city or county; the area holds in their subtree."""
    require(request, ScreeningPerm.MANAGE_KEY_AREAS)
    user = user_of(request)
    if user.home_division is None:
        raise ActionError(
            _("Key areas are declared by the command office of a province, city or county."),
            code="not_a_command_office",
        )
    area = actions.declare_key_area(
        actor=user,
        division=user.home_division,
        code=payload.code,
        name=payload.name,
        start_date=payload.start_date,
        end_date=payload.end_date,
        note=payload.note,
    )
    return Status(201, area)


@router.post("/key-areas/{pk}/end", response=KeyAreaOut, summary="End a key area")
def end_key_area(request: HttpRequest, pk: ApiId, payload: KeyAreaEndIn) -> KeyArea:
    require(request, ScreeningPerm.MANAGE_KEY_AREAS)
    area = get_visible_or_404(KeyArea.objects.select_related("declared_by"), request.user, pk=pk)
    return actions.end_key_area(
        actor=user_of(request), area=area, end_date=payload.end_date, note=payload.note
    )
