"""Medical staff (医护人员) of the facilities, their rosters of shifts with the rotation and rest
rule of the province, their occupational exposures and the care of their families (issue #10,
point 8 of the notice: protect the hospitals, rotate and rest the staff, care for their
families). Every record copies its facility's ``division_path``: lists at any level are one
prefix scan, and jurisdiction is the facility's."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.medical_staff.choices import (
    DEFAULT_MAX_DAYS,
    DEFAULT_REST_DAYS,
    ExposureKind,
    FamilyCareKind,
    ShiftKind,
    StaffRole,
)

PATH_OPS = ["varchar_pattern_ops", "int8_ops"]


class StaffMember(models.Model):
    """A doctor, nurse, technician or other worker of a medical facility, with the ward they
    usually work in. ``person`` is their record in the population register (where they live),
    needed to start an observation after an exposure and to route care to their family."""

    scope_path_field = "division_path"

    facility = models.ForeignKey(
        "medical.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="staff_members",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=16, choices=StaffRole.choices)
    specialty = models.CharField(_("specialty"), max_length=50, blank=True)
    ward = models.ForeignKey(
        "medical.Ward",
        verbose_name=_("ward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("at work"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["facility", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "person"],
                condition=models.Q(person__isnull=False),
                name="msstaff_unique_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="msstaff_path_idx", opclasses=PATH_OPS
            ),
            models.Index(fields=["facility", "id"], name="msstaff_facility_idx"),
            models.Index(fields=["name"], name="msstaff_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("medical_staff:edit", args=[self.pk])


class RotationRule(models.Model):
    """The rotation and rest rule of a province: at most ``max_days`` consecutive days on duty
    in an isolation ward, then ``rest_days`` days without any shift. A province without a row
    uses 14 and 14 (``rule_for``)."""

    scope_path_field = "division_path"

    province = models.OneToOneField(
        "regions.Division", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128, unique=True)
    max_days = models.PositiveSmallIntegerField(
        _("maximum consecutive days in an isolation ward"), default=DEFAULT_MAX_DAYS
    )
    rest_days = models.PositiveSmallIntegerField(
        _("rest days after such a run"), default=DEFAULT_REST_DAYS
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rotation rule")
        verbose_name_plural = _("rotation rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(max_days__gte=1), name="msrule_max_days"),
        ]

    def __str__(self) -> str:
        return f"{self.max_days}/{self.rest_days}"


class Shift(models.Model):
    """One shift of a facility's roster (排班): a staff member on a day, in a ward (an isolation
    ward for the rotation rule) or in the facility without one. One shift per person per day."""

    scope_path_field = "division_path"

    facility = models.ForeignKey(
        "medical.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="shifts"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("shift"), max_length=12, choices=ShiftKind.choices)
    ward = models.ForeignKey(
        "medical.Ward",
        verbose_name=_("ward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["day", "staff"]
        permissions = [("manage_roster", _("Can save the roster of a facility"))]
        constraints = [
            models.UniqueConstraint(fields=["staff", "day"], name="msshift_unique_day"),
        ]
        indexes = [
            models.Index(fields=["facility", "day"], name="msshift_facility_day_idx"),
            models.Index(fields=["staff", "day"], name="msshift_staff_day_idx"),
            models.Index(fields=["day", "division_path"], name="msshift_day_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.day} {self.get_kind_display()}"


class Exposure(models.Model):
    """An occupational exposure (职业暴露) of a staff member, e.g. a torn gown in the ward: it
    puts them under medical observation (``observation``, started when it was recorded)."""

    scope_path_field = "division_path"

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "medical.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    occurred_on = models.DateField(_("exposed on"))
    kind = models.CharField(_("kind"), max_length=16, choices=ExposureKind.choices)
    ward = models.ForeignKey(
        "medical.Ward",
        verbose_name=_("ward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("what happened"), max_length=500)
    observation = models.ForeignKey(
        "observation.Observation",
        verbose_name=_("observation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("occupational exposure")
        verbose_name_plural = _("occupational exposures")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="msexposure_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.occurred_on}"


class FamilyCare(models.Model):
    """A need of a staff member's family (家属关爱), recorded by the hospital or the health
    commission and routed to a care request (``care``) in the family's own grid, where the grid
    and its party members do it; its status is the care request's."""

    scope_path_field = "division_path"

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "medical.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=FamilyCareKind.choices)
    grid = models.ForeignKey(
        "regions.Division",
        verbose_name=_("family's grid"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    care = models.OneToOneField(
        "care.CareRequest",
        verbose_name=_("care request"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("family care")
        verbose_name_plural = _("family care")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["division_path", "id"], name="msfamily_path_idx", opclasses=PATH_OPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_kind_display()}"
