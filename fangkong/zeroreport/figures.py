"""The figures of a grid's day, one definition each, computed set-based from the records.

Each figure is one ``GROUP BY`` query over the records of one day under a division path (every
record carries its grid's path in ``division_path``), so refreshing a county's thousands of
grids costs the same eight queries as refreshing one grid. The queries read one day of each
table through a (day, path) index, never a subtree's whole history.

Definitions (day D, a grid G):

``screened``
    screenings of G with ``screened_on`` = D.
``fever_found``
    screenings of G on D with a temperature ≥ 37.3 ℃, plus check-ins of G's observations on D
    with a temperature ≥ 37.3 ℃ (``FEVER_AT``).
``observations_active``
    observations of G running on D: ``start_date`` ≤ D < ``end_date`` and not ended on or
    before D (still active, or ``ended_on`` > D).
``check_ins_missed``
    of those, the ones that missed a check-in that was due: for a day gone by, the check-in of
    D itself; for today, yesterday's, and today's too from 20:00 — the same rule as the
    observation to-do (``observation.selectors.missed_days``), so that a morning with people
    under observation can still be a zero report and the two pages never disagree.
``passages_pending``
    flagged travellers handed over to G (``checkpoints.Handover`` whose destination is G) not
    handled at the end of D: created before the end of D and still pending, or handled after
    the end of D. For today that is "pending now" (every pending hand-over), so the figure goes
    down as the grid works through its list, and the zero-report rule and the to-do use it.
``passages_handled``
    hand-overs to G marked handled on D (``handled_at`` within D, local time), whenever they
    were received.
``care_open``
    care requests of G open at the end of D: requested on or before D and not closed by then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.care.models import CareRequest
from fangkong.checkpoints.choices import HandoverStatus
from fangkong.checkpoints.models import Handover
from fangkong.observation.choices import Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.observation.selectors import missed_days, missing_on
from fangkong.people.choices import FEVER_AT
from fangkong.regions.models import Division
from fangkong.screening.models import Screening
from fangkong.zeroreport.models import ABNORMAL_FIGURES, FIGURES

Figures = dict[str, int]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The day as a half-open range of aware datetimes in the local time zone."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def is_abnormal(figures: Figures) -> bool:
    """Something a zero report (零报告) must not hide: a fever, a missed check-in, or a flagged
    traveller handed over to the grid and not handled yet."""
    return any(figures.get(f, 0) > 0 for f in ABNORMAL_FIGURES)


def active_grids(under: Division | None = None) -> QuerySet[Division]:
    """The grids figures are kept for: active grids under ``under`` (itself, if a grid)."""
    qs = Division.objects.active_grids()
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return qs


def _under(qs: QuerySet, prefix: str, field: str = "division_path") -> QuerySet:
    return qs.filter(**{f"{field}__startswith": prefix}) if prefix else qs


def _count_by_path(qs: QuerySet, field: str = "division_path") -> dict[str, int]:
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("pk")).order_by()}


def observations_on(day: dt.date, prefix: str = "") -> QuerySet[Observation]:
    """Observations running on ``day`` (see ``observations_active``)."""
    qs = Observation.objects.filter(start_date__lte=day, end_date__gt=day).filter(
        Q(status=Status.ACTIVE) | Q(ended_on__gt=day)
    )
    return _under(qs, prefix)


def handovers_pending_at(end: dt.datetime) -> QuerySet[Handover]:
    """Hand-overs received before ``end`` and not handled by then. Both branches start from
    ``status`` so each reads the (status, destination_path) index: the pending ones, and the
    handled ones handled at or after ``end`` (none when ``end`` is the end of today)."""
    return Handover.objects.filter(created_at__lt=end).filter(
        Q(status=HandoverStatus.PENDING) | Q(status=HandoverStatus.HANDLED, handled_at__gte=end)
    )


def due_days(day: dt.date, now: dt.datetime | None = None) -> list[dt.date]:
    """The check-in days whose absence counts as missed on ``day``."""
    if day < timezone.localtime(now).date():
        return [day]
    return missed_days(now)


@dataclass(frozen=True)
class Computed:
    """Figures by grid path for one day under one path."""

    day: dt.date
    by_path: dict[str, Figures]

    def of(self, path: str) -> Figures:
        return self.by_path.get(path) or dict.fromkeys(FIGURES, 0)


def compute(day: dt.date, prefix: str = "", *, now: dt.datetime | None = None) -> Computed:
    """Every figure of ``day`` for the grids whose path starts with ``prefix`` ("" = all).

    Eight queries whatever the number of grids. Records whose path is not a grid's (none should
    be) are keyed by their own path and simply never looked up.
    """
    start, end = day_bounds(day)
    counts: dict[str, dict[str, int]] = {}
    counts["screened"] = _count_by_path(_under(Screening.objects.filter(screened_on=day), prefix))
    fever_screenings = _count_by_path(
        _under(Screening.objects.filter(screened_on=day, temperature__gte=FEVER_AT), prefix)
    )
    fever_check_ins = _count_by_path(
        _under(CheckIn.objects.filter(day=day, temperature__gte=FEVER_AT), prefix)
    )
    counts["fever_found"] = {
        p: fever_screenings.get(p, 0) + fever_check_ins.get(p, 0)
        for p in {*fever_screenings, *fever_check_ins}
    }
    counts["observations_active"] = _count_by_path(observations_on(day, prefix))
    counts["check_ins_missed"] = _count_by_path(
        observations_on(day, prefix).filter(reduce(or_, map(missing_on, due_days(day, now))))
    )
    counts["passages_pending"] = _count_by_path(
        _under(handovers_pending_at(end), prefix, "destination_path"), "destination_path"
    )
    counts["passages_handled"] = _count_by_path(
        _under(
            Handover.objects.filter(
                status=HandoverStatus.HANDLED, handled_at__gte=start, handled_at__lt=end
            ),
            prefix,
            "destination_path",
        ),
        "destination_path",
    )
    counts["care_open"] = _count_by_path(
        _under(
            CareRequest.objects.filter(requested_on__lte=day).filter(
                Q(closed_at__isnull=True) | Q(closed_at__gte=end)
            ),
            prefix,
        )
    )
    by_path: dict[str, Figures] = {}
    for figure, by in counts.items():
        for path, n in by.items():
            by_path.setdefault(path, dict.fromkeys(FIGURES, 0))[figure] = n
    return Computed(day=day, by_path=by_path)


def for_grid(grid: Division, day: dt.date, *, now: dt.datetime | None = None) -> Figures:
    """The live figures of one grid's day."""
    return compute(day, grid.path, now=now).of(grid.path)


def totals(rows: Iterable[Figures]) -> Figures:
    out = dict.fromkeys(FIGURES, 0)
    for row in rows:
        for f in FIGURES:
            out[f] += int(row.get(f) or 0)
    return out
