"""Reads of the person registry that are more than a filter: the list with its search, and the
sections of a person's page that other modules provide."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
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
HISTORY_ROWS = 20  # rows of each history section on a person's page
DOC_NUMBER_RE = re.compile(r"^[0-9A-Z]{4,32}$")


# --- the list ----------------------------------------------------------------------------------


@dataclass
class PeoplePage:
    items: list[Person]
    next_after: int | None = field(default=None)


def search_filter(query: str) -> Q:
    """What a search box query means, as a filter:

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
        found = Q(doc_type=DocType.RESIDENT_ID, doc_number=resident) | Q(
            doc_type__in=[t for t in DocType.values if t != DocType.RESIDENT_ID],
            doc_number=number,
        )
        if number.isdigit():
            found |= Q(phone=number)
        return found
    return Q(name__startswith=query)


def people(
    user: User,
    *,
    within: Division | None = None,
    grid: Division | None = None,
    status: str | None = None,
    query: str | None = None,
) -> QuerySet[Person]:
    """The people a user may see, filtered as the list offers (the list page, its API and its
    export all start here)."""
    qs = Person.objects.visible_to(user)
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
) -> PeoplePage:
    """One page of the people a user may see, newest first, keyset-paged by id: the next page
    holds the people whose id is below ``after`` (the last id of the page before), so a page
    1,000 pages deep costs what the first one does."""
    qs = people(user, within=within, grid=grid, status=status, query=query).select_related("grid")
    if after is not None:
        qs = qs.filter(pk__lt=after)
    items = list(qs.order_by("-pk")[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return PeoplePage(items=items[:size], next_after=next_after)


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
    """Every move of a person the user may see, latest first. The grids they came from may lie
    outside the user's jurisdiction; their names are shown, their records are not."""
    return person.moves.select_related("from_grid", "to_grid", "moved_by").order_by(
        "-moved_at", "-pk"
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
