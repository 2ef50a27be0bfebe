"""Production dispatch (生产调度): producers, the items they make and their daily capacity, their
machine tokens, dispatch orders and the daily output they report, received into stock.

Every write is audited in its transaction and kept inside the actor's jurisdiction. A report of
output goes through the ledger's one door (``actions.post_movement``, kind ``production``) into
the store the producer delivers to, in the same transaction as the report; a report sent with a
producer's machine token has no actor (the audit row names the token instead).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import hash_token
from fangkong.audit.actions import record
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import clean_line
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.supplies.actions import (
    MAX_QUANTITY,
    business_day,
    check_supply,
    coordinate,
    post_movement,
    quantity,
    usable_item,
)
from fangkong.supplies.choices import DispatchState, MovementKind
from fangkong.supplies.models import (
    DispatchOrder,
    Item,
    OutputReport,
    Producer,
    ProducerItem,
    ProducerToken,
    Store,
)

if TYPE_CHECKING:
    from fangkong.accounts.models import User

PRODUCER_TOKEN_PREFIX = "fkp_"  # noqa: S105 - a label, not a secret (user tokens are "fk_")
MAX_ORDER_DAYS = 366  # a dispatch order spans at most a year
MAX_PLAN_DAYS = 92  # planned versus actual is shown over at most three months


# --- producers --------------------------------------------------------------------------------


def _clean_producer(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    clean["name"] = clean_line(
        data.get("name"), field="name", limit=100, required=_("Enter the producer's name.")
    )
    store = data.get("delivers_to")
    if not isinstance(store, Store) or not store.active:
        raise ActionError(
            _("Choose an open store the producer delivers to."),
            code="bad_store",
            field="delivers_to",
        )
    clean["delivers_to"] = store
    division = data.get("division") or store.division
    if not isinstance(division, Division) or not division.active or division.level > Level.VILLAGE:
        raise ActionError(
            _("A producer belongs to an active division from the province down to a village."),
            code="bad_division",
            field="division",
        )
    clean["division"] = division
    clean["division_path"] = division.path
    clean["address"] = clean_line(data.get("address"), field="address", limit=200)
    clean["longitude"] = coordinate(data.get("longitude"), "longitude", 180)
    clean["latitude"] = coordinate(data.get("latitude"), "latitude", 90)
    clean["contact_name"] = clean_line(
        data.get("contact_name"),
        field="contact_name",
        limit=50,
        required=_("Enter whom to call at the producer."),
    )
    phone = clean_line(
        data.get("phone"), field="phone", limit=20, required=_("Enter the contact's phone.")
    )
    if not all(c.isdigit() or c in "+- " for c in phone) or sum(c.isdigit() for c in phone) < 5:
        raise ActionError(
            _("Enter a phone number (digits, with + or - if needed)."),
            code="bad_phone",
            field="phone",
        )
    clean["phone"] = phone
    clean["active"] = bool(data.get("active", True))
    return clean


def register_producer(*, actor: User | None, data: Mapping[str, Any]) -> Producer:
    """Register a producer of the actor's area, delivering to a store of the area."""
    clean = _clean_producer(data)
    with transaction.atomic():
        ensure_in_scope(actor, clean["division_path"])
        ensure_in_scope(actor, clean["delivers_to"].division_path)
        if Producer.objects.filter(division=clean["division"], name=clean["name"]).exists():
            raise ActionError(
                _("A producer of this name is registered in this division."),
                code="duplicate_producer",
                field="name",
            )
        producer = Producer.objects.create(**clean)
        record(
            actor=actor,
            action="supplies.producer_register",
            obj=producer,
            division_path=producer.division_path,
            changes={k: str(v) for k, v in clean.items()},
        )
    return producer


def update_producer(*, actor: User | None, producer: Producer, data: Mapping[str, Any]) -> Producer:
    """Change a producer's details, its store or its division (both inside the actor's area)."""
    clean = _clean_producer(data)
    with transaction.atomic():
        producer = Producer.objects.select_for_update().get(pk=producer.pk)
        ensure_in_scope(actor, producer.division_path)
        ensure_in_scope(actor, clean["division_path"])
        if clean["delivers_to"].pk != producer.delivers_to_id:
            ensure_in_scope(actor, clean["delivers_to"].division_path)
        if (
            Producer.objects.exclude(pk=producer.pk)
            .filter(division=clean["division"], name=clean["name"])
            .exists()
        ):
            raise ActionError(
                _("A producer of this name is registered in this division."),
                code="duplicate_producer",
                field="name",
            )
        changes = {}
        for key, value in clean.items():
            if getattr(producer, key) != value:
                changes[key] = [str(getattr(producer, key)), str(value)]
                setattr(producer, key, value)
        producer.save()
        record(
            actor=actor,
            action="supplies.producer_update",
            obj=producer,
            division_path=producer.division_path,
            changes=changes,
        )
    return producer


def set_capacity(
    *, actor: User | None, producer: Producer, item: Any, daily_capacity: Any
) -> ProducerItem:
    """Add an item the producer makes, or change its daily capacity."""
    item = usable_item(item)
    capacity = quantity(daily_capacity, field="daily_capacity", item=item)
    with transaction.atomic():
        producer = Producer.objects.select_for_update().get(pk=producer.pk)
        ensure_in_scope(actor, producer.division_path)
        row, created = ProducerItem.objects.get_or_create(
            producer=producer, item=item, defaults={"daily_capacity": capacity}
        )
        before = None if created else row.daily_capacity
        if not created:
            ProducerItem.objects.filter(pk=row.pk).update(daily_capacity=capacity)
            row.daily_capacity = capacity
        record(
            actor=actor,
            action="supplies.producer_capacity",
            obj=producer,
            division_path=producer.division_path,
            changes={"item": item.code, "daily_capacity": [before, capacity]},
        )
    return row


# --- machine tokens ---------------------------------------------------------------------------


def new_producer_token() -> str:
    return PRODUCER_TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_producer_token(
    *, actor: User, producer: Producer, name: Any
) -> tuple[ProducerToken, str]:
    """A machine token for one producer's reports of output. Returns the token and its raw
    value, which is shown once and stored only hashed."""
    label = clean_line(
        name,
        field="name",
        limit=100,
        required=_("Enter a name for the token (for example “ERP of the plant”)."),
    )
    raw = new_producer_token()
    with transaction.atomic():
        producer = Producer.objects.get(pk=producer.pk)
        ensure_in_scope(actor, producer.division_path)
        token = ProducerToken.objects.create(
            producer=producer,
            name=label,
            prefix=raw[:12],
            key_hash=hash_token(raw),
            created_by=actor,
        )
        record(
            actor=actor,
            action="supplies.producer_token_create",
            obj=token,
            division_path=producer.division_path,
            changes={"producer": producer.pk, "name": label, "prefix": token.prefix},
        )
    return token, raw


def revoke_producer_token(*, actor: User, token: ProducerToken) -> ProducerToken:
    """Revoke a producer's token: from the next request on, it answers 401."""
    with transaction.atomic():
        token = (
            ProducerToken.objects.select_for_update(of=("self",))
            .select_related("producer")
            .get(pk=token.pk)
        )
        ensure_in_scope(actor, token.producer.division_path)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                action="supplies.producer_token_revoke",
                obj=token,
                division_path=token.producer.division_path,
                changes={"revoked": [False, True]},
            )
    return token


def authenticate_producer_token(raw: str) -> ProducerToken | None:
    """The unrevoked producer token with this raw value (its producer loaded), or None. Touches
    ``last_used_at`` at most once a minute."""
    if not raw or not raw.startswith(PRODUCER_TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ProducerToken.objects.select_related("producer")
        .filter(key_hash=hash_token(raw), revoked_at=None)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ProducerToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- dispatch orders --------------------------------------------------------------------------


def _made_by(producer: Producer, item: Any) -> Item:
    item = usable_item(item)
    if not ProducerItem.objects.filter(producer=producer, item=item).exists():
        raise ActionError(
            _("%(producer)s does not make %(item)s: add the item with its capacity first.")
            % {"producer": producer.name, "item": item.name},
            code="item_not_produced",
            field="item",
        )
    return item


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError(_("Enter a date."), code=f"bad_{field}", field=field)
    day = check_date(value, field=field)
    assert day is not None
    return day


def issue_dispatch(
    *,
    actor: User,
    producer: Producer,
    item: Any,
    quantity_value: Any,
    start: Any,
    end: Any,
    note: Any = "",
) -> DispatchOrder:
    """Order so many of an item from a producer between two days (planned evenly per day)."""
    first, last = _day(start, "start"), _day(end, "end")
    if last < first:
        raise ActionError(
            _("The last day cannot be before the first."), code="bad_dates", field="end"
        )
    if (last - first).days >= MAX_ORDER_DAYS:
        raise ActionError(
            _("A dispatch order spans at most %(n)s days.") % {"n": MAX_ORDER_DAYS},
            code="too_long",
            field="end",
        )
    text = clean_line(note, field="note", limit=200)
    with transaction.atomic():
        producer = Producer.objects.select_for_update().get(pk=producer.pk)
        ensure_in_scope(actor, producer.division_path)
        if not producer.active:
            raise ActionError(
                _("This producer is no longer active."), code="producer_inactive", field="producer"
            )
        item = _made_by(producer, item)
        amount = quantity(quantity_value, item=item)
        order = DispatchOrder.objects.create(
            producer=producer,
            item=item,
            division_path=producer.division_path,
            quantity=amount,
            start=first,
            end=last,
            note=text,
            issued_by=actor,
        )
        record(
            actor=actor,
            action="supplies.dispatch_issue",
            obj=order,
            division_path=producer.division_path,
            changes={
                "producer": producer.pk,
                "item": item.code,
                "quantity": amount,
                "start": str(first),
                "end": str(last),
            },
        )
    return order


def close_dispatch(*, actor: User, order: DispatchOrder, state: Any) -> DispatchOrder:
    """Mark an open order completed or cancelled (a cancelled order plans nothing any more)."""
    if state not in (DispatchState.DONE, DispatchState.CANCELLED):
        raise ActionError(
            _("An order is closed as completed or cancelled."), code="bad_state", field="state"
        )
    with transaction.atomic():
        order = DispatchOrder.objects.select_for_update().get(pk=order.pk)
        ensure_in_scope(actor, order.division_path)
        if order.state != DispatchState.OPEN:
            raise Conflict(
                _("This order is closed already (%(state)s).")
                % {"state": order.get_state_display()},
                code="order_closed",
                field="state",
            )
        before = order.state
        order.state = state
        order.save(update_fields=["state"])
        record(
            actor=actor,
            action="supplies.dispatch_close",
            obj=order,
            division_path=order.division_path,
            changes={"state": [before, str(state)]},
        )
    return order


def planned_per_day(order_quantity: int, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """An order's quantity split evenly over its days in whole units: the remainder goes one
    unit a day to the first days (10 over 3 days: 4, 3, 3)."""
    days = (end - start).days + 1
    share, extra = divmod(order_quantity, days)
    return {start + dt.timedelta(days=i): share + (1 if i < extra else 0) for i in range(days)}


# --- output -----------------------------------------------------------------------------------


def report_output(
    *,
    actor: User | None,
    producer: Producer,
    item: Any,
    day: Any,
    quantity_value: Any,
    token: ProducerToken | None = None,
) -> OutputReport:
    """A producer's output of an item on a day: the report and, for a positive quantity, its
    receipt into the store the producer delivers to (a ``production`` movement), in one
    transaction. Zero is a valid report (nothing was made); one report per producer, item and
    day: a second one is refused (409) — a correction is an adjustment of the store."""
    if actor is None and token is None:
        raise RuntimeError("an output report is sent by a person or with a producer's token")
    if token is not None and token.producer_id != producer.pk:
        raise ActionError(_("This token is for another producer."), code="wrong_producer")
    when = business_day(day)
    with transaction.atomic():
        producer = Producer.objects.select_related("delivers_to").get(pk=producer.pk)
        ensure_in_scope(actor, producer.division_path)
        if not producer.active:
            raise ActionError(
                _("This producer is no longer active."), code="producer_inactive", field="producer"
            )
        item = _made_by(producer, item)
        amount = 0 if quantity_value in (0, "0") else quantity(quantity_value, item=item)
        if OutputReport.objects.filter(producer=producer, item=item, day=when).exists():
            raise _already_reported(item, when)
        store = producer.delivers_to
        if not store.active:
            raise ActionError(
                _("The store %(store)s this producer delivers to is closed.")
                % {"store": store.name},
                code="store_closed",
                field="producer",
            )
        movement = None
        if amount:
            movement = post_movement(
                actor=actor,
                store=store,
                item=item,
                kind=MovementKind.PRODUCTION,
                delta=amount,
                day=when,
                reason=_("output of %(producer)s") % {"producer": producer.name},
                producer=producer,
            )
        try:
            with transaction.atomic():
                report = OutputReport.objects.create(
                    producer=producer,
                    item=item,
                    division_path=producer.division_path,
                    day=when,
                    quantity=amount,
                    reported_by=actor,
                    token=token,
                    movement=movement,
                )
        except IntegrityError as exc:  # reported concurrently since the check above
            raise _already_reported(item, when) from exc
        changes: dict[str, Any] = {"item": item.code, "day": str(when), "quantity": amount}
        if token is not None:
            changes["token"] = f"{token.name} ({token.prefix}…)"
            changes["token_id"] = token.pk
        record(
            actor=actor,
            action="supplies.output_report",
            obj=report,
            division_path=producer.division_path,
            changes=changes,
        )
        if amount:
            store_id, item_id = store.pk, item.pk
            check_supply(store_id, [item_id])
    return report


def _already_reported(item: Item, day: dt.date) -> Conflict:
    return Conflict(
        _(
            "The output of %(item)s on %(day)s is reported already; "
            "a correction is an adjustment of the store."
        )
        % {"item": item.name, "day": day.isoformat()},
        code="output_reported",
        field="day",
    )


# --- planned versus actual --------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """Planned and actual output of one item of one producer on one day."""

    day: dt.date
    producer_id: int
    producer: str
    item_id: int
    item: str
    unit: str
    planned: int
    actual: int | None  # None: nothing reported that day

    @property
    def difference(self) -> int:
        return (self.actual or 0) - self.planned


def plan_window(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days shown: the last 14 days by default, at most :data:`MAX_PLAN_DAYS`."""
    last = end or timezone.localdate()
    first = start or last - dt.timedelta(days=13)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_PLAN_DAYS:
        first = last - dt.timedelta(days=MAX_PLAN_DAYS - 1)
    return first, last


def planned_versus_actual(
    producers: Iterable[Producer] | Any, start: dt.date, end: dt.date
) -> list[PlanRow]:
    """Planned (open and completed orders, split per day) and reported output per producer, item
    and day between ``start`` and ``end``, for the given producers (a queryset of the user's
    area or one producer): two queries whatever the number of days or producers."""
    orders = (
        DispatchOrder.objects.filter(producer__in=producers, start__lte=end, end__gte=start)
        .exclude(state=DispatchState.CANCELLED)
        .values_list(
            "producer_id",
            "producer__name",
            "item_id",
            "item__name",
            "item__unit",
            "quantity",
            "start",
            "end",
        )
    )
    planned: dict[tuple[dt.date, int, int], int] = defaultdict(int)
    names: dict[tuple[int, int], tuple[str, str, str]] = {}
    for producer_id, pname, item_id, iname, unit, amount, first, last in orders:
        names[(producer_id, item_id)] = (pname, iname, unit)
        for day, share in planned_per_day(amount, first, last).items():
            if start <= day <= end:
                planned[(day, producer_id, item_id)] += share
    actual: dict[tuple[dt.date, int, int], int] = {}
    reports = (
        OutputReport.objects.filter(producer__in=producers, day__gte=start, day__lte=end)
        .values_list("day", "producer_id", "producer__name", "item_id", "item__name", "item__unit")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for day, producer_id, pname, item_id, iname, unit, total in reports:
        names[(producer_id, item_id)] = (pname, iname, unit)
        actual[(day, producer_id, item_id)] = int(total)
    rows = []
    for key in set(planned) | set(actual):
        day, producer_id, item_id = key
        pname, iname, unit = names[(producer_id, item_id)]
        rows.append(
            PlanRow(
                day, producer_id, pname, item_id, iname, unit, planned.get(key, 0), actual.get(key)
            )
        )
    rows.sort(key=lambda r: (r.day, r.producer, r.item))
    return rows


def plan_totals(rows: Iterable[PlanRow]) -> list[dict[str, Any]]:
    """The window's totals per producer and item, with the share of the plan achieved."""
    totals: dict[tuple[int, int], dict[str, Any]] = {}
    for r in rows:
        t = totals.setdefault(
            (r.producer_id, r.item_id),
            {
                "producer_id": r.producer_id,
                "producer": r.producer,
                "item": r.item,
                "unit": r.unit,
                "planned": 0,
                "actual": 0,
            },
        )
        t["planned"] += r.planned
        t["actual"] += r.actual or 0
    out = sorted(totals.values(), key=lambda t: (t["producer"], t["item"]))
    for t in out:
        t["rate"] = round(100 * t["actual"] / t["planned"]) if t["planned"] else None
    return out


def plan_chart(rows: Iterable[PlanRow], start: dt.date, end: dt.date) -> dict[str, Any]:
    """The chart's data: the days, and per item (summed over the producers shown) a planned
    and an actual series, ``{day: quantity}``."""
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    series: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        per_item = series.setdefault(r.item, {"planned": {}, "actual": {}})
        key = r.day.isoformat()
        per_item["planned"][key] = per_item["planned"].get(key, 0) + r.planned
        if r.actual is not None:
            per_item["actual"][key] = per_item["actual"].get(key, 0) + r.actual
    return {
        "days": days,
        "labels": {"planned": _("planned"), "actual": _("actual")},
        "items": [
            {"name": name, "planned": s["planned"], "actual": s["actual"]}
            for name, s in sorted(series.items())
        ],
    }


__all__ = [
    "MAX_QUANTITY",
    "PRODUCER_TOKEN_PREFIX",
    "authenticate_producer_token",
    "close_dispatch",
    "create_producer_token",
    "issue_dispatch",
    "plan_chart",
    "plan_totals",
    "plan_window",
    "planned_per_day",
    "planned_versus_actual",
    "register_producer",
    "report_output",
    "revoke_producer_token",
    "set_capacity",
    "update_producer",
]
