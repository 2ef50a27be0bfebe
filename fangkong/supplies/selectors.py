"""Reading supplies: stock on hand, days of supply, the ledger, each from the user's area
(``visible_to``) in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from fangkong.supplies.actions import CONSUMPTION_WINDOW, alert_days
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import Item, Movement, Stock, Store

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@dataclass(frozen=True)
class Supply:
    """Stock of an item in a store and how long it lasts: ``mean`` is the mean daily
    consumption over the last :data:`CONSUMPTION_WINDOW` days (the day itself and the six
    before), ``days`` the stock divided by it (None without consumption)."""

    on_hand: int
    used: int
    mean: float
    days: float | None


def days_of_supply(
    store_ids: Sequence[int], item_ids: Sequence[int] | None = None, *, today: dt.date | None = None
) -> dict[tuple[int, int], Supply]:
    """Days of supply of the given stores (and items), in two queries."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=CONSUMPTION_WINDOW - 1)
    stock = Stock.objects.filter(store_id__in=list(store_ids))
    used = Movement.objects.filter(
        store_id__in=list(store_ids), kind=MovementKind.CONSUMPTION, day__gte=since, day__lte=today
    )
    if item_ids is not None:
        stock = stock.filter(item_id__in=list(item_ids))
        used = used.filter(item_id__in=list(item_ids))
    consumption = {
        (s, i): -int(total)
        for s, i, total in used.values_list("store_id", "item_id").annotate(total=Sum("quantity"))
    }
    result: dict[tuple[int, int], Supply] = {}
    for store_id, item_id, on_hand in stock.values_list("store_id", "item_id", "on_hand"):
        spent = consumption.get((store_id, item_id), 0)
        mean = spent / CONSUMPTION_WINDOW
        result[(store_id, item_id)] = Supply(
            on_hand, spent, mean, (on_hand / mean) if mean > 0 else None
        )
    return result


def stores(user: User) -> QuerySet[Store]:
    return Store.objects.visible_to(user).select_related("division", "facility")


def store_stock(store: Store, *, today: dt.date | None = None) -> list[tuple[Item, Supply, bool]]:
    """Every item a store holds or has held, with its days of supply and whether it is below
    its alert threshold."""
    supply = days_of_supply([store.pk], today=today)
    items = Item.objects.in_bulk([item_id for _store, item_id in supply])
    rows = []
    for (_store_id, item_id), row in supply.items():
        item = items[item_id]
        low = row.days is not None and row.days < alert_days(item)
        rows.append((item, row, low))
    rows.sort(key=lambda r: (r[0].category, r[0].code))
    return rows


def stock_by_item(user: User, path: str | None = None) -> list[dict[str, object]]:
    """Stock on hand per item over the user's area (or a division's subtree within it): total,
    number of stores holding it — one ``GROUP BY`` over the balances."""
    qs = Stock.objects.visible_to(user)
    if path:
        qs = qs.filter(division_path__startswith=path)
    return list(
        qs.values("item_id", "item__code", "item__name", "item__unit", "item__category")
        .annotate(total=Sum("on_hand"), stores=Count("store_id", filter=Q(on_hand__gt=0)))
        .order_by("item__category", "item__code")
    )


def stock_everywhere(path: str = "/") -> list[tuple[int, int, int]]:
    """Stock on hand of every item in every store under ``path``: (store, item, on hand). What
    the benchmark times at the province (one index range scan over the balances)."""
    return list(
        Stock.objects.filter(division_path__startswith=path).values_list(
            "store_id", "item_id", "on_hand"
        )
    )


def low_supply(
    user: User, *, today: dt.date | None = None, limit: int = 200
) -> list[tuple[Store, Item, Supply]]:
    """The stores of the user's area whose days of supply of an item are below its threshold:
    consumption of the window grouped in one query, balances in another."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=CONSUMPTION_WINDOW - 1)
    used = (
        Movement.objects.visible_to(user)
        .filter(kind=MovementKind.CONSUMPTION, day__gte=since, day__lte=today)
        .values_list("store_id", "item_id")
        .annotate(total=Sum("quantity"))
    )
    consumption = {(s, i): -int(total) for s, i, total in used}
    if not consumption:
        return []
    store_ids = {s for s, _i in consumption}
    balances = {
        (s, i): on_hand
        for s, i, on_hand in Stock.objects.filter(store_id__in=store_ids).values_list(
            "store_id", "item_id", "on_hand"
        )
    }
    items = Item.objects.in_bulk({i for _s, i in consumption})
    found = []
    for (store_id, item_id), spent in consumption.items():
        mean = spent / CONSUMPTION_WINDOW
        on_hand = balances.get((store_id, item_id), 0)
        days = on_hand / mean if mean > 0 else None
        if days is not None and days < alert_days(items[item_id]):
            found.append((store_id, items[item_id], Supply(on_hand, spent, mean, days)))
    found.sort(key=lambda r: r[2].days or 0)
    found = found[:limit]
    by_id = Store.objects.in_bulk([s for s, _i, _r in found])
    return [(by_id[s], item, row) for s, item, row in found]


def ledger(user: User) -> QuerySet[Movement]:
    """The ledger rows of the user's area, newest first (keyset by id)."""
    return Movement.objects.visible_to(user).select_related("store", "item", "counterpart", "actor")
