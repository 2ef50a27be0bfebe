"""What the medical staff app adds to the shared lists: its audit labels and its menu entry."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.medical_staff.permissions import MedicalStaffPerm

AUDIT_LABELS = {
    "medical_staff.staff_create": _("add a medical staff member"),
    "medical_staff.staff_update": _("change a medical staff member"),
    "medical_staff.rule_set": _("set the rotation rule of a province"),
    "medical_staff.roster_save": _("save a facility's roster"),
    "medical_staff.exposure": _("record an occupational exposure"),
    "medical_staff.family_care": _("request care for a health worker's family"),
}

MENU = [MenuItem(_("Medical staff"), "medical_staff:list", MedicalStaffPerm.VIEW_STAFF, weight=77)]


def _due(ctx: WorkContext) -> int:
    from fangkong.medical_staff.selectors import due_for_rotation

    return len(due_for_rotation(ctx.user, timezone.localdate()))


def _due_url(ctx: WorkContext) -> str:
    return reverse("medical_staff:rotation")


WORKBENCH = [
    WorkItem(
        "medical_staff.rotation",
        _("Staff due for rotation this week"),
        _due,
        _due_url,
        (Profile.OTHER,),
        MedicalStaffPerm.MANAGE_ROSTER,
        urgency=40,
        hint=_("Their run in an isolation ward reaches the maximum: plan who takes over."),
    ),
]
