"""Reads of observations that are more than a filter: missed check-ins, flags, the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fangkong.observation.choices import Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.people.choices import FEVER_AT
from fangkong.people.selectors import search_filter

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.people.models import Person
    from fangkong.regions.models import Division

EVENING_HOUR = 20  # from 20:00 local time, today's missing check-ins count as missed too


@dataclass
class Filters:
    within: Division | None = None
    grid: Division | None = None
    status: str = Status.ACTIVE
    kind: str = ""
    missed: bool = False
    fever: bool = False
    due: bool = False
    q: str = ""


@dataclass
class Page:
    items: Sequence[Observation]
    next_after: int | None


def missed_days(now: dt.datetime | None = None) -> list[dt.date]:
    """The days whose check-in is due by now: yesterday, and today after 20:00."""
    local = timezone.localtime(now)
    today = local.date()
    days = [today - dt.timedelta(days=1)]
    if local.hour >= EVENING_HOUR:
        days.append(today)
    return days


def _checked(day: dt.date) -> Exists:
    return Exists(CheckIn.objects.filter(observation=OuterRef("pk"), day=day))


def missing_on(day: dt.date) -> Q:
    """Expected a check-in that day (from the start until the day before the end) and has none."""
    return Q(start_date__lte=day, end_date__gt=day) & ~Q(_checked(day))


def missed_check_ins(
    user: User | AnonymousUser,
    day: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
) -> QuerySet[Observation]:
    """Active observations in the user's subtree without a check-in for ``day`` (default:
    yesterday, and today too after 20:00 local time)."""
    days = [day] if day is not None else missed_days(now)
    return Observation.objects.visible_to(user).filter(
        reduce(or_, [missing_on(d) for d in days]), status=Status.ACTIVE
    )


def with_fever(user: User | AnonymousUser) -> QuerySet[Observation]:
    """Active observations whose latest check-in had a fever (a referral is proposed)."""
    return Observation.objects.visible_to(user).filter(
        status=Status.ACTIVE, last_temperature__gte=FEVER_AT
    )


def release_due(user: User | AnonymousUser, today: dt.date | None = None) -> QuerySet[Observation]:
    """Active observations whose period is over (``end_date``, the release day, has come): the
    grid worker releases them (``actions.release_observation``)."""
    return Observation.objects.visible_to(user).filter(
        status=Status.ACTIVE, end_date__lte=today or timezone.localdate()
    )


def observations(user: User | AnonymousUser, filters: Filters) -> QuerySet[Observation]:
    qs: QuerySet[Observation] = Observation.objects.visible_to(user)
    if filters.missed:
        qs = missed_check_ins(user)
    if filters.fever:
        qs = qs.filter(status=Status.ACTIVE, last_temperature__gte=FEVER_AT)
    if filters.due:
        qs = qs.filter(status=Status.ACTIVE, end_date__lte=timezone.localdate())
    if filters.within is not None:
        qs = qs.filter(division_path__startswith=filters.within.path)
    if filters.grid is not None:
        qs = qs.filter(grid=filters.grid)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(search_filter(filters.q, prefix="person__"))
    return qs


def page(
    qs: QuerySet[Observation], *, after: int | None, size: int, today: dt.date | None = None
) -> Page:
    """Newest first by id; each row knows whether yesterday's and today's check-ins are in."""
    today = today or timezone.localdate()
    qs = (
        qs.select_related("person", "grid")
        .annotate(
            checked_today=_checked(today),
            checked_yesterday=_checked(today - dt.timedelta(days=1)),
        )
        .order_by("-id")
    )
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    for o in items:
        yesterday = today - dt.timedelta(days=1)
        expected = o.is_active and o.start_date <= yesterday < o.end_date
        o.missed_yesterday = expected and not o.checked_yesterday  # type: ignore[attr-defined]
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


@dataclass(frozen=True)
class Day:
    day: dt.date
    number: int
    state: str  # ok, fever, missed, due, future, ended
    check_in: CheckIn | None


def calendar(observation: Observation, today: dt.date | None = None) -> list[Day]:
    """The observation's days with their check-ins, for the 14-day calendar."""
    today = today or timezone.localdate()
    stored = {c.day: c for c in observation.check_ins.all()}
    cells = []
    for number, day in enumerate(observation.days(), start=1):
        check_in = stored.get(day)
        if check_in is not None:
            state = "fever" if check_in.has_fever else "ok"
        elif observation.ended_on is not None and day >= observation.ended_on:
            state = "ended"
        elif day < today:
            state = "missed"
        elif day == today:
            state = "due"
        else:
            state = "future"
        cells.append(Day(day, number, state, check_in))
    return cells


def observations_of(person: Person, user: User | AnonymousUser) -> QuerySet[Observation]:
    """A person's observations the user may see, newest first (a section of the person page:
    people.selectors.HISTORY_SECTIONS)."""
    return (
        Observation.objects.visible_to(user)
        .filter(person=person)
        .select_related("grid")
        .order_by("-start_date", "-id")
    )


def todo(user: User | AnonymousUser, *, limit: int = 20) -> dict[str, Any]:
    """What needs doing today: missed check-ins and fevers, for the list's to-do section."""
    missed = missed_check_ins(user).select_related("person", "grid").order_by("end_date", "id")
    fever = with_fever(user).select_related("person", "grid").order_by("-last_check_in_on", "id")
    return {
        "days": missed_days(),
        "missed": list(missed[:limit]),
        "missed_count": missed.count(),
        "fever": list(fever[:limit]),
        "fever_count": fever.count(),
    }
