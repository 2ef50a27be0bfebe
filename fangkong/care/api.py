"""REST endpoints for care requests (帮扶关爱)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from fangkong.care import actions, selectors
from fangkong.care.actions import MAX_DESCRIPTION, MAX_NOTE
from fangkong.care.choices import CareKind, CareStatus, Urgency
from fangkong.care.models import CareRequest
from fangkong.care.permissions import CarePerm
from fangkong.core.api import InputSchema
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.people.models import Household, Person
from fangkong.regions.choices import Level
from fangkong.regions.selectors import visible_division

router = Router(tags=["care"])

CODE = r"^\d{1,15}$"


class CareOut(Schema):
    id: int
    grid_code: str = Field(..., alias="grid.code")
    grid_name: str = Field(..., alias="grid.name")
    person_id: int | None
    person_name: str | None = None
    household_id: int | None
    household_address: str | None = None
    kind: CareKind
    description: str
    urgency: Urgency
    requested_on: date
    due_on: date
    status: CareStatus
    overdue: bool = Field(False, description="pending and past its due date")
    assignee_id: int | None
    assignee_name: str | None = None
    assigned_at: datetime | None
    closed_at: datetime | None
    close_note: str = Field(..., description="what was done, or why it was cancelled")
    created_at: datetime

    @staticmethod
    def resolve_person_name(obj: CareRequest) -> str | None:
        return obj.person.name if obj.person else None

    @staticmethod
    def resolve_household_address(obj: CareRequest) -> str | None:
        return obj.household.address if obj.household else None

    @staticmethod
    def resolve_assignee_name(obj: CareRequest) -> str | None:
        return obj.assignee.name if obj.assignee else None

    @staticmethod
    def resolve_overdue(obj: CareRequest) -> bool:
        return obj.is_overdue


class CarePage(Schema):
    items: list[CareOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class CareQuery(Schema):
    within: str | None = Field(None, pattern=CODE, description="a division code: its subtree")
    grid: str | None = Field(None, pattern=CODE, description="a grid code")
    status: CareStatus | None = None
    kind: CareKind | None = None
    overdue: bool = Field(False, description="only pending requests past their due date")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class CareIn(InputSchema):
    grid: str = Field(..., pattern=CODE, description="the grid's code")
    person_id: int | None = Field(None, ge=1)
    household_id: int | None = Field(None, ge=1)
    kind: CareKind
    description: str = Field(..., min_length=1, max_length=MAX_DESCRIPTION)
    urgency: Urgency = Urgency.NORMAL
    requested_on: ApiDate | None = Field(None, description="default today; at most 30 days ago")
    due_on: ApiDate | None = Field(
        None, description="default by kind: medicine 1 day, food 2 days, others 3"
    )


class CareAssignIn(InputSchema):
    staff_id: int = Field(..., ge=1, description="a party member of the grid's village")


class DoneIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=MAX_NOTE, description="what was done")


class CancelIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=MAX_NOTE)


def _care(request: HttpRequest, pk: int) -> CareRequest:
    care: CareRequest = get_visible_or_404(
        CareRequest.objects.select_related(*selectors.LIST_RELATED), request.user, pk=pk
    )
    return care


@router.get("/care-requests", response=CarePage, summary="Care requests in your jurisdiction")
def list_care_requests(request: HttpRequest, query: Query[CareQuery]) -> dict[str, object]:
    """Newest first, paged by key: pass `next_after` back as `after`."""
    require(request, CarePerm.VIEW_CAREREQUEST)
    filters = selectors.Filters(
        within=visible_division(request.user, query.within, related=("parent",))
        if query.within
        else None,
        grid=visible_division(request.user, query.grid, level=Level.GRID, related=("parent",))
        if query.grid
        else None,
        status=query.status or "",
        kind=query.kind or "",
        overdue=query.overdue,
    )
    qs = selectors.requests_for(user_of(request), filters, today=timezone.localdate())
    page = selectors.keyset_page(qs, after=query.after, size=query.limit)
    return {"items": page.items, "next_after": page.next_after}


@router.post("/care-requests", response={201: CareOut}, summary="Record a care request")
def create_care_request(request: HttpRequest, payload: CareIn) -> Status[CareRequest]:
    require(request, CarePerm.ADD_CAREREQUEST)
    grid = visible_division(request.user, payload.grid, level=Level.GRID, related=("parent",))
    person = household = None
    if payload.person_id is not None:
        person = get_visible_or_404(Person.objects.all(), request.user, pk=payload.person_id)
    if payload.household_id is not None:
        household = get_visible_or_404(
            Household.objects.all(), request.user, pk=payload.household_id
        )
    care = actions.create_care_request(
        actor=user_of(request),
        grid=grid,
        person=person,
        household=household,
        kind=payload.kind,
        description=payload.description,
        urgency=payload.urgency,
        requested_on=payload.requested_on,
        due_on=payload.due_on,
    )
    return Status(201, _care(request, care.pk))


@router.get("/care-requests/{pk}", response=CareOut, summary="One care request")
def get_care_request(request: HttpRequest, pk: ApiId) -> CareRequest:
    require(request, CarePerm.VIEW_CAREREQUEST)
    return _care(request, pk)


@router.post("/care-requests/{pk}/assign", response=CareOut, summary="Assign to a party member")
def assign_care_request(request: HttpRequest, pk: ApiId, payload: CareAssignIn) -> CareRequest:
    require(request, CarePerm.ASSIGN_CAREREQUEST)
    care = _care(request, pk)
    # Not get_visible_or_404: the grid worker picks party members of their grid, whom
    # visible_to alone would hide (selectors.pickable_staff). Unknown answers 404 all the same.
    staff = selectors.pickable_staff(request.user).filter(pk=payload.staff_id).first()
    if staff is None:
        raise Http404
    actions.assign_care_request(actor=user_of(request), care=care, staff=staff)
    return _care(request, pk)


@router.post(
    "/care-requests/{pk}/done", response=CareOut, summary="Mark done, saying what was done"
)
def complete_care_request(request: HttpRequest, pk: ApiId, payload: DoneIn) -> CareRequest:
    require(request, CarePerm.CLOSE_CAREREQUEST)
    care = _care(request, pk)
    actions.complete_care_request(actor=user_of(request), care=care, note=payload.note)
    return _care(request, pk)


@router.post("/care-requests/{pk}/cancel", response=CareOut, summary="Cancel, saying why")
def cancel_care_request(request: HttpRequest, pk: ApiId, payload: CancelIn) -> CareRequest:
    require(request, CarePerm.CLOSE_CAREREQUEST)
    care = _care(request, pk)
    actions.cancel_care_request(actor=user_of(request), care=care, reason=payload.reason)
    return _care(request, pk)
