"""The outbreak as a whole: clusters (聚集性疫情) the rules find among linked cases, and each
county's daily risk grade (分区分级). Chains of transmission and the health colour are read from
cases and contacts (``outbreaks/selectors.py``, ``outbreaks/colour.py``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.outbreaks.choices import ClusterStatus, Grade, UnitKind


class Cluster(models.Model):
    """A cluster (聚集性疫情): two or more cases with an epidemiological link within 14 days in one
    small unit (a household, village, workplace or place), found by the rules
    (``tracing/clusters.py``) and flagged to the county with the reason."""

    scope_path_field = "division_path"

    name = models.CharField(_("name"), max_length=120)
    unit_kind = models.CharField(_("unit"), max_length=10, choices=UnitKind.choices)
    unit_key = models.CharField(_("unit key"), max_length=120)
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    county = models.ForeignKey(
        "regions.Division", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClusterStatus.choices, default=ClusterStatus.FLAGGED
    )
    reason = models.CharField(_("reason"), max_length=300)
    detected_on = models.DateField(_("detected on"))
    first_date = models.DateField(_("first case"))
    last_date = models.DateField(_("last case"))
    case_count = models.PositiveIntegerField(_("cases"), default=0)
    cases: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "cases.Case", verbose_name=_("cases"), through="ClusterCase", related_name="clusters"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["-detected_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_kind", "unit_key", "first_date"], name="cluster_unique_unit"
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "detected_on"],
                name="cluster_path_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["county", "last_date"], name="cluster_county_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outbreaks:cluster", args=[self.pk])


class ClusterCase(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "case"], name="cluster_case_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.case_id}"


class RiskGrade(models.Model):
    """A county's risk grade on a day (分区分级, DESIGN.md section 4), computed daily with the
    figures that decided it; ``previous`` is the grade of the day before, so a change shows and
    is notified to the county and its parent."""

    scope_path_field = "division_path"

    county = models.ForeignKey(
        "regions.Division", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    day = models.DateField(_("day"))
    grade = models.CharField(_("risk grade"), max_length=8, choices=Grade.choices)
    previous = models.CharField(
        _("previous grade"), max_length=8, choices=Grade.choices, blank=True
    )
    cumulative = models.PositiveIntegerField(_("cumulative confirmed"))
    new_14d = models.PositiveIntegerField(_("new in 14 days"))
    clusters_14d = models.PositiveIntegerField(_("clusters in 14 days"))
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk grade")
        verbose_name_plural = _("risk grades")
        permissions = [
            ("compute_riskgrade", _("Can recompute risk grades and clusters now")),
            ("lookup_colour", _("Can look up a person's health colour by ID number")),
        ]
        ordering = ["-day", "division_path"]
        constraints = [
            models.UniqueConstraint(fields=["county", "day"], name="risk_grade_once_a_day"),
        ]
        indexes = [
            models.Index(
                fields=["day", "division_path"],
                name="risk_grade_day_path_idx",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.day:%Y-%m-%d} {self.grade}"

    @property
    def changed(self) -> bool:
        return bool(self.previous) and self.previous != self.grade
