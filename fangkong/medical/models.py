"""Medical facilities: the fever clinics that see patients first (首诊), the designated and
makeshift hospitals that admit them, the isolation sites and laboratories. Issue #9 needs the
facility as the place that reports a case and stays responsible for it; beds, admission and
transfer (issue #10) build on the same record."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.medical.choices import FacilityKind


class Facility(models.Model):
    """A medical facility (医疗机构) in a division: a fever clinic (发热门诊), a designated hospital
    (定点医院), a makeshift hospital (方舱医院), a centralized isolation site or a laboratory.
    ``division_path`` is its division's path (lists at any level are a prefix scan)."""

    scope_path_field = "division_path"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=FacilityKind.choices)
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
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
        verbose_name = _("medical facility")
        verbose_name_plural = _("medical facilities")
        ordering = ["division_path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="facility_unique_name"),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "kind"],
                name="facility_path_kind_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name
