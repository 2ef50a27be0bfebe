"""What the screening app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.screening.permissions import ScreeningPerm

AUDIT_LABELS = {
    "screening.create": _("register a screening"),
    "screening.import": _("import screenings from a file"),
    "person.status": _("change a person's status"),
    "key_area.declare": _("declare a key area"),
    "key_area.end": _("end a key area"),
}

MENU = [MenuItem(_("Screening"), "screening:list", ScreeningPerm.VIEW_SCREENING, weight=30)]
