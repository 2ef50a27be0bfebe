"""The person registry shared by every module: one record per identity, placed in a grid."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet
from fangkong.people.choices import DocType, PersonStatus, Sex
from fangkong.people.idcard import mask_id, mask_phone


class Household(models.Model):
    """A household (户) at an address in a grid."""

    scope_path_field = "division_path"

    grid = models.ForeignKey(
        "regions.Division",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    address = models.CharField(_("address"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["grid", "address"], name="household_unique_address"),
        ]
        indexes = [
            models.Index(
                fields=["division_path"],
                name="household_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.address


class Person(models.Model):
    """A person (人员), once per identity (document type + number).

    ``division_path`` is the path of the grid the person lives in (denormalised so lists at
    any level are one indexed prefix scan). Screenings, observations, passages and cases point
    here; a move to another grid keeps them where they were recorded and adds a
    :class:`PersonMove`.
    """

    scope_path_field = "division_path"

    name = models.CharField(_("full name"), max_length=50)
    doc_type = models.CharField(
        _("document type"), max_length=16, choices=DocType.choices, default=DocType.RESIDENT_ID
    )
    doc_number = models.CharField(_("document number"), max_length=32)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    grid = models.ForeignKey(
        "regions.Division", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="people"
    )
    division_path = models.CharField(_("division path"), max_length=128)
    status = models.CharField(
        _("status"), max_length=24, choices=PersonStatus.choices, default=PersonStatus.NORMAL
    )
    status_since = models.DateTimeField(_("status since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [("view_unmasked", _("Can see full ID numbers and phones"))]
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "doc_number"], name="person_one_identity"),
        ]
        indexes = [
            models.Index(fields=["grid", "status", "id"], name="person_grid_status_idx"),
            models.Index(
                fields=["division_path", "id"],
                name="person_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # Search by name is a prefix match (LIKE '张伟%'): on PostgreSQL only this
            # operator class lets an index answer it under any collation.
            models.Index(
                fields=["name"], name="person_name_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["phone"], name="person_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.pk])

    @property
    def masked_doc_number(self) -> str:
        return mask_id(self.doc_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class PersonMove(models.Model):
    """A person's move from one grid to another. Their records stay where they were made."""

    scope_path_field = "to_path"

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="moves"
    )
    from_grid = models.ForeignKey(
        "regions.Division", verbose_name=_("from grid"), on_delete=models.PROTECT, related_name="+"
    )
    to_grid = models.ForeignKey(
        "regions.Division", verbose_name=_("to grid"), on_delete=models.PROTECT, related_name="+"
    )
    to_path = models.CharField(_("division path"), max_length=128)
    moved_at = models.DateTimeField(_("moved at"), auto_now_add=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.person} {self.from_grid} → {self.to_grid}"
