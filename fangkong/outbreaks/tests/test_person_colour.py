"""The health colour on the person's page (PERSON_PAGE_SLOTS) and in GET /api/people/{id}: for
users who may see the person, the fact only within their jurisdiction, one batch of queries."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.roles import Role
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.outbreaks.colour import no_record, other_jurisdiction
from fangkong.outbreaks.tests.fixtures import contact
from fangkong.people import views as people_views
from fangkong.tracing.choices import ContactKind


@pytest.fixture
def people(tree: SimpleNamespace) -> SimpleNamespace:
    """Four people of 南关区 华阳社区: a case, a close contact of a 昌邑区 case, a secondary
    contact, and one with nothing against them."""
    p = SimpleNamespace()
    p.case = make_case(tree.grid1)
    p.sick = p.case.person
    close = contact(p.case)
    p.secondary = make_person(tree.grid1, name="次密接某")
    contact(p.case, person=p.secondary, kind=ContactKind.SECONDARY, source=close)
    p.clean = make_person(tree.grid2, name="无事某")
    p.elsewhere = make_person(tree.grid1, name="外县密接某")
    contact(make_case(tree.other_grid), person=p.elsewhere)  # traced by 昌邑区
    return p


def test_the_person_page_shows_the_colour_and_its_fact(
    tree: SimpleNamespace, people: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))

    # a case's person: red, with the case that decided it
    page = client.get(f"/people/{people.sick.pk}/").content.decode()
    assert 'id="health-colour"' in page and "colour-red" in page
    assert people.case.number in page

    # a secondary contact: yellow, saying so
    page = client.get(f"/people/{people.secondary.pk}/").content.decode()
    assert "colour-yellow" in page and "colour-red" not in page

    # nothing against them: green, no record
    page = client.get(f"/people/{people.clean.pk}/").content.decode()
    assert "colour-green" in page and no_record() in page

    # a contact traced by another county: red, and only that another jurisdiction decided it
    page = client.get(f"/people/{people.elsewhere.pk}/").content.decode()
    assert "colour-red" in page and other_jurisdiction() in page


def test_the_colour_costs_one_batch_and_only_where_the_person_is_seen(
    tree: SimpleNamespace,
    people: SimpleNamespace,
    make_user: Any,
    client_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))
    url = f"/people/{people.sick.pk}/"
    client.get(url)  # warm caches (content types, templates)
    with CaptureQueriesContext(connection) as with_colour:
        client.get(url)
    monkeypatch.setattr(people_views, "PERSON_PAGE_SLOTS", ())
    with CaptureQueriesContext(connection) as without:
        page = client.get(url).content.decode()
    assert "health-colour" not in page
    assert 0 < len(with_colour.captured_queries) - len(without.captured_queries) <= 5

    # another county's user: the page (and so the colour) answers 404
    other = client_for(make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION]))
    assert other.get(url).status_code == 404
    assert other.get(f"/api/people/{people.sick.pk}").status_code == 404


def test_the_person_api_answers_the_colour(
    tree: SimpleNamespace, people: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))

    def colour_of(person: Any) -> dict[str, Any]:
        answer = client.get(f"/api/people/{person.pk}")
        assert answer.status_code == 200
        found: dict[str, Any] = answer.json()["health_colour"]
        assert set(found) == {"colour", "label", "fact"} and found["label"]
        return found

    red = colour_of(people.sick)
    assert red["colour"] == "red" and people.case.number in red["fact"]
    yellow = colour_of(people.secondary)
    assert yellow["colour"] == "yellow" and yellow["fact"] != no_record()
    assert colour_of(people.clean) == {
        "colour": "green",
        "label": colour_of(people.clean)["label"],
        "fact": no_record(),
    }
    assert colour_of(people.elsewhere)["fact"] == other_jurisdiction()
    # the list stays as it was: no colour per row
    listed = client.get("/api/people").json()["items"]
    assert listed and all("health_colour" not in p for p in listed)
