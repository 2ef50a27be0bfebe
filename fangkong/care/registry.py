"""What the care app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.care.permissions import CarePerm
from fangkong.core.discovery import MenuItem

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


MENU = [MenuItem(_("Care"), _care_url, CarePerm.VIEW_CAREREQUEST, weight=60)]
