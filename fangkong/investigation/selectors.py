"""Reads of the investigation app: the list, the places an investigator may pick, the cases
linked by a place and a day, and the set-based pairs the outbreaks app builds clusters from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from fangkong.cases.choices import Category
from fangkong.cases.models import Case
from fangkong.core.jurisdiction import ALL, scope_of
from fangkong.investigation.actions import province_prefix
from fangkong.investigation.choices import InvestigationStatus
from fangkong.investigation.models import Investigation, Movement, Place

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

LIST_RELATED = ("case", "case__person", "case__county")
PLACES_SHOWN = 20
LINKED_SHOWN = 100
STALE_HOURS = 24  # an investigation still open after a day is on the to-do list


@dataclass(frozen=True)
class Filters:
    status: str = ""
    number: str = ""


@dataclass
class Page:
    items: list[Investigation]
    next_after: int | None


def investigations_for(user: User | AnonymousUser, filters: Filters) -> QuerySet[Investigation]:
    qs = Investigation.objects.visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.number:
        qs = qs.filter(case__number__icontains=filters.number)
    return qs


def keyset_page(qs: QuerySet[Investigation], *, after: int | None, size: int) -> Page:
    """One page, newest first; ``after`` is the last id of the previous page."""
    qs = qs.order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs.select_related(*LIST_RELATED)[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def investigable_cases(user: User | AnonymousUser) -> QuerySet[Case]:
    """Cases the user's office investigates: those living in its jurisdiction (a case is also
    seen by the county of the clinic that reported it, which does not investigate it)."""
    scope = scope_of(user)
    qs = Case.objects.visible_to(user)
    if scope and scope != ALL:
        qs = qs.filter(division_path__startswith=scope)
    return qs.exclude(category=Category.EXCLUDED)


def cases_waiting(user: User | AnonymousUser) -> QuerySet[Case]:
    """Cases without an investigation yet, oldest diagnosis first."""
    return (
        investigable_cases(user)
        .filter(investigation__isnull=True)
        .select_related("person", "county")
        .order_by("diagnosed_at", "id")
    )


def stale_investigations(user: User | AnonymousUser, now: dt.datetime) -> QuerySet[Investigation]:
    return Investigation.objects.visible_to(user).filter(
        status=InvestigationStatus.OPEN, started_at__lt=now - dt.timedelta(hours=STALE_HOURS)
    )


def places_visible_to(user: User | AnonymousUser | None) -> QuerySet[Place]:
    """Places are public venues, not personal data: every investigator of a province sees every
    place in it, so that two counties' cases at the same market are linked
    (docs/investigation.md)."""
    scope = scope_of(user)
    if scope is None:
        return Place.objects.none()
    if scope == ALL:
        return Place.objects.all()
    return Place.objects.filter(division_path__startswith=province_prefix(scope))


def search_places(user: User | AnonymousUser | None, q: str) -> list[Place]:
    """At most 20 places whose name or address holds ``q``, names starting with it first."""
    q = (q or "").strip()
    qs = places_visible_to(user).select_related("division")
    if not q:
        return list(qs.order_by("-created_at", "-id")[:PLACES_SHOWN])
    qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    starting = list(qs.filter(name__startswith=q).order_by("name", "id")[:PLACES_SHOWN])
    if len(starting) >= PLACES_SHOWN:
        return starting
    rest = qs.exclude(pk__in=[p.pk for p in starting]).order_by("name", "id")
    return starting + list(rest[: PLACES_SHOWN - len(starting)])


def movements_by_day(investigation: Investigation) -> list[tuple[dt.date, list[Movement]]]:
    days: dict[dt.date, list[Movement]] = {}
    for movement in investigation.movements.select_related(
        "place", "place__division", "place__division__parent"
    ).order_by("day", "start_time", "id"):
        days.setdefault(movement.day, []).append(movement)
    return list(days.items())


@dataclass(frozen=True)
class Link:
    case: Case
    place: Place
    day: dt.date
    investigation_id: int


def linked_cases(user: User | AnonymousUser, investigation: Investigation) -> list[Link]:
    """Other cases the user may see that were at one of this case's places on the same day:
    one row per (case, place, day), at most 100, by day. One query."""
    own = Movement.objects.filter(
        investigation=investigation, place_id=OuterRef("place_id"), day=OuterRef("day")
    )
    rows = (
        Movement.objects.filter(Exists(own))
        .exclude(investigation=investigation)
        .filter(investigation__case__in=Case.objects.visible_to(user).values("pk"))
        .exclude(investigation__case_id=investigation.case_id)
        .select_related("place", "investigation__case", "investigation__case__person")
        .order_by("day", "place_id", "investigation__case_id", "id")
    )
    seen: set[tuple[int, int, dt.date]] = set()
    links: list[Link] = []
    for m in rows[: LINKED_SHOWN * 4]:
        key = (m.investigation.case_id, m.place_id, m.day)
        if key in seen:
            continue
        seen.add(key)
        links.append(Link(m.investigation.case, m.place, m.day, m.investigation_id))
        if len(links) >= LINKED_SHOWN:
            break
    return links


def shared_place_pairs(
    case_ids: Iterable[int] | None = None, *, since: dt.date | None = None
) -> list[tuple[int, int, int, dt.date]]:
    """Pairs of cases at the same place on the same day, set-based in one query:
    ``(case_id_a, case_id_b, place_id, day)`` with ``case_id_a < case_id_b``.

    ``case_ids``: only pairs in which one of these cases takes part; ``since``: only days from
    then. Not narrowed to a user: the caller (a task of the outbreaks app, or a view that filters
    the case ids through ``visible_to``) decides what it may see.
    """
    # One filter() call: every condition on ``place__movements`` is on the same joined row
    # (the other case's movement), not a join each.
    condition = Q(
        place__movements__day=F("day"),
        place__movements__investigation__case_id__gt=F("investigation__case_id"),
    )
    if since is not None:
        condition &= Q(day__gte=since)
    if case_ids is not None:
        ids = list(case_ids)
        condition &= Q(investigation__case_id__in=ids) | Q(
            place__movements__investigation__case_id__in=ids
        )
    qs = Movement.objects.filter(condition)
    rows = (
        qs.values_list(
            "investigation__case_id",
            "place__movements__investigation__case_id",
            "place_id",
            "day",
        )
        .distinct()
        .order_by(
            "day", "place_id", "investigation__case_id", "place__movements__investigation__case_id"
        )
    )
    return [(a, b, p, d) for a, b, p, d in rows]
