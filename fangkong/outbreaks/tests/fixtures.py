"""Rows the outbreaks tests start from: contacts, places and movements written directly (the
facts a test needs; their own actions are tested in tracing and investigation)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from fangkong.cases.models import Case
from fangkong.cases.tests.factories import make_case
from fangkong.investigation.models import Investigation, Movement, Place
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.people.models import Household, Person
from fangkong.regions.models import Division
from fangkong.tracing.choices import ContactKind, ContactStatus, Relation
from fangkong.tracing.models import Contact

_serial = itertools.count(1)


def days_ago(n: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def case_on(grid: Division, days: int = 1, **extra: Any) -> Case:
    """A case diagnosed ``days`` ago."""
    return make_case(grid, diagnosed_at=days_ago(days), **extra)


def id_number() -> str:
    n = next(_serial)
    return compose_resident_id("220102", dt.date(1970, 1, 1) + dt.timedelta(days=n), n % 1000)


def contact(
    case: Case,
    *,
    name: str = "",
    person: Person | None = None,
    doc_number: str = "",
    kind: str = ContactKind.CLOSE,
    status: str = ContactStatus.OBSERVING,
    source: Contact | None = None,
    became_case: Case | None = None,
    relation: str = Relation.HOUSEHOLD,
    observe_until: dt.date | None = None,
    residence: Division | None = None,
) -> Contact:
    today = timezone.localdate()
    n = next(_serial)
    return Contact.objects.create(
        case=case,
        source_contact=source,
        division_path=case.division_path,
        kind=kind,
        name=name or (person.name if person else f"接触者{n}"),
        doc_type=person.doc_type if person else DocType.RESIDENT_ID,
        doc_number=person.doc_number if person else (doc_number or id_number()),
        residence=residence or case.address_division,
        relation=relation,
        first_exposure=today - dt.timedelta(days=3),
        last_exposure=today - dt.timedelta(days=2),
        observe_until=observe_until or today + dt.timedelta(days=12),
        status=ContactStatus.BECAME_CASE if became_case else status,
        person=person,
        became_case=became_case,
    )


def place(division: Division, name: str = "") -> Place:
    return Place.objects.create(
        name=name or f"场所{next(_serial)}",
        kind="market",
        division=division,
        division_path=division.path,
    )


def movement(case: Case, where: Place, day: dt.date) -> Movement:
    investigation = Investigation.objects.filter(case=case).first()
    if investigation is None:
        investigation = Investigation.objects.create(
            case=case,
            division_path=case.division_path,
            investigator_name="王调查",
            window_start=day - dt.timedelta(days=14),
            window_end=day + dt.timedelta(days=14),
            started_at=timezone.now(),
        )
    return Movement.objects.create(
        investigation=investigation, division_path=case.division_path, day=day, place=where
    )


def household(grid: Division, *people: Person) -> Household:
    home = Household.objects.create(
        grid=grid, division_path=grid.path, address=f"{grid.name}测试户{next(_serial)}号"
    )
    Person.objects.filter(pk__in=[p.pk for p in people]).update(household=home)
    return home
