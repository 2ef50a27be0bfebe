"""Admission and transfer (收治与转运): the orders that move a patient into a bed, the stays that
hold one, the batch allocation plans, and the province's admission policy.

A ward's ``occupied`` and ``reserved`` (``medical.Ward``) are kept by this app's actions only:
an open order holds one reserved bed of its ward, an open stay one occupied bed."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.jurisdiction import ScopedQuerySet, TwoSidedQuerySet
from fangkong.medical.choices import BedType
from fangkong.treatment.choices import (
    OPEN_STATES,
    OrderKind,
    OrderState,
    PlanState,
    StayEnd,
    Transport,
)


class Order(models.Model):
    """An order to admit a case to a ward (收治) or to transfer it up or down (上转、下转). The
    receiving facility accepts or refuses with a reason; until it accepts, the facility that
    holds the patient (the first-diagnosis clinic at first) stays responsible. An open order
    holds one reserved bed of ``ward``. Seen where the patient lives (``division_path``), by the
    facility the patient leaves (``from_path``) and by the one that receives (``to_path``)."""

    scope_path_fields = ("division_path", "from_path", "to_path")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OrderKind.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=OrderState.choices, default=OrderState.REQUESTED
    )
    transport = models.CharField(
        pgettext_lazy("patient transfer", "transport"),
        max_length=12,
        choices=Transport.choices,
        default=Transport.REQUESTED,
    )
    bed_type = models.CharField(_("bed type"), max_length=20, choices=BedType.choices)
    division_path = models.CharField(_("division path"), max_length=128)
    from_facility = models.ForeignKey(
        "medical.Facility",
        verbose_name=_("leaves from"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    from_path = models.CharField(_("from path"), max_length=128, blank=True)
    to_facility = models.ForeignKey(
        "medical.Facility", verbose_name=_("goes to"), on_delete=models.PROTECT, related_name="+"
    )
    to_path = models.CharField(_("to path"), max_length=128)
    ward = models.ForeignKey(
        "medical.Ward", verbose_name=_("ward"), on_delete=models.PROTECT, related_name="orders"
    )
    distance_km = models.DecimalField(
        _("distance (km)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    refusal = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    plan = models.ForeignKey(
        "Plan",
        verbose_name=_("allocation plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    ordered_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    answered_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission or transfer order")
        verbose_name_plural = _("admission and transfer orders")
        ordering = ["-id"]
        permissions = [
            ("receive_order", _("Can accept or refuse orders as the receiving facility")),
            ("change_transport", _("Can record the transport of a patient")),
        ]
        constraints = [
            # one open order per case: a second admission while one is pending is refused
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state__in=OPEN_STATES),
                name="order_one_open_per_case",
            ),
        ]
        indexes = [
            models.Index(
                fields=["to_path", "state", "id"],
                name="order_to_state_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["division_path", "state", "id"],
                name="order_path_state_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["from_path", "state", "id"],
                name="order_from_state_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.to_facility}"

    def get_absolute_url(self) -> str:
        return reverse("treatment:order", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Stay(models.Model):
    """A patient's time in a ward (住院): from arrival to transfer, discharge, death or
    exclusion. One open stay per case; an open stay holds one occupied bed of its ward. Seen by
    the facility's jurisdiction (``division_path``) and where the patient lives
    (``case_path``)."""

    scope_path_fields = ("division_path", "case_path")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="stays"
    )
    facility = models.ForeignKey(
        "medical.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    ward = models.ForeignKey(
        "medical.Ward", verbose_name=_("ward"), on_delete=models.PROTECT, related_name="stays"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    case_path = models.CharField(_("patient's division path"), max_length=128)
    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="stay"
    )
    started_at = models.DateTimeField(_("admitted at"))
    ended_at = models.DateTimeField(_("left at"), null=True, blank=True)
    end = models.CharField(_("left by"), max_length=12, choices=StayEnd.choices, blank=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="stay_one_open_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["ward", "ended_at"], name="stay_ward_open_idx"),
            models.Index(
                fields=["division_path", "started_at"],
                name="stay_path_started_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(
                fields=["division_path", "ended_at"],
                name="stay_path_ended_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.ward_id}"


class Plan(models.Model):
    """A batch allocation of waiting patients to free beds, solved as a transportation problem
    (``treatment/allocation.py``): proposed, then confirmed into orders or discarded. Keeps its
    total distance beside what nearest-free-bed-first would have given, and every patient it
    could not place with the reason."""

    scope_path_field = "division_path"

    division = models.ForeignKey(
        "regions.Division", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    state = models.CharField(
        _("state"), max_length=12, choices=PlanState.choices, default=PlanState.PROPOSED
    )
    waiting = models.PositiveIntegerField(_("waiting patients"))
    placed = models.PositiveIntegerField(_("placed"))
    total_km = models.DecimalField(_("total distance (km)"), max_digits=12, decimal_places=1)
    greedy_km = models.DecimalField(
        _("nearest free bed first (km)"), max_digits=12, decimal_places=1
    )
    greedy_placed = models.PositiveIntegerField(_("placed by nearest free bed first"))
    solve_ms = models.PositiveIntegerField(_("solver time (ms)"))
    # [{"case": id, "ward": id, "km": float}] and [{"case": id, "reason": code}]
    assignments = models.JSONField(_("assignments"), default=list)
    unplaced = models.JSONField(_("not placed"), default=list)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation plan")
        verbose_name_plural = _("allocation plans")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.division_path} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("treatment:plan", args=[self.pk])


class Policy(models.Model):
    """A province's admission policy: whether mild confirmed cases and asymptomatic infections
    may go to makeshift hospitals (方舱医院) rather than only to designated hospitals."""

    scope_path_field = "division_path"

    division = models.OneToOneField(
        "regions.Division", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    mild_to_makeshift = models.BooleanField(
        _("mild cases may go to makeshift hospitals"), default=False
    )
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission policy")
        verbose_name_plural = _("admission policies")

    def __str__(self) -> str:
        return self.division_path
