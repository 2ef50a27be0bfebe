"""The terms of clusters, risk grading (分区分级) and the health colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _

CLUSTER_DAYS = 14  # a cluster: ≥ 2 linked cases within 14 days in one small unit
CLUSTER_MIN_CASES = 2
HIGH_RISK_CUMULATIVE = 50  # risk grading: cumulative confirmed cases above 50


class UnitKind(models.TextChoices):
    """The small unit a cluster (聚集性疫情) is in."""

    HOUSEHOLD = "household", _("household")
    VILLAGE = "village", _("village or community")
    WORKPLACE = "workplace", _("workplace or school")
    PLACE = "place", _("place")


class ClusterStatus(models.TextChoices):
    FLAGGED = "flagged", _("flagged")
    CONFIRMED = "confirmed", _("confirmed")
    DISMISSED = "dismissed", _("dismissed")


class Grade(models.TextChoices):
    LOW = "low", _("low risk")
    MEDIUM = "medium", _("medium risk")
    HIGH = "high", _("high risk")


class Colour(models.TextChoices):
    """Health status colour (健康码 style)."""

    RED = "red", _("red")
    YELLOW = "yellow", _("yellow")
    GREEN = "green", _("green")
