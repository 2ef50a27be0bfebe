"""What the command screen adds to the shared lists: its menu entry (its pages write nothing, so
no audit labels)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.warning.permissions import WarningPerm

AUDIT_LABELS: dict[str, Any] = {}
MENU = [MenuItem(_("Command screen"), "warning:screen", WarningPerm.VIEW, weight=71)]
WORKBENCH: list[Any] = []
