"""Medical facilities: the fever clinics that see patients first (首诊), the designated and
makeshift hospitals that admit them, the isolation sites and laboratories. Issue #9 needs the
facility as the place that reports a case and stays responsible for it; beds, admission and
transfer (issue #10) build on the same record."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.medical.choices import BedType, FacilityKind, FacilityLevel


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
    level = models.CharField(
        _("level"), max_length=12, choices=FacilityLevel.choices, default=FacilityLevel.NONE
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
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

    def get_absolute_url(self) -> str:
        return reverse("medical:detail", args=[self.pk])


class Expert(models.Model):
    """An expert sent to a facility (集中专家): a specialist from another hospital on site from a
    day (and until a day once gone)."""

    scope_path_field = "division_path"

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="experts")
    division_path = models.CharField(_("division path"), max_length=128)
    name = models.CharField(_("name"), max_length=50)
    specialty = models.CharField(_("specialty"), max_length=50)
    home_hospital = models.CharField(_("from hospital"), max_length=100)
    since = models.DateField(_("on site since"))
    until = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert on site")
        verbose_name_plural = _("experts on site")
        ordering = ["facility", "since", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.specialty}）"


class Ward(models.Model):
    """A ward of a facility holding beds of one type (隔离病房、负压病房、ICU、隔离观察房间).
    ``capacity`` and ``out_of_service`` are set by the facility; ``occupied`` and ``reserved``
    are kept only by the treatment actions that admit, transfer and discharge (never typed in),
    with conditional ``UPDATE``s so that concurrent admissions cannot overbook it; the nightly
    check (``medical.actions.check_bed_counts``) proves them equal to the stays and orders.
    ``division_path`` and ``facility_kind`` copy the facility's, so that free beds by type per
    division are one ``GROUP BY`` over this table."""

    scope_path_field = "division_path"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="wards")
    division_path = models.CharField(_("division path"), max_length=128)
    facility_kind = models.CharField(_("kind"), max_length=24, choices=FacilityKind.choices)
    name = models.CharField(_("ward"), max_length=50)
    bed_type = models.CharField(_("bed type"), max_length=20, choices=BedType.choices)
    capacity = models.PositiveIntegerField(_("beds"))
    occupied = models.PositiveIntegerField(_("occupied"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    out_of_service = models.PositiveIntegerField(_("out of service"), default=0)
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        ordering = ["facility", "bed_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="ward_unique_name"),
            models.CheckConstraint(
                condition=models.Q(
                    capacity__gte=models.F("occupied")
                    + models.F("reserved")
                    + models.F("out_of_service")
                ),
                name="ward_not_overbooked",
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "bed_type"],
                name="ward_path_type_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility}·{self.name}"

    @property
    def free(self) -> int:
        if not self.active:
            return 0
        return max(0, self.capacity - self.occupied - self.reserved - self.out_of_service)


class BedDay(models.Model):
    """Beds of one type in one city at the end of a day (a daily summary kept by the nightly
    check), for the trend of free beds; today's figures come live from the wards."""

    scope_path_field = "division_path"

    day = models.DateField(_("day"))
    division = models.ForeignKey(
        "regions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    bed_type = models.CharField(_("bed type"), max_length=20, choices=BedType.choices)
    capacity = models.PositiveIntegerField(_("beds"))
    occupied = models.PositiveIntegerField(_("occupied"))
    reserved = models.PositiveIntegerField(_("reserved"))
    out_of_service = models.PositiveIntegerField(_("out of service"))
    free = models.PositiveIntegerField(_("free"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("beds of a day")
        verbose_name_plural = _("beds by day")
        ordering = ["day", "division_path", "bed_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "division", "bed_type"], name="bedday_unique_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.division_path} {self.bed_type}"
