"""Background work of zero reporting (Django Tasks API). Tasks take ids or nothing and are
idempotent: refreshing twice stores the same figures."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from fangkong.regions.models import Division
from fangkong.zeroreport.actions import refresh_grid_days


@task()
def refresh_grid_days_task(day: str | None = None, division_id: int | None = None) -> int:
    """Recompute the figures of ``day`` (ISO date, default today) for the grids under the
    division (default all); returns the number of grids. Run by the system: not audited."""
    on = dt.date.fromisoformat(day) if day else timezone.localdate()
    under = Division.objects.get(pk=division_id) if division_id else None
    return refresh_grid_days(day=on, under=under)
