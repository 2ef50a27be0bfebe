"""Reads of the division tree that are more than a filter: search and keyset pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from fangkong.regions.models import Division, DivisionQuerySet

if TYPE_CHECKING:
    from fangkong.accounts.models import User

CODE_RE = re.compile(r"^\d{1,15}$")
PINYIN_RE = re.compile(r"^[a-zA-Z]{1,40}$")


@dataclass
class Page:
    items: list[Division]
    next_after: str | None


def keyset_page(qs: DivisionQuerySet, *, after: str | None, size: int) -> Page:
    """One page of divisions ordered by code, starting after the code ``after``."""
    qs = qs.order_by("code")
    if after:
        qs = qs.filter(code__gt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].code if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def children_page(
    user: User,
    division: Division,
    *,
    after: str | None = None,
    size: int = 50,
    include_retired: bool = False,
) -> Page:
    qs = Division.objects.visible_to(user).filter(parent=division)
    if not include_retired:
        qs = qs.filter(active=True)
    return keyset_page(qs, after=after, size=size)


def search_filter(query: str) -> Q:
    """Name contains the text; or pinyin initials / full pinyin start with it; or code prefix."""
    query = query.strip()
    if CODE_RE.match(query):
        return Q(code__startswith=query)
    if PINYIN_RE.match(query):
        q = query.lower()
        return Q(initials__startswith=q) | Q(pinyin__startswith=q)
    return Q(name__contains=query)


def search(
    user: User,
    query: str,
    *,
    within: Division | None = None,
    after: str | None = None,
    size: int = 20,
    include_retired: bool = False,
) -> Page:
    """Search the divisions a user may see; ordered by code so keyset paging is stable."""
    qs = Division.objects.visible_to(user)
    if within is not None:
        qs = qs.subtree_of(within)
    if not include_retired:
        qs = qs.filter(active=True)
    qs = qs.filter(search_filter(query))
    return keyset_page(qs, after=after, size=size)


def breadcrumb(division: Division, user: User | None = None) -> list[Division]:
    """Ancestors then the division itself; above the user's home division they are not shown."""
    chain = [*division.ancestors(), division]
    if user is not None and getattr(user, "home_division_path", None):
        home = user.home_division_path or ""
        chain = [d for d in chain if d.path.startswith(home)]
    return chain
