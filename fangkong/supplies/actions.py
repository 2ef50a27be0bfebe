"""Every write to the catalogue, the stores and the stock ledger, each audited in its transaction
and kept inside the actor's jurisdiction.

The ledger's one door is :func:`post_movement`: it moves the balance with a conditional
``UPDATE … WHERE on_hand + delta >= 0 RETURNING on_hand`` and appends the movement with the
balance it left, in the caller's transaction. Two concurrent issues of the last masks cannot both
pass: on PostgreSQL the second ``UPDATE`` waits for the first's row lock and re-checks its
condition against the committed balance; on SQLite writers are serialised. Requests, production
and donations (``requests.py``, ``production.py``, ``donations.py``) book through it too.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import clean_line
from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.supplies.choices import (
    INWARD,
    OUTWARD,
    ItemCategory,
    MovementKind,
    Priority,
    StoreKind,
)
from fangkong.supplies.models import (
    Item,
    Movement,
    Reconciliation,
    Stock,
    StockCount,
    StockCountLine,
    Store,
)

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_QUANTITY = 1_000_000_000  # one movement: a billion masks is more than China made in a month
DEFAULT_ALERT_DAYS = 3
CONSUMPTION_WINDOW = 7  # days of consumption averaged for the days of supply

# The share order of a facility's store by the facility's kind (Priority).
PRIORITY_BY_KIND: dict[str, int] = {
    FacilityKind.DESIGNATED_HOSPITAL: Priority.HOSPITAL,
    FacilityKind.MAKESHIFT_HOSPITAL: Priority.HOSPITAL,
    FacilityKind.FEVER_CLINIC: Priority.FEVER_CLINIC,
    FacilityKind.ISOLATION_SITE: Priority.ISOLATION,
    FacilityKind.LABORATORY: Priority.ISOLATION,
}


# --- input ------------------------------------------------------------------------------------


def quantity(
    value: Any, *, field: str = "quantity", item: Item | None = None, signed: bool = False
) -> int:
    """A quantity of an item: a whole number of its unit, from 1 to :data:`MAX_QUANTITY`
    (``signed``: also down to ``-MAX_QUANTITY``, never zero). ``2.5``, ``1e3``, ``-1``, ``True``
    and text are refused with a message naming the unit."""
    unit = item.unit if item is not None else _("units")
    whole = _("Enter a whole number of %(unit)s (no fractions).") % {"unit": unit}
    number: int | None = None
    if isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, Decimal | float):
        try:
            if value == int(value):
                number = int(value)
            else:
                raise ActionError(whole, code="fractional_quantity", field=field)
        except (OverflowError, ValueError, InvalidOperation):
            number = None
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit() and len(digits) <= 12:
            number = int(text)
        else:
            try:
                parsed = Decimal(text)
            except InvalidOperation:
                parsed = None
            if parsed is not None and parsed.is_finite() and parsed != parsed.to_integral_value():
                raise ActionError(whole, code="fractional_quantity", field=field)
    if number is None:
        raise ActionError(whole, code="bad_quantity", field=field)
    if number == 0 or (number < 0 and not signed):
        message = (
            _("A change of stock is not zero.")
            if signed
            else _("Enter a quantity of at least 1 %(unit)s.") % {"unit": unit}
        )
        raise ActionError(message, code="bad_quantity", field=field)
    if abs(number) > MAX_QUANTITY:
        raise ActionError(
            _("A quantity is at most %(max)s %(unit)s.")
            % {"max": f"{MAX_QUANTITY:,}", "unit": unit},
            code="quantity_too_large",
            field=field,
        )
    return number


def business_day(value: Any = None, *, field: str = "day") -> dt.date:
    """The day a movement counts for: today (Beijing time) when empty; never in the future."""
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError(_("Enter a date."), code=f"bad_{field}", field=field)
    day = check_date(value, field=field)
    assert day is not None
    if day > timezone.localdate():
        raise ActionError(_("The day cannot be in the future."), code="future_day", field=field)
    return day


def coordinate(value: Any, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) > bound:
        raise ActionError(
            _("Longitude and latitude are degrees (longitude ±180, latitude ±90)."),
            code=f"bad_{field}",
            field=field,
        )
    return number


# --- the ledger's one door --------------------------------------------------------------------


def post_movement(
    *,
    actor: User | None,
    store: Store,
    item: Item,
    kind: str,
    delta: int,
    day: dt.date | None = None,
    reason: str = "",
    counterpart: Store | None = None,
    **links: Any,
) -> Movement:
    """Append one movement of ``delta`` (signed) of ``item`` at ``store`` and move its balance,
    in the caller's transaction (which audits). Refuses, writing nothing, a movement that would
    take the stock below zero. ``links``: ``request``, ``shipment``, ``donation``, ``producer``,
    ``count`` or ``corrects`` (the rows the movement belongs to)."""
    if not connection.in_atomic_block:
        raise RuntimeError("post_movement must run inside the action's transaction")
    if (kind in INWARD and delta <= 0) or (kind in OUTWARD and delta >= 0) or delta == 0:
        raise ActionError(_("This kind of movement goes the other way."), code="bad_sign")
    now = timezone.now()
    if delta > 0 and not Stock.objects.filter(store=store, item=item).exists():
        try:
            with transaction.atomic():
                Stock.objects.create(store=store, item=item, division_path=store.division_path)
        except IntegrityError:
            pass  # created by a concurrent movement since: the update below finds it
    table = Stock._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET on_hand = on_hand + %s, updated_at = %s "  # noqa: S608 - our table name
            "WHERE store_id = %s AND item_id = %s AND on_hand + %s >= 0 RETURNING on_hand",
            [delta, now, store.pk, item.pk, delta],
        )
        row = cursor.fetchone()
    if row is None:
        have = (
            Stock.objects.filter(store=store, item=item).values_list("on_hand", flat=True).first()
        )
        raise ActionError(
            _("Not enough in stock: %(store)s holds %(have)s %(unit)s of %(item)s, %(want)s asked.")
            % {
                "store": store.name,
                "have": f"{have or 0:,}",
                "unit": item.unit,
                "item": item.name,
                "want": f"{-delta:,}",
            },
            code="insufficient_stock",
            field="quantity",
        )
    return Movement.objects.create(
        store=store,
        item=item,
        division_path=store.division_path,
        kind=kind,
        quantity=delta,
        balance=row[0],
        day=day or timezone.localdate(),
        reason=reason[:200],
        counterpart=counterpart,
        actor=actor,
        **links,
    )


# --- catalogue --------------------------------------------------------------------------------


def _clean_item(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    clean["code"] = clean_line(
        data.get("code"), field="code", limit=20, required=_("Enter the item's code.")
    )
    clean["name"] = clean_line(
        data.get("name"), field="name", limit=60, required=_("Enter the item's name.")
    )
    category = data.get("category")
    if category not in ItemCategory.values:
        raise ActionError(_("Choose the item's category."), code="bad_category", field="category")
    clean["category"] = category
    clean["unit"] = clean_line(
        data.get("unit"),
        field="unit",
        limit=10,
        required=_("Enter the unit the item is counted in."),
    )
    clean["standard"] = clean_line(data.get("standard"), field="standard", limit=40)
    days = data.get("alert_days")
    if days in (None, ""):
        clean["alert_days"] = None
    else:
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days.strip())
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
            raise ActionError(
                _("Alert below 1 to 90 days of supply."), code="bad_alert_days", field="alert_days"
            )
        clean["alert_days"] = days
    clean["active"] = bool(data.get("active", True))
    return clean


def add_item(*, actor: User, data: Mapping[str, Any]) -> Item:
    """Add an item to the catalogue (the supplies office of any level; the catalogue is one
    for the province)."""
    clean = _clean_item(data)
    with transaction.atomic():
        if (
            Item.objects.filter(code=clean["code"]).exists()
            or Item.objects.filter(name=clean["name"]).exists()
        ):
            raise ActionError(
                _("An item with this code or name is already in the catalogue."),
                code="duplicate_item",
                field="name",
            )
        item = Item.objects.create(**clean)
        record(
            actor=actor,
            action="supplies.item_add",
            obj=item,
            changes={k: str(v) for k, v in clean.items()},
        )
    return item


def update_item(*, actor: User, item: Item, data: Mapping[str, Any]) -> Item:
    clean = _clean_item(data)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        clash = Item.objects.exclude(pk=item.pk).filter(code=clean["code"]) | Item.objects.exclude(
            pk=item.pk
        ).filter(name=clean["name"])
        if clash.exists():
            raise ActionError(
                _("An item with this code or name is already in the catalogue."),
                code="duplicate_item",
                field="name",
            )
        changes = {
            k: [str(getattr(item, k)), str(v)] for k, v in clean.items() if getattr(item, k) != v
        }
        for key, value in clean.items():
            setattr(item, key, value)
        item.save()
        record(actor=actor, action="supplies.item_update", obj=item, changes=changes)
    return item


# --- stores -----------------------------------------------------------------------------------


def _clean_store(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    facility = data.get("facility")
    if facility is not None and not isinstance(facility, Facility):
        raise ActionError(_("Choose a medical facility."), code="bad_facility", field="facility")
    clean["facility"] = facility
    if facility is not None:
        clean["kind"] = StoreKind.FACILITY
        clean["division"] = facility.division
        clean["longitude"] = facility.longitude
        clean["latitude"] = facility.latitude
        clean["priority"] = PRIORITY_BY_KIND.get(facility.kind, Priority.COMMUNITY)
        clean["name"] = clean_line(data.get("name") or facility.name, field="name", limit=100)
        clean["address"] = clean_line(
            data.get("address") or facility.address, field="address", limit=200
        )
    else:
        clean["kind"] = StoreKind.WAREHOUSE
        division = data.get("division")
        if (
            not isinstance(division, Division)
            or not division.active
            or division.level > Level.VILLAGE
        ):
            raise ActionError(
                _("A warehouse belongs to an active division from the province down to a village."),
                code="bad_division",
                field="division",
            )
        clean["division"] = division
        clean["name"] = clean_line(
            data.get("name"), field="name", limit=100, required=_("Enter the store's name.")
        )
        clean["address"] = clean_line(data.get("address"), field="address", limit=200)
        clean["longitude"] = coordinate(data.get("longitude"), "longitude", 180)
        clean["latitude"] = coordinate(data.get("latitude"), "latitude", 90)
        priority = data.get("priority") or Priority.COMMUNITY
        try:
            priority = int(priority)
        except (TypeError, ValueError):
            priority = 0
        if priority not in Priority.values:
            raise ActionError(
                _("Choose the store's priority."), code="bad_priority", field="priority"
            )
        clean["priority"] = priority
    clean["division_path"] = clean["division"].path
    clean["active"] = bool(data.get("active", True))
    return clean


def open_store(*, actor: User, data: Mapping[str, Any]) -> Store:
    """Open a store: a division's warehouse, or the store of a medical facility (at most one)."""
    clean = _clean_store(data)
    with transaction.atomic():
        ensure_in_scope(actor, clean["division_path"])
        if (
            clean["facility"] is not None
            and Store.objects.filter(facility=clean["facility"]).exists()
        ):
            raise ActionError(
                _("This facility has its store already."),
                code="facility_has_store",
                field="facility",
            )
        if Store.objects.filter(division=clean["division"], name=clean["name"]).exists():
            raise ActionError(
                _("A store of this name exists in this division."),
                code="duplicate_store",
                field="name",
            )
        store = Store.objects.create(**clean)
        record(
            actor=actor,
            action="supplies.store_open",
            obj=store,
            division_path=store.division_path,
            changes={k: str(v) for k, v in clean.items()},
        )
    return store


def update_store(*, actor: User, store: Store, data: Mapping[str, Any]) -> Store:
    """Change a store's name, address, place, priority or whether it is open (its division and
    facility stay: the ledger is kept where it was written)."""
    merged = {
        "facility": store.facility,
        "division": store.division,
        "priority": store.priority,
        **{k: v for k, v in data.items() if k not in ("facility", "division")},
    }
    clean = _clean_store(merged)
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        ensure_in_scope(actor, store.division_path)
        if (
            Store.objects.exclude(pk=store.pk)
            .filter(division=store.division, name=clean["name"])
            .exists()
        ):
            raise ActionError(
                _("A store of this name exists in this division."),
                code="duplicate_store",
                field="name",
            )
        changes = {}
        for key in ("name", "address", "longitude", "latitude", "priority", "active"):
            if getattr(store, key) != clean[key]:
                changes[key] = [str(getattr(store, key)), str(clean[key])]
                setattr(store, key, clean[key])
        store.save()
        record(
            actor=actor,
            action="supplies.store_update",
            obj=store,
            division_path=store.division_path,
            changes=changes,
        )
    return store


# --- booking ----------------------------------------------------------------------------------

# What a person books by hand (the others come from requests, production, donations, counts).
MANUAL_KINDS = (
    MovementKind.RECEIPT,
    MovementKind.ISSUE,
    MovementKind.ADJUSTMENT,
    MovementKind.CONSUMPTION,
)


def usable_store(actor: User | None, store: Store) -> Store:
    locked = Store.objects.get(pk=store.pk)
    ensure_in_scope(actor, locked.division_path)
    if not locked.active:
        raise ActionError(_("This store is closed."), code="store_closed", field="store")
    return locked


def usable_item(item: Any) -> Item:
    if not isinstance(item, Item):
        raise ActionError(_("Choose an item of the catalogue."), code="unknown_item", field="item")
    if not item.active:
        raise ActionError(_("This item is no longer in use."), code="item_retired", field="item")
    return item


def book(
    *,
    actor: User,
    store: Store,
    item: Any,
    kind: str,
    quantity_value: Any,
    day: Any = None,
    reason: Any = "",
    corrects: Movement | None = None,
) -> Movement:
    """Book a receipt, an issue, an adjustment (signed, with a reason) or consumption by hand.
    A correction of an earlier movement is an adjustment naming it."""
    if kind not in MANUAL_KINDS:
        raise ActionError(_("Choose the kind of movement."), code="bad_kind", field="kind")
    item = usable_item(item)
    signed = kind == MovementKind.ADJUSTMENT
    amount = quantity(quantity_value, item=item, signed=signed)
    text = clean_line(reason, field="reason", limit=200)
    if signed and not text:
        raise ActionError(
            _("An adjustment needs its reason."), code="reason_required", field="reason"
        )
    when = business_day(day)
    delta = amount if kind in (*INWARD, MovementKind.ADJUSTMENT) else -amount
    with transaction.atomic():
        store = usable_store(actor, store)
        links: dict[str, Any] = {}
        if corrects is not None:
            if corrects.store_id != store.pk or corrects.item_id != item.pk:
                raise ActionError(
                    _("A correction is booked on the same store and item."),
                    code="bad_correction",
                    field="corrects",
                )
            links["corrects"] = corrects
        movement = post_movement(
            actor=actor,
            store=store,
            item=item,
            kind=kind,
            delta=delta,
            day=when,
            reason=text,
            **links,
        )
        record(
            actor=actor,
            action="supplies.movement_book",
            obj=movement,
            division_path=store.division_path,
            changes={
                "kind": kind,
                "item": item.code,
                "quantity": delta,
                "day": str(when),
                "reason": text,
            },
        )
        check_supply(store.pk, [item.pk])
    return movement


def report_consumption(
    *, actor: User, store: Store, day: Any, quantities: Mapping[Item, Any]
) -> list[Movement]:
    """A facility's consumption of a day, several items at once (all booked or none)."""
    when = business_day(day)
    cleaned: list[tuple[Item, int]] = []
    for item, value in quantities.items():
        item = usable_item(item)
        if value in (None, "", 0, "0"):
            continue
        cleaned.append((item, quantity(value, item=item, field=f"item_{item.pk}")))
    if not cleaned:
        raise ActionError(_("Enter what was used of at least one item."), code="nothing_used")
    with transaction.atomic():
        store = usable_store(actor, store)
        movements = [
            post_movement(
                actor=actor,
                store=store,
                item=item,
                kind=MovementKind.CONSUMPTION,
                delta=-amount,
                day=when,
            )
            for item, amount in cleaned
        ]
        record(
            actor=actor,
            action="supplies.consumption_report",
            obj=store,
            division_path=store.division_path,
            changes={"day": str(when), **{item.code: amount for item, amount in cleaned}},
        )
        ids = [item.pk for item, _amount in cleaned]
        check_supply(store.pk, ids)
    return movements


def transfer(
    *,
    actor: User | None,
    source: Store,
    target: Store,
    item: Item,
    amount: int,
    day: dt.date | None = None,
    reason: str = "",
    **links: Any,
) -> tuple[Movement, Movement]:
    """Move stock from one store to another at once (both movements, one transaction): for
    requests the shipment and its receipt are two steps (``requests.py``) instead."""
    if source.pk == target.pk:
        raise ActionError(_("A transfer goes to another store."), code="same_store", field="target")
    out = post_movement(
        actor=actor,
        store=source,
        item=item,
        kind=MovementKind.TRANSFER_OUT,
        delta=-amount,
        day=day,
        reason=reason,
        counterpart=target,
        **links,
    )
    inward = post_movement(
        actor=actor,
        store=target,
        item=item,
        kind=MovementKind.TRANSFER_IN,
        delta=amount,
        day=day,
        reason=reason,
        counterpart=source,
        **links,
    )
    return out, inward


def count_stock(
    *, actor: User, store: Store, day: Any, counted: Mapping[Item, Any], note: Any = ""
) -> StockCount:
    """A stock count (盘点): record the counted quantity of each item beside the book's and book
    each difference as a movement of kind ``count`` (the book then equals what was counted)."""
    when = business_day(day)
    text = clean_line(note, field="note", limit=200)
    cleaned: list[tuple[Item, int]] = []
    for item, value in counted.items():
        item = usable_item(item)
        if value in (None, ""):
            continue
        if value in (0, "0"):
            cleaned.append((item, 0))
            continue
        cleaned.append((item, quantity(value, item=item, field=f"item_{item.pk}")))
    if not cleaned:
        raise ActionError(
            _("Enter the counted quantity of at least one item."), code="nothing_counted"
        )
    with transaction.atomic():
        store = usable_store(actor, store)
        count = StockCount.objects.create(
            store=store, division_path=store.division_path, day=when, note=text, counted_by=actor
        )
        book = dict(
            Stock.objects.select_for_update()
            .filter(store=store, item__in=[i for i, _q in cleaned])
            .values_list("item_id", "on_hand")
        )
        lines = []
        for item, number in cleaned:
            expected = book.get(item.pk, 0)
            lines.append(StockCountLine(count=count, item=item, expected=expected, counted=number))
            if number != expected:
                post_movement(
                    actor=actor,
                    store=store,
                    item=item,
                    kind=MovementKind.COUNT,
                    delta=number - expected,
                    day=when,
                    reason=text or _("stock count"),
                    count=count,
                )
        StockCountLine.objects.bulk_create(lines)
        record(
            actor=actor,
            action="supplies.stock_count",
            obj=count,
            division_path=store.division_path,
            changes={line.item.code: [line.expected, line.counted] for line in lines},
        )
        ids = [item.pk for item, _q in cleaned]
        check_supply(store.pk, ids)
    return count


# --- reconciliation ---------------------------------------------------------------------------


def reconcile() -> Reconciliation:
    """The nightly proof: for every item and store, the balance kept in ``Stock`` equals the sum
    of the ledger (and a ledger without a balance row is a difference too). Set-based: one
    aggregate over the ledger beside the balances, compared in the database; the differences
    found are kept with the run and audited."""
    started = time.perf_counter()
    stock = Stock._meta.db_table
    ledger = Movement._meta.db_table
    sql = f"""
        WITH sums AS (
            SELECT store_id, item_id, SUM(quantity) AS total, COUNT(*) AS n
            FROM {ledger} GROUP BY store_id, item_id
        )
        SELECT s.store_id, s.item_id, s.on_hand, COALESCE(l.total, 0), COALESCE(l.n, 0)
        FROM {stock} s LEFT JOIN sums l ON l.store_id = s.store_id AND l.item_id = s.item_id
        UNION ALL
        SELECT l.store_id, l.item_id, NULL, l.total, l.n
        FROM sums l LEFT JOIN {stock} s ON s.store_id = l.store_id AND s.item_id = l.item_id
        WHERE s.id IS NULL
    """  # noqa: S608 - our table names
    checked = 0
    movements = 0
    differences: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for store_id, item_id, on_hand, total, n in cursor.fetchall():
            checked += 1
            movements += int(n)
            if on_hand is None or int(on_hand) != int(total):
                differences.append(
                    {"store": store_id, "item": item_id, "balance": on_hand, "ledger": int(total)}
                )
    took = int((time.perf_counter() - started) * 1000)
    with transaction.atomic():
        run = Reconciliation.objects.create(
            checked=checked, movements=movements, differences=differences, took_ms=took
        )
        record(
            actor=None,
            action="supplies.reconcile",
            obj=run,
            changes={"checked": checked, "movements": movements, "differences": len(differences)},
        )
    return run


# --- days of supply and alerts ----------------------------------------------------------------


def alert_days(item: Item) -> int:
    if item.alert_days:
        return int(item.alert_days)
    configured: int = getattr(settings, "FANGKONG_SUPPLY_ALERT_DAYS", DEFAULT_ALERT_DAYS)
    return int(configured)


def low_key(store_id: int, item_id: int) -> str:
    """The escalation key prefix of a store's shortage of an item (a new shortage after a
    recovery opens a new escalation: the day is appended)."""
    return f"supplies:low:{store_id}:{item_id}:"


def check_supply(store_id: int, item_ids: Iterable[int], today: dt.date | None = None) -> int:
    """Open an alert for each item of the store whose days of supply fell below its threshold
    (to the supplies office of the store's division and above, and through the escalations of
    unified command to the 包保 leaders for supplies and the command office), and resolve the
    alerts of those that recovered. Returns the number of alerts opened."""
    from fangkong.supplies.selectors import days_of_supply

    store = Store.objects.select_related("division").get(pk=store_id)
    items = {i.pk: i for i in Item.objects.filter(pk__in=list(item_ids))}
    today = today or timezone.localdate()
    supply = days_of_supply([store.pk], list(items), today=today)
    opened = 0
    for item_id, item in items.items():
        row = supply.get((store.pk, item_id))
        days = row.days if row is not None else None
        if days is not None and days < alert_days(item):
            opened += int(_open_low_alert(store, item, row, today))
        else:
            _resolve_low_alert(store, item)
    return opened


def _open_low_alert(store: Store, item: Item, row: Any, today: dt.date) -> bool:
    from django.urls import reverse

    from fangkong.accounts.models import User
    from fangkong.accounts.roles import Role, group_name
    from fangkong.notifications.actions import notify
    from fangkong.notifications.escalation import open_escalation
    from fangkong.notifications.models import Escalation, Kind

    prefix = low_key(store.pk, item.pk)
    if Escalation.objects.filter(key__startswith=prefix, resolved_at=None).exists():
        return False
    title = _("%(store)s: %(item)s for %(days)s days") % {
        "store": store.name,
        "item": item.name,
        "days": f"{row.days:.1f}",
    }
    body = _(
        "%(on_hand)s %(unit)s in stock, %(mean)s used a day over the last %(window)s days; "
        "the alert is below %(threshold)s days."
    ) % {
        "on_hand": f"{row.on_hand:,}",
        "unit": item.unit,
        "mean": f"{row.mean:,.1f}",
        "window": CONSUMPTION_WINDOW,
        "threshold": alert_days(item),
    }
    link = reverse("supplies:store", args=[store.pk])
    key = f"{prefix}{today.isoformat()}"
    with transaction.atomic():
        open_escalation(
            store.division,
            field="supplies",
            kind=Kind.ALERT,
            title=title,
            body=body,
            link=link,
            key=key,
            source="supplies",
        )
        ancestors = [p for p in ancestor_paths(store.division_path)]
        officers = User.objects.filter(
            is_active=True,
            groups__name=group_name(Role.SUPPLIES_OFFICER),
            home_division__path__in=ancestors,
        ).distinct()
        notify(officers, kind=Kind.ALERT, title=title, body=body, link=link, key=key)
    return True


def _resolve_low_alert(store: Store, item: Item) -> None:
    from fangkong.notifications.escalation import resolve_escalation
    from fangkong.notifications.models import Escalation

    for key in Escalation.objects.filter(
        key__startswith=low_key(store.pk, item.pk), resolved_at=None
    ).values_list("key", flat=True):
        resolve_escalation(key)


def ancestor_paths(path: str) -> list[str]:
    """``22/2201/220102/`` → the paths of the division and each ancestor."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def check_all_supply(today: dt.date | None = None) -> int:
    """The nightly pass over every stock row with consumption: alerts opened and resolved."""
    opened = 0
    pairs: dict[int, list[int]] = {}
    since = (today or timezone.localdate()) - dt.timedelta(days=CONSUMPTION_WINDOW)
    for store_id, item_id in (
        Movement.objects.filter(kind=MovementKind.CONSUMPTION, day__gte=since)
        .values_list("store_id", "item_id")
        .distinct()
    ):
        pairs.setdefault(store_id, []).append(item_id)
    for store_id, item_ids in pairs.items():
        opened += check_supply(store_id, item_ids, today=today)
    return opened
