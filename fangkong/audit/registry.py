"""What the audit app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.audit.permissions import AuditPerm
from fangkong.core.discovery import MenuItem

AUDIT_LABELS = {
    "audit.purge": _("archive and delete audit rows past the retention period"),
}

MENU = [MenuItem(_("Audit log"), "audit:list", AuditPerm.VIEW_AUDITEVENT, weight=120)]
