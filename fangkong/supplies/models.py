"""Supplies (物资保障, point 9 of the notice): the catalogue, the stores, a stock ledger that is
never edited, requests and their allocation, production dispatch and donations.

Quantities are whole numbers of the item's unit (只, 件, 副, 瓶, 盒, 台): an item sold by weight
or volume is catalogued in a unit that is counted (a 500 ml bottle, a 5 kg drum), so a
fraction is always a mistake and sums are exact on every database (docs/supplies.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.supplies.choices import (
    DispatchState,
    DonorKind,
    ItemCategory,
    MovementKind,
    Priority,
    RequestState,
    ShipmentState,
    StoreKind,
    SupplyUrgency,
)

PATTERN = ["varchar_pattern_ops"]


class Item(models.Model):
    """An item of the catalogue (medical protective mask GB 19083, surgical mask YY 0469…),
    counted in ``unit``. ``alert_days``: below this many days of supply a store's stock raises
    an alert (the setting ``FANGKONG_SUPPLY_ALERT_DAYS`` when empty)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=ItemCategory.choices)
    unit = models.CharField(_("unit"), max_length=10)
    standard = models.CharField(_("standard"), max_length=40, blank=True)
    alert_days = models.PositiveSmallIntegerField(_("alert below days of supply"), null=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """Where stock is held: a warehouse of a division (the province's reserve, a city's) or the
    store of a medical facility. ``division_path`` is its division's path; a facility's store
    copies the facility's coordinates so that allocation can measure distances."""

    scope_path_field = "division_path"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=StoreKind.choices)
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    facility = models.OneToOneField(
        "medical.Facility",
        verbose_name=_("medical facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="store",
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.COMMUNITY
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["division_path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="store_unique_name"),
        ]
        indexes = [
            models.Index(fields=["division_path"], name="store_path_idx", opclasses=PATTERN),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("supplies:store", args=[self.pk])


class Stock(models.Model):
    """Stock on hand of one item in one store: kept only by the action that writes the ledger
    (``actions.post_movement``), with a conditional ``UPDATE`` so that it never goes below zero;
    the nightly reconciliation proves it equal to the sum of the ledger."""

    scope_path_field = "division_path"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stock")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    division_path = models.CharField(_("division path"), max_length=128)
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["store_id", "item_id"]  # by key: a sort on names would join and spill
        constraints = [
            models.UniqueConstraint(fields=["store", "item"], name="stock_unique_item"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="stock_not_negative"),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "item"],
                name="stock_path_item_idx",
                opclasses=[*PATTERN, ""],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store}·{self.item}: {self.on_hand}"


class Movement(models.Model):
    """One movement of stock (a row of the ledger): never edited or deleted, which the database
    enforces with triggers (migration 0002); a mistake is corrected by a new movement that
    names the one it corrects. ``quantity`` is signed (in: positive, out: negative) and
    ``balance`` is the store's stock of the item right after it. ``day`` is the business day
    (Beijing time) it counts for, e.g. the day of consumption reported."""

    scope_path_field = "division_path"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    division_path = models.CharField(_("division path"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.BigIntegerField(_("quantity"))
    balance = models.BigIntegerField(_("balance after"))
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    counterpart = models.ForeignKey(
        Store,
        verbose_name=_("from or to store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT
    )
    request = models.ForeignKey(
        "SupplyRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipment = models.ForeignKey(
        "Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    donation = models.ForeignKey(
        "Donation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    producer = models.ForeignKey(
        "Producer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    count = models.ForeignKey(
        "StockCount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="movement_not_zero"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="movement_balance"),
        ]
        indexes = [
            models.Index(fields=["store", "item", "day"], name="movement_store_item_day_idx"),
            models.Index(
                fields=["division_path", "id"], name="movement_path_idx", opclasses=[*PATTERN, ""]
            ),
            # the consumption of the last days over an area (days of supply, low supply)
            models.Index(
                fields=["day", "division_path"],
                name="movement_consumption_idx",
                condition=models.Q(kind="consumption"),
                opclasses=["", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["donation", "id"],
                name="movement_donation_idx",
                condition=models.Q(donation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.store} {self.item} {self.quantity:+d}"


class StockCount(models.Model):
    """A stock count (盘点) of a store on a day: the counted quantities beside the book's, the
    differences booked as movements of kind ``count`` in the same action."""

    scope_path_field = "division_path"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="counts")
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.store} {self.day}"


class StockCountLine(models.Model):
    """One item of a stock count: what the book said, what was counted, the difference."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    expected = models.BigIntegerField(_("in the book"))
    counted = models.BigIntegerField(_("counted"))

    class Meta:
        verbose_name = _("counted item")
        verbose_name_plural = _("counted items")
        constraints = [
            models.UniqueConstraint(fields=["count", "item"], name="countline_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.expected} → {self.counted}"

    @property
    def difference(self) -> int:
        return self.counted - self.expected


class Reconciliation(models.Model):
    """One run of the nightly check that every stock balance equals the sum of its ledger:
    how many balances it checked, how long it took and each difference it found."""

    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    checked = models.PositiveIntegerField(_("balances checked"))
    movements = models.BigIntegerField(_("movements summed"))
    differences = models.JSONField(_("differences"), default=list)
    took_ms = models.PositiveIntegerField(_("took (ms)"))

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {len(self.differences)}"


class SupplyRequest(models.Model):
    """A request for supplies (物资申请) from a store (a facility's or a division's warehouse)
    to a division above it, whose supplies office approves it fully, partly or not, allocates
    it from its stores and ships it; the requester confirms what arrived. The part the
    division cannot give may be forwarded to the level above (``forwarded_from``)."""

    scope_path_field = "division_path"

    store = models.ForeignKey(
        Store, verbose_name=_("for store"), on_delete=models.PROTECT, related_name="requests"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    addressed_to = models.ForeignKey(
        "regions.Division",
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    addressed_path = models.CharField(_("addressed to path"), max_length=128)
    forwarded_from = models.ForeignKey(
        "self",
        verbose_name=_("forwarded from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwards",
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=SupplyUrgency.choices, default=SupplyUrgency.ROUTINE
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(
        _("state"), max_length=16, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason of the decision"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supply request")
        verbose_name_plural = _("supply requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="request_path_idx", opclasses=[*PATTERN, ""]
            ),
            models.Index(
                fields=["addressed_path", "state"],
                name="request_addressed_idx",
                opclasses=[*PATTERN, ""],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("supplies:request", args=[self.pk])


class RequestLine(models.Model):
    """One item of a request: asked, approved (once decided), shipped and received."""

    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("requested"))
    approved = models.BigIntegerField(_("approved"), null=True, blank=True)
    shipped = models.BigIntegerField(_("shipped"), default=0)
    received = models.BigIntegerField(_("received"), default=0)

    class Meta:
        verbose_name = _("requested item")
        verbose_name_plural = _("requested items")
        ordering = ["request", "item"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="requestline_unique_item"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="requestline_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class AllocationPlan(models.Model):
    """An allocation plan (调配方案) proposed by the solver when the requests addressed to a
    division ask for more than its stores hold: who gets what from where, adjustable by the
    officer before confirming; what stays unmet is kept with the plan."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unmet = models.JSONField(_("unmet demand"), default=list)
    took_ms = models.PositiveIntegerField(_("solved in (ms)"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation plan")
        verbose_name_plural = _("allocation plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.division_path} {self.created_at:%Y-%m-%d %H:%M}"


class PlanLine(models.Model):
    """One arc of an allocation plan: so many of a requested item from a store."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(RequestLine, on_delete=models.CASCADE, related_name="+")
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    distance_km = models.FloatField(_("distance (km)"), null=True)

    class Meta:
        verbose_name = _("planned allocation")
        verbose_name_plural = _("planned allocations")

    def __str__(self) -> str:
        return f"{self.from_store_id} → {self.line_id} × {self.quantity}"


class Shipment(models.Model):
    """So many of one requested item from one store to the requesting store: allocated, shipped
    (a transfer out of the source) and received (a transfer in, of what actually arrived, never
    more than was shipped)."""

    scope_path_field = "division_path"

    request = models.ForeignKey(SupplyRequest, on_delete=models.PROTECT, related_name="shipments")
    line = models.ForeignKey(RequestLine, on_delete=models.PROTECT, related_name="shipments")
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    division_path = models.CharField(_("division path"), max_length=128)
    from_path = models.CharField(_("from division path"), max_length=128)
    quantity = models.BigIntegerField(_("quantity"))
    state = models.CharField(
        _("state"), max_length=12, choices=ShipmentState.choices, default=ShipmentState.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_quantity = models.BigIntegerField(_("received"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["request", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="shipment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.from_store_id} → #{self.request_id} {self.item_id} × {self.quantity}"


class Producer(models.Model):
    """An enterprise producing supplies (生产企业) under dispatch: its items and daily capacity,
    where it is and whom to call; what it reports as produced is received into
    ``delivers_to`` (the reserve it delivers to)."""

    scope_path_field = "division_path"

    name = models.CharField(_("name"), max_length=100)
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    delivers_to = models.ForeignKey(
        Store, verbose_name=_("delivers to"), on_delete=models.PROTECT, related_name="producers"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["division_path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="producer_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("supplies:producer", args=[self.pk])


class ProducerItem(models.Model):
    """An item a producer makes and how many a day it can."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    daily_capacity = models.BigIntegerField(_("daily capacity"))

    class Meta:
        verbose_name = _("item produced")
        verbose_name_plural = _("items produced")
        constraints = [
            models.UniqueConstraint(fields=["producer", "item"], name="produceritem_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.daily_capacity}/d"


class ProducerToken(models.Model):
    """A machine token of one producer (its own system reports output through the API): stored
    hashed like ``accounts.ApiToken``, good for that producer's reports only."""

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("producer token")
        verbose_name_plural = _("producer tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DispatchOrder(models.Model):
    """A production dispatch order (生产调度令): so many of an item from a producer between two
    days, planned evenly over those days."""

    scope_path_field = "division_path"

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="orders")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    division_path = models.CharField(_("division path"), max_length=128)
    quantity = models.BigIntegerField(_("quantity"))
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    state = models.CharField(
        _("state"), max_length=10, choices=DispatchState.choices, default=DispatchState.OPEN
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispatch order")
        verbose_name_plural = _("dispatch orders")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="dispatch_positive"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="dispatch_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer_id} {self.item_id} × {self.quantity} {self.start}–{self.end}"


class OutputReport(models.Model):
    """A producer's output of an item on a day, reported through the form or with its machine
    token; received into the producer's store by the same action (``movement``)."""

    scope_path_field = "division_path"

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="outputs")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    quantity = models.BigIntegerField(_("produced"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.ForeignKey(
        ProducerToken, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    movement = models.ForeignKey(
        Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("output report")
        verbose_name_plural = _("output reports")
        ordering = ["-day", "producer", "item"]
        constraints = [
            models.UniqueConstraint(fields=["producer", "item", "day"], name="output_unique_day"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="output_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.producer_id} {self.item_id} {self.day}: {self.quantity}"


class Donation(models.Model):
    """A donation received (捐赠): who gave it, when, what, and the organisation whose store
    received it. Where the goods went is in the ledger (movements carrying ``donation``); the
    public page shows both without login when ``public``."""

    scope_path_field = "division_path"

    donor = models.CharField(_("donor"), max_length=100)
    donor_kind = models.CharField(_("kind of donor"), max_length=16, choices=DonorKind.choices)
    received_on = models.DateField(_("received on"))
    store = models.ForeignKey(
        Store, verbose_name=_("received into"), on_delete=models.PROTECT, related_name="donations"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    receiving_org = models.CharField(_("receiving organisation"), max_length=100)
    public = models.BooleanField(_("shown in public"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["public", "received_on"], name="donation_public_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.donor} {self.received_on}"


class DonationLine(models.Model):
    """One item of a donation: how much came and how much of it has been passed on."""

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    distributed = models.BigIntegerField(_("passed on"), default=0)

    class Meta:
        verbose_name = _("donated item")
        verbose_name_plural = _("donated items")
        constraints = [
            models.UniqueConstraint(fields=["donation", "item"], name="donationline_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="donationline_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(distributed__lte=models.F("quantity"))
                & models.Q(distributed__gte=0),
                name="donationline_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"
