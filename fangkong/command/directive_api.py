"""The REST API of directives, closures and venues (mounted under the command router): list,
issue, a directive with its recipients × state matrix, the recipient's answers, venues and the
closures. Schema names carry the ``Command`` prefix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.command import directives as actions
from fangkong.command import selectors
from fangkong.command.choices import (
    ClosureState,
    Department,
    DirectiveKind,
    RecipientState,
    VenueKind,
)
from fangkong.command.directives import too_large_message
from fangkong.command.models import (
    Attachment,
    Directive,
    DirectiveRecipient,
    Venue,
    VenueClosure,
)
from fangkong.command.permissions import CommandPerm as Perm
from fangkong.core.api import InputSchema, numbered_page
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, scope_of, user_of
from fangkong.core.parsing import ApiDateTime, ApiId
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

router = Router(tags=["command"])

CODE = r"^\d{1,15}$"
PAGE = 50


class CommandDirectiveOut(Schema):
    id: int
    kind: DirectiveKind
    title: str
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    deadline: dt.datetime
    issued_at: dt.datetime
    recipient_count: int
    parent_recipient_id: int | None


class CommandInboxOut(Schema):
    recipient_id: int = Field(..., alias="pk")
    directive_id: int
    title: str = Field(..., alias="directive.title")
    issued_by: str = Field(..., alias="directive.division.name")
    department: str
    state: RecipientState
    deadline: dt.datetime
    overdue: bool


class CommandDirectivePage(Schema):
    count: int
    page: int
    pages: int
    items: list[CommandDirectiveOut]


class CommandInboxPage(Schema):
    count: int
    page: int
    pages: int
    items: list[CommandInboxOut]


class CommandListQuery(Schema):
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)


class CommandDirectiveIn(InputSchema):
    kind: DirectiveKind = DirectiveKind.PLAIN
    title: str = Field(..., min_length=1, max_length=100)
    content: str = Field(..., min_length=1, max_length=20_000)
    feedback_required: str = Field("", max_length=2000)
    deadline: ApiDateTime
    recipients: list[str] | None = Field(
        None, max_length=20_000, description="division codes under the issuer"
    )
    level: Level | None = Field(None, description="or every active division of this level")
    departments: list[Department] = Field(default_factory=list, max_length=4)
    venues: list[ApiId] | None = Field(
        None, max_length=20_000, description="closure/reopening: the venues (default: all)"
    )


class CommandRecipientOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    department: str
    state: RecipientState
    acknowledged_at: dt.datetime | None
    progress: str
    completed_at: dt.datetime | None
    evidence: str
    passed_on: bool
    sub_done: int | None = None
    sub_total: int | None = None
    overdue_escalated_at: dt.datetime | None

    @staticmethod
    def resolve_sub_done(obj: Any) -> int | None:
        sub = getattr(obj, "sub_progress", None)
        return sub[0] if sub else None

    @staticmethod
    def resolve_sub_total(obj: Any) -> int | None:
        sub = getattr(obj, "sub_progress", None)
        return sub[1] if sub else None


class CommandMatrixRowOut(Schema):
    path: str
    division_name: str | None
    counts: dict[str, int]
    done: int
    total: int

    @staticmethod
    def resolve_division_name(obj: selectors.MatrixRow) -> str | None:
        return obj.division.name if obj.division else None


class CommandAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class CommandDirectiveDetailOut(CommandDirectiveOut):
    content: str
    feedback_required: str
    attachments: list[CommandAttachmentOut] = Field(..., alias="attachments_list")
    counts: dict[str, int]
    by_division: list[CommandMatrixRowOut]
    recipients: list[CommandRecipientOut] = Field(..., alias="recipients_list")
    recipients_page: int
    recipients_pages: int


class CommandPageQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)


class CommandProgressIn(InputSchema):
    progress: str = Field(..., min_length=1, max_length=2000)


class CommandCompleteIn(InputSchema):
    evidence: str = Field("", max_length=2000)


class CommandPassOnIn(InputSchema):
    recipients: list[str] | None = Field(None, max_length=20_000)
    level: Level | None = None
    deadline: ApiDateTime | None = None


class CommandVenueIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: VenueKind
    address: str = Field("", max_length=200)


class CommandVenueCreateIn(CommandVenueIn):
    division: str = Field(..., pattern=CODE, description="a village or grid")


class CommandVenueUpdateIn(CommandVenueIn):
    active: bool = True


class CommandVenueOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    name: str
    kind: VenueKind
    address: str
    active: bool


class CommandVenueQuery(Schema):
    q: str = Field("", max_length=100)
    kind: VenueKind | None = None
    page: int = Field(1, ge=1, le=100_000)


class CommandClosureOut(Schema):
    id: int
    directive_id: int
    venue_id: int
    venue_name: str = Field(..., alias="venue.name")
    state: ClosureState
    confirmed_at: dt.datetime | None
    checked_at: dt.datetime | None
    reopened_at: dt.datetime | None
    note: str


class CommandNoteIn(InputSchema):
    note: str = Field("", max_length=200)


class CommandReopenIn(InputSchema):
    venues: list[ApiId] | None = Field(None, max_length=20_000)


class CommandReopenOut(Schema):
    reopened: int


class CommandBoardRowOut(Schema):
    path: str
    division_name: str | None
    closed: int
    checked: int
    still_open: int
    unconfirmed: int
    reopened: int

    @staticmethod
    def resolve_division_name(obj: selectors.BoardRow) -> str | None:
        return obj.division.name if obj.division else None


def _directive(request: HttpRequest, pk: int) -> Directive:
    directive: Directive = get_visible_or_404(
        Directive.objects.select_related("division"), request.user, pk=pk
    )
    return directive


def _recipient(request: HttpRequest, pk: int) -> DirectiveRecipient:
    row: DirectiveRecipient = get_visible_or_404(
        DirectiveRecipient.objects.select_related("directive", "division"), request.user, pk=pk
    )
    return row


def _reload(row: DirectiveRecipient) -> DirectiveRecipient:
    return DirectiveRecipient.objects.select_related("division").get(pk=row.pk)


def _issuer(request: HttpRequest) -> Division:
    from django.http import Http404

    home = getattr(request.user, "home_division", None)
    if home is None or home.level >= Level.GRID or not home.active:
        raise Http404
    return home


def _paged(items: Any, number: int) -> dict[str, Any]:
    return numbered_page(items, number, PAGE)


@router.get(
    "/command/directives", response=CommandDirectivePage, summary="Directives issued in your area"
)
def list_directives(request: HttpRequest, query: Query[CommandListQuery]) -> dict[str, Any]:
    """Issued by your division or any division under it, newest first; ``q`` searches titles."""
    require(request, Perm.VIEW_DIRECTIVE)
    scope = scope_of(request.user)
    items = (
        Directive.objects.filter(division_path__startswith=scope)
        .select_related("division")
        .order_by("-issued_at", "-id")
        if scope is not None
        else Directive.objects.none()
    )
    if query.q:
        items = items.filter(title__icontains=query.q)
    return _paged(items, query.page)


@router.get(
    "/command/inbox", response=CommandInboxPage, summary="Directives received by your division"
)
def inbox(request: HttpRequest, query: Query[CommandListQuery]) -> dict[str, Any]:
    """Overdue ones first, then by deadline."""
    require(request, Perm.VIEW_DIRECTIVE)
    return _paged(selectors.inbox(request.user, query.q), query.page)


@router.post(
    "/command/directives", response={201: CommandDirectiveOut}, summary="Issue a directive"
)
def issue_directive(request: HttpRequest, payload: CommandDirectiveIn) -> Status[Directive]:
    """From your home division to the divisions named (inside your area) or every division of
    a level under it; attachments are added on the page."""
    require(request, Perm.ISSUE_DIRECTIVE)
    issuer = _issuer(request)
    directive = actions.issue_directive(
        actor=user_of(request),
        issuer_division=issuer,
        kind=payload.kind,
        title=payload.title,
        content=payload.content,
        feedback_required=payload.feedback_required,
        deadline=payload.deadline,
        recipients=payload.recipients,
        level=payload.level,
        departments=[str(d) for d in payload.departments],
        venues=payload.venues,
    )
    return Status(201, directive)


ATTACH_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        }
    }
}


@router.post(
    "/command/directives/{pk}/attachments",
    response={201: list[CommandAttachmentOut]},
    summary="Attach a file to a directive",
    openapi_extra=ATTACH_BODY,
)
def add_attachments(request: HttpRequest, pk: ApiId) -> Status[list[Attachment]]:
    """Multipart, field ``file``: a PDF, an Office document or an image, at most 20 MB;
    executables, scripts and files whose content does not match their extension answer 400."""
    require(request, Perm.ISSUE_DIRECTIVE)
    directive = _directive(request, pk)
    upload = request.FILES.get("file")  # parses the upload (the size limit handler first)
    if getattr(request, "upload_too_large", False):
        exc = ActionError(too_large_message(), code="attachment_too_large", field="file")
        exc.status = 413
        raise exc
    if upload is None:
        raise ActionError(
            _("Send the file as multipart/form-data in the field “file”."),
            code="file_required",
            field="file",
        )
    stored = actions.add_attachments(
        actor=user_of(request), directive=directive, attachments=[upload]
    )
    return Status(201, stored)


@router.get(
    "/command/directives/{pk}",
    response=CommandDirectiveDetailOut,
    summary="A directive with its recipients × state matrix",
)
def get_directive(request: HttpRequest, pk: ApiId, query: Query[CommandPageQuery]) -> Any:
    """Counts per state and per child division of the issuer, and one page of recipients (the
    ones in your area)."""
    require(request, Perm.VIEW_DIRECTIVE)
    directive: Any = _directive(request, pk)
    m = selectors.matrix(directive, request.user, query.page)
    directive.attachments_list = list(directive.attachments.filter(recipient__isnull=True))
    directive.counts = m.counts
    directive.by_division = m.by_division
    directive.recipients_list = list(m.page.object_list)
    directive.recipients_page = m.page.number
    directive.recipients_pages = m.page.paginator.num_pages
    return directive


@router.post(
    "/command/recipients/{pk}/acknowledge",
    response=CommandRecipientOut,
    summary="Acknowledge a directive received",
)
def acknowledge(request: HttpRequest, pk: ApiId) -> DirectiveRecipient:
    require(request, Perm.ANSWER_DIRECTIVE)
    row = _recipient(request, pk)
    return _reload(actions.acknowledge(actor=user_of(request), recipient=row))


@router.post(
    "/command/recipients/{pk}/progress", response=CommandRecipientOut, summary="Report progress"
)
def report_progress(
    request: HttpRequest, pk: ApiId, payload: CommandProgressIn
) -> DirectiveRecipient:
    require(request, Perm.ANSWER_DIRECTIVE)
    row = _recipient(request, pk)
    return _reload(
        actions.report_progress(actor=user_of(request), recipient=row, progress=payload.progress)
    )


@router.post(
    "/command/recipients/{pk}/complete",
    response=CommandRecipientOut,
    summary="Complete a directive with evidence",
)
def complete(request: HttpRequest, pk: ApiId, payload: CommandCompleteIn) -> DirectiveRecipient:
    """The evidence asked for (a text here; a file on the page) is required when the
    directive asks for feedback."""
    require(request, Perm.ANSWER_DIRECTIVE)
    row = _recipient(request, pk)
    return _reload(
        actions.complete(actor=user_of(request), recipient=row, evidence=payload.evidence)
    )


@router.post(
    "/command/recipients/{pk}/pass-on",
    response={201: CommandDirectiveOut},
    summary="Pass a directive on to your subordinates",
)
def pass_on(request: HttpRequest, pk: ApiId, payload: CommandPassOnIn) -> Status[Directive]:
    require(request, Perm.ANSWER_DIRECTIVE)
    row = _recipient(request, pk)
    child = actions.pass_on(
        actor=user_of(request),
        recipient=row,
        recipients=payload.recipients,
        level=payload.level,
        deadline=payload.deadline,
    )
    return Status(201, Directive.objects.select_related("division").get(pk=child.pk))


@router.get(
    "/command/directives/{pk}/closures",
    response=list[CommandClosureOut],
    summary="The venues of a closure order",
)
def list_closures(
    request: HttpRequest, pk: ApiId, query: Query[CommandPageQuery]
) -> list[VenueClosure]:
    require(request, Perm.VIEW_DIRECTIVE)
    directive = _directive(request, pk)
    qs = selectors.closures(request.user, selectors.closure_order(directive))
    return list(Paginator(qs, 500).get_page(query.page).object_list)


@router.post(
    "/command/directives/{pk}/reopen",
    response=CommandReopenOut,
    summary="Reopen the venues of a closure order",
)
def reopen(request: HttpRequest, pk: ApiId, payload: CommandReopenIn) -> dict[str, int]:
    require(request, Perm.ISSUE_DIRECTIVE)
    directive = _directive(request, pk)
    n = actions.reopen_closures(actor=user_of(request), directive=directive, venues=payload.venues)
    return {"reopened": n}


def _closure(request: HttpRequest, pk: int) -> VenueClosure:
    row: VenueClosure = get_visible_or_404(
        VenueClosure.objects.select_related("venue", "directive"), request.user, pk=pk
    )
    return row


@router.post(
    "/command/closures/{pk}/confirm",
    response=CommandClosureOut,
    summary="Confirm a venue closed (its grid or village)",
)
def confirm_closed(request: HttpRequest, pk: ApiId, payload: CommandNoteIn) -> VenueClosure:
    require(request, Perm.CONFIRM_CLOSURE)
    row = _closure(request, pk)
    return actions.confirm_closed(actor=user_of(request), closure=row, note=payload.note)


@router.post(
    "/command/closures/{pk}/check",
    response=CommandClosureOut,
    summary="Check a venue closed (the level above)",
)
def check_closure(request: HttpRequest, pk: ApiId, payload: CommandNoteIn) -> VenueClosure:
    require(request, Perm.CONFIRM_CLOSURE)
    row = _closure(request, pk)
    return actions.check_closure(actor=user_of(request), closure=row, note=payload.note)


@router.get(
    "/command/closures/board/{code}",
    response=list[CommandBoardRowOut],
    summary="Closures per child division",
)
def closure_board(request: HttpRequest, code: str) -> list[selectors.BoardRow]:
    """Closed / still open (not confirmed by the deadline) / not confirmed, per child."""
    require(request, Perm.VIEW_VENUE)
    division: Division = get_visible_or_404(
        Division.objects.filter(level__lt=Level.GRID), request.user, code=code
    )
    return selectors.closure_board(division)


@router.get("/command/venues", response=list[CommandVenueOut], summary="Venues in your area")
def list_venues(request: HttpRequest, query: Query[CommandVenueQuery]) -> list[Venue]:
    require(request, Perm.VIEW_VENUE)
    qs = selectors.venues(request.user, query.q, query.kind or "")
    return list(Paginator(qs, 500).get_page(query.page).object_list)


@router.post("/command/venues", response={201: CommandVenueOut}, summary="Register a venue")
def add_venue(request: HttpRequest, payload: CommandVenueCreateIn) -> Status[Venue]:
    require(request, Perm.MANAGE_VENUE)
    division: Division = get_visible_or_404(
        Division.objects.all(), request.user, code=payload.division
    )
    venue = actions.add_venue(
        actor=user_of(request),
        division=division,
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
    )
    return Status(201, venue)


@router.put("/command/venues/{pk}", response=CommandVenueOut, summary="Change a venue")
def update_venue(request: HttpRequest, pk: ApiId, payload: CommandVenueUpdateIn) -> Venue:
    require(request, Perm.MANAGE_VENUE)
    venue: Venue = get_visible_or_404(Venue.objects.all(), request.user, pk=pk)
    return actions.update_venue(
        actor=user_of(request),
        venue=venue,
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
        active=payload.active,
    )
