"""What the people app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.people.permissions import PeoplePerm

AUDIT_LABELS = {
    "person.create": _("register a person"),
    "person.update": _("change a person's details"),
    "person.move": _("move a person to another grid"),
    "person.move_out": _("a person moved out to another grid"),
    "person.move_in": _("a person moved in from another jurisdiction"),
    "person.reveal": _("show a person's full ID number and phone"),
}

MENU = [MenuItem(_("People"), "people:list", PeoplePerm.VIEW_PERSON, weight=20)]
