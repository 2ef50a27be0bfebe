"""The audit table's guard in the database: who may remove rows, and the grants of the
application's own role (docs/audit.md "Append-only", ADR 0010).

On PostgreSQL the triggers of migration ``audit/0003`` let only the table's owner (the role
that runs migrations, and the test runner) delete or truncate audit rows; the application runs
as another role that holds INSERT and SELECT on the table and nothing more (:func:`app_role_sql`).

SQLite has no roles: its DELETE trigger asks the connection, through the SQL function
``fangkong_audit_owner()`` registered here on every connection, whether it is acting as the
owner. Only :func:`owner_session` says yes: the test runner's ``flush`` and ``purge-audit``.
A ``sqlite3`` shell has no such function, so a DELETE there fails as well.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

AUDIT_TABLE = "audit_auditevent"
SQLITE_OWNER_FUNCTION = "fangkong_audit_owner"

_owner: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_owner", default=False)


@contextmanager
def owner_session() -> Iterator[None]:
    """Act as the audit table's owner on SQLite (the DELETE trigger lets rows go). On
    PostgreSQL this changes nothing: the database role decides there."""
    token = _owner.set(True)
    try:
        yield
    finally:
        _owner.reset(token)


def _is_owner() -> int:
    return int(_owner.get())


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the SQL function the SQLite DELETE trigger calls."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_OWNER_FUNCTION, 0, _is_owner)


def app_role_sql(role: str, database: str) -> list[str]:
    """The grants of the application's database role, run by the owner after ``migrate``:
    everything it needs on every table, and on the audit table INSERT and SELECT only."""
    return [
        f"GRANT CONNECT ON DATABASE {database} TO {role};",
        f"GRANT USAGE ON SCHEMA public TO {role};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLE} FROM {role};",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role};",
    ]
