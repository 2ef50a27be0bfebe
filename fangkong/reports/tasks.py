"""Background work of the daily reports (Django Tasks API; django-tasks backport): reminders
before each level's deadline and escalation of the missing reports after it. Idempotent (the
notification keys are per division and day)."""

from __future__ import annotations

from django_tasks import task

from fangkong.reports.actions import escalate_missing, remind_unsubmitted


@task()
def remind_reports_task() -> dict[str, int]:
    return {"reminded": remind_unsubmitted(), "escalated": escalate_missing()}
