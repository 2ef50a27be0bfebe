"""What the medical app adds to the shared lists: its audit labels and its menu entry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.medical.permissions import MedicalPerm

AUDIT_LABELS = {
    "medical.facility_create": _("add a medical facility"),
    "medical.facility_update": _("change a medical facility"),
}

MENU = [MenuItem(_("Medical facilities"), "medical:list", MedicalPerm.VIEW_FACILITY, weight=75)]
