"""REST endpoints for medical observations and check-ins (single and in batches)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ValidationError as PydanticError

from fangkong.core.api import InputSchema, _validation_message
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.observation import actions, selectors
from fangkong.observation.choices import Kind, Source
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.models import CheckIn, Observation
from fangkong.observation.permissions import ObservationPerm
from fangkong.people.choices import Symptom
from fangkong.people.schemas import PersonSummaryOut
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

router = Router(tags=["observation"])

CODE = r"^\d{1,15}$"


class CheckInOut(Schema):
    id: int
    day: dt.date
    temperature: float
    symptoms: list[str]
    source: str
    fever: bool = Field(..., alias="has_fever")
    client_uuid: uuid.UUID
    created_at: dt.datetime


class ObservationOut(Schema):
    id: int
    person: PersonSummaryOut
    grid_code: str = Field(..., alias="grid.code")
    grid_name: str = Field(..., alias="grid.name")
    kind: Kind
    reason: str
    source_screening_id: int | None
    last_exposure: dt.date
    start_date: dt.date = Field(..., description="the first day under observation")
    end_date: dt.date = Field(
        ..., description="the release date (exclusive end): same as release_date"
    )
    last_day: dt.date = Field(
        ..., description="the last day under observation (the last check-in due): end_date - 1"
    )
    release_date: dt.date = Field(
        ...,
        description="解除观察日: last_exposure + 14 days, the first day no longer under "
        "observation",
    )
    status: ObservationStatus
    ended_on: dt.date | None
    end_note: str
    last_check_in_on: dt.date | None
    last_temperature: float | None
    fever: bool = Field(..., alias="has_fever", description="the latest check-in had a fever")

    @staticmethod
    def resolve_release_date(obj: Observation) -> dt.date:
        return obj.period.release


class ObservationDetailOut(ObservationOut):
    check_ins: list[CheckInOut]

    @staticmethod
    def resolve_check_ins(obj: Observation) -> list[CheckIn]:
        return list(obj.check_ins.all())


class ObservationPage(Schema):
    items: list[ObservationOut]
    next_after: int | None


class ObservationQuery(Schema):
    within: str | None = Field(None, max_length=15, pattern=CODE, description="division code")
    grid: str | None = Field(None, max_length=15, pattern=CODE)
    status: ObservationStatus | None = Field(None, description="default: every status")
    kind: Kind | None = None
    missed: bool = Field(False, description="missed yesterday's check-in (and today's after 20:00)")
    fever: bool = Field(False, description="the latest check-in had a fever")
    q: str | None = Field(None, max_length=40, description="name, or document number (exact)")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class CheckInIn(InputSchema):
    client_uuid: uuid.UUID = Field(..., description="chosen by the client; sending again is safe")
    day: ApiDate | None = Field(None, description="default: today")
    temperature: Decimal = Field(..., description="℃, 35.0–42.0")
    symptoms: list[Symptom] = Field([], max_length=10)
    note: str = Field("", max_length=200)


class CheckInResult(CheckInOut):
    created: bool
    propose_referral: bool = False
    message: str = ""


class BatchItemIn(CheckInIn):
    observation_id: int = Field(..., ge=1)


class CheckInBatchIn(InputSchema):
    items: list[Any] = Field(
        ...,
        min_length=1,
        max_length=actions.BATCH_MAX,
        description="up to 1,000 check-ins, each as for a single one plus `observation_id`",
    )


class BatchResultOut(Schema):
    index: int
    client_uuid: str | None
    status: str = Field(..., description="created, duplicate or rejected")
    id: int | None
    fever: bool
    errors: list[dict[str, str]]


class CheckInBatchOut(Schema):
    created: int
    duplicate: int
    rejected: int
    results: list[BatchResultOut]


class EndIn(InputSchema):
    note: str = Field("", max_length=300)


def _one(request: HttpRequest, pk: int) -> Observation:
    observation: Observation = get_visible_or_404(
        Observation.objects.select_related("person", "grid"), request.user, pk=pk
    )
    return observation


@router.get("/observations", response=ObservationPage, summary="Observations in your area")
def list_observations(request: HttpRequest, query: Query[ObservationQuery]) -> dict[str, object]:
    require(request, ObservationPerm.VIEW_OBSERVATION)
    visible = Division.objects.all()
    filters = selectors.Filters(
        within=get_visible_or_404(visible, request.user, code=query.within)
        if query.within
        else None,
        grid=get_visible_or_404(visible, request.user, code=query.grid, level=Level.GRID)
        if query.grid
        else None,
        status=query.status.value if query.status else "",
        kind=query.kind.value if query.kind else "",
        missed=query.missed,
        fever=query.fever,
        q=(query.q or "").strip(),
    )
    page = selectors.page(
        selectors.observations(request.user, filters), after=query.after, size=query.limit
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get("/observations/{pk}", response=ObservationDetailOut, summary="One observation")
def get_observation(request: HttpRequest, pk: ApiId) -> Observation:
    require(request, ObservationPerm.VIEW_OBSERVATION)
    return _one(request, pk)


def _result(check_in: CheckIn, created: bool) -> CheckIn:
    """The stored check-in, with whether this call stored it and, for a fever, the proposal."""
    check_in.created = created  # type: ignore[attr-defined]
    check_in.propose_referral = check_in.has_fever  # type: ignore[attr-defined]
    check_in.message = (  # type: ignore[attr-defined]
        _(
            "%(temperature)s ℃ is a fever: refer the person to a fever clinic "
            "(POST /api/observations/%(id)s/refer)."
        )
        % {"temperature": check_in.temperature, "id": check_in.observation_id}
        if check_in.has_fever
        else ""
    )
    return check_in


@router.post(
    "/observations/{pk}/check-ins",
    response={200: CheckInResult, 201: CheckInResult},
    summary="Record a day's check-in",
)
def create_check_in(request: HttpRequest, pk: ApiId, payload: CheckInIn) -> Status[CheckIn]:
    """One a day: 201 when stored, 200 when this ``client_uuid`` was stored before, 409 when
    the day already has another check-in. A fever proposes a referral."""
    require(request, ObservationPerm.ADD_CHECKIN)
    check_in, created = actions.record_check_in(
        actor=user_of(request),
        # only its id: the action reads it locked and within the jurisdiction in one query (out
        # of scope or unknown: OutOfJurisdiction, answered 404 like any record not found)
        observation=Observation(pk=pk),
        temperature=payload.temperature,
        client_uuid=payload.client_uuid,
        symptoms=[s.value for s in payload.symptoms],
        day=payload.day,
        source=Source.API,
        note=payload.note,
    )
    return Status(201 if created else 200, _result(check_in, created))


@router.post("/check-ins/batch", response=CheckInBatchOut, summary="Record up to 1,000 check-ins")
def batch_check_ins(request: HttpRequest, payload: CheckInBatchIn) -> dict[str, Any]:
    """Each record stands on its own: one bad record does not refuse the others. Idempotent by
    ``client_uuid``: sending the same batch again creates nothing and answers ``duplicate``.
    Observations outside your jurisdiction are rejected as not found."""
    require(request, ObservationPerm.ADD_CHECKIN)
    parsed: list[actions.BatchItem] = []
    early: list[actions.BatchResult] = []
    for index, raw in enumerate(payload.items):
        try:
            item = BatchItemIn.model_validate(raw)
        except PydanticError as exc:
            key = raw.get("client_uuid") if isinstance(raw, dict) else None
            errors = [
                {"field": e["field"], "code": "validation_error", "message": e["message"]}
                for e in _validation_message([dict(e) for e in exc.errors()])
            ]
            early.append(
                actions.BatchResult(
                    index, str(key)[:64] if key else None, "rejected", errors=errors
                )
            )
            continue
        parsed.append(
            actions.BatchItem(
                index=index,
                client_uuid=item.client_uuid,
                observation_id=item.observation_id,
                temperature=item.temperature,
                symptoms=[s.value for s in item.symptoms],
                day=item.day,
                note=item.note,
            )
        )
    results = actions.record_check_ins(actor=user_of(request), items=parsed) if parsed else []
    everything = sorted([*early, *results], key=lambda r: r.index)
    counts = {s: sum(1 for r in everything if r.status == s) for s in ("created", "duplicate")}
    return {
        "created": counts["created"],
        "duplicate": counts["duplicate"],
        "rejected": len(everything) - counts["created"] - counts["duplicate"],
        "results": [vars(r) for r in everything],
    }


@router.post("/observations/{pk}/release", response=ObservationOut, summary="Release")
def release(request: HttpRequest, pk: ApiId, payload: EndIn) -> Observation:
    """On or after the end date; earlier only with the ``release_early`` permission (village
    secretaries and above) and a ``note`` saying why."""
    require(request, ObservationPerm.CHANGE_OBSERVATION)
    return actions.release_observation(
        actor=user_of(request), observation=_one(request, pk), note=payload.note
    )


@router.post("/observations/{pk}/refer", response=ObservationOut, summary="Refer to a clinic")
def refer(request: HttpRequest, pk: ApiId, payload: EndIn) -> Observation:
    require(request, ObservationPerm.CHANGE_OBSERVATION)
    return actions.refer_observation(
        actor=user_of(request), observation=_one(request, pk), note=payload.note
    )
