"""The health colour: each fact, unknown equals clean, facts of another jurisdiction hidden,
and a fixed number of queries for a batch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.cases.choices import CaseOutcome, Category
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.observation.actions import start_observation
from fangkong.observation.choices import Kind
from fangkong.observation.models import Observation
from fangkong.outbreaks.choices import Colour
from fangkong.outbreaks.colour import (
    colour_for,
    colours_for_user,
    no_record,
    other_jurisdiction,
)
from fangkong.outbreaks.tests.fixtures import contact, id_number
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.models import Person
from fangkong.screening.choices import Outcome as ScreeningOutcome
from fangkong.screening.models import Screening
from fangkong.tracing.choices import ContactKind, ContactStatus


def _colour(person: Person) -> tuple[str, str]:
    key = (person.doc_type, person.doc_number)
    fact = colour_for([key], timezone.localdate())[key]
    return fact.colour, fact.text


def _screening(person: Person, temperature: str, days_ago: int = 0) -> Screening:
    return Screening.objects.create(
        person=person,
        grid=person.grid,
        division_path=person.division_path,
        screened_on=timezone.localdate() - dt.timedelta(days=days_ago),
        temperature=Decimal(temperature),
        outcome=ScreeningOutcome.NO_RISK,
    )


def test_an_open_case_is_red(tree: SimpleNamespace) -> None:
    case = make_case(tree.grid1)
    colour, fact = _colour(case.person)
    assert colour == Colour.RED
    assert case.number in fact


@pytest.mark.parametrize("outcome", [CaseOutcome.DISCHARGED, CaseOutcome.DIED, CaseOutcome.CLOSED])
def test_a_closed_case_is_green(tree: SimpleNamespace, outcome: str) -> None:
    case = make_case(tree.grid1, outcome=outcome)
    assert _colour(case.person) == (Colour.GREEN, no_record())


def test_an_excluded_case_is_green(tree: SimpleNamespace) -> None:
    case = make_case(tree.grid1, category=Category.EXCLUDED)
    assert _colour(case.person) == (Colour.GREEN, no_record())


def test_a_close_contact_being_traced_is_red_by_the_id_typed(tree: SimpleNamespace) -> None:
    # given a close contact not yet found: only the ID number typed by the investigator
    case = make_case(tree.grid1)
    number = id_number()
    contact(case, doc_number=number, status=ContactStatus.TO_FIND)

    # when their ID number is looked up
    key = (DocType.RESIDENT_ID, number)
    fact = colour_for([key], timezone.localdate())[key]

    # then red, with the end of the observation
    assert fact.colour == Colour.RED
    assert str(timezone.localdate() + dt.timedelta(days=12)) in fact.text


def test_a_close_contact_not_found_stays_red_for_the_checkpoint(tree: SimpleNamespace) -> None:
    # given a close contact recorded as not found (失联) by the investigating county
    case = make_case(tree.grid1)
    number = id_number()
    contact(case, doc_number=number, status=ContactStatus.LOST)

    # when they turn up at a checkpoint and their ID number is looked up
    key = (DocType.RESIDENT_ID, number)
    fact = colour_for([key], timezone.localdate())[key]

    # then red until the end of their observation period, not green
    assert fact.colour == Colour.RED


def test_a_close_contact_released_or_past_observation_is_green(tree: SimpleNamespace) -> None:
    case = make_case(tree.grid1)
    released, past = make_person(tree.grid1), make_person(tree.grid1)
    contact(case, person=released, status=ContactStatus.RELEASED)
    contact(case, person=past, observe_until=timezone.localdate() - dt.timedelta(days=1))
    assert _colour(released)[0] == Colour.GREEN
    assert _colour(past)[0] == Colour.GREEN


def test_a_secondary_contact_is_yellow(tree: SimpleNamespace) -> None:
    case = make_case(tree.grid1)
    person = make_person(tree.grid1)
    close = contact(case)
    contact(case, person=person, kind=ContactKind.SECONDARY, source=close)
    colour, fact = _colour(person)
    assert colour == Colour.YELLOW
    assert str(timezone.localdate() + dt.timedelta(days=12)) in fact


def test_home_observation_is_yellow_and_centralized_is_red(tree: SimpleNamespace) -> None:
    home, central = make_person(tree.grid1), make_person(tree.grid1)
    today = timezone.localdate()
    start_observation(actor=None, person=home, grid=tree.grid1, last_exposure=today, reason="测试")
    start_observation(
        actor=None,
        person=central,
        grid=tree.grid1,
        last_exposure=today,
        reason="测试",
        kind=Kind.CENTRALIZED,
    )
    assert _colour(home)[0] == Colour.YELLOW
    assert _colour(central)[0] == Colour.RED


def test_a_fever_at_the_latest_screening_or_check_in_is_yellow(tree: SimpleNamespace) -> None:
    # given a fever at a screening, a fever then a normal screening, a fever 20 days ago
    fever, recovered, old = (make_person(tree.grid1) for _i in range(3))
    _screening(fever, "38.1")
    _screening(recovered, "38.0", days_ago=3)
    _screening(recovered, "36.5", days_ago=1)
    _screening(old, "38.5", days_ago=20)

    colour, fact = _colour(fever)
    assert colour == Colour.YELLOW and "38.1" in fact
    assert _colour(recovered)[0] == Colour.GREEN
    assert _colour(old)[0] == Colour.GREEN

    # and a fever at an observation's latest check-in
    checked = make_person(tree.grid1)
    observation, _created = start_observation(
        actor=None, person=checked, grid=tree.grid1, last_exposure=timezone.localdate(), reason="x"
    )
    Observation.objects.filter(pk=observation.pk).update(
        last_check_in_on=timezone.localdate(), last_temperature=Decimal("37.8")
    )
    colour, fact = _colour(checked)
    assert colour == Colour.YELLOW and "37.8" in fact


def test_a_person_referred_to_a_fever_clinic_is_yellow(tree: SimpleNamespace) -> None:
    person = make_person(tree.grid1)
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.REFERRED)
    assert _colour(person)[0] == Colour.YELLOW


def test_red_wins_over_yellow(tree: SimpleNamespace) -> None:
    case = make_case(tree.grid1)
    _screening(case.person, "38.5")
    assert _colour(case.person)[0] == Colour.RED


def test_an_unknown_id_answers_exactly_as_a_clean_one(tree: SimpleNamespace) -> None:
    clean = make_person(tree.grid1)
    unknown = (DocType.RESIDENT_ID, id_number())
    known = (clean.doc_type, clean.doc_number)
    facts = colour_for([unknown, known], timezone.localdate())
    assert facts[unknown] == facts[known]
    assert facts[unknown].colour == Colour.GREEN and facts[unknown].text == no_record()


def test_the_fact_is_hidden_outside_the_jurisdiction(tree: SimpleNamespace, make_user: Any) -> None:
    # given a case in 昌邑区
    case = make_case(tree.other_grid)
    key = (case.person.doc_type, case.person.doc_number)
    today = timezone.localdate()

    # when checkpoint staff of 南关区 and of 昌邑区 look the person up
    outside = make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF])
    inside = make_user(tree.changyi, roles=[Role.CHECKPOINT_STAFF])

    # then both see red; only 昌邑区 sees why
    theirs = colours_for_user(outside, [key], today)[key]
    assert (theirs.colour, theirs.fact, theirs.in_scope) == (
        Colour.RED,
        other_jurisdiction(),
        False,
    )
    ours = colours_for_user(inside, [key], today)[key]
    assert ours.colour == Colour.RED and case.number in ours.fact


def test_a_batch_costs_the_same_queries_for_1_and_for_many(tree: SimpleNamespace) -> None:
    today = timezone.localdate()
    one: list[tuple[str, str]] = [(DocType.RESIDENT_ID, make_case(tree.grid1).person.doc_number)]
    many: list[tuple[str, str]] = [
        (DocType.RESIDENT_ID, make_case(tree.grid1).person.doc_number) for _i in range(20)
    ]
    many += [(DocType.RESIDENT_ID, id_number()) for _i in range(200)]
    for p in (make_person(tree.grid1) for _i in range(10)):
        _screening(p, "38.2")
        many.append((p.doc_type, p.doc_number))
    with CaptureQueriesContext(connection) as few:
        colour_for(one, today)
    with CaptureQueriesContext(connection) as lots:
        result = colour_for(many, today)
    assert len(lots.captured_queries) == len(few.captured_queries) <= 5
    assert sum(1 for f in result.values() if f.colour == Colour.RED) == 20
