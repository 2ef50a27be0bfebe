"""What the import and indicator part of early warning adds to the shared lists (see
registry.py): the audit labels of its actions."""

from typing import Any

from django.utils.translation import gettext_lazy as _

AUDIT_LABELS: dict[str, Any] = {
    "warning.counts_import": _("import reported counts"),
    "warning.indicators_compute": _("compute the indicators of early warning"),
}
MENU: list[Any] = []
WORKBENCH: list[Any] = []
