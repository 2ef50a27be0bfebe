"""What the care app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes, its entries in the page header, and the overdue care
requests on the workbench's to-do list (``core/workbench.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.care.permissions import CarePerm
from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem

if TYPE_CHECKING:
    from fangkong.accounts.models import User

AUDIT_LABELS = {
    "care.create": _("register a care request"),
    "care.assign": _("assign a care request"),
    "care.done": _("close a care request as done"),
    "care.cancel": _("cancel a care request"),
}


def _care_url(user: User) -> str:
    """A grid worker goes straight to their grid's open requests (the phone view)."""
    home = getattr(user, "home_division", None)
    if home is not None and home.is_grid:
        return reverse("care:grid", args=[home.code])
    return reverse("care:list")


MENU = [
    MenuItem(
        _("Care"), _care_url, CarePerm.VIEW_CAREREQUEST, weight=60, first={"grid": 4, "other": 1}
    )
]


def _overdue(ctx: WorkContext) -> int:
    from fangkong.care.selectors import Filters, requests_for

    return requests_for(ctx.user, Filters(overdue=True), today=ctx.today).count()


def _overdue_url(ctx: WorkContext) -> str:
    if ctx.is_grid:
        return reverse("care:grid", args=[ctx.home.code])
    return f"{reverse('care:list')}?overdue=on"


WORKBENCH = [
    WorkItem(
        "care.overdue",
        _("Care requests overdue"),
        _overdue,
        _overdue_url,
        (Profile.GRID, Profile.OTHER),
        CarePerm.VIEW_CAREREQUEST,
        urgency=40,
        hint=_("Past the date promised: deliver, or say why not."),
    ),
]
