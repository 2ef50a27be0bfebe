"""The demo population: valid ID numbers by the rules, a plausible Jilin population, loaded once;
and the demo care requests in every state."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.care.choices import CareStatus
from fangkong.care.models import CareRequest
from fangkong.demo.care import load_care_requests
from fangkong.demo.population import (
    OTHER_PROVINCES,
    PopulationGenerator,
    Resident,
    load_population,
    other_jilin_counties,
)
from fangkong.people.idcard import PROVINCES, parse_resident_id
from fangkong.people.models import Household, Person
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind

TODAY = dt.date(2020, 2, 1)


def _age(birth: dt.date, today: dt.date = TODAY) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@pytest.fixture(scope="module")
def sample() -> list[list[Resident]]:
    generator = PopulationGenerator(random.Random(7), today=TODAY)
    return [generator.household() for _ in range(8000)]


def test_every_generated_number_is_valid_and_says_who_it_is(sample: list[list[Resident]]) -> None:
    people = [p for household in sample for p in household]
    for person in people:
        parsed = parse_resident_id(person.doc_number, today=TODAY)
        assert parsed.number == person.doc_number
        assert parsed.sex == person.sex  # odd sequence digit: a man
        assert parsed.birth_date == person.birth_date
        assert person.doc_number[:2] in PROVINCES
        assert 0 <= _age(person.birth_date) <= 92
        assert person.phone == "" or (
            len(person.phone) == 11 and person.phone.isdigit() and person.phone[0] == "1"
        )
        assert 2 <= len(person.name) <= 3
    assert len({p.doc_number for p in people}) == len(people), "two people share a number"


def test_the_population_looks_like_jilin_in_2020(sample: list[list[Resident]]) -> None:
    people = [p for household in sample for p in household]
    n = len(people)
    # 2.34 people per family household
    assert statistics.mean(len(h) for h in sample) == pytest.approx(2.34, abs=0.08)
    # 12,018,319 men and 12,055,134 women
    assert sum(p.sex == "M" for p in people) / n == pytest.approx(0.4992, abs=0.02)
    # 0-14: 11.71 %, 15-59: 65.23 %, 60 and over: 23.06 %
    ages = [_age(p.birth_date) for p in people]
    assert sum(a < 15 for a in ages) / n == pytest.approx(0.1171, abs=0.03)
    assert sum(15 <= a < 60 for a in ages) / n == pytest.approx(0.6523, abs=0.03)
    assert sum(a >= 60 for a in ages) / n == pytest.approx(0.2306, abs=0.03)
    # most numbers were issued in 南关区, some elsewhere in Jilin, a few in other provinces
    where = Counter(
        "home"
        if p.doc_number[:6] == "220102"
        else "jilin"
        if p.doc_number[:2] == "22"
        else "elsewhere"
        for p in people
    )
    assert where["home"] / n == pytest.approx(0.80, abs=0.03)
    assert where["jilin"] / n == pytest.approx(0.15, abs=0.03)
    assert where["elsewhere"] / n == pytest.approx(0.05, abs=0.02)
    jilin = set(other_jilin_counties("220102"))
    assert {p.doc_number[:6] for p in people if p.doc_number[:2] == "22"} <= jilin | {"220102"}
    assert {p.doc_number[:6] for p in people if p.doc_number[:2] != "22"} <= set(OTHER_PROVINCES)
    # children share their father's surname: households are families, not strangers
    couples_with_child = [h for h in sample if len(h) == 3 and h[0].sex == "M"]
    assert all(h[2].name[0] == h[0].name[0] for h in couples_with_child)


def test_development_zones_are_not_address_codes() -> None:
    codes = other_jilin_counties("220102")
    assert "220103" in codes and "222401" in codes
    assert "220102" not in codes
    assert not [c for c in codes if int(c[4:]) >= 70]  # 220171 长春经济技术开发区 …


def test_the_county_is_populated_once(tree: SimpleNamespace) -> None:
    # given the demo county with its grids (第一网格 and 第二网格 of 华阳社区)
    before = AuditEvent.objects.count()
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # when the population is loaded
    result = load_population(county_code="220102000000", households_per_grid=(30, 60))

    # then each grid has 30-60 households of 1-5 people, with valid numbers, in the grid
    households = Household.objects.filter(division_path__startswith=tree.nanguan.path)
    people = Person.objects.filter(division_path__startswith=tree.nanguan.path)
    assert result == {"households": households.count(), "people": people.count()}
    for grid in (tree.grid1, tree.grid2):
        assert 30 <= households.filter(grid=grid).count() <= 60
    assert not Person.objects.filter(division_path__startswith=tree.changyi.path).exists()
    for person in people.select_related("grid", "household"):
        parsed = parse_resident_id(person.doc_number)
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
        assert person.division_path == person.grid.path
        assert person.household is not None
        assert person.household.grid_id == person.grid_id
        assert person.address == person.household.address
    assert set(Counter(p.household_id for p in people).values()) <= {1, 2, 3, 4, 5}
    # and one summary audit row records the load, in the county
    events = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))
    assert [e.action for e in events] == ["demo.population"]
    assert events[0].division_path == tree.nanguan.path
    assert events[0].changes["people"] == [0, result["people"]]

    # when it is loaded again, nothing is created
    again = load_population(county_code="220102000000")
    assert again == {"households": 0, "people": 0}
    assert people.count() == result["people"]
    assert AuditEvent.objects.count() == before + 1


def test_the_demo_care_requests_show_every_state(tree: SimpleNamespace) -> None:
    # given the population and a party member working each grid of 华阳社区
    load_population(county_code="220102000000", households_per_grid=(30, 40))
    for n, grid in enumerate((tree.grid1, tree.grid2), start=1):
        member = region_actions.create_staff(
            actor=None,
            village=tree.huayang,
            name=f"党员{n}",
            phone=f"1390000000{n}",
            kind=StaffKind.PARTY_MEMBER,
        )
        region_actions.assign_staff(actor=None, grid=grid, staff=member)

    # when the demo care requests are loaded (twice)
    made = load_care_requests(county_code="220102000000")
    again = load_care_requests(county_code="220102000000")

    # then the grid worker's grid has requests in every state, some overdue, all audited
    assert made == CareRequest.objects.count() >= 6
    assert again == 0
    in_grid1 = CareRequest.objects.filter(grid=tree.grid1)
    assert set(in_grid1.values_list("status", flat=True)) == set(CareStatus.values)
    today = timezone.localdate()
    overdue = CareRequest.objects.overdue(today)
    assert overdue.filter(status=CareStatus.OPEN).exists()
    assert overdue.filter(status=CareStatus.ASSIGNED).exists()
    assert not overdue.filter(due_on__gte=today).exists()
    elderly = in_grid1.get(kind="elderly_alone")
    assert elderly.household is not None and elderly.household.members.count() == 1
    for care in CareRequest.objects.all():
        assert AuditEvent.objects.filter(
            action="care.create", object_id=str(care.pk), object_type="care.carerequest"
        ).exists()
