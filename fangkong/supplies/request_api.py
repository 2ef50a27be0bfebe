"""The REST API of supply requests and allocation: list and submit requests, a request with its
items and shipments, decide, allocate, forward, ship, receive, and allocation plans. Schema
names carry the ``SupplyRequest``/``SupplyPlan`` prefixes. Writes go through ``requests.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema, numbered_page
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiId
from fangkong.core.permissions import require
from fangkong.regions.models import Division
from fangkong.supplies import requests as actions
from fangkong.supplies.choices import Priority, RequestState, ShipmentState
from fangkong.supplies.models import AllocationPlan, Item, Shipment, Store, SupplyRequest
from fangkong.supplies.permissions import SuppliesPerm as Perm

router = Router(tags=["supplies"])

PAGE = 50
CODE = r"^\d{1,15}$"


class SupplyRequestOut(Schema):
    id: int
    store_id: int
    store_name: str = Field(..., alias="store.name")
    addressed_to: str = Field(..., alias="addressed_to.code")
    addressed_to_name: str = Field(..., alias="addressed_to.name")
    forwarded_from_id: int | None
    urgency: str = Field(..., description="routine, urgent or critical")
    priority: Priority
    reason: str
    state: RequestState
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    received_at: dt.datetime | None


class SupplyRequestPage(Schema):
    count: int
    page: int
    pages: int
    items: list[SupplyRequestOut]


class SupplyRequestLineOut(Schema):
    id: int
    item_id: int
    item_code: str
    quantity: int
    approved: int | None
    allocated: int
    forwarded: int
    shipped: int
    received: int


class SupplyShipmentOut(Schema):
    id: int
    request_id: int
    line_id: int
    item_id: int
    from_store_id: int
    from_store_name: str = Field(..., alias="from_store.name")
    quantity: int
    state: ShipmentState
    shipped_at: dt.datetime | None
    received_quantity: int | None
    received_at: dt.datetime | None


class SupplyRequestDetailOut(SupplyRequestOut):
    lines: list[SupplyRequestLineOut] = Field(..., alias="line_rows")
    shipments: list[SupplyShipmentOut] = Field(..., alias="shipment_rows")
    forwards: list[int] = Field(..., alias="forward_ids")


class SupplyRequestQuery(Schema):
    tab: str = Field("ours", pattern=r"^(ours|addressed)$")
    state: RequestState | None = None
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)


class SupplyRequestIn(InputSchema):
    store: ApiId
    addressed_to: str | None = Field(
        None, pattern=CODE, description="a division above the store (default: its city)"
    )
    # the values of choices.SupplyUrgency, spelt out: that enum's name is taken in the description
    urgency: Literal["routine", "urgent", "critical"] = "routine"
    reason: str = Field(..., min_length=1, max_length=500)
    lines: dict[str, int | str] = Field(
        ..., min_length=1, max_length=200, description="item code → whole quantity"
    )


class SupplyDecisionIn(InputSchema):
    approved: dict[str, int | str] = Field(
        default_factory=dict, max_length=200, description="item code → quantity (0: none)"
    )
    reason: str = Field("", max_length=500)


class SupplyAllocationIn(InputSchema):
    line: ApiId
    store: ApiId
    quantity: int | str


class SupplyAllocateIn(InputSchema):
    allocations: list[SupplyAllocationIn] = Field(..., min_length=1, max_length=500)


class SupplyReasonIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=500)


class SupplyReceiveIn(InputSchema):
    received_quantity: int | str


class SupplyAllocationPlanLineOut(Schema):
    id: int
    line_id: int
    request_id: int = Field(..., alias="line.request_id")
    item_id: int = Field(..., alias="line.item_id")
    from_store_id: int
    quantity: int
    distance_km: float | None


class SupplyAllocationPlanOut(Schema):
    id: int
    division: str = Field(..., alias="division.code")
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    took_ms: int
    unmet: list[dict[str, Any]]
    lines: list[SupplyAllocationPlanLineOut] = Field(..., alias="line_rows")


class SupplyAllocationPlanConfirmIn(InputSchema):
    adjustments: dict[str, int | str] = Field(
        default_factory=dict, max_length=20_000, description="plan line id → quantity (0: drop)"
    )


def _items_by_code(codes: Any, field: str) -> dict[str, Item]:
    found = {i.code: i for i in Item.objects.filter(code__in=list(codes))}
    for code in codes:
        if code not in found:
            raise ActionError(
                f"{code}: " + str(_unknown_item()), code="unknown_item", field=f"{field}.{code}"
            )
    return found


def _unknown_item() -> str:
    return _("no such item in the catalogue.")


def _request(request: HttpRequest, pk: int) -> SupplyRequest:
    found: SupplyRequest = get_visible_or_404(
        SupplyRequest.objects.select_related("store", "addressed_to"), request.user, pk=pk
    )
    return found


def _detail(supply_request: SupplyRequest) -> Any:
    obj: Any = SupplyRequest.objects.select_related("store", "addressed_to").get(
        pk=supply_request.pk
    )
    obj.line_rows = [
        {
            "id": row.line.pk,
            "item_id": row.line.item_id,
            "item_code": row.line.item.code,
            "quantity": row.line.quantity,
            "approved": row.line.approved,
            "allocated": row.allocated,
            "forwarded": row.forwarded,
            "shipped": row.line.shipped,
            "received": row.line.received,
        }
        for row in actions.progress(obj)
    ]
    obj.shipment_rows = list(
        Shipment.objects.filter(request=obj).select_related("from_store").order_by("id")
    )
    obj.forward_ids = list(obj.forwards.order_by("id").values_list("pk", flat=True))
    return obj


@router.get(
    "/supplies/requests", response=SupplyRequestPage, summary="Supply requests of your area"
)
def list_requests(request: HttpRequest, query: Query[SupplyRequestQuery]) -> dict[str, Any]:
    """``tab=ours``: requested by stores of your area (not addressed to your division);
    ``tab=addressed``: addressed to your division. Newest first."""
    require(request, Perm.VIEW_STOCK)
    home_id = getattr(request.user, "home_division_id", None)
    items = SupplyRequest.objects.visible_to(request.user).select_related("store", "addressed_to")
    items = (
        items.filter(addressed_to_id=home_id)
        if query.tab == "addressed"
        else items.exclude(addressed_to_id=home_id)
    )
    if query.state:
        items = items.filter(state=query.state)
    if query.q:
        items = items.filter(Q(store__name__icontains=query.q) | Q(reason__icontains=query.q))
    return numbered_page(items.order_by("-created_at", "-id"), query.page, PAGE)


@router.post(
    "/supplies/requests", response={201: SupplyRequestDetailOut}, summary="Request supplies"
)
def submit_request(request: HttpRequest, payload: SupplyRequestIn) -> Status[Any]:
    require(request, Perm.REQUEST)
    store: Store = get_visible_or_404(Store.objects.all(), request.user, pk=payload.store)
    addressed_to = None
    if payload.addressed_to:
        addressed_to = Division.objects.filter(code=payload.addressed_to).first()
        if addressed_to is None:
            raise ActionError(
                _("A request goes to a division above the store's."),
                code="bad_addressee",
                field="addressed_to",
            )
    items = _items_by_code(payload.lines, "lines")
    done = actions.submit_request(
        actor=user_of(request),
        store=store,
        addressed_to=addressed_to,
        urgency=payload.urgency,
        reason=payload.reason,
        lines={items[code]: value for code, value in payload.lines.items()},
    )
    return Status(201, _detail(done))


@router.get(
    "/supplies/requests/{pk}",
    response=SupplyRequestDetailOut,
    summary="A supply request with its items and shipments",
)
def get_request(request: HttpRequest, pk: ApiId) -> Any:
    require(request, Perm.VIEW_STOCK)
    return _detail(_request(request, pk))


@router.post(
    "/supplies/requests/{pk}/decide",
    response=SupplyRequestDetailOut,
    summary="Approve (fully or partly) or refuse a request addressed to your division",
)
def decide(request: HttpRequest, pk: ApiId, payload: SupplyDecisionIn) -> Any:
    """Items left out are approved at 0; less than requested needs a reason."""
    require(request, Perm.APPROVE_REQUEST)
    supply_request = _request(request, pk)
    items = _items_by_code(payload.approved, "approved")
    done = actions.decide(
        actor=user_of(request),
        request=supply_request,
        approved={items[code]: value for code, value in payload.approved.items()},
        reason=payload.reason,
    )
    return _detail(done)


@router.post(
    "/supplies/requests/{pk}/allocate",
    response={201: list[SupplyShipmentOut]},
    summary="Allocate a request from stores of your area",
)
def allocate(request: HttpRequest, pk: ApiId, payload: SupplyAllocateIn) -> Status[Any]:
    """One shipment per line and store (planned; stock is taken when shipped). A store outside
    your area answers as one that does not exist."""
    require(request, Perm.APPROVE_REQUEST)
    supply_request = _request(request, pk)
    lines = {line.pk: line for line in supply_request.lines.select_related("item")}
    stores = Store.objects.visible_to(request.user).in_bulk({a.store for a in payload.allocations})
    allocations = []
    for a in payload.allocations:
        if a.line not in lines:
            raise ActionError(
                _("Allocate only the items of this request."), code="unknown_line", field="line"
            )
        allocations.append((lines[a.line], stores.get(a.store), a.quantity))
    created = actions.allocate(
        actor=user_of(request), request=supply_request, allocations=allocations
    )
    return Status(
        201,
        list(Shipment.objects.filter(pk__in=[s.pk for s in created]).select_related("from_store")),
    )


@router.post(
    "/supplies/requests/{pk}/forward",
    response={201: SupplyRequestDetailOut},
    summary="Forward what your division does not give to the level above",
)
def forward(request: HttpRequest, pk: ApiId, payload: SupplyReasonIn) -> Status[Any]:
    require(request, Perm.APPROVE_REQUEST)
    supply_request = _request(request, pk)
    done = actions.forward_rest(
        actor=user_of(request), request=supply_request, reason=payload.reason
    )
    return Status(201, _detail(done))


def _shipment(request: HttpRequest, pk: int) -> Shipment:
    found: Shipment = get_visible_or_404(Shipment.objects.all(), request.user, pk=pk)
    return found


def _shipment_out(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_related("from_store").get(pk=shipment.pk)


@router.post("/supplies/shipments/{pk}/ship", response=SupplyShipmentOut, summary="Ship a shipment")
def ship(request: HttpRequest, pk: ApiId) -> Shipment:
    """The quantity leaves the source store; not enough in stock answers 400."""
    require(request, Perm.APPROVE_REQUEST)
    shipment = _shipment(request, pk)
    return _shipment_out(actions.ship(actor=user_of(request), shipment=shipment))


@router.post(
    "/supplies/shipments/{pk}/receive",
    response=SupplyShipmentOut,
    summary="Confirm what arrived of a shipment",
)
def receive(request: HttpRequest, pk: ApiId, payload: SupplyReceiveIn) -> Shipment:
    """At most what was shipped (0 when nothing arrived)."""
    require(request, Perm.REQUEST)
    shipment = _shipment(request, pk)
    return _shipment_out(
        actions.confirm_receipt(
            actor=user_of(request),
            shipment=shipment,
            received_quantity=payload.received_quantity,
        )
    )


def _plan_out(plan: AllocationPlan) -> Any:
    obj: Any = AllocationPlan.objects.select_related("division").get(pk=plan.pk)
    obj.line_rows = list(obj.lines.select_related("line").order_by("id"))
    return obj


@router.get(
    "/supplies/plans",
    response=list[SupplyAllocationPlanOut],
    summary="Allocation plans of your area",
)
def list_plans(request: HttpRequest, page: int = 1) -> list[Any]:
    require(request, Perm.APPROVE_REQUEST)
    if not 1 <= page <= 100_000:
        raise Http404
    plans = AllocationPlan.objects.visible_to(request.user).order_by("-created_at", "-id")
    return [_plan_out(p) for p in Paginator(plans, 20).get_page(page).object_list]


@router.post(
    "/supplies/plans",
    response={201: SupplyAllocationPlanOut},
    summary="Propose an allocation plan for your division",
)
def propose_plan(request: HttpRequest) -> Status[Any]:
    """Over the approved requests addressed to your division not yet fully allocated and the
    warehouses of its area: by priority, then distance. Nothing to plan answers 400."""
    require(request, Perm.APPROVE_REQUEST)
    home = getattr(request.user, "home_division", None)
    if home is None:
        raise Http404
    return Status(201, _plan_out(actions.propose_plan(actor=user_of(request), division=home)))


@router.get("/supplies/plans/{pk}", response=SupplyAllocationPlanOut, summary="An allocation plan")
def get_plan(request: HttpRequest, pk: ApiId) -> Any:
    require(request, Perm.APPROVE_REQUEST)
    plan: AllocationPlan = get_visible_or_404(AllocationPlan.objects.all(), request.user, pk=pk)
    return _plan_out(plan)


@router.post(
    "/supplies/plans/{pk}/confirm",
    response={201: list[SupplyShipmentOut]},
    summary="Confirm a plan (with adjustments): its lines become shipments",
)
def confirm_plan(
    request: HttpRequest, pk: ApiId, payload: SupplyAllocationPlanConfirmIn
) -> Status[Any]:
    require(request, Perm.APPROVE_REQUEST)
    plan: AllocationPlan = get_visible_or_404(AllocationPlan.objects.all(), request.user, pk=pk)
    adjustments: dict[int, Any] = {}
    for key, value in payload.adjustments.items():
        if not key.isascii() or not key.isdigit() or len(key) > 18:
            raise ActionError(
                _("Adjust only the lines of this plan."), code="unknown_plan_line", field=key
            )
        adjustments[int(key)] = value
    created = actions.confirm_plan(actor=user_of(request), plan=plan, adjustments=adjustments)
    return Status(
        201,
        list(Shipment.objects.filter(pk__in=[s.pk for s in created]).select_related("from_store")),
    )
