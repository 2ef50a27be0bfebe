"""The terms of close contacts and their tracing. Rules in DESIGN.md section 4 and
``tracing/rules.py``."""

from django.db import models
from django.utils.translation import gettext_lazy as _

CONTACT_WINDOW_DAYS = 2  # a close contact: exposure from 2 days before onset (or sample date)
CONTACT_OBSERVATION_DAYS = 14  # centralized observation until 14 days after the last exposure
HANDOVER_ESCALATE_HOURS = 2  # a hand-over not accepted in 2 h goes to the common parent


class Relation(models.TextChoices):
    HOUSEHOLD = "household", _("household")
    WORKPLACE = "workplace", _("workplace")
    TRANSPORT = "transport", _("transport")
    MEDICAL = "medical", _("medical")
    SOCIAL = "social", _("social")
    OTHER = "other", _("other")


class ContactKind(models.TextChoices):
    """What the rules make of an exposure (``tracing/rules.py``)."""

    CLOSE = "close", _("close contact")
    SECONDARY = "secondary", _("secondary contact")
    GENERAL = "general", _("general contact")


class ContactStatus(models.TextChoices):
    TO_FIND = "to_find", _("to find")
    FOUND = "found", _("found")
    OBSERVING = "observing", _("under observation")
    RELEASED = "released", _("released")
    BECAME_CASE = "became_case", _("became a case")
    LOST = "lost", _("not found")
    HANDED_OVER = "handed_over", _("handed over to another county")
    NOT_TRACED = "not_traced", _("not traced (general contact)")


class HandoverState(models.TextChoices):
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    FOUND = "found", _("found")
    OBSERVING = "observing", _("under observation")
    NOT_FOUND = "not_found", _("not found")
    RELEASED = "released", _("released")
    BECAME_CASE = "became_case", _("became a case")
