"""The health status colour (健康码 style, DESIGN.md section 4), in one function.

:func:`colour_for` takes identities (document type and number) and a day and answers, for each,
the colour and the fact that caused it, in words, with the path of the record the fact comes
from. It reads a fixed number of queries whatever the number of identities (five: the people,
their open cases, the contacts, the observations, the screenings of the last 14 days).

red
    an open case (suspected, confirmed or asymptomatic, not discharged, dead or excluded); a
    close contact being traced (to find, found, under observation or handed over) whose
    observation has not ended; a person under centralized medical observation.
yellow
    a fever (the latest screening, or an observation's latest check-in, at or above 37.3 ℃ within
    the last 14 days); home medical observation; a secondary contact (次密接) being traced; a
    person referred to a fever clinic.
green
    otherwise, with the fact "no record": an unknown ID number answers exactly as a known one
    with nothing against it.

Jurisdiction (DESIGN.md section 3, last paragraph) is applied by :func:`for_user`: the colour is
shown to anyone allowed to look it up, as a health code is shown at a checkpoint; the fact only
when the record that caused it lies inside the caller's jurisdiction, otherwise "decided by a
record of another jurisdiction" and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.cases.choices import CaseOutcome, Category
from fangkong.cases.models import Case
from fangkong.core.jurisdiction import ALL, scope_of
from fangkong.observation.choices import Kind, Status
from fangkong.observation.models import Observation
from fangkong.outbreaks.choices import Colour
from fangkong.people.choices import FEVER_AT, PersonStatus
from fangkong.people.models import Person
from fangkong.screening.models import Screening
from fangkong.tracing.choices import ContactKind, ContactStatus
from fangkong.tracing.models import Contact

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

FEVER_DAYS = 14
OPEN_CATEGORIES = (Category.SUSPECTED, Category.CONFIRMED, Category.ASYMPTOMATIC)
OPEN_OUTCOMES = (CaseOutcome.ISOLATED, CaseOutcome.ADMITTED)
TRACED = (
    ContactStatus.TO_FIND,
    ContactStatus.FOUND,
    ContactStatus.OBSERVING,
    ContactStatus.HANDED_OVER,
    ContactStatus.LOST,  # 失联: exactly whom a checkpoint must stop, until the 14 days are over
)
RANK = {Colour.RED: 0, Colour.YELLOW: 1, Colour.GREEN: 2}

Identity = tuple[str, str]  # (document type, document number), as normalised by people


@dataclass(frozen=True)
class Fact:
    colour: Colour
    text: str
    paths: tuple[str, ...] = ()  # where the record lies: the fact is shown inside these
    priority: int = 0  # within a colour, the lower decides (the order of the module docstring)


@dataclass(frozen=True)
class HealthColour:
    colour: Colour
    fact: str
    in_scope: bool = True  # whether the caller may read the fact (see :func:`for_user`)

    @property
    def label(self) -> str:
        return str(Colour(self.colour).label)


def no_record() -> str:
    return _("No record")


def other_jurisdiction() -> str:
    return _("Decided by a record of another jurisdiction")


def _better(current: Fact | None, new: Fact) -> Fact:
    """The fact that decides: the worse colour; for the same colour, the one listed first in
    the rule (a fever before home observation)."""
    if current is None or (RANK[new.colour], new.priority) < (
        RANK[current.colour],
        current.priority,
    ):
        return new
    return current


def colour_for(identities: Iterable[Identity], today: dt.date) -> dict[Identity, Fact]:
    """Each identity's colour and the fact that caused it (a green one: "No record"). Five
    queries for any number of identities."""
    wanted = set(identities)
    facts: dict[Identity, Fact | None] = dict.fromkeys(wanted)
    if not wanted:
        return {}
    numbers = {number for _type, number in wanted}
    types = {doc_type for doc_type, _number in wanted}  # with the number: the identity's index
    fever_from = today - dt.timedelta(days=FEVER_DAYS - 1)

    def decide(identity: Identity, fact: Fact) -> None:
        if identity in facts:
            facts[identity] = _better(facts[identity], fact)

    # 1. the person records of these identities (every record: one moved away keeps its past)
    person_of: dict[int, Identity] = {}
    for pk, doc_type, number, status, path in Person.objects.filter(
        doc_type__in=types, doc_number__in=numbers
    ).values_list("id", "doc_type", "doc_number", "status", "division_path"):
        identity = (doc_type, number)
        if identity not in wanted:
            continue
        person_of[pk] = identity
        if status == PersonStatus.REFERRED:
            decide(identity, Fact(Colour.YELLOW, _("Referred to a fever clinic"), (path,), 13))
    people = list(person_of)

    # 2. open cases
    for person_id, category, number, path, reporting_path in (
        Case.objects.filter(
            person_id__in=people, category__in=OPEN_CATEGORIES, outcome__in=OPEN_OUTCOMES
        )
        .order_by("id")
        .values_list("person_id", "category", "number", "division_path", "reporting_path")
        .iterator()
        if people
        else []
    ):
        decide(
            person_of[person_id],
            Fact(
                Colour.RED,
                _("Open %(category)s (%(number)s)")
                % {"category": Category(category).label, "number": number},
                (path, reporting_path),
                0,
            ),
        )

    # 3. contacts being traced: by the identity typed, or by the person found
    contacts = Contact.objects.filter(
        Q(doc_type__in=types, doc_number__in=numbers) | Q(person_id__in=people),
        kind__in=(ContactKind.CLOSE, ContactKind.SECONDARY),
        status__in=TRACED,
        observe_until__gte=today,
    ).values_list("doc_type", "doc_number", "person_id", "kind", "observe_until", "division_path")
    for doc_type, number, person_id, kind, until, path in contacts:
        identity = (person_of.get(person_id) if person_id else None) or (doc_type, number)
        if kind == ContactKind.CLOSE:
            fact = Fact(
                Colour.RED,
                _("Close contact of a case, to be observed until %(day)s")
                % {"day": until.isoformat() if until else "—"},
                (path,),
                1,
            )
        else:
            fact = Fact(
                Colour.YELLOW,
                _("Secondary contact, to be observed until %(day)s")
                % {"day": until.isoformat() if until else "—"},
                (path,),
                12,
            )
        decide(identity, fact)

    # 4. observations: active ones, and the latest check-in's temperature within 14 days
    if people:
        for person_id, kind, status, end, checked_on, temperature, path in (
            Observation.objects.filter(person_id__in=people)
            .filter(Q(status=Status.ACTIVE) | Q(last_check_in_on__gte=fever_from))
            .values_list(
                "person_id",
                "kind",
                "status",
                "end_date",
                "last_check_in_on",
                "last_temperature",
                "division_path",
            )
        ):
            identity = person_of[person_id]
            if status == Status.ACTIVE and kind == Kind.CENTRALIZED:
                decide(
                    identity,
                    Fact(
                        Colour.RED,
                        _("Under centralized medical observation until %(day)s")
                        % {"day": end.isoformat()},
                        (path,),
                        2,
                    ),
                )
            elif status == Status.ACTIVE:
                decide(
                    identity,
                    Fact(
                        Colour.YELLOW,
                        _("Under home medical observation until %(day)s")
                        % {"day": end.isoformat()},
                        (path,),
                        11,
                    ),
                )
            if (
                checked_on is not None
                and checked_on >= fever_from
                and temperature is not None
                and temperature >= FEVER_AT
            ):
                decide(
                    identity,
                    Fact(
                        Colour.YELLOW,
                        _("Fever of %(t)s ℃ at the check-in of %(day)s")
                        % {"t": temperature, "day": checked_on.isoformat()},
                        (path,),
                        10,
                    ),
                )

    # 5. the latest screening of each person within 14 days
    latest: dict[Identity, tuple[Any, ...]] = {}
    if people:
        for person_id, day, temperature, path in (
            Screening.objects.filter(person_id__in=people, screened_on__range=(fever_from, today))
            .order_by("screened_on", "id")
            .values_list("person_id", "screened_on", "temperature", "division_path")
        ):
            latest[person_of[person_id]] = (day, temperature, path)  # the last one wins
    for identity, (day, temperature, path) in latest.items():
        if temperature >= FEVER_AT:
            decide(
                identity,
                Fact(
                    Colour.YELLOW,
                    _("Fever of %(t)s ℃ at the screening of %(day)s")
                    % {"t": temperature, "day": day.isoformat()},
                    (path,),
                    10,
                ),
            )

    green = Fact(Colour.GREEN, no_record())
    return {identity: fact or green for identity, fact in facts.items()}


def for_user(user: User | AnonymousUser, fact: Fact) -> HealthColour:
    """The answer a user gets: the colour always; the fact only when the record that caused it
    is in their jurisdiction (a green "No record" has no record, and reads the same for all)."""
    if fact.colour == Colour.GREEN or not fact.paths:
        return HealthColour(fact.colour, fact.text)
    scope = scope_of(user)
    inside = scope is not None and (
        scope == ALL or any(p.startswith(scope) for p in fact.paths if p)
    )
    if inside:
        return HealthColour(fact.colour, fact.text)
    return HealthColour(fact.colour, other_jurisdiction(), in_scope=False)


def colours_for_user(
    user: User | AnonymousUser, identities: Iterable[Identity], today: dt.date
) -> dict[Identity, HealthColour]:
    return {i: for_user(user, f) for i, f in colour_for(identities, today).items()}


def person_colour(user: User | AnonymousUser, person: Person, today: dt.date) -> HealthColour:
    identity = (person.doc_type, person.doc_number)
    return colours_for_user(user, [identity], today)[identity]


__all__ = ["Fact", "HealthColour", "colour_for", "colours_for_user", "for_user", "person_colour"]
