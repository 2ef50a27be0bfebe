"""Reads of medical facilities: the list of a jurisdiction, by kind and name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from fangkong.medical.models import Facility

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


@dataclass
class Page:
    items: Sequence[Facility]
    next_after: int | None


def facilities(
    user: User | AnonymousUser, *, kind: str = "", q: str = "", active_only: bool = False
) -> QuerySet[Facility]:
    qs: QuerySet[Facility] = Facility.objects.visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=" ".join(q.split())[:40])
    if active_only:
        qs = qs.filter(active=True)
    return qs


def page(qs: QuerySet[Facility], *, after: int | None, size: int) -> Page:
    """By id (keyset), with the division in the same query."""
    qs = qs.select_related("division").order_by("id")
    if after:
        qs = qs.filter(id__gt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)
