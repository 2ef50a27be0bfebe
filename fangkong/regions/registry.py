"""What the regions app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.regions.permissions import RegionsPerm

AUDIT_LABELS = {
    "division.create": _("add division"),
    "division.update": _("change division"),
    "divisions.import": _("import divisions"),
    "grid.create": _("create grid"),
    "grid.rename": _("rename grid"),
    "grid.retire": _("retire grid"),
    "grid.merge": _("merge grid into another"),
    "grid.merge_in": _("take in a merged grid"),
    "grid.assign": _("assign staff to grid"),
    "grid.unassign": _("end grid assignment"),
    "grid_staff.create": _("register grid staff"),
    "grid_staff.update": _("change grid staff"),
}

MENU = [
    MenuItem(_("Search"), "regions:search", weight=10),
    MenuItem(_("Grid staff"), "regions:staff_list", RegionsPerm.VIEW_GRIDSTAFF, weight=90),
]
