"""What the outbreaks app adds to the shared lists (collected by ``core/discovery.py``): the
labels of its audit action codes, its menu entries, and the workbench items of the command
offices and the health commission (clusters flagged today, counties whose grade changed)."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.outbreaks.permissions import OutbreaksPerm

AUDIT_LABELS = {
    "outbreaks.cluster_flag": _("flag a cluster"),
    "outbreaks.cluster_extend": _("add cases to a cluster"),
    "outbreaks.grade_change": _("change a county's risk grade"),
    "outbreaks.grade_now": _("grade the counties again today"),
}

MENU = [
    MenuItem(_("Risk grades"), "outbreaks:risk", OutbreaksPerm.VIEW_RISKGRADE, weight=72),
    MenuItem(_("Clusters"), "outbreaks:clusters", OutbreaksPerm.VIEW_CLUSTER, weight=74),
    MenuItem(
        _("Health colour look-up"),
        "outbreaks:colour",
        OutbreaksPerm.LOOKUP_COLOUR,
        weight=76,
        first={"checkpoint": 2},
    ),
]


def _clusters_today(ctx: WorkContext) -> int:
    from fangkong.outbreaks.models import Cluster

    return Cluster.objects.visible_to(ctx.user).filter(detected_on=ctx.today).count()


def _grades_changed(ctx: WorkContext) -> int:
    from fangkong.outbreaks.models import RiskGrade

    return (
        RiskGrade.objects.visible_to(ctx.user)
        .filter(day=ctx.today)
        .exclude(previous="")
        .exclude(grade=F("previous"))
        .count()
    )


WORKBENCH = [
    WorkItem(
        "outbreaks.clusters_today",
        _("Clusters flagged today"),
        _clusters_today,
        lambda ctx: reverse("outbreaks:clusters"),
        (Profile.OTHER, Profile.COMMAND),
        OutbreaksPerm.VIEW_CLUSTER,
        urgency=15,
        hint=_("Check each cluster's cases and link, and trace its contacts."),
    ),
    WorkItem(
        "outbreaks.grade_changed",
        _("Counties whose risk grade changed today"),
        _grades_changed,
        lambda ctx: reverse("outbreaks:risk"),
        (Profile.OTHER, Profile.COMMAND),
        OutbreaksPerm.VIEW_RISKGRADE,
        urgency=16,
        hint=_("Adjust the measures of the county to its new grade."),
    ),
]
