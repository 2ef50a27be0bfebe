"""Reads of the division tree that are more than a filter: search and keyset pages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.lookups import PostgresOperatorLookup
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404
from fangkong.regions.choices import Level
from fangkong.regions.models import Division, DivisionQuerySet, GridStaff
from fangkong.regions.permissions import RegionsPerm

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

CODE_RE = re.compile(r"^\d{1,15}$")
PINYIN_RE = re.compile(r"^[a-zA-Z]{1,40}$")
CODE_MAX_LENGTH = 15  # Division.code: 12 digits, grids 15


# --- one division, named by its code -----------------------------------------------------------


def visible_division(
    user: User | AnonymousUser | None,
    code: str | None,
    *,
    level: int | None = None,
    active: bool = False,
    related: Sequence[str] = (),
) -> Division:
    """The division with this code, if the user may see it (and it is of ``level``, e.g.
    ``Level.GRID``, and not retired if ``active``); 404 otherwise, the same for unknown,
    malformed and out of scope. The one fetch of a division named in a URL, a query string or a
    request body."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise Http404
    qs = Division.objects.select_related(*related) if related else Division.objects.all()
    lookup: dict[str, object] = {"code": code}
    if level is not None:
        lookup["level"] = level
    if active:
        lookup["active"] = True
    division: Division = get_visible_or_404(qs, user, **lookup)
    return division


def division_param(
    request: HttpRequest,
    name: str,
    *,
    level: int | None = None,
    active: bool = False,
    related: Sequence[str] = (),
) -> Division | None:
    """The division named by code in the query string (``?within=…``, ``?grid=…``): None when
    the parameter is absent or empty, 404 when unknown or out of scope."""
    code = (request.GET.get(name) or "").strip()
    if not code:
        return None
    return visible_division(request.user, code, level=level, active=active, related=related)


def list_filter_divisions(
    user: User | AnonymousUser | None, within: str | None, grid: str | None
) -> tuple[Division | None, Division | None, list[str]]:
    """The ``within`` division and the ``grid`` of a list's filter form, by code, among those
    the user may see: (within, grid, errors). An unknown or out-of-scope code is a message for
    the form, not a 404: the list shows it above the rows (screening and observation lists)."""
    visible = Division.objects.visible_to(user)
    errors: list[str] = []
    found_within = found_grid = None
    if within and within.strip():
        found_within = visible.filter(code=within.strip()).first()
        if found_within is None:
            errors.append(_("No division with this code in your jurisdiction."))
    if grid and grid.strip():
        found_grid = visible.filter(code=grid.strip(), level=Level.GRID).first()
        if found_grid is None:
            errors.append(_("No grid with this code in your jurisdiction."))
    return found_within, found_grid, errors


def check_active_grid(
    grid: Division,
    *,
    not_a_grid: str,
    retired: str | None = None,
    field: str | None = "grid",
) -> None:
    """Refuse a write into a division that is not a grid (``not_a_grid``: what this module keeps
    in a grid) or into a grid that was retired or merged (``retired``, by default "This grid has
    been retired.")."""
    if grid.level != Level.GRID:
        raise ActionError(not_a_grid, code="not_a_grid", field=field)
    if not grid.active:
        raise ActionError(
            retired or _("This grid has been retired."), code="grid_retired", field=field
        )


# --- pages of divisions ------------------------------------------------------------------------


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


class Characters(Func):
    """``string_to_array(text, NULL)``: the characters of a text as an array (PostgreSQL)."""

    function = "string_to_array"
    template = "%(function)s(%(expressions)s, NULL)"
    output_field = TextField()  # really text[]; only compared with @>, never selected


class ContainsAll(PostgresOperatorLookup):
    """``lhs @> rhs``: the array on the left holds every element of the one on the right."""

    lookup_name = "contains_all"
    postgres_operator = "@>"


def search_filter(query: str, vendor: str = "") -> Q:
    """Name contains the text; or pinyin initials / full pinyin start with it; or code prefix.

    Written so that PostgreSQL answers each from an index (bench/results/latest-divisions.md):
    a code prefix is also a range on ``code``, so the unique index on code both finds and
    orders the matches (with the bare LIKE the planner walks that index from the first code,
    expecting matches early, which for 2224… means 100,000 rows); on PostgreSQL a name
    search also asks that the name hold every character of the text, which the GIN index
    ``division_name_chars_gin`` answers (migration 0002; pg_trgm would need three characters,
    and most searches are two), and the LIKE keeps the names that hold the text itself.
    """
    query = query.strip()
    if CODE_RE.match(query):
        return Q(
            code__startswith=query,
            code__gte=query,
            code__lte=query.ljust(CODE_MAX_LENGTH, "9"),
        )
    if PINYIN_RE.match(query):
        q = query.lower()
        return Q(initials__startswith=q) | Q(pinyin__startswith=q)
    found = Q(name__contains=query)
    if vendor == "postgresql" and query:
        found &= Q(ContainsAll(Characters(F("name")), Characters(Value(query))))
    return found


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
    qs = qs.filter(search_filter(query, connections[qs.db].vendor))
    return keyset_page(qs, after=after, size=size)


def breadcrumb(division: Division, user: User | None = None) -> list[Division]:
    """Ancestors then the division itself; above the user's home division they are not shown."""
    chain = [*division.ancestors(), division]
    if user is not None and getattr(user, "home_division_path", None):
        home = user.home_division_path or ""
        chain = [d for d in chain if d.path.startswith(home)]
    return chain


# --- what a role sees of the tree and its staff ------------------------------------------------


def staff_phone_visible(user: User | AnonymousUser | None, staff: GridStaff | None = None) -> bool:
    """Whether the user may see grid staff phone numbers: the command offices of the staff's
    chain (township, county, city, province), the village, and a grid worker (their own
    grid's staff), who hold ``regions.view_staff_phone``; and a member of staff, their own.
    Not the health commission, fever clinic, supplies, organisation or publicity roles.

    Which staff a user sees at all is ``visible_to`` (the chain whose jurisdiction covers the
    grid); this decides whether their phones are shown with them. The one rule of the staff
    list, the grid page, the zero-report roll-up, care requests and the API."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_perm(RegionsPerm.VIEW_STAFF_PHONE):
        return True
    return staff is not None and staff.user_id is not None and staff.user_id == user.pk


def staff_phone(user: User | AnonymousUser | None, staff: GridStaff | None) -> str:
    """The staff member's phone if the user may see it (``staff_phone_visible``), else ""."""
    if staff is None or not staff_phone_visible(user, staff):
        return ""
    return staff.phone


def shows_division_codes(user: User | AnonymousUser | None) -> bool:
    """Whether division codes (``代码 220102001001001``) are shown on the user's screens: to
    everyone but those who work one grid (the grid worker), for whom the names say it all.
    Command offices and the office roles keep them (they filter and report by code)."""
    if user is None or not user.is_authenticated:
        return False
    home = getattr(user, "home_division", None)
    return home is None or home.level != Level.GRID


def search_divisions(user: User, query: str, *, size: int = 10) -> list[Division]:
    """Counties, townships, villages and grids of the user's province matching ``query``
    (name, pinyin initials or code): a checkpoint's destination, where a contact or a patient
    lives. They lie anywhere in the province, so this is not limited to the user's
    jurisdiction; division names and codes are public statistical codes, not personal data."""
    query = query.strip()[:40]
    home = getattr(user, "home_division_path", None) or ""
    if not query:
        return []
    qs = Division.objects.filter(active=True, level__gte=Level.COUNTY)
    if home:
        qs = qs.filter(path__startswith=home.split("/")[0] + "/")
    qs = qs.filter(search_filter(query, connections[qs.db].vendor))
    return list(qs.order_by("level", "code")[:size])


def division_labels(divisions: list[Division], below: str | None = None) -> dict[int, str]:
    """ "南关区 南岭街道 华阳社区 第一网格" for each division, from one query for the ancestors.

    ``below``: a path (the reader's home division); ancestors at or above it are left out, so a
    village reads "第一网格" where a county reads "南岭街道 华阳社区 第一网格".
    """
    paths = {p for d in divisions for p in d.ancestor_paths()}
    if below:
        paths = {p for p in paths if p.startswith(below) and p != below}
    names = dict(
        Division.objects.filter(path__in=paths, level__gte=Level.COUNTY).values_list("path", "name")
    )
    return {
        d.pk: " ".join([*(names[p] for p in d.ancestor_paths() if p in names), d.name])
        for d in divisions
    }
