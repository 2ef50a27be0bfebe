"""Django's ``flush``, acting as the audit table's owner.

The test runner empties every table between transactional tests with ``flush``. On PostgreSQL
it connects as the owner, whom the audit triggers let through; on SQLite the DELETE trigger
asks the connection, and :func:`fangkong.audit.database.owner_session` answers yes here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand

from fangkong.audit.database import owner_session


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        with owner_session():
            super().handle(**options)
