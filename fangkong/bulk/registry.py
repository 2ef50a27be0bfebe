"""What the bulk app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS = {
    "bulk.purge_import_files": _("delete the files of old imports"),
    "bulk.export": _("export a list"),
    "bulk.import_requeue": _("queue an import again after its process stopped"),
    "bulk.import_abandon": _("fail an import whose process stopped twice"),
}
