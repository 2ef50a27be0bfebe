"""What the command app adds to the shared lists: its audit labels and its menu entry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.command.permissions import CommandPerm
from fangkong.core.discovery import MenuItem

AUDIT_LABELS = {
    "command.group_create": _("set up a leading group"),
    "command.group_update": _("change a leading group"),
    "command.working_group_add": _("add a working group"),
    "command.member_add": _("add a member to a leading group"),
    "command.member_end": _("end a leading group membership"),
    "command.responsibility_assign": _("assign a responsibility"),
    "command.responsibility_end": _("end a responsibility"),
    "command.secretary_set": _("record the secretary of a division"),
}

MENU = [MenuItem(_("Leading groups"), "command:groups", CommandPerm.VIEW_GROUP, weight=85)]
