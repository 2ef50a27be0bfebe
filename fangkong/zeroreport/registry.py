"""What the zeroreport app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.zeroreport.permissions import ZeroReportPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User

AUDIT_LABELS = {
    "grid_day.confirm": _("confirm a grid's day"),
    "grid_day.zero_report": _("submit a zero report"),
    "grid_days.refresh": _("update the daily figures"),
}

# Keys of the changes the app's actions record that are no field of a model.
AUDIT_FIELDS = {
    "day": _("day"),
    "grids": _("grids"),
    "background": _("in the background"),
    "days": _("days"),
    "confirmed": _("days confirmed"),
}


def _daily_url(user: User) -> str | None:
    """A grid worker opens their grid's day (figures and the confirmation); everyone else the
    roll-up of their division, which links to the dashboard; nothing without a home."""
    home = getattr(user, "home_division", None)
    if home is None:
        return None
    name = "zeroreport:grid" if home.is_grid else "zeroreport:rollup"
    return reverse(name, args=[home.code])


MENU = [MenuItem(_("Daily report"), _daily_url, ZeroReportPerm.VIEW_GRIDDAY, weight=50)]
