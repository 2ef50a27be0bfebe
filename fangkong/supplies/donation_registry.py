"""What donations (捐赠) add to the shared lists: their audit labels (the pages are reached from
the supplies tabs and, for the public, at /public/donations/)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "supplies.donation_record": _("record a donation received"),
    "supplies.donation_distribute": _("pass on part of a donation"),
}
MENU: list[Any] = []
WORKBENCH: list[Any] = []
