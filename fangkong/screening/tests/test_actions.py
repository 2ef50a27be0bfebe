"""Screening actions: registering a screening (and what it starts), key areas, bad input.

The ``tree`` fixture (conftest.py): 吉林省 › 长春市 › 南关区 › 南岭街道 › 华阳社区 with grids
第一网格 (grid1) and 第二网格 (grid2), and the sibling subtree 吉林市 › … › 东市场社区 (other_grid).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.demo.scenario import load_key_areas
from fangkong.observation.choices import Status
from fangkong.observation.models import Observation
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.regions import actions as region_actions
from fangkong.screening import actions
from fangkong.screening.choices import Outcome
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.tests.factories import (
    days_ago,
    hubei,
    make_id,
    observe,
    screen,
    screening_data,
    today,
)


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


def audit_since(mark: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(id__gt=mark).order_by("id").values_list("action", flat=True)
    )


def everything() -> tuple[int, ...]:
    """The rows a screening can write."""
    return (
        Person.objects.count(),
        Screening.objects.count(),
        Observation.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """The grid worker of 华阳社区第一网格."""
    return make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def area(tree: SimpleNamespace) -> KeyArea:
    return hubei(tree.province)


# --- registering a screening -------------------------------------------------------------------


def test_arrival_from_hubei_starts_home_observation(
    tree: SimpleNamespace, worker: User, area: KeyArea
) -> None:
    # given Hubei a key area, and someone who arrived from Wuhan three days ago
    mark = audit_mark()
    number = make_id()
    # when the grid worker registers the screening
    screening = screen(
        tree.grid1,
        actor=worker,
        doc_number=number,
        arrival_date=days_ago(3),
        origin_code="4201",
        origin_name="武汉市",
        transport="train",
        transport_number="g 1234",
    )
    # then the outcome is home observation, with why, and the person is registered
    assert screening.outcome == Outcome.HOME_OBSERVATION
    assert [r["code"] for r in screening.reasons] == ["no_fever", "arrival_key_area", "observe"]
    assert screening.last_exposure == days_ago(3)
    assert screening.division_path == tree.grid1.path
    assert screening.transport_number == "G1234"
    person = Person.objects.get(doc_number=number)
    assert screening.person == person
    # and an observation runs until 14 days after the arrival, the person marked as observed
    observation = Observation.objects.get(person=person)
    assert observation.status == Status.ACTIVE
    assert observation.source_screening == screening
    assert observation.start_date == today()
    assert observation.end_date == days_ago(3) + dt.timedelta(days=14)
    assert observation.grid == tree.grid1
    assert "武汉市" in observation.reason
    person.refresh_from_db()
    assert person.status == PersonStatus.HOME_OBSERVATION
    assert person.status_since is not None
    # and every write is audited, in one go
    assert audit_since(mark) == ["person.create", "screening.create", "observation.start"]


def test_fever_refers_and_marks_the_person(
    tree: SimpleNamespace, worker: User, area: KeyArea
) -> None:
    screening = screen(tree.grid1, actor=worker, temperature="38.1")
    assert screening.outcome == Outcome.FEVER_CLINIC
    screening.person.refresh_from_db()
    assert screening.person.status == PersonStatus.REFERRED
    assert not Observation.objects.filter(person=screening.person).exists()


def test_fever_found_while_under_observation_refers_the_observation(
    tree: SimpleNamespace, worker: User, area: KeyArea
) -> None:
    # given someone under observation in the worker's grid
    observation = observe(tree.grid1)
    person = observation.person
    # when a screening finds a fever
    screen(tree.grid1, actor=worker, doc_number=person.doc_number, name=person.name, temperature=38)
    # then the observation ends as referred, and so does the person's status
    observation.refresh_from_db()
    person.refresh_from_db()
    assert observation.status == Status.REFERRED
    assert person.status == PersonStatus.REFERRED


def test_no_risk_changes_nothing_about_the_person(tree: SimpleNamespace, worker: User) -> None:
    screening = screen(tree.grid1, actor=worker)
    assert screening.outcome == Outcome.NO_RISK
    screening.person.refresh_from_db()
    assert screening.person.status == PersonStatus.NORMAL


def test_a_known_id_finds_the_person_instead_of_a_duplicate(
    tree: SimpleNamespace, worker: User
) -> None:
    # given a person screened once
    first = screen(tree.grid1, actor=worker, name="张伟")
    # when they are screened again by their number (name typed differently, 15-digit form no)
    second = screen(tree.grid1, actor=worker, doc_number=first.person.doc_number, name="张 伟")
    # then both screenings point to the one person
    assert second.person == first.person
    assert Person.objects.filter(doc_number=first.person.doc_number).count() == 1


def test_a_second_exposure_keeps_the_running_observation(
    tree: SimpleNamespace, worker: User, area: KeyArea
) -> None:
    first = screen(tree.grid1, actor=worker, arrival_date=days_ago(5), origin_code="42")
    person = first.person
    second = screen(
        tree.grid1,
        actor=worker,
        doc_number=person.doc_number,
        contact="confirmed",
        contact_date=days_ago(1),
    )
    assert second.outcome == Outcome.HOME_OBSERVATION
    assert Observation.objects.filter(person=person).count() == 1


def test_the_same_client_uuid_stores_the_screening_once(
    tree: SimpleNamespace, worker: User
) -> None:
    key = uuid.uuid4()
    first = screen(tree.grid1, actor=worker, client_uuid=key)
    before = everything()
    again = screen(tree.grid1, actor=worker, client_uuid=str(key))
    assert again == first
    assert everything() == before


def test_a_key_area_holds_only_where_it_was_declared(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    # given Hubei declared a key area by 吉林市 only
    hubei(tree.jilin_city)
    changchun_worker = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    jilin_worker = make_user(tree.other_grid, roles=[Role.GRID_WORKER])
    arrived = {"arrival_date": days_ago(2), "origin_code": "42"}
    # then an arrival from Hubei is observed in 吉林市, not in 长春市
    assert screen(tree.other_grid, actor=jilin_worker, **arrived).outcome == "home_observation"
    assert screen(tree.grid1, actor=changchun_worker, **arrived).outcome == "no_risk"


# --- bad input ---------------------------------------------------------------------------------

BAD = [
    ("future screening date", {"screened_on": today() + dt.timedelta(days=1)}, "screened_on"),
    (
        "future arrival",
        {"arrival_date": today() + dt.timedelta(days=1), "origin_code": "42"},
        "arrival_date",
    ),
    (
        "arrival after the screening",
        {"screened_on": days_ago(5), "arrival_date": days_ago(2), "origin_code": "42"},
        "arrival_date",
    ),
    ("arrival without origin", {"arrival_date": days_ago(2)}, "origin_name"),
    ("origin without arrival date", {"origin_code": "42"}, "arrival_date"),
    ("unknown province", {"arrival_date": days_ago(2), "origin_code": "99"}, "origin_code"),
    ("malformed code", {"arrival_date": days_ago(2), "origin_code": "4x01"}, "origin_code"),
    ("code of 3 digits", {"arrival_date": days_ago(2), "origin_code": "420"}, "origin_code"),
    ("temperature 34.9", {"temperature": "34.9"}, "temperature"),
    ("temperature 42.1", {"temperature": "42.1"}, "temperature"),
    ("temperature not a number", {"temperature": "hot"}, "temperature"),
    ("temperature NaN", {"temperature": "NaN"}, "temperature"),
    ("unknown symptom", {"symptoms": ["sneezing"]}, "symptoms"),
    ("contact without a date", {"contact": "confirmed"}, "contact_date"),
    (
        "future contact",
        {"contact": "confirmed", "contact_date": today() + dt.timedelta(days=2)},
        "contact_date",
    ),
    ("unknown contact", {"contact": "cousin"}, "contact"),
    ("household of 0", {"household_size": 0}, "household_size"),
    ("household of 51", {"household_size": 51}, "household_size"),
    ("transport number with symbols", {"transport_number": "G12-34!"}, "transport_number"),
    ("unknown transport", {"transport": "rocket"}, "transport"),
    ("travel without a date", {"travel": [{"code": "42", "name": "湖北省"}]}, "travel"),
    (
        "travel in the future",
        {"travel": [{"code": "42", "date": today() + dt.timedelta(days=1)}]},
        "travel",
    ),
    ("travel abroad without a name", {"travel": [{"code": "", "date": days_ago(3)}]}, "travel"),
    ("21 places of travel", {"travel": [{"code": "11", "date": days_ago(1)}] * 21}, "travel"),
    ("a bad check character", {"doc_number": "220102199001011237"}, "doc_number"),
    ("an impossible birth date", {"doc_number": "220102199002301234"}, "doc_number"),
    ("a wrong length", {"doc_number": "2201021990"}, "doc_number"),
    ("no phone", {"phone": ""}, "phone"),
    ("a bad phone", {"phone": "12345"}, "phone"),
    ("no address", {"address": "  "}, "address"),
    ("no name", {"name": ""}, "name"),
    ("malformed client UUID", {"client_uuid": "not-a-uuid"}, "client_uuid"),
    ("a date long ago", {"screened_on": dt.date(1900, 1, 1)}, "screened_on"),
]


@pytest.mark.parametrize(("data", "field"), [pytest.param(d, f, id=n) for n, d, f in BAD])
def test_bad_input_is_refused_with_its_field_and_writes_nothing(
    tree: SimpleNamespace, worker: User, area: KeyArea, data: dict[str, Any], field: str
) -> None:
    before = everything()
    with pytest.raises(ActionError) as refused:
        actions.register_screening(actor=worker, grid=tree.grid1, **screening_data(**data))
    assert refused.value.field == field
    assert refused.value.message
    assert everything() == before


def test_another_jurisdictions_grid_is_out_of_scope(tree: SimpleNamespace, worker: User) -> None:
    before = everything()
    with pytest.raises(OutOfJurisdiction):
        screen(tree.other_grid, actor=worker)
    with pytest.raises(OutOfJurisdiction):
        screen(tree.grid2, actor=worker)  # the neighbouring grid of the same village
    assert everything() == before


def test_a_village_or_a_retired_grid_takes_no_screening(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    secretary = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    with pytest.raises(ActionError) as refused:
        screen(tree.huayang, actor=secretary)
    assert refused.value.code == "not_a_grid"
    region_actions.retire_grid(actor=None, grid=tree.grid2, reason="测试")
    with pytest.raises(ActionError) as refused:
        screen(tree.grid2, actor=secretary)
    assert refused.value.code == "grid_retired"


# --- key areas ---------------------------------------------------------------------------------


def test_a_county_declares_and_ends_a_key_area(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    mark = audit_mark()
    area = actions.declare_key_area(
        actor=county,
        division=tree.nanguan,
        code="4201",
        name="武汉市",
        start_date=dt.date(2020, 1, 1),
    )
    assert (area.code, area.division_path, area.end_date) == ("4201", tree.nanguan.path, None)
    with pytest.raises(ActionError) as refused:  # only a province's name is known from its code
        actions.declare_key_area(
            actor=county, division=tree.nanguan, code="4202", start_date=dt.date(2020, 1, 1)
        )
    assert refused.value.field == "name"
    ended = actions.end_key_area(actor=county, area=area, end_date=dt.date(2020, 3, 1))
    assert ended.end_date == dt.date(2020, 3, 1)
    assert audit_since(mark) == ["key_area.declare", "key_area.end"]
    with pytest.raises(ActionError) as refused:
        actions.end_key_area(actor=county, area=area)
    assert refused.value.code == "already_ended"


def test_a_provinces_name_comes_from_its_code(tree: SimpleNamespace) -> None:
    area = actions.declare_key_area(
        actor=None, division=tree.province, code="42", start_date=dt.date(2019, 12, 1)
    )
    assert area.name == "湖北省"


@pytest.mark.parametrize(
    ("code", "start", "end", "problem"),
    [
        ("99", dt.date(2020, 1, 1), None, "unknown_province"),
        ("4", dt.date(2020, 1, 1), None, "bad_division_code"),
        ("42a1", dt.date(2020, 1, 1), None, "bad_division_code"),
        ("", dt.date(2020, 1, 1), None, "code_required"),
        ("42", dt.date(2020, 2, 1), dt.date(2020, 1, 1), "end_before_start"),
    ],
)
def test_a_bad_key_area_is_refused(
    tree: SimpleNamespace, code: str, start: dt.date, end: dt.date | None, problem: str
) -> None:
    before = (KeyArea.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ActionError) as refused:
        actions.declare_key_area(
            actor=None, division=tree.nanguan, code=code, start_date=start, end_date=end
        )
    assert refused.value.code == problem
    assert (KeyArea.objects.count(), AuditEvent.objects.count()) == before


def test_an_open_key_area_is_declared_once_per_office(tree: SimpleNamespace) -> None:
    hubei(tree.province)
    with pytest.raises(ActionError) as refused:
        hubei(tree.province)
    assert refused.value.code == "key_area_exists"
    hubei(tree.changchun)  # another office may declare it too


def test_only_a_command_office_declares_and_only_in_its_subtree(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    secretary = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    with pytest.raises(ActionError) as refused:
        hubei(tree.huayang, actor=secretary)
    assert refused.value.code == "not_a_command_office"
    with pytest.raises(OutOfJurisdiction):
        hubei(tree.changyi, actor=county)
    provincial = hubei(tree.province)
    with pytest.raises(OutOfJurisdiction):  # a county cannot end the province's declaration
        actions.end_key_area(actor=county, area=provincial)


def test_the_command_and_the_demo_add_hubei(tree: SimpleNamespace) -> None:
    out = StringIO()
    call_command("add_key_area", "4201", "武汉市", "--from", "2019-12-08", stdout=out)
    area = KeyArea.objects.get(code="4201")
    assert (area.declared_by, area.start_date) == (tree.province, dt.date(2019, 12, 8))
    assert "4201" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("add_key_area", "99", "x", "--from", "2020-01-01", stdout=out)
    with pytest.raises(CommandError):
        call_command("add_key_area", "42", "湖北省", "--from", "2020-13-01", stdout=out)
    assert load_key_areas() == 1
    assert load_key_areas() == 0  # idempotent
    assert KeyArea.objects.get(code="42").start_date == dt.date(2019, 12, 1)
