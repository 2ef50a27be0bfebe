"""Reads of the daily supervision report: my division's report of a day, my children's reports
for review, the roll-up of their figures (recomputed from the records), their problems to answer
or pass up, and completeness and timeliness per level (the ``ExpectedDay`` rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports.actions import deadline_of, expected_counts
from fangkong.reports.choices import REPORTING_LEVELS, State
from fangkong.reports.models import DailyReport, Deadline, ExpectedDay, Problem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.command.models import GroupMember

TREND_DAYS = 30


def reports(user: User | AnonymousUser) -> QuerySet[DailyReport]:
    return DailyReport.objects.visible_to(user).select_related("division", "submitted_by")


def report_of(division: Division, day: dt.date) -> DailyReport | None:
    """The division's report of ``day``, with its rows, or None."""
    return (
        DailyReport.objects.filter(division=division, day=day)
        .select_related("division", "submitted_by", "reviewed_by")
        .prefetch_related("arrangements", "problems")
        .first()
    )


def roster(division: Division) -> list[GroupMember]:
    """The current members of the division's leading group (to prefill the arrangements)."""
    from fangkong.command.models import GroupMember

    return list(
        GroupMember.objects.filter(group__division=division, left_on__isnull=True).order_by(
            "role", "id"
        )
    )


@dataclass
class ChildRow:
    """One child division and its report of the day (None: nothing written yet)."""

    division: Division
    report: DailyReport | None

    @property
    def state(self) -> str:
        return self.report.state if self.report is not None else ""


def children(parent: Division, day: dt.date) -> list[ChildRow]:
    """The parent's active children (reporting levels) with their report of ``day``: two
    queries."""
    if parent.level >= Level.VILLAGE:
        return []
    kids = list(Division.objects.filter(parent=parent, active=True).order_by("code"))
    found = {
        r.division_id: r
        for r in DailyReport.objects.filter(division__in=kids, day=day).select_related(
            "submitted_by"
        )
    }
    return [ChildRow(d, found.get(d.pk)) for d in kids]


def open_children(parent: Division, day: dt.date) -> int:
    """How many of the parent's children are not approved or marked missing."""
    return sum(
        1 for row in children(parent, day) if row.state not in (State.APPROVED, State.MISSING)
    )


def waiting_review(user: User, day: dt.date | None = None) -> int:
    """Children's reports submitted and waiting for the user's division to review (today)."""
    if user.home_division_id is None:
        return 0
    return DailyReport.objects.filter(
        division__parent_id=user.home_division_id,
        day=day or timezone.localdate(),
        state=State.SUBMITTED,
    ).count()


def rollup(parent: Division, day: dt.date) -> dict[str, int]:
    """The parent's figures: the sum of its children's, recomputed from the records
    (``reports.figures.figures_for_children``), never typed."""
    from fangkong.reports.figures import figures_for_children, total

    return total(figures_for_children(parent, day).values())


def rollup_day(day: dt.date, under: Division | None = None) -> dict[int, dict[str, int]]:
    """The figures of ``day`` for every active division from the village up under ``under``
    (the whole province when None), by division id: the whole day rolled up through five
    levels from the records in five queries (``reports.figures.figures_for_all``), plus one for
    the divisions. A division with nothing that day has all zeros."""
    from fangkong.reports.figures import KEYS, figures_for_all

    by_path = figures_for_all(day, under)
    divisions = Division.objects.filter(
        active=True, level__gte=Level.PROVINCE, level__lte=Level.VILLAGE
    )
    if under is not None:
        divisions = divisions.filter(path__startswith=under.path)
    empty = dict.fromkeys(KEYS, 0)
    return {pk: by_path.get(path, dict(empty)) for pk, path in divisions.values_list("pk", "path")}


def child_figures(parent: Division, day: dt.date) -> dict[int, dict[str, int]]:
    from fangkong.reports.figures import figures_for_children

    return figures_for_children(parent, day)


def definitions() -> list[Any]:
    """Every figure with its label and definition (``reports.figures.DEFINITIONS``)."""
    from fangkong.reports.figures import DEFINITIONS

    return list(DEFINITIONS)


def labelled(figures: dict[str, int]) -> list[tuple[Any, int]]:
    """(figure definition, value) in the order of the definitions."""
    return [(f, int(figures.get(f.key, 0) or 0)) for f in definitions()]


def children_problems(parent: Division, day: dt.date) -> QuerySet[Problem]:
    """The problems in the children's reports of ``day`` (submitted or later), for the parent
    to answer or pass up; open ones first."""
    return (
        Problem.objects.filter(
            report__division__parent=parent,
            report__day=day,
            report__state__in=(State.SUBMITTED, State.APPROVED, State.RETURNED),
        )
        .select_related("report__division", "passed_to")
        .order_by("answered_at", "report__division__code", "id")
    )


def deadlines() -> list[Deadline]:
    """The deadline of each reporting level, village first."""
    return list(Deadline.objects.order_by("-level"))


@dataclass
class LevelDay:
    level: int
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    approved: int = 0
    missing: int = 0
    deadline: dt.datetime | None = None

    @property
    def label(self) -> str:
        return str(Level(self.level).label)

    @property
    def not_submitted(self) -> int:
        return max(self.expected - self.submitted - self.missing, 0)

    @property
    def rate(self) -> int:
        """Submitted as a share of expected, in percent."""
        return round(100 * self.submitted / self.expected) if self.expected else 0


def completeness(day: dt.date) -> list[LevelDay]:
    """Completeness and timeliness of ``day`` per level, village first: the five
    ``ExpectedDay`` rows (when the day has none yet, expected from the division counters)."""
    rows = {r.level: r for r in ExpectedDay.objects.filter(day=day)}
    counts = expected_counts() if len(rows) < len(REPORTING_LEVELS) else {}
    out: list[LevelDay] = []
    for level in sorted(REPORTING_LEVELS, reverse=True):
        r = rows.get(level)
        if r is None:
            out.append(LevelDay(level=level, expected=counts.get(level, 0)))
            continue
        out.append(
            LevelDay(
                level=level,
                expected=r.expected,
                submitted=r.submitted,
                on_time=r.on_time,
                late=r.late,
                approved=r.approved,
                missing=r.missing,
            )
        )
    return out


def completeness_with_deadlines(day: dt.date) -> list[LevelDay]:
    out = completeness(day)
    for row in out:
        row.deadline = deadline_of(row.level, day)
    return out


@dataclass
class Trend:
    days: list[dt.date]
    # level -> day -> LevelDay
    levels: dict[int, dict[dt.date, LevelDay]] = field(default_factory=dict)

    def chart(self) -> dict[str, Any]:
        """The chart's data: submitted share in percent per level and day."""
        return {
            "days": [d.isoformat() for d in self.days],
            "series": [
                {
                    "name": str(Level(level).label),
                    "points": {d.isoformat(): row.rate for d, row in by_day.items()},
                }
                for level, by_day in sorted(self.levels.items(), reverse=True)
            ],
        }


def trend(last: dt.date, days: int = TREND_DAYS) -> Trend:
    """Completeness per level over the ``days`` days ending with ``last``: one query."""
    first = last - dt.timedelta(days=days - 1)
    out = Trend(days=[first + dt.timedelta(days=i) for i in range(days)])
    for level in REPORTING_LEVELS:
        out.levels[level] = {}
    for r in ExpectedDay.objects.filter(day__gte=first, day__lte=last).order_by("day", "level"):
        out.levels.setdefault(r.level, {})[r.day] = LevelDay(
            level=r.level,
            expected=r.expected,
            submitted=r.submitted,
            on_time=r.on_time,
            late=r.late,
            approved=r.approved,
            missing=r.missing,
        )
    return out


def with_rows(qs: QuerySet[DailyReport]) -> QuerySet[DailyReport]:
    return qs.prefetch_related(
        "arrangements", Prefetch("problems", queryset=Problem.objects.order_by("id"))
    )


def summaries(user: User | AnonymousUser) -> QuerySet[Any]:
    """The kept daily summaries the user may see, newest day and version first (at most 60
    days are kept apart; the list shows the last 100)."""
    from fangkong.reports.models import Summary

    return (
        Summary.objects.visible_to(user)
        .select_related("division", "generated_by")
        .defer("docx", "pdf")
        .order_by("-day", "-version")[:100]
    )
