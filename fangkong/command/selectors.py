"""Reads of the command app: the leading groups of a jurisdiction, one group with its members,
working groups and responsibilities, and the chain of a village or grid."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from fangkong.command.choices import ClosureState, RecipientState
from fangkong.command.models import (
    Directive,
    DirectiveRecipient,
    GroupMember,
    LeadingGroup,
    Responsibility,
    Secretary,
    Venue,
    VenueClosure,
)
from fangkong.core.jurisdiction import scope_of
from fangkong.regions.choices import SEGMENT_LENGTH, Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


def groups(user: User | AnonymousUser) -> QuerySet[LeadingGroup]:
    """The leading groups in the user's jurisdiction, with their current member count."""
    return (
        LeadingGroup.objects.visible_to(user)
        .select_related("division")
        .annotate(n_members=Count("members", filter=Q(members__left_on__isnull=True)))
        .order_by("division_path")
    )


def current(day: dt.date) -> Q:
    """Rows whose period (``starts_on`` … ``ends_on``, both included) holds ``day``."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def members(group: LeadingGroup) -> QuerySet[GroupMember]:
    return group.members.select_related("working_group").order_by("left_on", "role", "id")


def responsibilities(group: LeadingGroup) -> QuerySet[Responsibility]:
    """Every 包保 assignment of the group, open ones first, history after."""
    return (
        Responsibility.objects.filter(group=group)
        .select_related("member", "division")
        .order_by("ends_on", "-starts_on", "-id")
    )


@dataclass
class Link:
    """One level of the chain: a division, its secretary and the leaders covering it."""

    division: Division
    secretary: Secretary | None = None
    leaders: list[Responsibility] = field(default_factory=list)


def chain(division: Division, day: dt.date | None = None) -> list[Link]:
    """The chain of a division (a village or grid), province first: for the division and each
    ancestor, its current secretary and the 包保 responsibilities covering it on ``day``.
    Three queries whatever the depth: divisions, secretaries and responsibilities, each by the
    ancestor paths (``Division.ancestor_paths``)."""
    day = day or timezone.localdate()
    paths = [*division.ancestor_paths(), division.path]
    found = {d.path: d for d in Division.objects.filter(path__in=paths)}
    secretaries = {
        s.division_path: s
        for s in Secretary.objects.filter(current(day), division_path__in=paths).order_by(
            "starts_on", "id"
        )
    }
    leaders: dict[str, list[Responsibility]] = defaultdict(list)
    for r in (
        Responsibility.objects.filter(current(day), covered_path__in=paths)
        .select_related("member", "group")
        .order_by("member__role", "id")
    ):
        leaders[r.covered_path].append(r)
    return [Link(found[p], secretaries.get(p), leaders.get(p, [])) for p in paths if p in found]


# --- directives and closures -------------------------------------------------------------------


def issued(user: User | AnonymousUser, q: str = "") -> QuerySet[Directive]:
    """Directives issued by the user's home division (every visible one for a user without a
    home division), newest first; ``q`` searches the title."""
    qs = Directive.objects.visible_to(user).select_related("division")
    home = getattr(user, "home_division_id", None)
    if home is not None:
        qs = qs.filter(division_id=home)
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by("-issued_at", "-id")


def issued_in_area(user: User | AnonymousUser, q: str = "") -> QuerySet[Directive]:
    """Directives issued by any division of the user's area (passed-on ones included), newest
    first; ``q`` searches the title."""
    qs = Directive.objects.visible_to(user).select_related("division")
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by("-issued_at", "-id")


def inbox(
    user: User | AnonymousUser, q: str = "", now: dt.datetime | None = None
) -> QuerySet[DirectiveRecipient]:
    """What the user's home division received: not done and past the deadline first, then by
    deadline; ``q`` searches the title."""
    now = now or timezone.now()
    home = getattr(user, "home_division_id", None)
    qs = DirectiveRecipient.objects.visible_to(user).select_related("directive__division")
    qs = qs.filter(division_id=home) if home is not None else qs.none()
    if q:
        qs = qs.filter(directive__title__icontains=q)
    return qs.annotate(
        overdue=Case(
            When(Q(deadline__lt=now) & ~Q(state=RecipientState.DONE), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        open=Case(
            When(state=RecipientState.DONE, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("-overdue", "-open", "deadline", "-id")


def waiting_count(user: User | AnonymousUser) -> int:
    """Directives received by the user's division and not done yet."""
    home = getattr(user, "home_division_id", None)
    if home is None:
        return 0
    return (
        DirectiveRecipient.objects.filter(division_id=home)
        .exclude(state=RecipientState.DONE)
        .count()
    )


@dataclass
class MatrixRow:
    """One child division of the issuer (or the issuer itself, for its own departments):
    how many of its recipients are in each state."""

    path: str
    division: Division | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(RecipientState.DONE, 0)

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in RecipientState.values]


@dataclass
class Matrix:
    """The recipients × state matrix of a directive: the counts per state, per child division
    of the issuer, and one page of recipients (with, for those that passed it on, how many of
    their own recipients are done)."""

    counts: dict[str, int]
    by_division: list[MatrixRow]
    page: Any
    sub_progress: dict[int, tuple[int, int]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in RecipientState.values]


def child_path_length(issuer: Division) -> int:
    """The length of the path of the issuer's children (codes have a fixed length per level)."""
    below = min(issuer.level + 1, Level.GRID)
    return len(issuer.path) + SEGMENT_LENGTH[below] + 1


def matrix(
    directive: Directive, user: User | AnonymousUser, page: int = 1, per_page: int = 50
) -> Matrix:
    """The matrix as the user sees it (the issuer's side sees every recipient; a recipient its
    own rows). One GROUP BY over (the child division's path prefix, state), one query for the
    child divisions' names, the page (a count and the rows) and one GROUP BY for the progress
    of the rows passed on: five queries whatever the number of recipients."""
    rows = DirectiveRecipient.objects.filter(directive=directive).visible_to(user)
    n = child_path_length(directive.division)
    grouped = (
        rows.annotate(prefix=Substr("division_path", 1, n))
        .values("prefix", "state")
        .annotate(n=Count("id"))
        .order_by("prefix")
    )
    counts: dict[str, int] = {s: 0 for s in RecipientState.values}
    per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(RecipientState.values, 0))
    for g in grouped:
        counts[g["state"]] += g["n"]
        per[g["prefix"]][g["state"]] += g["n"]
    names = {d.path: d for d in Division.objects.filter(path__in=list(per))}
    by_division = [MatrixRow(p, names.get(p), c) for p, c in sorted(per.items())]
    paged = Paginator(
        rows.select_related("division", "evidence_attachment").order_by(
            "division_path", "department", "id"
        ),
        per_page,
    ).get_page(page)
    passed = [r.pk for r in paged.object_list if r.passed_on]
    sub: dict[int, tuple[int, int]] = {}
    if passed:
        for g in (
            DirectiveRecipient.objects.filter(directive__parent_recipient_id__in=passed)
            .values("directive__parent_recipient_id")
            .annotate(total=Count("id"), done=Count("id", filter=Q(state=RecipientState.DONE)))
        ):
            sub[g["directive__parent_recipient_id"]] = (g["done"], g["total"])
    for r in paged.object_list:
        r.sub_progress = sub.get(r.pk)
    return Matrix(counts, by_division, paged, sub)


@dataclass
class BoardRow:
    """The closures of one child division: closed (confirmed or checked), still open (not
    confirmed by the deadline), not confirmed yet (before the deadline), reopened."""

    path: str
    division: Division | None
    closed: int = 0
    checked: int = 0
    still_open: int = 0
    unconfirmed: int = 0
    reopened: int = 0

    @property
    def total(self) -> int:
        return self.closed + self.still_open + self.unconfirmed


def closure_board(
    division: Division, directive: Directive | None = None, now: dt.datetime | None = None
) -> list[BoardRow]:
    """Closure status per child division of ``division`` (all closure orders, or one): one
    GROUP BY over (child path prefix, state, overdue), one query for the names."""
    now = now or timezone.now()
    qs = VenueClosure.objects.filter(division_path__startswith=division.path)
    if directive is not None:
        qs = qs.filter(directive=directive)
    n = child_path_length(division)
    grouped = (
        qs.annotate(
            prefix=Substr("division_path", 1, n),
            late=Case(
                When(directive__deadline__lt=now, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("prefix", "state", "late")
        .annotate(n=Count("id"))
        .order_by("prefix")
    )
    rows: dict[str, BoardRow] = {}
    for g in grouped:
        row = rows.setdefault(g["prefix"], BoardRow(g["prefix"], None))
        state, k = g["state"], g["n"]
        if state == ClosureState.CONFIRMED:
            row.closed += k
        elif state == ClosureState.CHECKED:
            row.closed += k
            row.checked += k
        elif state == ClosureState.REOPENED:
            row.reopened += k
        elif g["late"]:
            row.still_open += k
        else:
            row.unconfirmed += k
    names = {d.path: d for d in Division.objects.filter(path__in=list(rows))}
    for row in rows.values():
        row.division = names.get(row.path)
    return [rows[p] for p in sorted(rows)]


def closures(
    user: User | AnonymousUser, directive: Directive | None = None, state: str = ""
) -> QuerySet[VenueClosure]:
    """The closures the user sees (from the venue's side or the issuer's)."""
    qs = VenueClosure.objects.visible_to(user).select_related("venue", "directive")
    if directive is not None:
        qs = qs.filter(directive=directive)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("division_path", "venue__name", "id")


def closure_order(directive: Directive) -> Directive:
    """The closure order a directive was passed on from (itself when not passed on): the venues
    and their closures belong to it. One query per level passed down (five at most)."""
    while directive.parent_recipient_id is not None:
        directive = Directive.objects.get(recipients=directive.parent_recipient_id)
    return directive


def open_closures(user: User | AnonymousUser) -> QuerySet[VenueClosure]:
    """Venues in the user's area ordered closed and not yet confirmed, or confirmed and not
    yet checked, oldest order first (the venue's side only)."""
    scope = scope_of(user)
    if scope is None:
        return VenueClosure.objects.none()
    return (
        VenueClosure.objects.filter(
            division_path__startswith=scope,
            state__in=[ClosureState.ORDERED, ClosureState.CONFIRMED],
        )
        .select_related("venue", "directive")
        .order_by("directive__deadline", "division_path", "id")
    )


def venues(user: User | AnonymousUser, q: str = "", kind: str = "") -> QuerySet[Venue]:
    qs = Venue.objects.visible_to(user).select_related("division")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("division_path", "name", "id")
