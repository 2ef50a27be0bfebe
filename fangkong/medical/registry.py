"""What the medical app adds to the shared lists: its audit labels and its menu entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.medical.permissions import MedicalPerm

AUDIT_LABELS = {
    "medical.facility_create": _("add a medical facility"),
    "medical.facility_update": _("change a medical facility"),
    "medical.expert_add": _("record an expert on site"),
    "medical.expert_leave": _("record that an expert left"),
    "medical.ward_create": _("open a ward"),
    "medical.ward_update": _("change a ward's beds"),
}

MENU = [
    MenuItem(_("Medical facilities"), "medical:list", MedicalPerm.VIEW_FACILITY, weight=75),
    MenuItem(_("Free beds"), "medical:beds", MedicalPerm.VIEW_FACILITY, weight=79),
]
