"""What requests and allocation add to the shared lists: their audit labels and the workbench's
"requests waiting for our approval" (supplies officers) and "shipments to confirm" (the
requesting side). The single "Supplies" menu entry is the app's (``registry.py``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.supplies.permissions import SuppliesPerm

AUDIT_LABELS = {
    "supplies.request_submit": _("request supplies"),
    "supplies.request_decide": _("decide a supply request"),
    "supplies.request_allocate": _("allocate a supply request"),
    "supplies.request_forward": _("forward a supply request to the level above"),
    "supplies.shipment_ship": _("ship supplies"),
    "supplies.shipment_receive": _("confirm supplies received"),
    "supplies.plan_propose": _("propose an allocation plan"),
    "supplies.plan_confirm": _("confirm an allocation plan"),
}

MENU: list[Any] = []


def _waiting(ctx: WorkContext) -> int:
    from fangkong.supplies.requests import waiting_for_decision

    return waiting_for_decision(ctx.user)


def _addressed_url(ctx: WorkContext) -> str:
    return reverse("supplies:requests") + "?tab=addressed&state=submitted"


def _to_confirm(ctx: WorkContext) -> int:
    from fangkong.supplies.requests import to_confirm

    return to_confirm(ctx.user)


def _ours_url(ctx: WorkContext) -> str:
    return reverse("supplies:requests") + "?tab=ours&state=shipped"


WORKBENCH = [
    WorkItem(
        "supplies.requests_waiting",
        _("Supply requests waiting for our approval"),
        _waiting,
        _addressed_url,
        (Profile.COMMAND, Profile.OTHER),
        SuppliesPerm.APPROVE_REQUEST,
        urgency=45,
        hint=_("Approve, allocate from our stores or forward what we cannot give."),
    ),
    WorkItem(
        "supplies.shipments_to_confirm",
        _("Supply shipments to confirm"),
        _to_confirm,
        _ours_url,
        (Profile.GRID, Profile.COMMAND, Profile.OTHER),
        SuppliesPerm.REQUEST,
        urgency=46,
        hint=_("Count what arrived and confirm the quantity received."),
    ),
]
