"""(placeholder: filled in by its owner) audit labels, menu entries, workbench items."""

from typing import Any

AUDIT_LABELS: dict[str, Any] = {}
MENU: list[Any] = []
WORKBENCH: list[Any] = []
