"""What the early-warning app adds to the shared lists: audit labels, menu entries and the
workbench's items, from one module per part."""

from __future__ import annotations

from fangkong.warning import import_registry, screen_registry, signal_registry

AUDIT_LABELS = {
    **signal_registry.AUDIT_LABELS,
    **import_registry.AUDIT_LABELS,
}
MENU = [*screen_registry.MENU, *signal_registry.MENU]
WORKBENCH = [*signal_registry.WORKBENCH]
