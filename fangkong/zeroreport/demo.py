"""Demo history of zero reporting: 30 days of figures for the demo county, most past days
confirmed (many as zero reports, some late, a few missing), today partly confirmed.

Idempotent: figures are recomputed (an upsert); a day already confirmed is left alone, and
which grid-days are confirmed is decided by a seeded draw per grid and day, so running it again
changes nothing but the figures' freshness. The demo grid worker's own grid is left
unconfirmed today, so that the demo shows the confirm button.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.actions import record
from fangkong.regions.models import Division
from fangkong.zeroreport.actions import refresh_grid_days
from fangkong.zeroreport.figures import is_abnormal
from fangkong.zeroreport.models import GridDay

DEMO_COUNTY = "220102000000"  # 长春市南关区 (demo/scenario.py)
DEMO_GRID_WORKER = "wangge"
DAYS = 30
MISSING = 0.05  # share of past grid-days never confirmed
LATE = 0.08  # share confirmed the next morning
UNCONFIRMED_TODAY = 0.4
NOTES = ["已电话提醒未打卡人员", "发热人员已转运发热门诊", "卡口交办人员已上门核实", "已入户复核"]


def _draw(grid_id: int, day: dt.date) -> random.Random:
    return random.Random(f"zero-{grid_id}-{day.isoformat()}")  # noqa: S311 - demo data


def load_zero_report_history(
    today: dt.date | None = None, *, county_code: str = DEMO_COUNTY
) -> int:
    """Refresh the last 30 days for the demo county and confirm most of them; returns the
    number of grid-days confirmed by this run."""
    today = today or timezone.localdate()
    county = Division.objects.filter(code=county_code).first()
    if county is None:
        return 0
    for back in range(DAYS):
        refresh_grid_days(day=today - dt.timedelta(days=back), under=county)
    worker = User.objects.filter(username=DEMO_GRID_WORKER).first()
    worker_grid = worker.home_division_id if worker else None
    tz = timezone.get_current_timezone()
    now = timezone.now()
    changed: list[GridDay] = []
    open_rows = GridDay.objects.filter(
        division_path__startswith=county.path,
        day__gt=today - dt.timedelta(days=DAYS),
        day__lte=today,
        confirmed_at__isnull=True,
    ).order_by("day", "grid_id")
    for row in open_rows:
        rng = _draw(row.grid_id, row.day)
        draw = rng.random()
        if row.day == today:
            if row.grid_id == worker_grid or draw < UNCONFIRMED_TODAY:
                continue
            row.confirmed_at = now - dt.timedelta(minutes=rng.randint(0, 120))
        else:
            if draw < MISSING:
                continue
            late = draw < MISSING + LATE
            at = dt.datetime.combine(
                row.day + dt.timedelta(days=1 if late else 0),
                dt.time(8 if late else 17, rng.randint(0, 59)),
                tzinfo=tz,
            )
            row.confirmed_at = min(at, now)
            row.confirmed_late = late
        row.confirmed_by = worker if row.grid_id == worker_grid else None
        row.zero_report = not is_abnormal(row.figures())
        row.note = "" if row.zero_report else rng.choice(NOTES)
        changed.append(row)
    if changed:
        with transaction.atomic():
            GridDay.objects.bulk_update(
                changed,
                ["confirmed_at", "confirmed_by", "confirmed_late", "zero_report", "note"],
                batch_size=1000,
            )
            record(
                actor=None,
                action="grid_days.refresh",
                obj=county,
                division_path=county.path,
                changes={"days": DAYS, "confirmed": len(changed)},
                reason="演示数据：零报告历史",  # demo data: zero-report history
            )
    return len(changed)
