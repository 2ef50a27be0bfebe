"""The REST API of production dispatch: the producers of the caller's area, a producer with its
items and orders, planned versus actual, and the daily output report — which a producer's own
system sends with its machine token (``Authorization: Bearer fkp_…``), good for that producer
only: a token used for another producer's id answers 404 and writes nothing, a revoked token
401. Schema names carry the ``Supply`` prefix."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import BeforeValidator

from fangkong.core.api import ActiveSessionAuth, InputSchema, TokenAuth, numbered_page
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.supplies import production
from fangkong.supplies.actions import MAX_QUANTITY
from fangkong.supplies.choices import DispatchState
from fangkong.supplies.models import (
    DispatchOrder,
    Item,
    OutputReport,
    Producer,
    ProducerItem,
    ProducerToken,
)
from fangkong.supplies.permissions import SuppliesPerm as Perm

router = Router(tags=["supplies"])

PAGE = 50


def _json_integer(value: Any) -> Any:
    """A quantity is a JSON integer: ``true`` or ``"10"`` are not quantities (pydantic's lax
    mode would take them), ``2.5`` is refused by ``int`` itself, ``10.0`` is an integer."""
    if isinstance(value, bool | str):
        raise ValueError(_("Enter a whole number, not text or true/false."))
    return value


JsonInteger = Annotated[int, BeforeValidator(_json_integer)]


class ProducerTokenAuth(HttpBearer):
    """``Authorization: Bearer fkp_…`` — the machine token of one producer (``ProducerToken``,
    stored hashed, not revoked). The request then acts for that producer only, with no user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = production.authenticate_producer_token(token)
        if found is None:
            return None  # the next scheme (a user's token, which throttles bad ones) decides
        request.producer_token = found  # type: ignore[attr-defined]
        return found


class SupplyProducerItemOut(Schema):
    item_code: str = Field(..., alias="item.code")
    item_name: str = Field(..., alias="item.name")
    unit: str = Field(..., alias="item.unit")
    daily_capacity: int


class SupplyProducerOut(Schema):
    id: int
    name: str
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    delivers_to_id: int
    delivers_to_name: str = Field(..., alias="delivers_to.name")
    contact_name: str
    phone: str
    address: str
    active: bool


class SupplyProducerPage(Schema):
    count: int
    page: int
    pages: int
    items: list[SupplyProducerOut]


class SupplyDispatchOut(Schema):
    id: int
    item_code: str = Field(..., alias="item.code")
    quantity: int
    start: dt.date
    end: dt.date
    state: DispatchState
    note: str


class SupplyProducerDetailOut(SupplyProducerOut):
    items_made: list[SupplyProducerItemOut]
    orders: list[SupplyDispatchOut] = Field(..., alias="orders_list")


class SupplyProducerQuery(Schema):
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)


class SupplyOutputIn(InputSchema):
    item: str = Field(
        ..., min_length=1, max_length=20, description="the item's code in the catalogue"
    )
    day: ApiDate | None = Field(None, description="the day produced (Beijing); default today")
    quantity: JsonInteger = Field(
        ..., ge=0, le=MAX_QUANTITY, description="whole units; 0: none made"
    )


class SupplyOutputOut(Schema):
    id: int
    producer_id: int
    item_code: str = Field(..., alias="item.code")
    day: dt.date
    quantity: int
    movement_id: int | None
    delivered_to: str = Field(..., alias="producer.delivers_to.name")


class SupplyPlanQuery(Schema):
    start: ApiDate | None = None
    end: ApiDate | None = None


class SupplyPlanRowOut(Schema):
    day: dt.date
    producer_id: int
    item: str
    unit: str
    planned: int
    actual: int | None


class SupplyPlanOut(Schema):
    start: dt.date
    end: dt.date
    rows: list[SupplyPlanRowOut]


def _producer(request: HttpRequest, pk: int) -> Producer:
    producer: Producer = get_visible_or_404(
        Producer.objects.select_related("division", "delivers_to"), request.user, pk=pk
    )
    return producer


@router.get("/supplies/producers", response=SupplyProducerPage, summary="Producers of your area")
def list_producers(request: HttpRequest, query: Query[SupplyProducerQuery]) -> dict[str, Any]:
    """By name; ``q`` searches names."""
    require(request, Perm.VIEW_PRODUCTION)
    items = (
        Producer.objects.visible_to(request.user)
        .select_related("division", "delivers_to")
        .order_by("name", "id")
    )
    if query.q:
        items = items.filter(name__icontains=query.q)
    return numbered_page(items, query.page, PAGE)


@router.get(
    "/supplies/producers/{pk}",
    response=SupplyProducerDetailOut,
    summary="A producer with its items and dispatch orders",
)
def get_producer(request: HttpRequest, pk: ApiId) -> Any:
    require(request, Perm.VIEW_PRODUCTION)
    producer: Any = _producer(request, pk)
    producer.items_made = list(
        ProducerItem.objects.filter(producer=producer).select_related("item").order_by("item__code")
    )
    producer.orders_list = list(
        DispatchOrder.objects.filter(producer=producer)
        .select_related("item")
        .order_by("-start", "-id")[:PAGE]
    )
    return producer


@router.get(
    "/supplies/producers/{pk}/plan",
    response=SupplyPlanOut,
    summary="Planned versus actual output of a producer",
)
def producer_plan(request: HttpRequest, pk: ApiId, query: Query[SupplyPlanQuery]) -> Any:
    """Per item and day between ``start`` and ``end`` (default: the last 14 days; at most 92):
    planned from the open and completed dispatch orders (split evenly per day), actual from the
    reports (null: not reported)."""
    require(request, Perm.VIEW_PRODUCTION)
    producer = _producer(request, pk)
    start, end = production.plan_window(query.start, query.end)
    rows = production.planned_versus_actual([producer], start, end)
    return {"start": start, "end": end, "rows": rows}


@router.post(
    "/supplies/producers/{pk}/output",
    response={201: SupplyOutputOut},
    summary="Report a producer's output of a day",
    auth=[ProducerTokenAuth(), TokenAuth(), ActiveSessionAuth()],
)
def report_output(request: HttpRequest, pk: ApiId, payload: SupplyOutputIn) -> Status[Any]:
    """With the producer's machine token (or as a supplies officer of its area). One report per
    item and day (a second answers 409); the quantity is received into the store the producer
    delivers to. The item must be one the producer makes (400 otherwise)."""
    token = request.auth if isinstance(request.auth, ProducerToken) else None  # type: ignore[attr-defined]
    if token is not None:
        if token.producer_id != pk:
            raise Http404
        producer = token.producer
        actor = None
    else:
        require(request, Perm.REPORT_OUTPUT)
        producer = _producer(request, pk)
        actor = user_of(request)
    item = Item.objects.filter(code=payload.item).first()
    report = production.report_output(
        actor=actor,
        token=token,
        producer=producer,
        item=item,
        day=payload.day,
        quantity_value=payload.quantity,
    )
    return Status(
        201,
        OutputReport.objects.select_related("item", "producer__delivers_to").get(pk=report.pk),
    )
