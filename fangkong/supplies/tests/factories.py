"""Small factories for the supplies tests: items of the catalogue, stores, stock put in by a
receipt through the ledger (never by writing balances)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fangkong.medical.models import Facility
from fangkong.regions.models import Division
from fangkong.supplies import actions
from fangkong.supplies.choices import ItemCategory, MovementKind
from fangkong.supplies.models import Item, Store

ITEMS = {
    "n95": ("N95", "医用防护口罩", ItemCategory.PROTECTIVE, "只", "GB 19083"),
    "surgical": ("SURG", "医用外科口罩", ItemCategory.PROTECTIVE, "只", "YY 0469"),
    "gown": ("GOWN", "医用防护服", ItemCategory.PROTECTIVE, "件", "GB 19082"),
    "goggles": ("GOGG", "护目镜", ItemCategory.PROTECTIVE, "副", ""),
}


def make_item(key: str = "n95", **extra: Any) -> Item:
    code, name, category, unit, standard = ITEMS[key]
    item, _created = Item.objects.get_or_create(
        code=code,
        defaults={"name": name, "category": category, "unit": unit, "standard": standard, **extra},
    )
    return item


def make_store(division: Division, name: str = "物资仓库", **extra: Any) -> Store:
    return actions.open_store(actor=None, data={"division": division, "name": name, **extra})  # type: ignore[arg-type]


def make_facility_store(facility: Facility) -> Store:
    return actions.open_store(actor=None, data={"facility": facility})  # type: ignore[arg-type]


def put(store: Store, item: Item, amount: int, **extra: Any) -> None:
    """Receive ``amount`` of ``item`` into ``store`` (a receipt through the ledger)."""
    with transaction.atomic():
        actions.post_movement(
            actor=None, store=store, item=item, kind=MovementKind.RECEIPT, delta=amount, **extra
        )
