"""Background work of tracing (Django Tasks API; django-tasks backport): escalate hand-overs not
accepted in time and show released the contacts whose observation ended. Both idempotent."""

from __future__ import annotations

from django_tasks import task

from fangkong.tracing.actions import escalate_overdue_handovers, sync_contacts


@task()
def escalate_handovers_task() -> int:
    """Escalate the hand-overs past their 2 hours; returns how many were escalated."""
    return escalate_overdue_handovers()


@task()
def sync_contacts_task() -> int:
    """Contacts whose observation ended released show released; returns rows changed."""
    return sync_contacts()
