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
