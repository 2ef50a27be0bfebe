"""Choices of the command app: the fields of work and the roles in a leading group."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# A responsibility may start this many days ahead (a rota planned for the coming weeks).
MAX_START_AHEAD_DAYS = 31


class WorkField(models.TextChoices):
    """The field of a working group (工作组), and of a 包保 responsibility."""

    MEDICAL = "medical", _("medical treatment")
    SUPPLIES = "supplies", _("supplies")
    CHECKPOINTS = "checkpoints", _("checkpoints")
    PUBLICITY = "publicity", _("publicity")
    GRID = "grid", _("grid work")
    OTHER = "other", _("other")


class MemberRole(models.TextChoices):
    """A member's place in a leading group: one leader (组长), deputies (副组长), members, and
    the director of the group's office (办公室主任)."""

    LEADER = "leader", _("leader")
    DEPUTY = "deputy", _("deputy leader")
    MEMBER = "member", _("member")
    OFFICE_DIRECTOR = "office_director", _("office director")


# --- directives and closures -------------------------------------------------------------------

# An attachment (a directive's, or a recipient's evidence) may be at most this large.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# A directive carries at most this many attachments.
MAX_ATTACHMENTS = 10


class DirectiveKind(models.TextChoices):
    """A plain directive (指令), a closure order over venues (关闭令), or the order that reopens
    them (恢复开放)."""

    PLAIN = "plain", _("directive")
    CLOSURE = "closure", _("closure order")
    REOPEN = "reopen", _("reopening order")


class RecipientState(models.TextChoices):
    """Where a recipient is with a directive: sent → acknowledged → in progress → done."""

    SENT = "sent", _("sent")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    IN_PROGRESS = "in_progress", _("being handled")
    DONE = "done", _("done")


class Department(models.TextChoices):
    """The departments a directive may be addressed to at a division (their roles)."""

    HEALTH_COMMISSION = "health_commission", _("health commission")
    SUPPLIES_OFFICER = "supplies_officer", _("supplies officer")
    PUBLICITY_OFFICE = "publicity_office", _("publicity office")
    ORGANIZATION_DEPT = "organization_dept", _("organization department")


class VenueKind(models.TextChoices):
    """The kind of a venue in the registry."""

    MARKET = "market", _("market")
    SCHOOL = "school", _("school")
    CINEMA = "cinema", _("cinema")
    RELIGIOUS = "religious", _("religious site")
    GATHERING = "gathering", _("gathering place")
    ENTERTAINMENT = "entertainment", _("entertainment venue")
    OTHER = "other", _("other")


class ClosureState(models.TextChoices):
    """A venue under a closure order: ordered → confirmed closed (its grid or village) →
    checked (the level above) → reopened (a later order)."""

    ORDERED = "ordered", _("ordered closed")
    CONFIRMED = "confirmed_closed", _("confirmed closed")
    CHECKED = "checked", _("checked")
    REOPENED = "reopened", _("reopened")
