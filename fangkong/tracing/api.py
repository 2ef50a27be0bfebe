"""The REST API of the tracing app (mounted in fangkong/api.py): a case's contacts, the contact
list, and the receiving county's steps of a hand-over. The sender of a hand-over sees its state
only (``ContactHandoverOut`` has no person and no observation for them)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.cases.models import Case
from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.people.choices import DocType
from fangkong.people.permissions import PeoplePerm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import visible_division
from fangkong.tracing import actions, selectors
from fangkong.tracing.actions import MAX_ADDRESS, MAX_NOTE
from fangkong.tracing.choices import ContactKind, ContactStatus, HandoverState, Relation
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.permissions import TracingPerm

router = Router(tags=["tracing"])

CODE = r"^\d{1,15}$"


class ContactOut(Schema):
    id: int
    case_id: int
    case_number: str = Field(..., alias="case.number")
    source_contact_id: int | None = Field(None, description="the close contact a secondary met")
    kind: ContactKind
    kind_reason: str = Field(..., description="why the rules classified it so")
    name: str
    doc_type: DocType
    doc_number: str = Field(..., description="masked unless you may see full numbers")
    phone: str = Field(..., description="masked unless you may see full numbers")
    residence_code: str = Field(..., alias="residence.code")
    residence_name: str = Field(..., alias="residence.name")
    relation: Relation
    first_exposure: dt.date
    last_exposure: dt.date
    protected: bool
    observe_until: dt.date | None
    status: ContactStatus
    handover_state: HandoverState | None = Field(
        None, description="for a contact handed over to another county: its state there"
    )
    person_id: int | None = Field(None, description="the person, once found here")
    observation_id: int | None = Field(None, description="their observation, if here")
    became_case_id: int | None
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_doc_number(obj: Contact, context: dict[str, object]) -> str:
        return obj.doc_number if _unmasked(context) else obj.masked_doc_number

    @staticmethod
    def resolve_phone(obj: Contact, context: dict[str, object]) -> str:
        return obj.phone if _unmasked(context) else obj.masked_phone

    @staticmethod
    def resolve_handover_state(obj: Contact) -> str | None:
        handover = getattr(obj, "handover", None) if _has_handover(obj) else None
        return handover.state if handover is not None else None


def _unmasked(context: dict[str, object]) -> bool:
    request = context.get("request")
    return bool(request is not None and request.user.has_perm(PeoplePerm.VIEW_UNMASKED))  # type: ignore[attr-defined]


def _has_handover(obj: Contact) -> bool:
    try:
        obj.handover  # noqa: B018 - loaded by select_related
    except Handover.DoesNotExist:
        return False
    return True


class ContactPage(Schema):
    items: list[ContactOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class ContactQuery(Schema):
    county: str | None = Field(None, pattern=CODE, description="a division code: its subtree")
    status: ContactStatus | None = None
    kind: ContactKind | None = None
    case: str | None = Field(None, max_length=20, description="a case number")
    q: str | None = Field(None, max_length=40, description="the start of the name")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class ContactIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50)
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., min_length=1, max_length=32)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=MAX_ADDRESS)
    residence: str = Field(
        ..., pattern=CODE, description="the code of the division where the contact lives"
    )
    relation: Relation
    first_exposure: ApiDate
    last_exposure: ApiDate
    protected: bool = False
    source_contact_id: int | None = Field(
        None, ge=1, description="for a secondary contact: the close contact of this case met"
    )


class ContactHandoverOut(Schema):
    id: int
    contact_id: int | None = Field(None, description="the sender's contact (sender only)")
    contact_name: str | None = Field(None, description="receiver and sender")
    from_code: str = Field(..., alias="from_division.code")
    from_name: str = Field(..., alias="from_division.name")
    to_code: str = Field(..., alias="to_division.code")
    to_name: str = Field(..., alias="to_division.name")
    state: HandoverState
    sent_at: dt.datetime
    accept_due_at: dt.datetime
    accepted_at: dt.datetime | None
    escalated_at: dt.datetime | None
    escalated_to_code: str | None = None
    person_id: int | None = Field(None, description="the receiver's record (receiver only)")
    observation_id: int | None = Field(None, description="the receiver's record (receiver only)")
    note: str | None = Field(None, description="receiver only")

    @staticmethod
    def resolve_contact_id(obj: Handover, context: dict[str, object]) -> int | None:
        user = context["request"].user  # type: ignore[attr-defined]
        return obj.contact_id if path_in_scope(user, obj.contact.division_path) else None

    @staticmethod
    def resolve_contact_name(obj: Handover) -> str:
        return obj.contact.name

    @staticmethod
    def resolve_escalated_to_code(obj: Handover) -> str | None:
        return obj.escalated_to.code if obj.escalated_to else None

    @staticmethod
    def resolve_person_id(obj: Handover, context: dict[str, object]) -> int | None:
        return obj.person_id if _receiver(obj, context) else None

    @staticmethod
    def resolve_observation_id(obj: Handover, context: dict[str, object]) -> int | None:
        return obj.observation_id if _receiver(obj, context) else None

    @staticmethod
    def resolve_note(obj: Handover, context: dict[str, object]) -> str | None:
        return obj.note if _receiver(obj, context) else None


def _receiver(obj: Handover, context: dict[str, object]) -> bool:
    return selectors.receives(context["request"].user, obj)  # type: ignore[attr-defined]


class ContactHandoverPage(Schema):
    items: list[ContactHandoverOut]
    next_after: int | None = None


class HandoverQuery(Schema):
    direction: str = Field(
        "in", pattern=r"^(in|out)$", description="in: handed over to you; out: sent by you"
    )
    state: HandoverState | None = None
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class FoundIn(InputSchema):
    grid: str = Field(..., pattern=CODE, description="the grid where the contact is registered")


class NotFoundIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=MAX_NOTE, description="what was tried")


CONTACT_RELATED = ("case", "residence", "handover")
HANDOVER_RELATED = ("contact", "from_division", "to_division", "escalated_to")


def _contact(request: HttpRequest, pk: int) -> Contact:
    contact: Contact = get_visible_or_404(
        Contact.objects.select_related(*CONTACT_RELATED), request.user, pk=pk
    )
    return contact


def _investigated_case(request: HttpRequest, case_id: int, *, write: bool = False) -> Case:
    """A case the caller's jurisdiction investigates (its address side). A write goes on to
    the action, whose own check refuses a case of the reporting side (404 all the same)."""
    case: Case = get_visible_or_404(Case.objects.all(), request.user, pk=case_id)
    if not write and not path_in_scope(request.user, case.division_path):
        raise Http404
    return case


@router.get("/cases/{case_id}/contacts", response=list[ContactOut], summary="A case's contacts")
def list_case_contacts(request: HttpRequest, case_id: ApiId) -> list[Contact]:
    require(request, TracingPerm.VIEW_CONTACT)
    case = _investigated_case(request, case_id)
    return list(
        selectors.contacts_of_case(request.user, case).select_related(*CONTACT_RELATED)[:1000]
    )


@router.post(
    "/cases/{case_id}/contacts", response={201: ContactOut}, summary="Add a contact of a case"
)
def add_contact(request: HttpRequest, case_id: ApiId, payload: ContactIn) -> Status[Contact]:
    """Classified by the rules; a contact living in another county is handed over to it
    (``handover_state``: sent). Refused with 400 (exposure after the isolation, self-contact,
    cycle, bad identity, unknown division) or 409 (already a contact of this case)."""
    require(request, TracingPerm.ADD_CONTACT)
    case = _investigated_case(request, case_id, write=True)
    residence = Division.objects.filter(code=payload.residence, active=True).first()
    if residence is None:
        raise ActionError(_("No division with this code."), code="bad_residence", field="residence")
    source = None
    if payload.source_contact_id is not None:
        source = (
            Contact.objects.visible_to(request.user)
            .filter(pk=payload.source_contact_id, case=case)
            .first()
        )
        if source is None:
            raise Http404
    contact = actions.add_contact(
        actor=user_of(request),
        case=case,
        name=payload.name,
        doc_type=payload.doc_type,
        doc_number=payload.doc_number,
        phone=payload.phone,
        address=payload.address,
        residence=residence,
        relation=payload.relation,
        first_exposure=payload.first_exposure,
        last_exposure=payload.last_exposure,
        protected=payload.protected,
        source_contact=source,
    )
    return Status(201, _contact(request, contact.pk))


@router.get("/contacts", response=ContactPage, summary="Contacts in your jurisdiction")
def list_contacts(request: HttpRequest, query: Query[ContactQuery]) -> dict[str, object]:
    """Newest first, paged by key: pass `next_after` back as `after`."""
    require(request, TracingPerm.VIEW_CONTACT)
    filters = selectors.Filters(
        county=visible_division(request.user, query.county) if query.county else None,
        status=query.status or "",
        kind=query.kind or "",
        case_number=(query.case or "").strip(),
        q=(query.q or "").strip(),
    )
    page = selectors.keyset_page(
        selectors.contacts(request.user, filters),
        after=query.after,
        size=query.limit,
        related=CONTACT_RELATED,
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get("/contacts/{pk}", response=ContactOut, summary="One contact")
def get_contact(request: HttpRequest, pk: ApiId) -> Contact:
    require(request, TracingPerm.VIEW_CONTACT)
    return _contact(request, pk)


def _tracing(request: HttpRequest, pk: int) -> Contact:
    """A contact the caller's county traces (the action refuses one handed over elsewhere)."""
    require(request, TracingPerm.CHANGE_CONTACT)
    return _contact(request, pk)


@router.post("/contacts/{pk}/found", response=ContactOut, summary="Found: register in a grid")
def contact_found(request: HttpRequest, pk: ApiId, payload: FoundIn) -> Contact:
    """The contact was found: registered (or matched) as a person of ``grid``. Refused (400)
    for a contact handed over to another county or not to find."""
    contact = _tracing(request, pk)
    grid = visible_division(request.user, payload.grid, level=Level.GRID, active=True)
    actions.find_contact(actor=user_of(request), contact=contact, grid=grid)
    return _contact(request, pk)


@router.post("/contacts/{pk}/observe", response=ContactOut, summary="Start centralized observation")
def contact_observe(request: HttpRequest, pk: ApiId) -> Contact:
    """14 days from the last exposure, in the found person's grid."""
    contact = _tracing(request, pk)
    actions.observe_contact(actor=user_of(request), contact=contact)
    return _contact(request, pk)


@router.post("/contacts/{pk}/lost", response=ContactOut, summary="Cannot be found (失联)")
def contact_lost(request: HttpRequest, pk: ApiId, payload: NotFoundIn) -> Contact:
    contact = _tracing(request, pk)
    actions.mark_lost(actor=user_of(request), contact=contact, note=payload.note)
    return _contact(request, pk)


@router.get("/handovers", response=ContactHandoverPage, summary="Contact hand-overs in or out")
def list_handovers(request: HttpRequest, query: Query[HandoverQuery]) -> dict[str, object]:
    require(request, TracingPerm.VIEW_HANDOVER)
    page = selectors.keyset_page(
        selectors.handovers(request.user, query.direction, query.state or ""),
        after=query.after,
        size=query.limit,
        related=HANDOVER_RELATED,
    )
    return {"items": page.items, "next_after": page.next_after}


def _receiving(request: HttpRequest, pk: int) -> Handover:
    """A hand-over the caller sees; the action refuses (404) unless their county receives it
    (the sender cannot act on it)."""
    require(request, TracingPerm.HANDLE_HANDOVER)
    handover: Handover = get_visible_or_404(
        Handover.objects.select_related(*HANDOVER_RELATED), request.user, pk=pk
    )
    return handover


def _fresh(request: HttpRequest, pk: int) -> Handover:
    handover: Handover = get_visible_or_404(
        Handover.objects.select_related(*HANDOVER_RELATED), request.user, pk=pk
    )
    return handover


@router.post("/handovers/{pk}/accept", response=ContactHandoverOut, summary="Accept a hand-over")
def accept_handover(request: HttpRequest, pk: ApiId) -> Handover:
    handover = _receiving(request, pk)
    actions.accept_handover(actor=user_of(request), handover=handover)
    return _fresh(request, pk)


@router.post(
    "/handovers/{pk}/found", response=ContactHandoverOut, summary="Found: register in a grid"
)
def handover_found(request: HttpRequest, pk: ApiId, payload: FoundIn) -> Handover:
    handover = _receiving(request, pk)
    grid = visible_division(request.user, payload.grid, level=Level.GRID)
    actions.handover_found(actor=user_of(request), handover=handover, grid=grid)
    return _fresh(request, pk)


@router.post(
    "/handovers/{pk}/observe", response=ContactHandoverOut, summary="Start centralized observation"
)
def handover_observe(request: HttpRequest, pk: ApiId) -> Handover:
    handover = _receiving(request, pk)
    actions.handover_observe(actor=user_of(request), handover=handover)
    return _fresh(request, pk)


@router.post(
    "/handovers/{pk}/not-found", response=ContactHandoverOut, summary="Cannot be found (失联)"
)
def handover_not_found(request: HttpRequest, pk: ApiId, payload: NotFoundIn) -> Handover:
    handover = _receiving(request, pk)
    actions.handover_not_found(actor=user_of(request), handover=handover, note=payload.note)
    return _fresh(request, pk)
