"""The epidemiological investigation (流行病学调查) of each case: its movements day by day from 14
days before onset (or the sample date), the places it went (recorded once, picked again, so that
cases at the same place on overlapping days are linked), its possible sources and conclusion.
The printable report and the public trajectory notice (行程轨迹) are generated from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.investigation.choices import (
    InvestigationStatus,
    MovementTransport,
    PlaceKind,
    Protection,
    SourceKind,
)


class Place(models.Model):
    """A place (场所) a case went to, recorded once and picked again by later investigations, so
    that two cases at the same market on overlapping days are linked."""

    scope_path_field = "division_path"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="place_unique_name"),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "name"],
                name="place_path_name_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Investigation(models.Model):
    """The epidemiological investigation (流调) of one case: its movements day by day from 14 days
    before onset (or the sample date), its possible sources and the conclusion. The printable
    report and the public trajectory notice (行程轨迹) are generated from it."""

    scope_path_field = "division_path"

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="investigation",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("investigator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    investigator_name = models.CharField(_("investigator"), max_length=50)
    window_start = models.DateField(_("movements from"))
    window_end = models.DateField(_("movements until"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvestigationStatus.choices,
        default=InvestigationStatus.OPEN,
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("epidemiological investigation")
        verbose_name_plural = _("epidemiological investigations")
        ordering = ["-started_at", "-id"]
        # the publicity office reads the public notices, not the investigations
        permissions = [("view_trajectory", "Can read the public trajectory notices")]
        indexes = [
            models.Index(
                fields=["division_path", "status", "id"],
                name="investigation_path_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return str(self.case)

    def get_absolute_url(self) -> str:
        return reverse("investigation:detail", args=[self.pk])


class Movement(models.Model):
    """Where a case was during part of a day (活动轨迹): the time span, the place, how they got
    there (train or flight number and seat), whom they met and whether they wore a mask."""

    scope_path_field = "division_path"

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.CASCADE,
        related_name="movements",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="movements"
    )
    transport = models.CharField(
        _("transport"), max_length=10, choices=MovementTransport.choices, blank=True
    )
    transport_number = models.CharField(_("train or flight number"), max_length=16, blank=True)
    seat = models.CharField(_("seat"), max_length=16, blank=True)
    people_met = models.CharField(_("people met"), max_length=300, blank=True)
    protection = models.CharField(
        _("protection"), max_length=10, choices=Protection.choices, default=Protection.NONE
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["day", "start_time", "id"]
        indexes = [
            models.Index(fields=["investigation", "day"], name="movement_investigation_idx"),
            # Cases at the same place on overlapping days (clusters, linked cases).
            models.Index(fields=["place", "day"], name="movement_place_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.place_id}"


class SourceLead(models.Model):
    """A possible source of a case's infection found by its investigation: a known case, a
    place, travel from a key area, or unknown."""

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.CASCADE,
        related_name="sources",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    source_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("source case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.CharField(_("key area"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("possible source")
        verbose_name_plural = _("possible sources")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.investigation_id} {self.kind}"
