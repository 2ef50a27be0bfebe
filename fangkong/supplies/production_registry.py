"""What production dispatch (生产调度) adds to the shared lists: its audit labels (its pages are
reached from the supplies tabs, so no menu entry of its own)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "supplies.producer_register": _("register a producer"),
    "supplies.producer_update": _("change a producer"),
    "supplies.producer_capacity": _("set a producer's daily capacity of an item"),
    "supplies.producer_token_create": _("create a producer's machine token"),
    "supplies.producer_token_revoke": _("revoke a producer's machine token"),
    "supplies.dispatch_issue": _("issue a production dispatch order"),
    "supplies.dispatch_close": _("close a production dispatch order"),
    "supplies.output_report": _("report a producer's daily output"),
}
MENU: list[Any] = []
WORKBENCH: list[Any] = []
