"""What the checkpoints app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.core.discovery import MenuItem

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
    MenuItem(_("Flagged travellers"), "checkpoints:todo", CheckpointsPerm.VIEW_HANDOVER, weight=70),
    MenuItem(_("Checkpoints"), "checkpoints:list", CheckpointsPerm.VIEW_CHECKPOINT, weight=80),
]
