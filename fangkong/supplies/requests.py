"""Supply requests and their allocation (物资申请与调配, issue #12): every write, each audited in
its transaction with the request's path (so the requester sees every step) and kept inside the
actor's jurisdiction.

The flow: a store of the actor's area asks a division above it (:func:`submit_request`); that
division's supplies office approves fully, partly or refuses (:func:`decide`), allocates from
one or more stores of its area (:func:`allocate`, or an allocation plan: :func:`propose_plan`,
:func:`confirm_plan`), forwards what it cannot give to the level above (:func:`forward_rest`),
ships (:func:`ship`: a transfer out of the source) and the requester confirms what arrived
(:func:`confirm_receipt`: a transfer in, never more than shipped). Stock moves only through
``actions.post_movement``. See docs/supplies-requests.md.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope, path_in_scope
from fangkong.core.validators import clean_line
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.supplies import allocation
from fangkong.supplies.actions import (
    ancestor_paths,
    check_supply,
    post_movement,
    quantity,
    usable_item,
)
from fangkong.supplies.choices import (
    MovementKind,
    RequestState,
    ShipmentState,
    StoreKind,
    SupplyUrgency,
)
from fangkong.supplies.models import (
    AllocationPlan,
    Item,
    PlanLine,
    RequestLine,
    Shipment,
    Stock,
    Store,
    SupplyRequest,
)

if TYPE_CHECKING:
    from fangkong.accounts.models import User

DECIDED = (
    RequestState.APPROVED,
    RequestState.PARTLY_APPROVED,
    RequestState.REFUSED,
    RequestState.SHIPPED,
    RequestState.RECEIVED,
)
# States in which approved quantities may still be allocated.
ALLOCATABLE = (RequestState.APPROVED, RequestState.PARTLY_APPROVED, RequestState.SHIPPED)
LIVE_SHIPMENT = (ShipmentState.PLANNED, ShipmentState.SHIPPED, ShipmentState.RECEIVED)


# --- reading a request's progress -------------------------------------------------------------


@dataclass
class LineProgress:
    """Where one requested item stands: asked, approved, allocated to shipments, forwarded to
    the level above, shipped, received, and what is still open to allocate."""

    line: RequestLine
    allocated: int
    forwarded: int

    @property
    def open(self) -> int:
        """Approved and neither allocated nor forwarded yet."""
        return max(0, (self.line.approved or 0) - self.allocated - self.forwarded)

    @property
    def rest(self) -> int:
        """Asked and neither allocated here nor forwarded yet (what forwarding would send)."""
        return max(0, self.line.quantity - self.allocated - self.forwarded)


def progress(request: SupplyRequest) -> list[LineProgress]:
    """Per line of the request, in three queries."""
    lines = list(request.lines.select_related("item").order_by("item__code"))
    allocated = dict(
        Shipment.objects.filter(request=request, state__in=LIVE_SHIPMENT)
        .values_list("line_id")
        .annotate(total=Sum("quantity"))
    )
    forwarded = dict(
        RequestLine.objects.filter(request__forwarded_from=request)
        .exclude(request__state=RequestState.CANCELLED)
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
    )
    return [
        LineProgress(line, int(allocated.get(line.pk, 0)), int(forwarded.get(line.item_id, 0)))
        for line in lines
    ]


def default_addressee(division: Division) -> Division | None:
    """Whom a store of ``division`` asks by default: the nearest division strictly above it at
    prefecture level or higher (a county's, a township's or a facility's store asks its city;
    a city's asks the province); None for the province itself."""
    ancestors = {
        d.path: d
        for d in Division.objects.filter(path__in=ancestor_paths(division.path)).exclude(
            pk=division.pk
        )
    }
    for path in sorted(ancestors, key=len, reverse=True):
        if ancestors[path].level <= Level.PREFECTURE:
            return ancestors[path]
    return None


def addressees(division: Division) -> list[Division]:
    """The divisions a store of ``division`` may ask: every one strictly above it, nearest
    first."""
    return list(
        Division.objects.filter(path__in=ancestor_paths(division.path))
        .exclude(pk=division.pk)
        .order_by("-level")
    )


# --- helpers ----------------------------------------------------------------------------------


def _notify_officers(division: Division, title: str, body: str, link: str, key: str) -> None:
    from fangkong.accounts.models import User
    from fangkong.accounts.roles import Role, group_name
    from fangkong.notifications.actions import notify
    from fangkong.notifications.models import Kind

    officers = User.objects.filter(
        is_active=True, groups__name=group_name(Role.SUPPLIES_OFFICER), home_division=division
    ).distinct()
    notify(officers, kind=Kind.OTHER, title=title, body=body, link=link, key=key)


def _notify_requester(request: SupplyRequest, title: str, body: str, key: str) -> None:
    from fangkong.accounts.models import User
    from fangkong.notifications.actions import notify
    from fangkong.notifications.models import Kind

    people = User.objects.filter(pk=request.requested_by_id, is_active=True)
    notify(
        people, kind=Kind.OTHER, title=title, body=body, link=request.get_absolute_url(), key=key
    )


def _locked(request: SupplyRequest) -> SupplyRequest:
    locked: SupplyRequest = (
        SupplyRequest.objects.select_for_update()
        .select_related("store", "addressed_to")
        .get(pk=request.pk)
    )
    return locked


def _check_officer(actor: User | None, request: SupplyRequest) -> None:
    """Only the supplies office of the division a request is addressed to acts on it."""
    if actor is None:
        return
    if getattr(actor, "home_division_id", None) != request.addressed_to_id:
        raise ActionError(
            _(
                "This request is addressed to %(division)s: its supplies office decides, "
                "allocates and forwards it."
            )
            % {"division": request.addressed_to.name},
            code="not_addressed_to_you",
        )


def _store_not_found() -> ActionError:
    return ActionError(
        _("No such store in your jurisdiction."), code="unknown_store", field="from_store"
    )


def _request_state(request: SupplyRequest, rows: list[LineProgress]) -> str:
    """The state after a shipment moved: received when every live shipment arrived and nothing
    approved is still open; shipped when anything left; else the decision's."""
    shipments = list(
        Shipment.objects.filter(request=request, state__in=LIVE_SHIPMENT).values_list(
            "state", flat=True
        )
    )
    if not shipments:
        return request.state
    if all(s == ShipmentState.RECEIVED for s in shipments) and not any(r.open for r in rows):
        return RequestState.RECEIVED
    if any(s != ShipmentState.PLANNED for s in shipments):
        return RequestState.SHIPPED
    return request.state


# --- submit -----------------------------------------------------------------------------------


def submit_request(
    *,
    actor: User | None,
    store: Store,
    addressed_to: Division | None = None,
    urgency: Any = SupplyUrgency.ROUTINE,
    reason: Any = "",
    lines: Mapping[Any, Any],
    forwarded_from: SupplyRequest | None = None,
) -> SupplyRequest:
    """A store of the actor's area asks a division above it for items (``lines``: item →
    quantity; empty quantities are skipped). ``addressed_to`` defaults to
    :func:`default_addressee`. The supplies officers of that division are notified."""
    if urgency not in SupplyUrgency.values:
        raise ActionError(_("Choose the urgency."), code="bad_urgency", field="urgency")
    text = clean_line(
        reason, field="reason", limit=500, required=_("Say why the supplies are needed.")
    )
    cleaned: dict[Item, int] = {}
    for key, value in lines.items():
        item = usable_item(key)
        if value in (None, ""):
            continue
        cleaned[item] = quantity(value, item=item, field=f"item_{item.pk}")
    if not cleaned:
        raise ActionError(
            _("Enter the quantity of at least one item."), code="nothing_requested", field="lines"
        )
    with transaction.atomic():
        store = Store.objects.select_related("division").get(pk=store.pk)
        ensure_in_scope(actor, store.division_path)
        if not store.active:
            raise ActionError(_("This store is closed."), code="store_closed", field="store")
        target = addressed_to or default_addressee(store.division)
        if target is None:
            raise ActionError(
                _("The province's stores have no level above to ask."),
                code="no_addressee",
                field="addressed_to",
            )
        if not (
            isinstance(target, Division)
            and store.division_path.startswith(target.path)
            and target.pk != store.division_id
        ):
            raise ActionError(
                _("A request goes to a division above the store's."),
                code="bad_addressee",
                field="addressed_to",
            )
        requester = forwarded_from.requested_by if forwarded_from else actor
        if requester is None:
            raise ActionError(_("A request is made by a person."), code="no_requester")
        request = SupplyRequest.objects.create(
            store=store,
            division_path=store.division_path,
            addressed_to=target,
            addressed_path=target.path,
            forwarded_from=forwarded_from,
            urgency=urgency,
            priority=store.priority,
            reason=text,
            requested_by=requester,
        )
        RequestLine.objects.bulk_create(
            RequestLine(request=request, item=item, quantity=n) for item, n in cleaned.items()
        )
        record(
            actor=actor,
            action="supplies.request_submit",
            obj=request,
            division_path=request.division_path,
            changes={
                "store": store.name,
                "addressed_to": target.name,
                "urgency": urgency,
                "reason": text,
                "forwarded_from": forwarded_from.pk if forwarded_from else None,
                **{item.code: n for item, n in cleaned.items()},
            },
        )
        title = _("Supply request from %(store)s") % {"store": store.name}
        body = ", ".join(f"{item.name} {n:,} {item.unit}" for item, n in cleaned.items())
        _notify_officers(
            target, title, body, request.get_absolute_url(), f"supplies:request:{request.pk}"
        )
    return request


# --- decide -----------------------------------------------------------------------------------


def decide(
    *,
    actor: User | None,
    request: SupplyRequest,
    approved: Mapping[Any, Any],
    reason: Any = "",
) -> SupplyRequest:
    """The addressed division's supplies office approves each item fully, partly or not
    (``approved``: item → quantity, a missing item or 0 being none of it). Less than asked
    needs a reason; more than asked is refused."""
    text = clean_line(reason, field="reason", limit=500)
    with transaction.atomic():
        request = _locked(request)
        ensure_in_scope(actor, request.division_path)
        _check_officer(actor, request)
        if request.state != RequestState.SUBMITTED:
            raise ActionError(_("This request has been decided already."), code="already_decided")
        lines = list(request.lines.select_related("item"))
        by_item = {line.item_id: line for line in lines}
        given: dict[int, int] = {}
        for key, value in approved.items():
            item = key if isinstance(key, Item) else None
            if item is None or item.pk not in by_item:
                raise ActionError(
                    _("Approve only the items requested."), code="unknown_item", field="item"
                )
            field = f"item_{item.pk}"
            n = 0 if value in (None, "", 0, "0") else quantity(value, item=item, field=field)
            if n > by_item[item.pk].quantity:
                raise ActionError(
                    _("At most the %(asked)s %(unit)s requested of %(item)s can be approved.")
                    % {
                        "asked": f"{by_item[item.pk].quantity:,}",
                        "unit": item.unit,
                        "item": item.name,
                    },
                    code="more_than_requested",
                    field=field,
                )
            given[item.pk] = n
        total = sum(given.values())
        full = all(given.get(line.item_id, 0) == line.quantity for line in lines)
        if not full and not text:
            raise ActionError(
                _("Say why less than requested is approved."),
                code="reason_required",
                field="reason",
            )
        for line in lines:
            line.approved = given.get(line.item_id, 0)
        RequestLine.objects.bulk_update(lines, ["approved"])
        request.state = (
            RequestState.APPROVED
            if full
            else (RequestState.PARTLY_APPROVED if total else RequestState.REFUSED)
        )
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_reason = text
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        record(
            actor=actor,
            action="supplies.request_decide",
            obj=request,
            division_path=request.division_path,
            changes={
                "state": request.state,
                "reason": text,
                **{line.item.code: [line.quantity, line.approved] for line in lines},
            },
        )
        title = _("Your supply request #%(n)s: %(state)s") % {
            "n": request.pk,
            "state": request.get_state_display(),
        }
        _notify_requester(request, title, text, f"supplies:request:{request.pk}:decided")
    return request


# --- allocate and forward -------------------------------------------------------------------


def _allocate(
    actor: User | None,
    request: SupplyRequest,
    allocations: Sequence[tuple[RequestLine, Store, int]],
) -> list[Shipment]:
    """Inside the caller's transaction, with the request locked: check and create shipments."""
    rows = {row.line.pk: row for row in progress(request)}
    wanted: dict[int, int] = defaultdict(int)
    pairs: set[tuple[int, int]] = set()
    for line, store, n in allocations:
        if line.pk not in rows:
            raise ActionError(
                _("Allocate only the items of this request."), code="unknown_line", field="line"
            )
        if (line.pk, store.pk) in pairs:
            raise ActionError(
                _("Each store appears once per item."), code="duplicate_store", field="from_store"
            )
        pairs.add((line.pk, store.pk))
        wanted[line.pk] += n
    for line_id, n in wanted.items():
        row = rows[line_id]
        if n > row.open:
            raise ActionError(
                _("%(item)s: %(open)s %(unit)s approved are still to allocate, %(want)s allocated.")
                % {
                    "item": row.line.item.name,
                    "open": f"{row.open:,}",
                    "unit": row.line.item.unit,
                    "want": f"{n:,}",
                },
                code="more_than_approved",
                field="quantity",
            )
    stores = Store.objects.in_bulk({store.pk for _l, store, _n in allocations})
    shipments = []
    for line, store, n in allocations:
        source = stores.get(store.pk)
        if source is None or (actor is not None and not path_in_scope(actor, source.division_path)):
            raise _store_not_found()
        ensure_in_scope(actor, source.division_path)
        if source.pk == request.store_id:
            raise ActionError(
                _("A store cannot supply its own request."), code="same_store", field="from_store"
            )
        if not source.active:
            raise ActionError(_("This store is closed."), code="store_closed", field="from_store")
        shipments.append(
            Shipment(
                request=request,
                line=rows[line.pk].line,
                from_store=source,
                item_id=rows[line.pk].line.item_id,
                division_path=request.division_path,
                from_path=source.division_path,
                quantity=n,
                created_by=actor,
            )
        )
    created = [*Shipment.objects.bulk_create(shipments)] if shipments else []
    if not created:
        raise ActionError(_("Enter a quantity from at least one store."), code="nothing_allocated")
    return created


def allocate(
    *,
    actor: User | None,
    request: SupplyRequest,
    allocations: Sequence[tuple[RequestLine, Store | None, Any]],
) -> list[Shipment]:
    """Allocate approved quantities from stores of the approver's area: one shipment per item
    and store (planned; stock is taken when shipped). In total per item at most what is
    approved and not yet allocated or forwarded. A store outside the area answers as a store
    that does not exist."""
    if actor is None:
        raise ActionError(_("An allocation is made by a person."), code="no_allocator")
    cleaned: list[tuple[RequestLine, Store, int]] = []
    for line, store, value in allocations:
        if value in (None, "", 0, "0"):
            continue
        if not isinstance(store, Store):
            raise _store_not_found()
        cleaned.append((line, store, quantity(value, item=line.item, field="quantity")))
    with transaction.atomic():
        request = _locked(request)
        ensure_in_scope(actor, request.division_path)
        _check_officer(actor, request)
        if request.state not in ALLOCATABLE:
            raise ActionError(
                _("Only an approved request is allocated."), code="not_approved", field=None
            )
        created = _allocate(actor, request, cleaned)
        record(
            actor=actor,
            action="supplies.request_allocate",
            obj=request,
            division_path=request.division_path,
            changes={
                "shipments": [
                    {"item": s.item_id, "from": s.from_store.name, "quantity": s.quantity}
                    for s in created
                ]
            },
        )
    return created


def forward_rest(*, actor: User | None, request: SupplyRequest, reason: Any = "") -> SupplyRequest:
    """Forward what this division does not give (asked, neither allocated here nor forwarded
    already) to the division above it, as a new request of the same store that names this
    one. The request must have been decided (fully, partly or refused for lack of stock)."""
    text = clean_line(
        reason, field="reason", limit=500, required=_("Say why the rest is forwarded.")
    )
    with transaction.atomic():
        request = _locked(request)
        ensure_in_scope(actor, request.division_path)
        _check_officer(actor, request)
        if request.state not in DECIDED:
            raise ActionError(
                _("Decide the request before forwarding what is left of it."),
                code="not_decided",
            )
        parent = (
            Division.objects.filter(pk=request.addressed_to.parent_id).first()
            if request.addressed_to.parent_id
            else None
        )
        if parent is None:
            raise ActionError(
                _("%(division)s has no level above to forward to.")
                % {"division": request.addressed_to.name},
                code="no_level_above",
            )
        rest = {row.line.item: row.rest for row in progress(request) if row.rest > 0}
        if not rest:
            raise ActionError(
                _("Nothing is left to forward: every item is allocated or forwarded."),
                code="nothing_to_forward",
            )
        forwarded = submit_request(
            actor=actor,  # filed by the officer, on the requester's behalf (requested_by)
            store=request.store,
            addressed_to=parent,
            urgency=request.urgency,
            reason=_("Forwarded by %(division)s: %(reason)s")
            % {"division": request.addressed_to.name, "reason": text},
            lines=rest,
            forwarded_from=request,
        )
        record(
            actor=actor,
            action="supplies.request_forward",
            obj=request,
            division_path=request.division_path,
            changes={
                "to": parent.name,
                "request": forwarded.pk,
                "reason": text,
                **{item.code: n for item, n in rest.items()},
            },
        )
        title = _("Your supply request #%(n)s was forwarded to %(division)s") % {
            "n": request.pk,
            "division": parent.name,
        }
        _notify_requester(request, title, text, f"supplies:request:{request.pk}:forwarded")
    return forwarded


# --- ship and receive -------------------------------------------------------------------------


def ship(*, actor: User | None, shipment: Shipment) -> Shipment:
    """Ship an allocated shipment: the quantity leaves the source store (a transfer out). Not
    enough in stock is refused and nothing is written."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("request", "from_store", "item", "request__store")
            .get(pk=shipment.pk)
        )
        ensure_in_scope(actor, shipment.from_path)
        if shipment.state != ShipmentState.PLANNED:
            raise ActionError(_("This shipment has left already."), code="already_shipped")
        request = _locked(shipment.request)
        post_movement(
            actor=actor,
            store=shipment.from_store,
            item=shipment.item,
            kind=MovementKind.TRANSFER_OUT,
            delta=-shipment.quantity,
            reason=_("request #%(n)s") % {"n": request.pk},
            counterpart=request.store,
            request=request,
            shipment=shipment,
        )
        shipment.state = ShipmentState.SHIPPED
        shipment.shipped_at = timezone.now()
        shipment.save(update_fields=["state", "shipped_at"])
        RequestLine.objects.filter(pk=shipment.line_id).update(
            shipped=F("shipped") + shipment.quantity
        )
        request.state = _request_state(request, progress(request))
        request.save(update_fields=["state"])
        record(
            actor=actor,
            action="supplies.shipment_ship",
            obj=shipment,
            division_path=request.division_path,
            changes={
                "from": shipment.from_store.name,
                "item": shipment.item.code,
                "quantity": shipment.quantity,
            },
        )
        title = _("%(item)s shipped to %(store)s: %(n)s %(unit)s") % {
            "item": shipment.item.name,
            "store": request.store.name,
            "n": f"{shipment.quantity:,}",
            "unit": shipment.item.unit,
        }
        _notify_requester(
            request,
            title,
            _("Confirm what arrives on the request's page."),
            f"supplies:shipment:{shipment.pk}:shipped",
        )
    return shipment


def confirm_receipt(*, actor: User | None, shipment: Shipment, received_quantity: Any) -> Shipment:
    """The requester confirms what arrived (at most what was shipped; 0 if nothing did): it
    enters the requesting store (a transfer in). When every shipment of the request has
    arrived, the request is received. Days of supply are then checked again."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("request", "from_store", "item", "request__store")
            .get(pk=shipment.pk)
        )
        ensure_in_scope(actor, shipment.division_path)
        if shipment.state != ShipmentState.SHIPPED:
            raise ActionError(
                _("Only a shipment on its way can be received."),
                code="not_shipped",
                field="received_quantity",
            )
        item = shipment.item
        if received_quantity in (0, "0"):
            n = 0
        else:
            n = quantity(received_quantity, item=item, field="received_quantity")
        if n > shipment.quantity:
            raise ActionError(
                _(
                    "%(shipped)s %(unit)s were shipped: more cannot be received. "
                    "Book a surplus as a receipt with its reason."
                )
                % {"shipped": f"{shipment.quantity:,}", "unit": item.unit},
                code="more_than_shipped",
                field="received_quantity",
            )
        request = _locked(shipment.request)
        if n:
            post_movement(
                actor=actor,
                store=request.store,
                item=item,
                kind=MovementKind.TRANSFER_IN,
                delta=n,
                reason=_("request #%(n)s") % {"n": request.pk},
                counterpart=shipment.from_store,
                request=request,
                shipment=shipment,
            )
        now = timezone.now()
        shipment.state = ShipmentState.RECEIVED
        shipment.received_quantity = n
        shipment.received_at = now
        shipment.save(update_fields=["state", "received_quantity", "received_at"])
        RequestLine.objects.filter(pk=shipment.line_id).update(received=F("received") + n)
        state = _request_state(request, progress(request))
        if state == RequestState.RECEIVED and request.state != RequestState.RECEIVED:
            request.received_at = now
        request.state = state
        request.save(update_fields=["state", "received_at"])
        record(
            actor=actor,
            action="supplies.shipment_receive",
            obj=shipment,
            division_path=request.division_path,
            changes={"item": item.code, "shipped": shipment.quantity, "received": n},
        )
        store_id, item_id = request.store_id, item.pk
        check_supply(store_id, [item_id])
    return shipment


# --- allocation plans -------------------------------------------------------------------------


def open_lines(division: Division) -> list[LineProgress]:
    """Approved items of the requests addressed to ``division`` not yet fully allocated."""
    requests = list(
        SupplyRequest.objects.filter(addressed_to=division, state__in=ALLOCATABLE)
        .select_related("store")
        .order_by("priority", "created_at")[:5000]
    )
    rows: list[LineProgress] = []
    if not requests:
        return rows
    ids = [r.pk for r in requests]
    by_id = {r.pk: r for r in requests}
    allocated = dict(
        Shipment.objects.filter(request_id__in=ids, state__in=LIVE_SHIPMENT)
        .values_list("line_id")
        .annotate(total=Sum("quantity"))
    )
    forwarded = {
        (origin, item): int(total)
        for origin, item, total in RequestLine.objects.filter(request__forwarded_from_id__in=ids)
        .exclude(request__state=RequestState.CANCELLED)
        .values_list("request__forwarded_from_id", "item_id")
        .annotate(total=Sum("quantity"))
    }
    for line in RequestLine.objects.filter(request_id__in=ids).select_related("item"):
        line.request = by_id[line.request_id]
        row = LineProgress(
            line,
            int(allocated.get(line.pk, 0)),
            forwarded.get((line.request_id, line.item_id), 0),
        )
        if row.open > 0:
            rows.append(row)
    return rows


def available_stock(path: str, item_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """Stock of the warehouses under ``path`` less what planned shipments already promise:
    (store, item) → quantity that may still be allocated."""
    stock = {
        (s, i): int(n)
        for s, i, n in Stock.objects.filter(
            division_path__startswith=path,
            item_id__in=list(item_ids),
            on_hand__gt=0,
            store__active=True,
            store__kind=StoreKind.WAREHOUSE,
        ).values_list("store_id", "item_id", "on_hand")
    }
    promised = (
        Shipment.objects.filter(
            state=ShipmentState.PLANNED,
            from_store_id__in={s for s, _i in stock},
            item_id__in=list(item_ids),
        )
        .values_list("from_store_id", "item_id")
        .annotate(total=Sum("quantity"))
    )
    for s, i, total in promised:
        if (s, i) in stock:
            stock[(s, i)] -= int(total)
    return {k: v for k, v in stock.items() if v > 0}


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def propose_plan(*, actor: User, division: Division) -> AllocationPlan:
    """Propose how the warehouses of ``division``'s area share out what the requests addressed
    to it were approved and still wait for: by priority, then distance (``allocation``). The
    plan is kept for the officer to adjust and confirm; what stays unmet is kept with it."""
    with transaction.atomic():
        ensure_in_scope(actor, division.path)
        if actor is not None and getattr(actor, "home_division_id", None) != division.pk:
            raise ActionError(
                _("Only the supplies office of %(division)s plans its allocation.")
                % {"division": division.name},
                code="not_your_division",
            )
        rows = open_lines(division)
        if not rows:
            raise ActionError(
                _("No approved request addressed to %(division)s waits for allocation.")
                % {"division": division.name},
                code="nothing_to_plan",
            )
        item_ids = sorted({row.line.item_id for row in rows})
        # A store asking for an item is not a source of it (nor of its own request).
        asking = {(row.line.request.store_id, row.line.item_id) for row in rows}
        stock = {
            key: n
            for key, n in available_stock(division.path, item_ids).items()
            if key not in asking
        }
        stores = Store.objects.in_bulk({s for s, _i in stock})
        demands = [
            allocation.Demand(
                key=row.line.pk,
                item=row.line.item_id,
                quantity=row.open,
                priority=row.line.request.priority,
                lon=_float(row.line.request.store.longitude),
                lat=_float(row.line.request.store.latitude),
            )
            for row in rows
        ]
        sources = [
            allocation.Source(
                key=(s, i),
                item=i,
                quantity=n,
                lon=_float(stores[s].longitude),
                lat=_float(stores[s].latitude),
            )
            for (s, i), n in sorted(stock.items())
        ]
        # A store does not supply its own request: its stock is left out of its own demands
        # by giving the request's store no arc (it only matters when a warehouse requests).
        own: dict[Any, int] = {row.line.pk: row.line.request.store_id for row in rows}
        started = time.perf_counter()
        plan_result = allocation.propose(demands, sources)
        took = int((time.perf_counter() - started) * 1000)
        by_line: dict[Any, LineProgress] = {row.line.pk: row for row in rows}
        unmet = [
            {
                "line": key,
                "request": by_line[key].line.request_id,
                "store": by_line[key].line.request.store.name,
                "item": by_line[key].line.item.name,
                "unit": by_line[key].line.item.unit,
                "priority": by_line[key].line.request.priority,
                "wanted": by_line[key].open,
                "unmet": short,
            }
            for key, short in plan_result.unmet.items()
        ]
        plan = AllocationPlan.objects.create(
            division=division,
            division_path=division.path,
            created_by=actor,
            unmet=unmet,
            took_ms=took,
        )
        PlanLine.objects.bulk_create(
            PlanLine(
                plan=plan,
                line_id=cast(int, flow.demand),
                from_store_id=cast(tuple[int, int], flow.source)[0],
                quantity=flow.quantity,
                distance_km=flow.km,
            )
            for flow in plan_result.flows
            if own.get(flow.demand) != cast(tuple[int, int], flow.source)[0]
        )
        record(
            actor=actor,
            action="supplies.plan_propose",
            obj=plan,
            division_path=plan.division_path,
            changes={
                "lines": len(plan_result.flows),
                "unmet": sum(plan_result.unmet.values()),
                "took_ms": took,
            },
        )
    return plan


def confirm_plan(
    *, actor: User | None, plan: AllocationPlan, adjustments: Mapping[int, Any] | None = None
) -> list[Shipment]:
    """Confirm a plan, with the officer's adjustments (plan line id → quantity; 0 drops it):
    each line becomes a planned shipment, checked as :func:`allocate` checks."""
    adjustments = adjustments or {}
    with transaction.atomic():
        plan = AllocationPlan.objects.select_for_update().select_related("division").get(pk=plan.pk)
        ensure_in_scope(actor, plan.division_path)
        if actor is not None and getattr(actor, "home_division_id", None) != plan.division_id:
            raise ActionError(
                _("Only the supplies office of %(division)s confirms its plan.")
                % {"division": plan.division.name},
                code="not_your_division",
            )
        if plan.confirmed_at is not None:
            raise ActionError(_("This plan has been confirmed already."), code="plan_confirmed")
        lines = list(plan.lines.select_related("line__item", "line__request", "from_store"))
        known = {pl.pk for pl in lines}
        if set(adjustments) - known:
            raise ActionError(
                _("Adjust only the lines of this plan."), code="unknown_plan_line", field="lines"
            )
        per_request: dict[int, list[tuple[RequestLine, Store, int]]] = defaultdict(list)
        for pl in lines:
            value = adjustments.get(pl.pk, pl.quantity)
            if value in (None, "", 0, "0"):
                continue
            n = quantity(value, item=pl.line.item, field=f"line_{pl.pk}")
            per_request[pl.line.request_id].append((pl.line, pl.from_store, n))
        if not per_request:
            raise ActionError(_("Every line of the plan is zero."), code="nothing_allocated")
        created: list[Shipment] = []
        for request_id in sorted(per_request):
            request = (
                SupplyRequest.objects.select_for_update()
                .select_related("store", "addressed_to")
                .get(pk=request_id)
            )
            ensure_in_scope(actor, request.division_path)
            if request.addressed_to_id != plan.division_id or request.state not in ALLOCATABLE:
                raise ActionError(
                    _("Request #%(n)s can no longer be allocated.") % {"n": request.pk},
                    code="not_approved",
                )
            created += _allocate(actor, request, per_request[request_id])
        plan.confirmed_at = timezone.now()
        plan.save(update_fields=["confirmed_at"])
        record(
            actor=actor,
            action="supplies.plan_confirm",
            obj=plan,
            division_path=plan.division_path,
            changes={
                "shipments": len(created),
                "adjusted": {str(k): str(v) for k, v in adjustments.items()},
            },
        )
    return created


def waiting_for_decision(user: User) -> int:
    """Requests addressed to the user's home division waiting for a decision."""
    home_id = getattr(user, "home_division_id", None)
    if home_id is None:
        return 0
    return SupplyRequest.objects.filter(
        addressed_to_id=home_id, state=RequestState.SUBMITTED
    ).count()


def to_confirm(user: User) -> int:
    """Shipments on their way to stores of the user's area."""
    return Shipment.objects.visible_to(user).filter(state=ShipmentState.SHIPPED).count()
