"""Background work of the outbreaks app (Django Tasks API). Tasks take a day or nothing and are
idempotent: running one twice the same day stores the same clusters and grades."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from fangkong.outbreaks.actions import detect_clusters, run_daily


@task()
def detect_clusters_task(day: str | None = None) -> int:
    """Flag the clusters of ``day`` (ISO date, default today); returns how many were created or
    extended. Run as the system."""
    on = dt.date.fromisoformat(day) if day else timezone.localdate()
    return detect_clusters(day=on).changed


@task()
def grade_risk_task(day: str | None = None) -> int:
    """Clusters, then the risk grade of every county for ``day``; returns how many counties
    changed grade."""
    on = dt.date.fromisoformat(day) if day else timezone.localdate()
    _clusters, grades = run_daily(day=on)
    return len(grades.changed)
