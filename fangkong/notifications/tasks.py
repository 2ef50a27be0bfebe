"""Background work of notifications (Django Tasks API; django-tasks backport)."""

from __future__ import annotations

from django_tasks import task

from fangkong.notifications.delivery import deliver


@task()
def deliver_task(ids: list[int]) -> int:
    """Deliver the given notifications; returns how many were handled."""
    return deliver(ids)
