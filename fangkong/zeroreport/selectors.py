"""Reads of the grid days: a grid's page, a division's roll-up, unconfirmed grids, dashboard.

Every read starts from ``visible_to(user)``. Roll-ups and the dashboard read only ``GridDay``
(never the screenings or check-ins themselves): one query for one day's rows under the
division grouped by child, one for 30 days of sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Substr

from fangkong.regions.choices import Level, StaffKind
from fangkong.regions.models import Division, GridAssignment
from fangkong.zeroreport.choices import Figure
from fangkong.zeroreport.models import FIGURES, GridDay

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

    AnyUser = User | AnonymousUser

TREND_DAYS = 30
HISTORY_DAYS = 7


def _sums() -> dict[str, Any]:
    return {
        **{f: Sum(f) for f in FIGURES},
        "reported": Count("pk"),
        "confirmed": Count("confirmed_at"),
        "zero_reports": Count("pk", filter=Q(zero_report=True, confirmed_at__isnull=False)),
        "computed_at": Min("computed_at"),
    }


def grid_days(user: AnyUser) -> QuerySet[GridDay]:
    return GridDay.objects.visible_to(user)


def grid_history(
    user: AnyUser, grid: Division, today: dt.date, days: int = HISTORY_DAYS
) -> list[GridDay]:
    """The grid's last ``days`` days (today first); a day without a row is not in the list."""
    since = today - dt.timedelta(days=days - 1)
    return list(
        grid_days(user)
        .filter(grid=grid, day__gte=since, day__lte=today)
        .select_related("confirmed_by")
        .order_by("-day")
    )


@dataclass
class ChildRow:
    division: Division
    grids: int
    figures: dict[str, int]
    reported: int = 0
    confirmed: int = 0
    zero_reports: int = 0

    @property
    def values(self) -> list[int]:
        """The figures in the order of ``FIGURES`` (the columns of the tables)."""
        return [self.figures[f] for f in FIGURES]

    @property
    def cells(self) -> list[tuple[Figure, int]]:
        """Each figure with its value, in the order of the columns."""
        return [(Figure(f), self.figures[f]) for f in FIGURES]

    @property
    def has_data(self) -> bool:
        """False for a division without grids or without any figures stored for the day: the
        screens say "no data" rather than a false 0."""
        return self.grids > 0 and self.reported > 0

    @property
    def unconfirmed(self) -> int:
        return max(self.grids - self.confirmed, 0)

    @property
    def unreported(self) -> int:
        """Grids with no figures stored for the day yet (never refreshed or confirmed)."""
        return max(self.grids - self.reported, 0)


@dataclass
class Rollup:
    division: Division
    day: dt.date
    children: list[ChildRow]
    total: ChildRow
    computed_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _grid_count(d: Division) -> int:
    return 1 if d.level == Level.GRID else d.n_grids


def children_of(user: AnyUser, division: Division) -> list[Division]:
    return list(
        Division.objects.visible_to(user).filter(parent=division, active=True).order_by("code")
    )


def rollup(user: AnyUser, division: Division, day: dt.date) -> Rollup:
    """Each child's grids confirmed / total and summed figures for ``day``: two queries (the
    children, and the day's grid rows under the division grouped by child path)."""
    children = children_of(user, division)
    by_child: dict[str, dict[str, Any]] = {}
    lengths = sorted({len(c.path) for c in children})
    for length in lengths:  # one length per level in practice: one query
        rows = (
            grid_days(user)
            .filter(day=day, division_path__startswith=division.path)
            .annotate(child=Substr("division_path", 1, length))
            .values("child")
            .annotate(**_sums())
            .order_by()
        )
        for row in rows:
            by_child.setdefault(row["child"], row)
    out, stamps = [], []
    for child in children:
        row = by_child.get(child.path) or {}
        if row.get("computed_at"):
            stamps.append(row["computed_at"])
        out.append(
            ChildRow(
                division=child,
                grids=_grid_count(child),
                figures={f: int(row.get(f) or 0) for f in FIGURES},
                reported=int(row.get("reported") or 0),
                confirmed=int(row.get("confirmed") or 0),
                zero_reports=int(row.get("zero_reports") or 0),
            )
        )
    total = ChildRow(
        division=division,
        grids=_grid_count(division),
        figures={f: sum(r.figures[f] for r in out) for f in FIGURES},
        reported=sum(r.reported for r in out),
        confirmed=sum(r.confirmed for r in out),
        zero_reports=sum(r.zero_reports for r in out),
    )
    return Rollup(division, day, out, total, min(stamps) if stamps else None)


@dataclass
class GridPage:
    items: list[Division]
    next_after: str | None


def unconfirmed_grids(
    user: AnyUser, division: Division, day: dt.date, *, after: str | None = None, size: int = 50
) -> GridPage:
    """Active grids under ``division`` whose ``day`` is not confirmed, by path (keyset on the
    path), each with its current grid workers (``workers``) and village."""
    confirmed = GridDay.objects.filter(grid=OuterRef("pk"), day=day, confirmed_at__isnull=False)
    workers = GridAssignment.objects.filter(
        ended_at=None, staff__kind=StaffKind.GRID_WORKER, staff__active=True
    ).select_related("staff")
    qs = (
        Division.objects.visible_to(user)
        .active_grids()
        .filter(path__startswith=division.path)
        .exclude(Exists(confirmed))
        .select_related("parent")
        .prefetch_related(Prefetch("assignments", queryset=workers, to_attr="workers"))
        .order_by("path")
    )
    if after:
        qs = qs.filter(path__gt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].path if len(items) > size else None
    return GridPage(items[:size], next_after)


@dataclass
class Series:
    days: list[dt.date]
    values: dict[str, list[int | None]]
    confirmed: list[int | None]
    grids: list[int | None]


def trend(user: AnyUser, division: Division, today: dt.date, days: int = TREND_DAYS) -> Series:
    """Sums over the subtree per day for the last ``days`` days: one query. A day without any
    grid row (never refreshed) is None, so the chart shows a gap rather than a false zero."""
    since = today - dt.timedelta(days=days - 1)
    rows = {
        r["day"]: r
        for r in grid_days(user)
        .filter(day__gte=since, day__lte=today, division_path__startswith=division.path)
        .values("day")
        .annotate(**_sums())
        .order_by()
    }
    axis = [since + dt.timedelta(days=i) for i in range(days)]

    def col(key: str) -> list[int | None]:
        return [int(rows[d][key] or 0) if d in rows else None for d in axis]

    return Series(
        days=axis,
        values={f: col(f) for f in FIGURES},
        confirmed=col("confirmed"),
        grids=col("reported"),
    )
