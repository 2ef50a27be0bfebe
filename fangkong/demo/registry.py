"""What the demo app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "demo.population": _("load the demo population"),
    "demo.screening": _("load the demo screening sweep"),
    "demo.outbreak": _("load the demo outbreak"),
}
