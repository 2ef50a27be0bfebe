"""Close contacts (密切接触者) of cases and their tracing into observation, across jurisdictions:
a contact living in another county is handed over to it (协查). Rules in DESIGN.md section 4 and
``tracing/rules.py``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.jurisdiction import ScopedQuerySet, TwoSidedQuerySet
from fangkong.people.choices import DocType
from fangkong.people.idcard import mask_id, mask_phone
from fangkong.tracing.choices import (
    CONTACT_OBSERVATION_DAYS,
    ContactKind,
    ContactStatus,
    HandoverState,
    Relation,
)


class Contact(models.Model):
    """A contact (接触者) of a case, as the investigating county recorded it.

    ``case`` is the case whose chain it belongs to; a secondary contact (次密接) also names the
    close contact it met (``source_contact``). The rules (``tracing/rules.py``) decide from the
    exposure whether it is a close contact (unprotected, from 2 days before onset or the sample
    date), a secondary contact, or only a general one, and the end of its centralized
    observation (``observe_until``, 14 days after the last exposure). The identity is kept as the
    investigator typed it; ``person`` is set once the person is found in the investigating
    county. A contact living in another county is handed over (:class:`Handover`): the other
    county finds and observes them there, and this side sees only the hand-over's state.
    ``division_path`` is the path of the case (the investigating side).
    """

    scope_path_field = "division_path"

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="contacts"
    )
    source_contact = models.ForeignKey(
        "self",
        verbose_name=_("met close contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="secondary_contacts",
    )
    division_path = models.CharField(_("division path"), max_length=128)
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    kind_reason = models.CharField(_("why"), max_length=200, blank=True)
    name = models.CharField(_("full name"), max_length=50)
    doc_type = models.CharField(
        _("document type"), max_length=16, choices=DocType.choices, default=DocType.RESIDENT_ID
    )
    doc_number = models.CharField(_("document number"), max_length=32)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    residence = models.ForeignKey(
        "regions.Division",
        verbose_name=_("lives in"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    first_exposure = models.DateField(_("first exposure"))
    last_exposure = models.DateField(_("last exposure"))
    protected = models.BooleanField(_("protected"), default=False)
    observe_until = models.DateField(_("observation until"), null=True, blank=True)
    status = models.CharField(
        _("tracing status"),
        max_length=12,
        choices=ContactStatus.choices,
        default=ContactStatus.TO_FIND,
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_records",
    )
    observation = models.ForeignKey(
        "observation.Observation",
        verbose_name=_("observation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    became_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("became case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="source_contacts",
    )
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("why the contact was not found")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "doc_type", "doc_number"], name="contact_once_per_case"
            ),
            models.CheckConstraint(
                condition=models.Q(last_exposure__gte=models.F("first_exposure")),
                name="contact_exposure_order",
            ),
        ]
        indexes = [
            # One per filter of the list (tracing/selectors.py), each ending in the keyset.
            models.Index(
                fields=["division_path", "status", "id"],
                name="contact_path_status_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["division_path", "id"],
                name="contact_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(fields=["case", "kind", "id"], name="contact_case_idx"),
            models.Index(fields=["doc_type", "doc_number"], name="contact_doc_idx"),
            models.Index(fields=["person"], name="contact_person_idx"),
            models.Index(fields=["source_contact"], name="contact_source_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracing:contact", args=[self.pk])

    @property
    def masked_doc_number(self) -> str:
        return mask_id(self.doc_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def degree(self) -> int:
        return 2 if self.source_contact_id else 1

    @staticmethod
    def observation_end(last_exposure: dt.date) -> dt.date:
        return last_exposure + dt.timedelta(days=CONTACT_OBSERVATION_DAYS)


class Handover(models.Model):
    """A contact handed over to the county where they live (协查): sent by the investigating
    county (``from_path``), accepted, found and observed by the receiving one (``to_path``).
    Both see it (``TwoSidedQuerySet``); the sender sees its state, never the receiver's records.
    Not accepted within 2 h, it is escalated to the common parent (``escalated_to``)."""

    scope_path_fields = ("from_path", "to_path")
    scope_path_field = "to_path"

    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="handover"
    )
    from_division = models.ForeignKey(
        "regions.Division", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    from_path = models.CharField(_("from path"), max_length=128)
    to_division = models.ForeignKey(
        "regions.Division", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    to_path = models.CharField(_("to path"), max_length=128)
    state = models.CharField(
        _("state"), max_length=12, choices=HandoverState.choices, default=HandoverState.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    accept_due_at = models.DateTimeField(_("to accept by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "regions.Division",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the receiving county's record of the person"),
    )
    observation = models.ForeignKey(
        "observation.Observation",
        verbose_name=_("observation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact hand-over")
        verbose_name_plural = _("contact hand-overs")
        ordering = ["-sent_at", "-id"]
        permissions = [("handle_handover", _("Can accept and work contacts handed over"))]
        indexes = [
            models.Index(
                fields=["to_path", "state", "id"],
                name="handover_to_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["from_path", "state", "id"],
                name="handover_from_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            models.Index(
                fields=["accept_due_at"],
                name="handover_due_idx",
                condition=models.Q(state="sent"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.to_division_id}"

    def get_absolute_url(self) -> str:
        return reverse("tracing:handover", args=[self.pk])


__all__ = ["Contact", "Handover"]
