"""What the supplies app adds to the shared lists: its audit labels, its menu entries and the
workbench's items (requests, production and donations bring theirs from their own modules)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.supplies import donation_registry, production_registry, request_registry
from fangkong.supplies.permissions import SuppliesPerm

AUDIT_LABELS = {
    "supplies.item_add": _("add an item to the catalogue"),
    "supplies.item_update": _("change an item of the catalogue"),
    "supplies.store_open": _("open a store"),
    "supplies.store_update": _("change a store"),
    "supplies.movement_book": _("book a movement of stock"),
    "supplies.consumption_report": _("report consumption"),
    "supplies.stock_count": _("count a store's stock"),
    "supplies.reconcile": _("reconcile stock with the ledger"),
    **request_registry.AUDIT_LABELS,
    **production_registry.AUDIT_LABELS,
    **donation_registry.AUDIT_LABELS,
}

MENU = [
    MenuItem(_("Supplies"), "supplies:overview", SuppliesPerm.VIEW_STOCK, weight=89),
    *request_registry.MENU,
    *production_registry.MENU,
    *donation_registry.MENU,
]


def _short(ctx: WorkContext) -> int:
    """Open low-supply alerts of stores in the user's area (one COUNT over the escalations)."""
    from fangkong.notifications.models import Escalation

    return (
        Escalation.objects.visible_to(ctx.user)
        .filter(key__startswith="supplies:low:", resolved_at=None)
        .count()
    )


def _overview(ctx: WorkContext) -> str:
    return reverse("supplies:overview")


WORKBENCH = [
    WorkItem(
        "supplies.short",
        _("Stores running short of supplies"),
        _short,
        _overview,
        (Profile.COMMAND, Profile.OTHER),
        SuppliesPerm.VIEW_STOCK,
        urgency=35,
        hint=_("Below their alert threshold of days of supply: request, allocate or ship."),
    ),
    *request_registry.WORKBENCH,
    *production_registry.WORKBENCH,
    *donation_registry.WORKBENCH,
]
