"""Reads of care requests that are more than a filter: the filtered list, its keyset pages,
the overdue section, a grid's pending requests, and whom a request may be assigned to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from fangkong.care.choices import PENDING
from fangkong.care.models import CareRequest, CareRequestQuerySet
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridAssignment, GridStaff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

# What a row of any care list shows, fetched with the row: one query per page.
LIST_RELATED = ("grid__parent", "person", "household", "assignee")
OVERDUE_SHOWN = 10
GRID_PENDING_SHOWN = 100


@dataclass(frozen=True)
class Filters:
    within: Division | None = None
    grid: Division | None = None
    status: str = ""
    kind: str = ""
    overdue: bool = False


@dataclass
class Page:
    items: list[CareRequest]
    next_after: int | None


def requests_for(
    user: User | AnonymousUser,
    filters: Filters = Filters(),  # frozen: a shared default is safe
    *,
    today: dt.date | None = None,
) -> CareRequestQuerySet:
    """The requests a user may see, narrowed by the list's filters."""
    qs = CareRequest.objects.visible_to(user)
    if filters.within is not None:
        qs = qs.filter(division_path__startswith=filters.within.path)
    if filters.grid is not None:
        qs = qs.filter(grid=filters.grid)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.overdue:
        qs = qs.overdue(today or timezone.localdate())
    return qs


def keyset_page(qs: QuerySet[CareRequest], *, after: int | None, size: int) -> Page:
    """One page, newest first; ``after`` is the last id of the previous page."""
    qs = qs.order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs.select_related(*LIST_RELATED)[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def overdue_section(
    user: User | AnonymousUser,
    within: Division | None = None,
    *,
    today: dt.date | None = None,
    limit: int = OVERDUE_SHOWN,
) -> tuple[int, list[CareRequest]]:
    """How many requests in the user's area (or ``within``) are overdue, and the longest
    overdue of them: what surfaces to the village."""
    qs = requests_for(user, Filters(within=within, overdue=True), today=today)
    items = list(qs.select_related(*LIST_RELATED).order_by("due_on", "id")[:limit])
    return qs.count(), items


@dataclass
class AreaRow:
    division: Division
    pending: int
    overdue: int


def area_summary(
    user: User | AnonymousUser, division: Division, *, today: dt.date | None = None
) -> list[AreaRow]:
    """Pending and overdue requests under each child of ``division``, counted by the database
    (GROUP BY the child's prefix of the path): a constant number of queries for any area.

    Retired children are listed only while requests are still pending under them.
    """
    today = today or timezone.localdate()
    children = list(
        Division.objects.visible_to(user).filter(parent=division).order_by("-active", "code")
    )
    pending = CareRequest.objects.visible_to(user).filter(
        division_path__startswith=division.path, status__in=PENDING
    )
    counts: dict[str, tuple[int, int]] = {}
    # Children of one parent have paths of one length (two where a province holds counties
    # directly), so this is one GROUP BY, rarely two.
    for length in sorted({len(child.path) for child in children}):
        rows = (
            pending.annotate(prefix=Substr("division_path", 1, length))
            .values("prefix")
            .annotate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
            .order_by()
        )
        counts.update({row["prefix"]: (row["n"], row["late"]) for row in rows})
    return [
        AreaRow(child, *counts.get(child.path, (0, 0)))
        for child in children
        if child.active or child.path in counts
    ]


def grid_pending(
    user: User | AnonymousUser, grid: Division, *, limit: int = GRID_PENDING_SHOWN
) -> list[CareRequest]:
    """A grid's open and assigned requests, the most pressing (earliest due) first."""
    return list(
        CareRequest.objects.visible_to(user)
        .filter(grid=grid, status__in=PENDING)
        .select_related("person", "household", "assignee")
        .order_by("due_on", "id")[:limit]
    )


def pickable_staff(user: User | AnonymousUser) -> QuerySet[GridStaff]:
    """Grid staff a user may name when assigning: those ``visible_to`` them, and those who
    currently work a grid the user sees.

    Grid staff belong to the village, so a user whose home is a grid (the grid worker) sees
    none of them through ``visible_to``; such a user may still pick the party members who work
    their grid, which their grid's assignments show.
    """
    visible = GridStaff.objects.visible_to(user).values("pk")
    working_here = GridAssignment.objects.visible_to(user).filter(ended_at=None).values("staff_id")
    return GridStaff.objects.filter(Q(pk__in=visible) | Q(pk__in=working_here))


def assignable_staff(user: User | AnonymousUser, grid: Division) -> QuerySet[GridStaff]:
    """The active party members of the grid's village whom the user may pick (a village
    secretary: all of them; the grid worker: those who work the grid)."""
    return (
        pickable_staff(user)
        .filter(division=grid.parent, kind=StaffKind.PARTY_MEMBER, active=True)
        .order_by("name", "id")
    )
