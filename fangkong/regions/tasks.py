"""Background work for the division tree (Django Tasks API; django-tasks backport).

Tasks take ids or nothing, never objects, and are idempotent: running one twice is harmless.
"""

from __future__ import annotations

from django_tasks import task

from fangkong.regions.actions import recount_divisions


@task()
def recount_divisions_task() -> int:
    """Recompute every division's descendant counters; returns how many rows changed."""
    return recount_divisions()
