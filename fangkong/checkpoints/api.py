"""REST endpoints for checkpoints: sites, passages from checkpoint terminals (one at a time or
in idempotent batches of up to 1,000), and the to-do list of flagged travellers."""

from __future__ import annotations

import datetime as dt
import functools
import uuid as uuid_lib
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from fangkong.checkpoints import actions, rules, selectors
from fangkong.checkpoints.actions import MAX_BATCH, PassageRejected, RecordResult
from fangkong.checkpoints.choices import (
    Direction,
    HandoverOutcome,
    HandoverStatus,
    SiteKind,
    Source,
)
from fangkong.checkpoints.intake import MAX_PEOPLE, PassageInput, PersonInput, Problem
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.core.api import InputSchema, check_input_value, describe_text
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import (
    MAX_ID,
    MOMENT_CURSOR_PATTERN,
    ApiDate,
    ApiDateTime,
    ApiId,
    parse_moment_cursor,
)
from fangkong.core.permissions import require
from fangkong.people.choices import DocType
from fangkong.regions.models import Division

router = Router(tags=["checkpoints"])

# A batch of 1,000 passages with their people is bigger than the 1 MiB every other endpoint
# takes (DATA_UPLOAD_MAX_MEMORY_SIZE); this one alone reads up to this much.
BATCH_MAX_BODY = 16 * 1024 * 1024


# --- schemas -----------------------------------------------------------------------------------


class TodayOut(Schema):
    passages: int
    people: int
    flagged: int


class CheckpointOut(Schema):
    id: int
    name: str
    kind: SiteKind
    longitude: float
    latitude: float
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    active: bool
    closed_at: dt.datetime | None
    note: str
    today: TodayOut | None = None
    warnings: list[str] = Field(
        default_factory=list, description="doubts about the location (not errors)"
    )

    @staticmethod
    def resolve_warnings(obj: Checkpoint) -> list[str]:
        return rules.location_warnings(obj.division_path, obj.longitude, obj.latitude)

    @staticmethod
    def resolve_today(obj: Checkpoint) -> Any:
        return getattr(obj, "today", None)


class CheckpointPage(Schema):
    items: list[CheckpointOut]
    next_after: int | None


class CheckpointIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: SiteKind
    division: str = Field(
        ..., max_length=15, pattern=r"^\d+$", description="code of the county or township"
    )
    longitude: Decimal = Field(..., description="decimal degrees east, 73–136")
    latitude: Decimal = Field(..., description="decimal degrees north, 3–54")
    note: str = Field("", max_length=500)


class RecordIn(BaseModel):
    """A passage record's parts, validated like every request body (``InputSchema``: unknown
    fields refused, text stripped, no NUL) but as a plain pydantic model: ninja's ``Schema``
    validates a dict twice (as given, then through its Django getter), which a batch of 1,000
    records would pay 1,000 times."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=describe_text
    )

    @field_validator("*", mode="after")
    @classmethod
    def _checked(cls, value: Any) -> Any:
        return check_input_value(value)


class PassagePersonIn(RecordIn):
    name: str = Field(..., max_length=50)
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., max_length=40)
    phone: str = Field(..., max_length=20)
    temperature: Decimal = Field(..., description="℃, 35.0–42.0; 37.3 or more is fever")
    origin_code: str = Field(
        "", max_length=12, description="division code (2–12 digits) where the person comes from"
    )
    origin_name: str = Field("", max_length=100, description="defaults to the province's name")
    origin_abroad: bool = Field(False, description="from abroad: no code, origin_name says where")
    destination: str = Field(
        "",
        max_length=15,
        description="code of the grid, village, township or county the person goes to "
        "(required when coming in); the deepest known division is used",
    )
    destination_detail: str = Field("", max_length=200, description="street address")

    def to_input(self) -> PersonInput:
        return PersonInput(**self.model_dump())


class PassageIn(RecordIn):
    uuid: uuid_lib.UUID | None = Field(
        None,
        description="chosen by the terminal; a passage re-sent with it is not registered twice",
    )
    plate: str = Field("", max_length=20, description="吉A12345, 吉AD12345; empty or 步行 on foot")
    direction: Direction
    passed_at: ApiDateTime | None = Field(None, description="default now; at most 7 days ago")
    people: list[PassagePersonIn] = Field(..., min_length=1, max_length=MAX_PEOPLE)

    def to_input(self) -> PassageInput:
        return PassageInput(
            uuid=self.uuid,
            plate=self.plate,
            direction=self.direction,
            passed_at=self.passed_at,
            people=[p.to_input() for p in self.people],
        )


class OnePassageIn(PassageIn):
    checkpoint: int = Field(..., ge=1, description="id of the checkpoint")


class BatchPassageIn(PassageIn):
    uuid: uuid_lib.UUID  # required in a batch


class PassageBatchIn(InputSchema):
    checkpoint: int = Field(..., ge=1, description="id of the checkpoint every passage is from")
    passages: list[Any] = Field(
        ...,
        min_length=1,
        json_schema_extra={"maxItems": MAX_BATCH},
        description="up to 1,000 passages, each shaped like the body of POST /api/passages "
        "without `checkpoint`, with `uuid` required. Each is checked on its own.",
    )


class ProblemOut(Schema):
    field: str
    code: str
    message: str


class RecordOut(Schema):
    index: int
    uuid: uuid_lib.UUID | None
    status: Literal["created", "duplicate", "rejected"]
    id: int | None = None
    flagged: int = 0
    errors: list[ProblemOut] = []


class PassageBatchOut(Schema):
    created: int
    duplicates: int
    rejected: int
    results: list[RecordOut]


class RejectedOut(Schema):
    code: str
    message: str
    field: str | None = None
    # absent when the request itself was refused (not JSON), as in every other error answer
    errors: list[ProblemOut] = Field(default_factory=list)


class PassagePersonOut(Schema):
    name: str
    doc_type: DocType
    doc_number_masked: str = Field(..., alias="masked_doc_number")
    phone_masked: str = Field(..., alias="masked_phone")
    temperature: float
    origin_code: str
    origin_name: str
    origin_abroad: bool
    destination_code: str | None = Field(None, alias="destination.code")
    destination_name: str | None = Field(None, alias="destination.name")
    destination_detail: str
    in_registry: bool
    flagged: bool
    flag_reasons: list[str]
    key_area: str

    @staticmethod
    def resolve_in_registry(obj: PassagePerson) -> bool:
        return obj.person_id is not None


class PassageOut(Schema):
    id: int
    uuid: uuid_lib.UUID
    checkpoint_id: int
    checkpoint_name: str = Field(..., alias="checkpoint.name")
    plate: str
    direction: Direction
    passed_at: dt.datetime
    n_people: int
    n_flagged: int
    source: Source
    created_at: dt.datetime
    people: list[PassagePersonOut]

    @staticmethod
    def resolve_people(obj: Passage) -> list[PassagePerson]:
        return list(obj.people.all())


class PassagePage(Schema):
    items: list[PassageOut]
    next_after: str | None = Field(None, description="pass as `after` for the next page")


class PassageQuery(Schema):
    checkpoint: ApiId | None = None
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    flagged: bool | None = None
    plate: str | None = Field(None, max_length=20)
    doc_number: str | None = Field(None, max_length=40, description="exact document number")
    after: str | None = Field(None, pattern=MOMENT_CURSOR_PATTERN)
    limit: int = Field(50, ge=1, le=200)


class TravellerOut(Schema):
    name: str
    doc_type: DocType
    doc_number_masked: str = Field(..., alias="masked_doc_number")
    phone_masked: str = Field(..., alias="masked_phone")
    temperature: float
    origin_name: str
    flag_reasons: list[str]
    key_area: str
    destination_detail: str


class PassageFactsOut(Schema):
    checkpoint_name: str = Field(..., alias="checkpoint.name")
    passed_at: dt.datetime
    direction: Direction
    plate: str


class HandoverOut(Schema):
    id: int
    status: HandoverStatus
    destination_code: str = Field(..., alias="destination.code")
    destination_name: str = Field(..., alias="destination.name")
    created_at: dt.datetime
    outcome: HandoverOutcome | Literal[""]
    note: str
    handled_at: dt.datetime | None
    traveller: TravellerOut = Field(..., alias="entry")
    passage: PassageFactsOut = Field(..., alias="entry.passage")


class HandoverPage(Schema):
    items: list[HandoverOut]
    next_after: int | None


class TodoQuery(Schema):
    status: Literal["pending", "handled", "all"] = "pending"
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class HandleIn(InputSchema):
    outcome: HandoverOutcome
    note: str = Field("", max_length=500)


# --- sites -------------------------------------------------------------------------------------


def _checkpoint(request: HttpRequest, pk: int) -> Checkpoint:
    checkpoint: Checkpoint = get_visible_or_404(
        Checkpoint.objects.select_related("division"), request.user, pk=pk
    )
    return checkpoint


@router.get("/checkpoints", response=CheckpointPage, summary="Checkpoints, with today's counts")
def list_checkpoints(
    request: HttpRequest,
    after: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    require(request, CheckpointsPerm.VIEW_CHECKPOINT)
    page = selectors.checkpoint_page(user_of(request), after=after, size=limit)
    return {"items": page.items, "next_after": int(page.next_after) if page.next_after else None}


@router.post("/checkpoints", response={201: CheckpointOut}, summary="Open a checkpoint")
def create_checkpoint(request: HttpRequest, payload: CheckpointIn) -> Status[Checkpoint]:
    require(request, CheckpointsPerm.ADD_CHECKPOINT)
    division = get_visible_or_404(Division.objects.all(), request.user, code=payload.division)
    checkpoint = actions.create_checkpoint(
        actor=user_of(request),
        division=division,
        name=payload.name,
        kind=payload.kind,
        longitude=payload.longitude,
        latitude=payload.latitude,
        note=payload.note,
    )
    return Status(201, checkpoint)


@router.get("/checkpoints/{pk}", response=CheckpointOut, summary="One checkpoint")
def get_checkpoint(request: HttpRequest, pk: ApiId) -> Checkpoint:
    require(request, CheckpointsPerm.VIEW_CHECKPOINT)
    checkpoint = _checkpoint(request, pk)
    checkpoint.today = selectors.day_counts([pk], timezone.localdate())[pk]  # type: ignore[attr-defined]
    return checkpoint


class CheckpointTokenOut(Schema):
    id: int
    name: str
    prefix: str


class CheckpointTokensIn(InputSchema):
    tokens: list[ApiId] = Field(
        ..., max_length=100, description="ids of the terminal tokens that may post passages here"
    )


class CheckpointTokensOut(Schema):
    tokens: list[CheckpointTokenOut]


@router.put(
    "/checkpoints/{pk}/tokens",
    response={200: CheckpointTokensOut},
    summary="Bind terminal tokens to a checkpoint (replaces the ones bound before)",
)
def bind_tokens(request: HttpRequest, pk: int, payload: CheckpointTokensIn) -> dict[str, Any]:
    """A token bound to checkpoints may post passages for those only; a token bound to none
    posts none. People logged in on the web are not limited by this."""
    require(request, CheckpointsPerm.CHANGE_CHECKPOINT)
    checkpoint = _checkpoint(request, pk)
    tokens = actions.bind_tokens(
        actor=user_of(request), checkpoint=checkpoint, tokens=payload.tokens
    )
    return {"tokens": tokens}


# --- passages ----------------------------------------------------------------------------------


def _passage(pk: int) -> Passage:
    return (
        Passage.objects.select_related("checkpoint")
        .prefetch_related("people__destination")
        .get(pk=pk)
    )


@router.post(
    "/passages",
    response={201: PassageOut, 200: PassageOut, 400: RejectedOut},
    summary="Register one passage (201; 200 if its uuid was registered already)",
)
def create_passage(request: HttpRequest, payload: OnePassageIn) -> Status[Any]:
    require(request, CheckpointsPerm.ADD_PASSAGE)
    checkpoint = _checkpoint(request, payload.checkpoint)
    actions.check_terminal(getattr(request, "api_token", None), checkpoint)
    try:
        passage, created = actions.register_passage(
            actor=user_of(request),
            checkpoint=checkpoint,
            passage=payload.to_input(),
            source=Source.API,
        )
    except PassageRejected as exc:
        body = {
            "code": exc.code,
            "message": exc.message,
            "field": exc.field,
            "errors": [p.as_dict() for p in exc.problems],
        }
        return Status(400, body)
    return Status(201 if created else 200, _passage(passage.pk))


def _record_problems(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ()))
        kind = e.get("type", "")
        if kind == "extra_forbidden":
            message = _("unknown field")
        elif kind == "missing":
            message = _("required field missing")
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            message = _("wrong type")
        else:
            message = str(e.get("msg") or _("invalid value"))
        out.append({"field": where, "code": kind or "invalid", "message": message})
    return out


def allow_body_up_to(limit: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let one endpoint read a body above DATA_UPLOAD_MAX_MEMORY_SIZE, up to ``limit``."""

    def decorator(run: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                message = _("The request body is too large: a batch may have at most %(mb)d MB.")
                return JsonResponse(
                    {"code": "too_large", "message": message % {"mb": limit // (1024 * 1024)}},
                    status=413,
                )
            if not hasattr(request, "_body"):
                # Django keeps the body it read in ``_body``; reading it here, within our own
                # limit, spares ``request.body`` its global one for this endpoint only.
                request._body = request.read()
            return run(request, *args, **kwargs)

        return wrapper

    return decorator


@router.post(
    "/passages/batch", response={200: PassageBatchOut}, summary="Register up to 1,000 passages"
)
@decorate_view(allow_body_up_to(BATCH_MAX_BODY))
def create_passages(request: HttpRequest, payload: PassageBatchIn) -> Any:
    """Idempotent by each passage's `uuid`: a passage sent again answers `duplicate` and writes
    nothing. Each record is checked on its own: a bad one answers `rejected` with its errors and
    does not hold up the others."""
    require(request, CheckpointsPerm.ADD_PASSAGE)
    if len(payload.passages) > MAX_BATCH:
        raise actions.batch_too_large(len(payload.passages))
    checkpoint = _checkpoint(request, payload.checkpoint)
    actions.check_terminal(getattr(request, "api_token", None), checkpoint)
    parsed: list[tuple[int, PassageInput]] = []
    results: list[RecordResult] = []
    for index, item in enumerate(payload.passages):
        try:
            parsed.append((index, BatchPassageIn.model_validate(item).to_input()))
        except ValidationError as exc:
            raw_uuid = item.get("uuid") if isinstance(item, dict) else None
            try:
                known_uuid = uuid_lib.UUID(str(raw_uuid)) if raw_uuid else None
            except ValueError:
                known_uuid = None
            result = RecordResult(index=index, uuid=known_uuid, status="rejected")
            result.problems = [Problem(**p) for p in _record_problems(exc)]
            results.append(result)
    written = actions.register_passages(
        actor=user_of(request),
        checkpoint=checkpoint,
        inputs=[p for _i, p in parsed],
        source=Source.BATCH,
    )
    for (index, _p), result in zip(parsed, written, strict=True):
        result.index = index
        results.append(result)
    results.sort(key=lambda r: r.index)
    return {
        "created": sum(1 for r in results if r.status == "created"),
        "duplicates": sum(1 for r in results if r.status == "duplicate"),
        "rejected": sum(1 for r in results if r.status == "rejected"),
        "results": [
            {
                "index": r.index,
                "uuid": r.uuid,
                "status": r.status,
                "id": r.passage_id,
                "flagged": r.n_flagged,
                "errors": [p.as_dict() for p in r.problems],
            }
            for r in results
        ],
    }


@router.get("/passages", response=PassagePage, summary="Passages at checkpoints you may see")
def list_passages(request: HttpRequest, query: Query[PassageQuery]) -> dict[str, object]:
    require(request, CheckpointsPerm.VIEW_PASSAGE)
    filters = selectors.PassageFilters(
        date_from=query.date_from,
        date_to=query.date_to,
        flagged=query.flagged,
        plate=rules.normalise_plate(query.plate or "")[:16],
        doc_number=(query.doc_number or "").strip(),
    )
    if query.checkpoint is not None:
        filters.checkpoint = _checkpoint(request, query.checkpoint)
    after = parse_moment_cursor(query.after)
    page = selectors.passage_page(user_of(request), filters, after=after, size=query.limit)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/passages/{pk}", response=PassageOut, summary="One passage with its people")
def get_passage(request: HttpRequest, pk: ApiId) -> Passage:
    require(request, CheckpointsPerm.VIEW_PASSAGE)
    passage: Passage = get_visible_or_404(
        Passage.objects.select_related("checkpoint").prefetch_related("people__destination"),
        request.user,
        pk=pk,
    )
    return passage


# --- the destination's to-do list --------------------------------------------------------------


@router.get(
    "/todo/passages", response=HandoverPage, summary="Flagged travellers handed to your area"
)
def list_todo(request: HttpRequest, query: Query[TodoQuery]) -> dict[str, object]:
    require(request, CheckpointsPerm.VIEW_HANDOVER)
    page = selectors.todo_page(
        user_of(request),
        status=None if query.status == "all" else query.status,
        after=query.after,
        size=query.limit,
    )
    return {"items": page.items, "next_after": int(page.next_after) if page.next_after else None}


@router.post(
    "/todo/passages/{pk}/handle", response=HandoverOut, summary="Mark a flagged traveller handled"
)
def handle_todo(request: HttpRequest, pk: ApiId, payload: HandleIn) -> Handover:
    require(request, CheckpointsPerm.HANDLE_HANDOVER)
    handover = get_visible_or_404(Handover.objects.all(), request.user, pk=pk)
    done = actions.handle_handover(
        actor=user_of(request), handover=handover, outcome=payload.outcome, note=payload.note
    )
    handover_out: Handover = Handover.objects.select_related(
        "destination", "entry__passage__checkpoint"
    ).get(pk=done.pk)
    return handover_out
