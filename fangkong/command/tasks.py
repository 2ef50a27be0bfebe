"""Background work of the command app (Django Tasks API; django-tasks backport)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from fangkong.command.directives import escalate_overdue_directives


@task()
def escalate_directives_task(now: str | None = None) -> int:
    """Escalate the recipients past their directive's deadline (``now``: ISO moment, default
    the present); returns how many. Idempotent."""
    return escalate_overdue_directives(dt.datetime.fromisoformat(now) if now else None)
