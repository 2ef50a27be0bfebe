"""What the checkpoints app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes, its entries in the page header, and on the workbench
(``core/workbench.py``) the flagged travellers waiting, the new-passage button and the checkpoint
staff's panel."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, QuickAction, WorkContext, WorkItem, WorkPanel

AUDIT_LABELS = {
    "checkpoint.create": _("create checkpoint"),
    "checkpoint.update": _("change checkpoint"),
    "checkpoint.close": _("close checkpoint"),
    "checkpoint.reopen": _("reopen checkpoint"),
    "checkpoint.tokens": _("bind terminal tokens to a checkpoint"),
    "passage.register": _("register a passage"),
    "passage.batch": _("upload passages from a terminal"),
    "passage_person.reveal": _("show a traveller's full ID number and phone"),
    "handover.handle": _("handle a flagged traveller"),
}

MENU = [
    MenuItem(
        _("Flagged travellers"),
        "checkpoints:todo",
        CheckpointsPerm.VIEW_HANDOVER,
        weight=70,
        first={"grid": 3, "command": 2},
    ),
    MenuItem(
        _("Checkpoints"),
        "checkpoints:list",
        CheckpointsPerm.VIEW_CHECKPOINT,
        weight=80,
        first={"checkpoint": 1, "command": 4},
    ),
]


def _pending(ctx: WorkContext) -> int:
    from fangkong.checkpoints.selectors import pending_count

    return pending_count(ctx.user)


def _todo_url(ctx: WorkContext) -> str:
    return reverse("checkpoints:todo")


WORKBENCH = [
    WorkItem(
        "checkpoints.pending",
        _("Flagged travellers waiting"),
        _pending,
        _todo_url,
        (Profile.GRID,),
        CheckpointsPerm.VIEW_HANDOVER,
        urgency=30,
        hint=_("Screen each one: the form opens filled in from the passage."),
    ),
    WorkItem(
        "checkpoints.pending_below",
        _("Flagged travellers not yet handled"),
        _pending,
        _todo_url,
        (Profile.COMMAND,),
        CheckpointsPerm.VIEW_HANDOVER,
        urgency=40,
        hint=_("Handed over by checkpoints, waiting for a grid to screen them."),
    ),
]

QUICK_ACTIONS = [
    QuickAction(
        _("Register a passage"),
        "core:home",  # the workbench lists the staff's checkpoints, each with its form
        (Profile.CHECKPOINT,),
        CheckpointsPerm.ADD_PASSAGE,
        weight=10,
    ),
]

SHOWN = 20


def _checkpoint_panel(ctx: WorkContext) -> dict[str, Any]:
    """The open checkpoints the staff may see with today's counts, and today's passages."""
    from fangkong.checkpoints import selectors

    page = selectors.checkpoint_page(ctx.user, size=SHOWN, include_closed=False)
    passages = selectors.todays_passages(ctx.user, [c.pk for c in page.items], ctx.today, SHOWN)
    return {"checkpoints": page.items, "more": page.next_after is not None, "items": passages}


WORKBENCH_PANELS = [
    WorkPanel(
        "checkpoints/_workbench.html",
        _checkpoint_panel,
        (Profile.CHECKPOINT,),
        CheckpointsPerm.VIEW_CHECKPOINT,
        weight=10,
    ),
]
