"""The supplies API: the catalogue, stores, stock with days of supply and the ledger, and the
writes on them (requests, production and donations have their own routers: ``request_api``,
``production_api``, ``donation_api``). Items are named by their catalogue code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.supplies import actions, selectors
from fangkong.supplies.choices import ItemCategory, MovementKind, Priority, StoreKind
from fangkong.supplies.models import Item, Movement, Store
from fangkong.supplies.permissions import SuppliesPerm

router = Router(tags=["supplies"])


class SupplyItemOut(Schema):
    id: int
    code: str
    name: str
    category: ItemCategory
    unit: str
    standard: str
    alert_days: int | None
    active: bool


class SupplyItemIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., min_length=1, max_length=60)
    category: ItemCategory
    unit: str = Field(
        ..., min_length=1, max_length=10, description="what is counted: 只, 件, 瓶(500 ml)"
    )
    standard: str = Field("", max_length=40)
    alert_days: int | None = Field(None, description="alert below this many days of supply (1-90)")


class SupplyStoreOut(Schema):
    id: int
    name: str
    kind: StoreKind
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    facility_id: int | None
    priority: Priority
    address: str
    longitude: float | None
    latitude: float | None
    active: bool


class SupplyStorePage(Schema):
    items: list[SupplyStoreOut]
    next_after: int | None


class SupplyStoreQuery(Schema):
    kind: StoreKind | None = None
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class SupplyStockOut(Schema):
    item: str = Field(..., description="the item's code")
    name: str
    unit: str
    on_hand: int
    used_7d: int = Field(..., description="consumption of the last 7 days")
    days_of_supply: float | None = Field(..., description="on hand / mean daily consumption")
    low: bool = Field(..., description="below the item's alert threshold")


class SupplyStoreDetailOut(SupplyStoreOut):
    stock: list[SupplyStockOut]

    @staticmethod
    def resolve_stock(obj: Store) -> list[dict[str, object]]:
        return _stock(obj)


class SupplyMovementOut(Schema):
    id: int
    store_id: int
    item: str = Field(..., alias="item.code")
    kind: MovementKind
    quantity: int = Field(..., description="signed: in positive, out negative")
    balance: int = Field(..., description="the store's stock of the item right after")
    day: dt.date
    reason: str
    counterpart_id: int | None
    corrects_id: int | None
    booked_at: dt.datetime


class SupplyMovementPage(Schema):
    items: list[SupplyMovementOut]
    next_after: int | None = Field(..., description="pass as after= for older movements")


class SupplyMovementQuery(Schema):
    store: ApiId | None = None
    item: str | None = Field(None, max_length=20, description="an item code")
    kind: MovementKind | None = None
    since: ApiDate | None = None
    until: ApiDate | None = None
    after: ApiId | None = Field(None, description="movements older than this id")
    limit: int = Field(50, ge=1, le=500)


class SupplyBookIn(InputSchema):
    kind: MovementKind = Field(..., description="receipt, issue, adjustment or consumption")
    item: str = Field(..., min_length=1, max_length=20, description="the item's code")
    quantity: int = Field(..., description="whole units; an adjustment may be negative")
    day: ApiDate | None = Field(None, description="the day it counts for; today if omitted")
    reason: str = Field("", max_length=200, description="required for an adjustment")
    corrects: ApiId | None = Field(None, description="the movement this one corrects")


class SupplyQuantityIn(InputSchema):
    item: str = Field(..., min_length=1, max_length=20, description="the item's code")
    quantity: int = Field(..., description="whole units")


class SupplyDayIn(InputSchema):
    day: ApiDate | None = Field(None, description="today if omitted")
    items: list[SupplyQuantityIn] = Field(..., min_length=1, max_length=200)
    note: str = Field("", max_length=200)


class SupplyTotalOut(Schema):
    item: str
    name: str
    unit: str
    on_hand: int
    stores: int


class SupplyCountOut(Schema):
    id: int
    store_id: int
    day: dt.date
    differences: dict[str, int] = Field(..., description="item code: counted minus book")


def _item(code: str) -> Item:
    item = Item.objects.filter(code=code.strip()).first()
    if item is None:
        raise ActionError(
            _("No item with the code %(code)s in the catalogue.") % {"code": code[:20]},
            code="unknown_item",
            field="item",
        )
    return item


def _keyset(qs: Any, limit: int) -> dict[str, object]:
    """``limit`` rows of an ordered queryset and the key to pass as ``after`` for the next."""
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    return {"items": rows[:limit], "next_after": rows[limit - 1].pk if more else None}


def _store(request: HttpRequest, pk: int) -> Store:
    store: Store = get_visible_or_404(Store.objects.select_related("division"), request.user, pk=pk)
    return store


def _stock(store: Store) -> list[dict[str, object]]:
    return [
        {
            "item": item.code,
            "name": item.name,
            "unit": item.unit,
            "on_hand": row.on_hand,
            "used_7d": row.used,
            "days_of_supply": None if row.days is None else round(row.days, 2),
            "low": low,
        }
        for item, row, low in selectors.store_stock(store)
    ]


@router.get("/supplies/items", response=list[SupplyItemOut], summary="The catalogue of supplies")
def list_items(request: HttpRequest) -> list[Item]:
    require(request, SuppliesPerm.VIEW_STOCK)
    return list(Item.objects.order_by("category", "code"))


@router.post(
    "/supplies/items", response={201: SupplyItemOut}, summary="Add an item to the catalogue"
)
def create_item(request: HttpRequest, payload: SupplyItemIn) -> Status[Item]:
    require(request, SuppliesPerm.MANAGE_CATALOGUE)
    item = actions.add_item(actor=user_of(request), data=payload.dict())
    return Status(201, item)


@router.get("/supplies/stores", response=SupplyStorePage, summary="Stores in your area")
def list_stores(request: HttpRequest, query: Query[SupplyStoreQuery]) -> dict[str, object]:
    require(request, SuppliesPerm.VIEW_STOCK)
    qs = selectors.stores(user_of(request)).order_by("id")
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.after:
        qs = qs.filter(id__gt=query.after)
    return _keyset(qs, query.limit)


@router.get("/supplies/stores/{pk}", response=SupplyStoreDetailOut, summary="A store and its stock")
def get_store(request: HttpRequest, pk: ApiId) -> Store:
    require(request, SuppliesPerm.VIEW_STOCK)
    return _store(request, pk)


@router.get(
    "/supplies/stock", response=list[SupplyTotalOut], summary="Stock on hand per item in your area"
)
def stock_totals(request: HttpRequest) -> list[dict[str, object]]:
    require(request, SuppliesPerm.VIEW_STOCK)
    return [
        {
            "item": row["item__code"],
            "name": row["item__name"],
            "unit": row["item__unit"],
            "on_hand": row["total"],
            "stores": row["stores"],
        }
        for row in selectors.stock_by_item(user_of(request))
    ]


@router.get(
    "/supplies/movements",
    response=SupplyMovementPage,
    summary="The ledger of your area, newest first",
)
def list_movements(request: HttpRequest, query: Query[SupplyMovementQuery]) -> dict[str, object]:
    require(request, SuppliesPerm.VIEW_STOCK)
    qs = Movement.objects.visible_to(request.user).select_related("item").order_by("-id")
    if query.store:
        qs = qs.filter(store=_store(request, query.store))
    if query.item:
        qs = qs.filter(item__code=query.item)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.since:
        qs = qs.filter(day__gte=query.since)
    if query.until:
        qs = qs.filter(day__lte=query.until)
    if query.after:
        qs = qs.filter(id__lt=query.after)
    return _keyset(qs, query.limit)


@router.post(
    "/supplies/stores/{pk}/movements",
    response={201: SupplyMovementOut},
    summary="Book a receipt, issue, adjustment or consumption",
)
def book_movement(request: HttpRequest, pk: ApiId, payload: SupplyBookIn) -> Status[Movement]:
    require(request, SuppliesPerm.VIEW_STOCK)
    store = _store(request, pk)
    require(request, SuppliesPerm.BOOK_MOVEMENT)
    corrects = None
    if payload.corrects:
        corrects = get_visible_or_404(Movement.objects.all(), request.user, pk=payload.corrects)
    movement = actions.book(
        actor=user_of(request),
        store=store,
        item=_item(payload.item),
        kind=payload.kind.value,
        quantity_value=payload.quantity,
        day=payload.day,
        reason=payload.reason,
        corrects=corrects,
    )
    return Status(201, movement)


def _quantities(payload: SupplyDayIn) -> dict[Item, int]:
    found: dict[Item, int] = {}
    for line in payload.items:
        item = _item(line.item)
        if item in found:
            raise ActionError(_("Each item once."), code="duplicate_item", field="items")
        found[item] = line.quantity
    return found


@router.post(
    "/supplies/stores/{pk}/consumption",
    response={201: list[SupplyMovementOut]},
    summary="Report a day's consumption of several items",
)
def report_consumption(
    request: HttpRequest, pk: ApiId, payload: SupplyDayIn
) -> Status[list[Movement]]:
    require(request, SuppliesPerm.VIEW_STOCK)
    store = _store(request, pk)
    require(request, SuppliesPerm.BOOK_MOVEMENT)
    movements = actions.report_consumption(
        actor=user_of(request), store=store, day=payload.day, quantities=_quantities(payload)
    )
    return Status(201, movements)


@router.post(
    "/supplies/stores/{pk}/counts",
    response={201: SupplyCountOut},
    summary="Record a stock count (盘点) and book its differences",
)
def count_stock(request: HttpRequest, pk: ApiId, payload: SupplyDayIn) -> Status[dict[str, object]]:
    require(request, SuppliesPerm.VIEW_STOCK)
    store = _store(request, pk)
    require(request, SuppliesPerm.COUNT_STOCK)
    counted: dict[Item, int] = {}
    for line in payload.items:
        item = _item(line.item)
        if line.quantity < 0:
            raise ActionError(_("A count is not negative."), code="bad_quantity", field="items")
        counted[item] = line.quantity
    count = actions.count_stock(
        actor=user_of(request), store=store, day=payload.day, counted=counted, note=payload.note
    )
    differences = {line.item.code: line.difference for line in count.lines.select_related("item")}
    return Status(
        201, {"id": count.pk, "store_id": store.pk, "day": count.day, "differences": differences}
    )
