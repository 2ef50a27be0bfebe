"""What the investigation app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes, its menu entry, and the health commission's to-do item
(cases without an investigation, investigations open for more than a day)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.investigation.permissions import InvestigationPerm

AUDIT_LABELS = {
    "investigation.open": _("start an epidemiological investigation"),
    "investigation.place": _("record a place"),
    "investigation.movement": _("record a movement of a case"),
    "investigation.movement_change": _("change a movement of a case"),
    "investigation.movement_remove": _("remove a movement of a case"),
    "investigation.source": _("record a possible source"),
    "investigation.complete": _("complete an epidemiological investigation"),
    "investigation.export": _("download an investigation report"),
}

MENU = [
    MenuItem(
        _("Trajectory notices"),
        "investigation:notices",
        InvestigationPerm.VIEW_TRAJECTORY,
        weight=48,
    ),
    MenuItem(
        _("Investigations"),
        "investigation:list",
        InvestigationPerm.VIEW_INVESTIGATION,
        weight=44,
    ),
]


def _waiting(ctx: WorkContext) -> int:
    from fangkong.investigation.selectors import cases_waiting, stale_investigations

    return cases_waiting(ctx.user).count() + stale_investigations(ctx.user, ctx.now).count()


def _waiting_url(ctx: WorkContext) -> str:
    return reverse("investigation:list")


WORKBENCH = [
    WorkItem(
        "investigation.waiting",
        _("Cases to investigate"),
        _waiting,
        _waiting_url,
        (Profile.OTHER,),
        InvestigationPerm.CHANGE_INVESTIGATION,
        urgency=25,
        hint=_("Cases without an investigation, or investigations open for more than 24 hours."),
    ),
]
