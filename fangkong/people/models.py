"""The person registry shared by every module: one record per identity, placed in a grid."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ALL, ScopedQuerySet, scope_of
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

    One *current* record per identity. When a person registers in another jurisdiction, that
    jurisdiction gets a new record of its own, and this one stays where it was, with its
    history, marked ``moved_out_at`` (see ``people.actions.register_person``).
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
    moved_out_at = models.DateTimeField(
        _("moved away at"),
        null=True,
        blank=True,
        help_text=_("registered since in another jurisdiction; this record stays as history"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [("view_unmasked", _("Can see full ID numbers and phones"))]
        constraints = [
            # One current record per identity; the records left behind by moves to another
            # jurisdiction (moved_out_at set) stay with their history.
            models.UniqueConstraint(
                fields=["doc_type", "doc_number"],
                condition=models.Q(moved_out_at__isnull=True),
                name="person_one_identity",
            ),
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
            # every record of an identity, moved-away ones too (the health colour's look-up)
            models.Index(fields=["doc_type", "doc_number"], name="person_identity_idx"),
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


class PersonMoveQuerySet(ScopedQuerySet["PersonMove"]):
    def visible_to(self, user: Any) -> PersonMoveQuerySet:
        """A move inside a jurisdiction is seen where the person went; a move to another
        jurisdiction (``successor`` set) only where they left: the new jurisdiction is not told
        that the identity was registered elsewhere."""
        scope = scope_of(user)
        if scope is None:
            return self.none()
        if scope == ALL:
            return self.all()
        return self.filter(
            models.Q(from_path__startswith=scope)
            | models.Q(to_path__startswith=scope, successor__isnull=True)
        )


class PersonMove(models.Model):
    """A person's move from one grid to another. Their records stay where they were made.

    Inside a jurisdiction the person's record itself moves (``successor`` is empty). To another
    jurisdiction, that jurisdiction registers them anew (``successor``, its own record) and this
    ``person`` stays behind, marked moved out; the jurisdiction they left is told where to only
    as ``to_area`` (the child of the two grids' common ancestor on the way to the new grid, for
    example 吉林市 for a move from 南关区) and when.
    """

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
    from_path = models.CharField(_("from path"), max_length=128, default="")
    to_area = models.ForeignKey(
        "regions.Division",
        verbose_name=_("moved to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    successor = models.ForeignKey(
        Person,
        verbose_name=_("record where they live now"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name_differs = models.BooleanField(
        _("registered under another name"),
        default=False,
        help_text=_("a data-quality flag for the jurisdiction they left: check the number"),
    )
    moved_at = models.DateTimeField(_("moved at"), auto_now_add=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PersonMoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        ordering = ["-moved_at"]
        indexes = [
            models.Index(
                fields=["from_path", "moved_at"],
                name="personmove_from_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.from_grid} → {self.to_grid}"
