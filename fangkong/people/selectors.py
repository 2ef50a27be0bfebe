"""Reads of the person registry that are more than a filter: the list with its search, and the
sections of a person's page that other modules provide."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from fangkong.people.choices import DocType
from fangkong.people.idcard import InvalidIdNumber, normalise, parse_resident_id
from fangkong.people.models import Person, PersonMove

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.regions.models import Division

PAGE = 50
MAX_QUERY = 40
SEARCH_SHOWN = 10  # people shown by the search in the menu; the rest are in the people list
HISTORY_ROWS = 20  # rows of each history section on a person's page
DOC_NUMBER_RE = re.compile(r"^[0-9A-Z]{4,32}$")


# --- the list ----------------------------------------------------------------------------------


@dataclass
class PeoplePage:
    items: list[Person]
    next_after: int | None = field(default=None)


def search_filter(query: str, *, prefix: str = "") -> Q:
    """What a search box query means, as a filter. This is the one person search: the people
    list, its API and export, and every list of records about people (screenings, observations:
    ``prefix="person__"``) find the same people for the same query.

    - a full document number, exactly (a resident ID normalised first: 15 digits become 18,
      a lower-case x an X, full-width digits ASCII), of any document type;
    - digits: that document number, or a phone number, exactly;
    - anything else: a name starting with it (张伟 finds 张伟 and 张伟民).

    Each branch is answered by an index: the unique (doc_type, doc_number), the phone index,
    the name prefix index.
    """
    query = " ".join(query.split())[:MAX_QUERY]
    number = normalise(query)
    if DOC_NUMBER_RE.match(number) and any(c.isdigit() for c in number):
        try:
            resident = parse_resident_id(number).number
        except InvalidIdNumber:
            resident = number
        found = Q(
            **{f"{prefix}doc_type": DocType.RESIDENT_ID, f"{prefix}doc_number": resident}
        ) | Q(
            **{
                f"{prefix}doc_type__in": [t for t in DocType.values if t != DocType.RESIDENT_ID],
                f"{prefix}doc_number": number,
            }
        )
        if number.isdigit():
            found |= Q(**{f"{prefix}phone": number})
        return found
    return Q(**{f"{prefix}name__startswith": query})


def people(
    user: User,
    *,
    within: Division | None = None,
    grid: Division | None = None,
    status: str | None = None,
    query: str | None = None,
    moved: bool | None = None,
) -> QuerySet[Person]:
    """The people a user may see, filtered as the list offers (the list page, its API and its
    export all start here). ``moved``: only those who moved to another jurisdiction (True),
    or only those still living here (False)."""
    qs = Person.objects.visible_to(user)
    if moved is not None:
        qs = qs.filter(moved_out_at__isnull=not moved)
    if within is not None:
        qs = qs.filter(division_path__startswith=within.path)
    if grid is not None:
        qs = qs.filter(grid=grid)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(search_filter(query))
    return qs


def people_page(
    user: User,
    *,
    within: Division | None = None,
    grid: Division | None = None,
    status: str | None = None,
    query: str | None = None,
    after: int | None = None,
    size: int = PAGE,
    moved: bool | None = None,
) -> PeoplePage:
    """One page of the people a user may see, newest first, keyset-paged by id: the next page
    holds the people whose id is below ``after`` (the last id of the page before), so a page
    1,000 pages deep costs what the first one does."""
    qs = with_moved_to(
        people(user, within=within, grid=grid, status=status, query=query, moved=moved)
    ).select_related("grid")
    if after is not None:
        qs = qs.filter(pk__lt=after)
    items = list(qs.order_by("-pk")[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return PeoplePage(items=items[:size], next_after=next_after)


@dataclass
class PeopleFound:
    items: list[Person]
    more: bool  # more people match than shown: the people list has them all


def search_people(
    user: User, query: str, *, within: Division | None = None, size: int = SEARCH_SHOWN
) -> PeopleFound:
    """The people the search in the menu shows for a query: the same people, in the same order,
    as the first rows of the people list searched for it (``people`` and ``search_filter``:
    name prefix, full document number or phone, inside the user's jurisdiction), at most
    ``size`` of them, in one query (LIMIT ``size`` + 1). Callers check the role
    (``PeoplePerm.VIEW_PERSON``) and show numbers masked, as the list does."""
    query = " ".join(query.split())[:MAX_QUERY]
    if not query:
        return PeopleFound(items=[], more=False)
    qs = people(user, within=within, query=query).select_related("grid")
    items = list(qs.order_by("-pk")[: size + 1])
    return PeopleFound(items=items[:size], more=len(items) > size)


def with_moved_to(qs: QuerySet[Person]) -> QuerySet[Person]:
    """Each person with ``moved_to``: for one who moved to another jurisdiction, the name of the
    area they went to as their old jurisdiction may know it (``PersonMove.to_area``), in the
    same query."""
    latest = PersonMove.objects.filter(person=OuterRef("pk"), successor__isnull=False).order_by(
        "-moved_at", "-pk"
    )
    return qs.annotate(moved_to=Subquery(latest.values("to_area__name")[:1]))


def move_away_of(person: Person) -> PersonMove | None:
    """The move that took a person to another jurisdiction (their record here stays as
    history), or None."""
    if person.moved_out_at is None:
        return None
    return (
        PersonMove.objects.filter(person=person, successor__isnull=False)
        .select_related("to_area")
        .order_by("-moved_at", "-pk")
        .first()
    )


# --- a person's page ---------------------------------------------------------------------------


def household_members(person: Person, user: User) -> QuerySet[Person]:
    """The other people of the person's household that the user may see."""
    if person.household_id is None:
        return Person.objects.none()
    return (
        Person.objects.visible_to(user)
        .filter(household_id=person.household_id)
        .exclude(pk=person.pk)
        .order_by("birth_date", "pk")
    )


def moves_of(person: Person, user: User) -> QuerySet[PersonMove]:
    """Every move of a person the user may see, latest first. A move to another jurisdiction
    shows only the area they went to (``to_area``), never the record made there."""
    return (
        PersonMove.objects.visible_to(user)
        .filter(person=person)
        .select_related("from_grid", "to_grid", "to_area", "moved_by")
        .order_by("-moved_at", "-pk")
    )


@dataclass(frozen=True)
class HistorySection:
    """One section of a person's page, provided by a module.

    ``rows`` is the dotted path of a function ``(person, user) -> QuerySet``: the module's
    records about this person, newest first, starting from ``.visible_to(user)`` unless the
    module documents why not. ``template`` renders them: it gets ``person``, ``rows`` (at most
    ``HISTORY_ROWS``) and ``more`` (whether there were more).
    """

    key: str
    title: str | Promise
    template: str
    rows: str


# The person's page shows these sections, in this order. A module adds its entry here, next to
# the others, and provides the template and the function it names: nothing is discovered, and
# the page reads as this list. Each section costs one query.
#
#   screening   HistorySection("screenings", _("Screenings"), "people/_history_screening.html",
#                              "fangkong.screening.selectors.screenings_of")
#   observation HistorySection("observations", _("Medical observation"),
#                              "people/_history_observation.html",
#                              "fangkong.observation.selectors.observations_of")
#   checkpoints HistorySection("passages", _("Checkpoint passages"),
#                              "people/_history_passages.html",
#                              "fangkong.checkpoints.selectors.passages_of")
HISTORY_SECTIONS: list[HistorySection] = [
    HistorySection("moves", _("Moves"), "people/_history_moves.html", f"{__name__}.moves_of"),
    HistorySection(
        "screenings",
        _("Screenings"),
        "screening/_person_history.html",
        "fangkong.screening.selectors.screenings_of",
    ),
    HistorySection(
        "observations",
        _("Medical observation"),
        "observation/_person_history.html",
        "fangkong.observation.selectors.observations_of",
    ),
]


@dataclass
class Section:
    key: str
    title: str | Promise
    template: str
    rows: list[Any]
    more: bool


def history_sections(
    person: Person, user: User, sections: list[HistorySection] | None = None
) -> list[Section]:
    """The person's history, section by section, each bounded to ``HISTORY_ROWS`` rows."""
    out = []
    for spec in HISTORY_SECTIONS if sections is None else sections:
        rows_of: Callable[[Person, User], QuerySet[Any]] = import_string(spec.rows)
        rows = list(rows_of(person, user)[: HISTORY_ROWS + 1])
        out.append(
            Section(
                key=spec.key,
                title=spec.title,
                template=spec.template,
                rows=rows[:HISTORY_ROWS],
                more=len(rows) > HISTORY_ROWS,
            )
        )
    return out
