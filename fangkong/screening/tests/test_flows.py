"""The grid worker's screening flows through the test client: a household at once (同户下一位),
one round of validation (every error at the first submit, the outcome kept), names without
division codes, and the known person's look-up never overwriting what was typed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.people.models import Household
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id, person, screen, today

NEW = reverse("screening:new")


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def client(worker: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(worker)


def arrival(tree: SimpleNamespace, **over: Any) -> dict[str, Any]:
    """The first member of a family back from Wuhan by train, three days ago."""
    data = {
        "grid": tree.grid1.code,
        "doc_type": "resident_id",
        "doc_number": make_id(),
        "name": "赵敏",
        "phone": "13904310099",
        "address": "华阳小区5栋1单元202",
        "household_size": "3",
        "screened_on": today().isoformat(),
        "temperature": "36.7",
        "arrival_date": days_ago(3).isoformat(),
        "origin_code": "42",
        "origin_name": "武汉市",
        "transport": "train",
        "transport_number": "G1234",
        "travel_code_0": "42",
        "travel_name_0": "孝感市",
        "travel_date_0": days_ago(5).isoformat(),
        "contact": "none",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def starting_values(page: Any) -> dict[str, Any]:
    form = page.context["form"]
    out = {}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, ""):
            out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


# --- a household at once -----------------------------------------------------------------------


def test_a_family_of_three_is_one_form_and_two_short_ones(
    client: Client, tree: SimpleNamespace
) -> None:
    # given Hubei a key area, and the first member screened with the full form
    hubei(tree.province)
    response = client.post(NEW, arrival(tree))
    first = Screening.objects.get()
    assert response["Location"] == first.get_absolute_url()

    # when the record page's "next member of this household" is followed
    record = client.get(first.get_absolute_url()).content.decode()
    link = f"{NEW}?household_of={first.pk}"
    assert link in record
    page = client.get(link)

    # then the address, arrival, origin, travel, transport and household size are carried over
    carried = starting_values(page)
    assert carried["address"] == "华阳小区5栋1单元202"
    assert carried["arrival_date"] == days_ago(3).isoformat()
    assert (carried["origin_code"], carried["origin_name"]) == ("42", "武汉市")
    assert (carried["transport"], carried["transport_number"]) == ("train", "G1234")
    assert carried["travel_name_0"] == "孝感市" and carried["household_size"] == 3
    assert "doc_number" not in carried and "name" not in carried and "phone" not in carried

    # when the two others are registered with their document, name and temperature only
    for name, temperature in (("赵小敏", "36.5"), ("钱芳", "36.6")):
        short = {
            **carried,
            "doc_number": make_id(),
            "name": name,
            "temperature": temperature,
            "client_uuid": str(uuid.uuid4()),
        }
        response = client.post(NEW, short)
        assert response.status_code == 302, response.context["form"].errors
        carried["household_of"] = Screening.objects.latest("id").pk

    # then three screenings, all under home observation, one household, the phone shared
    family = list(Screening.objects.order_by("id").select_related("person"))
    assert [s.person.name for s in family] == ["赵敏", "赵小敏", "钱芳"]
    assert {s.outcome for s in family} == {"home_observation"}
    assert {s.phone for s in family} == {"13904310099"}
    assert {s.origin_name for s in family} == {"武汉市"}
    households = {s.person.household_id for s in family}
    assert len(households) == 1 and None not in households
    assert Household.objects.get().members.count() == 3


def test_a_known_person_with_another_address_joins_the_household(
    client: Client, tree: SimpleNamespace
) -> None:
    # given the first member screened, and a grandmother registered earlier elsewhere in the grid
    client.post(NEW, arrival(tree))
    first = Screening.objects.get()
    grandmother = person(tree.grid1, name="李娜")
    assert grandmother.household_id != first.person.household_id

    # when she is registered as the next member of the household
    data = starting_values(client.get(f"{NEW}?household_of={first.pk}"))
    data.update(
        doc_number=grandmother.doc_number, name="李娜", temperature="36.4",
        client_uuid=str(uuid.uuid4()),
    )  # fmt: skip
    assert client.post(NEW, data).status_code == 302

    # then she is recorded in the same household, audited
    grandmother.refresh_from_db()
    assert grandmother.household_id == first.person.household_id
    assert AuditEvent.objects.filter(action="person.update", object_id=str(grandmother.pk)).exists()


@pytest.mark.parametrize("raw", ["x", "0", "-3", "1e3"])
def test_a_malformed_household_id_is_a_400(client: Client, raw: str) -> None:
    assert client.get(NEW, {"household_of": raw}).status_code == 400


def test_another_jurisdictions_screening_is_no_household_to_join(
    client: Client, tree: SimpleNamespace
) -> None:
    foreign = screen(tree.other_grid)
    assert client.get(NEW, {"household_of": foreign.pk}).status_code == 404
    assert client.get(NEW, {"household_of": foreign.pk + 999}).status_code == 404
    data = arrival(tree, household_of=str(foreign.pk))
    assert client.post(NEW, data).status_code == 404
    assert Screening.objects.count() == 1


# --- one round of validation -------------------------------------------------------------------


def test_every_error_shows_at_the_first_submit_beside_its_field(
    client: Client, tree: SimpleNamespace
) -> None:
    # given Hubei a key area, and a form with a wrong check character, no name, a bad phone,
    # an arrival date without an origin, and a contact without its date
    hubei(tree.province)
    number = make_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    data = arrival(
        tree,
        doc_number=wrong,
        name="",
        phone="12345",
        origin_code="",
        origin_name="",
        travel_code_0="",
        travel_name_0="",
        travel_date_0="",
        contact="confirmed",
        temperature="36.6",
    )

    # when it is submitted once
    page = client.post(NEW, data)

    # then each problem is beside its field, all at once, and nothing is stored
    errors = page.context["form"].errors
    assert {"doc_number", "name", "phone", "origin_name", "contact_date"} <= set(errors), errors
    assert not Screening.objects.exists()
    html = page.content.decode()
    assert html.count('class="field has-error"') >= 5


def test_the_outcome_stays_filled_after_a_failed_submit(
    client: Client, tree: SimpleNamespace
) -> None:
    # given an arrival from Hubei whose name was forgotten
    hubei(tree.province)
    page = client.post(NEW, arrival(tree, name=""))

    # then the page still says home medical observation, and why
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-outcome="home_observation"' in html
    assert "湖北省" in html or "武汉市" in html


def test_a_train_number_picks_the_train(client: Client, tree: SimpleNamespace) -> None:
    assert (
        client.post(NEW, arrival(tree, transport="", transport_number="d 512")).status_code == 302
    )
    assert Screening.objects.get().transport == "train"


# --- names, not division codes -----------------------------------------------------------------


def test_the_screening_screens_show_names_without_division_codes(
    client: Client, tree: SimpleNamespace
) -> None:
    hubei(tree.province)
    page = client.get(NEW, {"grid": tree.grid1.code}).content.decode()
    assert "湖北省" in page and "湖北省（42）" not in page
    assert f"（{tree.grid1.code}）" not in page
    client.post(NEW, arrival(tree))
    record = client.get(Screening.objects.get().get_absolute_url()).content.decode()
    assert "武汉市" in record and "(42)" not in record and "（42）" not in record
