"""What the notifications app adds to the shared lists: its audit labels. No menu entry: the
notification centre is reached from the page header, with the unread count."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "notifications.escalation_open": _("open an escalation"),
    "notifications.escalation_raise": _("escalate to the level above"),
    "notifications.escalation_resolve": _("resolve an escalation"),
}
