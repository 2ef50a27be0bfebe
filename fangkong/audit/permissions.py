"""The permissions of the audit app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class AuditPerm(StrEnum):
    VIEW_AUDITEVENT = "audit.view_auditevent"
