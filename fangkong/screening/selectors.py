"""Reads of screenings that are more than a filter: the list's filters, keyset pages, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from fangkong.core.parsing import encode_date_cursor
from fangkong.people.selectors import search_filter
from fangkong.screening.models import KeyArea, Screening

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.people.models import Person
    from fangkong.regions.models import Division


@dataclass
class Filters:
    """What the screening list can be narrowed by; every one has its index (models.py)."""

    within: Division | None = None
    grid: Division | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    outcome: str = ""
    q: str = ""


@dataclass
class Page:
    items: list[Any]
    next_after: str | None
    errors: list[str] = field(default_factory=list)


def screenings(user: User | AnonymousUser, filters: Filters) -> QuerySet[Screening]:
    qs: QuerySet[Screening] = Screening.objects.visible_to(user)
    if filters.within is not None:
        qs = qs.filter(division_path__startswith=filters.within.path)
    if filters.grid is not None:
        qs = qs.filter(grid=filters.grid)
    if filters.date_from:
        qs = qs.filter(screened_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(screened_on__lte=filters.date_to)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.q:
        qs = qs.filter(search_filter(filters.q, prefix="person__"))
    return qs


def page(qs: QuerySet[Screening], *, after: tuple[dt.date, int] | None, size: int) -> Page:
    """Newest first, by (screening date, id); ``after`` is the last row's key (the cursor
    "date.id", parsed by ``core.parsing.parse_date_cursor``)."""
    qs = qs.select_related("person", "grid").order_by("-screened_on", "-id")
    if after is not None:
        day, pk = after
        qs = qs.filter(Q(screened_on__lt=day) | Q(screened_on=day, id__lt=pk))
    items = list(qs[: size + 1])
    next_after = None
    if len(items) > size:
        last = items[size - 1]
        next_after = encode_date_cursor(last.screened_on, last.pk)
    return Page(items=items[:size], next_after=next_after)


def screenings_of(person: Person, user: User | AnonymousUser) -> QuerySet[Screening]:
    """A person's screenings the user may see, newest first (a section of the person page:
    people.selectors.HISTORY_SECTIONS)."""
    return (
        Screening.objects.visible_to(user)
        .filter(person=person)
        .select_related("grid")
        .order_by("-screened_on", "-id")
    )


def key_areas() -> QuerySet[KeyArea]:
    """Every key area (everyone logged in may read them): current ones first."""
    return KeyArea.objects.select_related("declared_by").order_by("-start_date", "code", "id")


def place_choices(path: str | None, day: dt.date) -> list[tuple[str, str]]:
    """Key areas holding at ``path`` today, for the origin and travel pickers."""
    qs = KeyArea.objects.current(day)
    if path:
        qs = qs.applying_to(path)
    seen: dict[str, str] = {}
    for area in qs.order_by("code"):
        seen.setdefault(area.code, area.name)
    return list(seen.items())
