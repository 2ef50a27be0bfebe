"""Background work of notifications (Django Tasks API; django-tasks backport): delivery through
the configured senders, and raising the escalations still open. Both idempotent."""

from __future__ import annotations

from django_tasks import task

from fangkong.notifications.delivery import deliver
from fangkong.notifications.escalation import raise_open_escalations


@task()
def deliver_task(ids: list[int]) -> int:
    """Deliver the given notifications; returns how many were handled."""
    return deliver(ids)


@task()
def raise_escalations_task() -> int:
    """Move the escalations open too long one level up; returns how many moved."""
    return raise_open_escalations()
