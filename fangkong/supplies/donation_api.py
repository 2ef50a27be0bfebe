"""The REST API of donations (捐赠): the donations received in the caller's area, one with its
items and where it went, recording one and passing some of it on. Schema names carry the
``Supply`` prefix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.core.api import InputSchema, numbered_page
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.supplies import donations
from fangkong.supplies.actions import MAX_QUANTITY, usable_item
from fangkong.supplies.choices import DonorKind
from fangkong.supplies.models import Donation, DonationLine, Item, Store
from fangkong.supplies.permissions import SuppliesPerm as Perm
from fangkong.supplies.production_api import JsonInteger

router = Router(tags=["supplies"])

PAGE = 50


class SupplyDonationLineOut(Schema):
    item_code: str = Field(..., alias="item.code")
    item_name: str = Field(..., alias="item.name")
    unit: str = Field(..., alias="item.unit")
    quantity: int
    distributed: int


class SupplyDestinationOut(Schema):
    store: str
    item: str
    unit: str
    quantity: int


class SupplyDonationOut(Schema):
    id: int
    donor: str
    donor_kind: DonorKind
    received_on: dt.date
    store_id: int
    store_name: str = Field(..., alias="store.name")
    receiving_org: str
    public: bool
    note: str


class SupplyDonationDetailOut(SupplyDonationOut):
    lines: list[SupplyDonationLineOut] = Field(..., alias="lines_list")
    went_to: list[SupplyDestinationOut]


class SupplyDonationPage(Schema):
    count: int
    page: int
    pages: int
    items: list[SupplyDonationOut]


class SupplyDonationQuery(Schema):
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)


class SupplyDonationLineIn(InputSchema):
    item: str = Field(..., min_length=1, max_length=20, description="the item's code")
    quantity: JsonInteger = Field(..., ge=1, le=MAX_QUANTITY)


class SupplyDonationIn(InputSchema):
    donor: str = Field(..., min_length=1, max_length=100)
    donor_kind: DonorKind
    received_on: ApiDate | None = Field(None, description="default today; never in the future")
    store_id: ApiId = Field(..., description="the store of your area that received it")
    receiving_org: str = Field(..., min_length=1, max_length=100)
    lines: list[SupplyDonationLineIn] = Field(..., min_length=1, max_length=100)
    public: bool = True
    note: str = Field("", max_length=200)


class SupplyDistributeIn(InputSchema):
    target_store_id: ApiId
    item: str = Field(..., min_length=1, max_length=20, description="the item's code")
    quantity: JsonInteger = Field(..., ge=1, le=MAX_QUANTITY)


class SupplyDistributeOut(Schema):
    donation_id: int
    item_code: str
    quantity: int
    distributed: int
    left: int


def _donation(request: HttpRequest, pk: int) -> Donation:
    donation: Donation = get_visible_or_404(
        Donation.objects.select_related("store"), request.user, pk=pk
    )
    return donation


def _detail(donation: Any) -> Any:
    donation.lines_list = list(
        DonationLine.objects.filter(donation=donation).select_related("item").order_by("item__code")
    )
    donation.went_to = donations.destinations([donation.pk]).get(donation.pk, [])
    return donation


def _item(code: str) -> Item | None:
    return Item.objects.filter(code=code).first()


@router.get(
    "/supplies/donations", response=SupplyDonationPage, summary="Donations received in your area"
)
def list_donations(request: HttpRequest, query: Query[SupplyDonationQuery]) -> dict[str, Any]:
    """Newest first; ``q`` searches donors."""
    require(request, Perm.VIEW_STOCK)
    items = (
        Donation.objects.visible_to(request.user)
        .select_related("store")
        .order_by("-received_on", "-id")
    )
    if query.q:
        items = items.filter(donor__icontains=query.q)
    return numbered_page(items, query.page, PAGE)


@router.get(
    "/supplies/donations/{pk}",
    response=SupplyDonationDetailOut,
    summary="A donation with its items and where it went",
)
def get_donation(request: HttpRequest, pk: ApiId) -> Any:
    require(request, Perm.VIEW_STOCK)
    return _detail(_donation(request, pk))


@router.post(
    "/supplies/donations", response={201: SupplyDonationDetailOut}, summary="Record a donation"
)
def record_donation(request: HttpRequest, payload: SupplyDonationIn) -> Status[Any]:
    """Received into a store of your area: each item is booked into it at once (one movement
    per item, kind ``donation``). An item named twice, or unknown, answers 400."""
    require(request, Perm.MANAGE_DONATION)
    store: Store = get_visible_or_404(Store.objects.all(), request.user, pk=payload.store_id)
    lines: dict[Any, Any] = {}
    for number, line in enumerate(payload.lines):
        item = usable_item(_item(line.item))
        if item in lines:
            raise ActionError(
                _("%(item)s is named twice: one line per item.") % {"item": item.name},
                code="duplicate_item",
                field=f"lines.{number}.item",
            )
        lines[item] = line.quantity
    donation = donations.record_donation(
        actor=user_of(request),
        donor=payload.donor,
        donor_kind=payload.donor_kind,
        received_on=payload.received_on,
        store=store,
        receiving_org=payload.receiving_org,
        lines=lines,
        public=payload.public,
        note=payload.note,
    )
    return Status(201, _detail(Donation.objects.select_related("store").get(pk=donation.pk)))


@router.post(
    "/supplies/donations/{pk}/distributions",
    response={201: SupplyDistributeOut},
    summary="Pass part of a donation on to another store",
)
def distribute(request: HttpRequest, pk: ApiId, payload: SupplyDistributeIn) -> Status[Any]:
    """A transfer from the store that received the donation to a store of your area, carrying
    the donation (shown on the public page). Never more than donated and not passed on yet
    (400 ``over_donation``), never more than the store holds (400 ``insufficient_stock``)."""
    require(request, Perm.MANAGE_DONATION)
    donation = _donation(request, pk)
    target: Store = get_visible_or_404(
        Store.objects.all(), request.user, pk=payload.target_store_id
    )
    item = _item(payload.item)
    _out, inward = donations.distribute_donation(
        actor=user_of(request),
        donation=donation,
        target_store=target,
        item=item,
        quantity_value=payload.quantity,
    )
    line = DonationLine.objects.select_related("item").get(donation=donation, item=inward.item)
    return Status(
        201,
        {
            "donation_id": donation.pk,
            "item_code": line.item.code,
            "quantity": inward.quantity,
            "distributed": line.distributed,
            "left": line.quantity - line.distributed,
        },
    )
