"""The bed board (集中资源): free beds by type per child division, summed by the database; the
trend per city from the nightly summaries, and the day a city runs out of beds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.medical import actions, selectors
from fangkong.medical.choices import BedType
from fangkong.medical.models import BedDay
from fangkong.medical.selectors import RunOut, run_out
from fangkong.medical.tests.factories import (
    fill_ward,
    make_bed_day,
    make_clinic,
    make_hospital,
    make_ward,
)

Make = Callable[..., User]
ISO, ICU, NEG, OBS = (
    BedType.ISOLATION_WARD,
    BedType.ICU,
    BedType.NEGATIVE_PRESSURE,
    BedType.OBSERVATION,
)
TODAY = dt.date(2022, 3, 20)


@pytest.fixture
def beds(tree: SimpleNamespace) -> SimpleNamespace:
    """Two hospitals in 长春市/南关区, one in 吉林市/昌邑区, a clinic in 南关区; some beds taken,
    one ward closed."""
    b = SimpleNamespace()
    nanguan = make_hospital(tree.nanguan, name="长春市传染病医院")
    second = make_hospital(tree.huayang, name="华阳方舱医院", kind="makeshift_hospital")
    changyi = make_hospital(tree.changyi, name="吉林市传染病医院")
    clinic = make_clinic(tree.nanguan, name="南关区发热门诊")
    b.iso = fill_ward(make_ward(nanguan, ISO, 100, name="隔离一区"), occupied=30, reserved=5)
    b.icu = fill_ward(make_ward(nanguan, ICU, 20, name="重症", out_of_service=2), occupied=8)
    b.makeshift = fill_ward(make_ward(second, ISO, 500, name="方舱A区"), occupied=120)
    b.obs = make_ward(clinic, OBS, 12, name="留观室")
    b.closed = make_ward(nanguan, NEG, 6, name="负压（停用）")
    actions.update_ward(actor=None, ward=b.closed, capacity=6, out_of_service=0, active=False)
    b.jilin = fill_ward(make_ward(changyi, ISO, 80, name="吉林隔离区"), occupied=79)
    return b


def _cell(row: selectors.BedRow, bed_type: str) -> tuple[int, int]:
    found = row.by_type.get(bed_type, selectors.Beds())
    return found.free, found.capacity


def test_the_province_sees_free_beds_by_type_per_city(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make, django_assert_num_queries: Any
) -> None:
    # given a province command officer (their home division already loaded, as in a request)
    user = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    assert user.home_division is not None

    # when the board is computed
    with django_assert_num_queries(2):
        board = selectors.beds_by_division(user)

    # then the rows are the cities, each summed over its open wards, and the total adds them
    assert board.by_city
    assert [r.division.name for r in board.rows if r.division] == ["长春市", "吉林市"]
    changchun, jilin = board.rows
    assert _cell(changchun, ISO) == (100 - 35 + 500 - 120, 600)
    assert _cell(changchun, ICU) == (10, 20)
    assert _cell(changchun, OBS) == (12, 12)
    assert _cell(changchun, NEG) == (0, 0)  # the closed ward counts for nothing
    assert _cell(jilin, ISO) == (1, 80)
    assert _cell(board.total, ISO) == (446, 680)
    assert board.total.all_types.free == 446 + 10 + 12
    assert changchun.by_type[ISO].occupied == 150 and changchun.by_type[ISO].reserved == 5


def test_a_city_sees_its_counties_and_nothing_of_another_city(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make
) -> None:
    user = make_user(tree.changchun, roles=[Role.CITY_COMMAND])
    board = selectors.beds_by_division(user)
    assert not board.by_city
    assert [r.division.name for r in board.rows if r.division] == ["南关区"]
    assert _cell(board.rows[0], ISO) == (445, 600)
    assert _cell(board.total, ISO) == (445, 600)  # 吉林市's 80 beds are not there


def test_a_county_sees_its_townships_and_the_facilities_of_the_county_itself(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make
) -> None:
    # given facilities recorded at 南关区 itself and one in a village of 南岭街道
    user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    board = selectors.beds_by_division(user)

    # then 南岭街道 holds the makeshift hospital, a row of its own the county's hospitals
    by_name = {(r.division.name, r.direct): r for r in board.rows if r.division}
    assert _cell(by_name[("南岭街道", False)], ISO) == (380, 500)
    assert _cell(by_name[("南关区", True)], ISO) == (65, 100)
    assert _cell(board.total, ISO) == (445, 600)


def test_the_board_is_one_query_over_the_wards_whatever_their_number(
    tree: SimpleNamespace, make_user: Make, django_assert_num_queries: Any
) -> None:
    hospital = make_hospital(tree.nanguan)
    for n in range(30):
        make_ward(hospital, ISO if n % 2 else ICU, 10, name=f"病区{n}")
    user = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    assert user.home_division is not None
    with django_assert_num_queries(2):
        board = selectors.beds_by_division(user)
    assert _cell(board.total, ISO) == (150, 150)


def test_the_board_page_shows_the_table_and_the_map_of_the_cities(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make, client_for: Callable[..., Client]
) -> None:
    user = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    response = client_for(user).get(reverse("medical:beds"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-type="isolation_ward" data-free="445" data-capacity="600"' in html
    assert '<div class="table-wrap" tabindex="0" role="region"' in html  # keyboard scrolls it
    assert response.context["map_data"]["cities"][0] == {
        "code": "2201", "name": "长春市", "free": 445, "capacity": 600,
    }  # fmt: skip
    assert 'id="beds-map"' in html and "medical/beds.js" in html


def test_a_city_page_has_no_map_and_the_bed_type_is_chosen(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make, client_for: Callable[..., Client]
) -> None:
    user = make_user(tree.changchun, roles=[Role.CITY_COMMAND])
    client = client_for(user)
    response = client.get(reverse("medical:beds"), {"type": "icu"})
    assert response.status_code == 200
    assert response.context["map_data"] is None
    assert response.context["bed_type"] == "icu"
    assert [c.bed_type for c in response.context["trend"].cities] == ["icu"]
    assert client.get(reverse("medical:beds"), {"type": "nonsense"}).status_code == 200


# --- run-out -----------------------------------------------------------------------------------


def _days(*in_use: int, last: dt.date = TODAY - dt.timedelta(days=1)) -> list[tuple[dt.date, int]]:
    start = last - dt.timedelta(days=len(in_use) - 1)
    return [(start + dt.timedelta(days=n), v) for n, v in enumerate(in_use)]


def test_run_out_at_the_rate_of_the_last_seven_days() -> None:
    # beds in use rose from 100 to 160 over six days: 10 a day; 45 free → 4.5 days
    projection = run_out(_days(100, 110, 120, 130, 140, 150, 160), free=45, today=TODAY)
    assert projection == RunOut(
        "runs_out", rate=Decimal("10.00"), days_left=Decimal("4.5"), on=dt.date(2022, 3, 24)
    )


def test_only_the_window_counts() -> None:
    # a surge three weeks ago is older than the 7-day window: in use is flat since
    history = [(TODAY - dt.timedelta(days=21), 0), *_days(200, 200, 200, 200)]
    assert run_out(history, free=10, today=TODAY) == RunOut("steady", rate=Decimal("0.00"))


def test_falling_or_flat_use_does_not_run_out() -> None:
    assert run_out(_days(160, 150, 140), free=0, today=TODAY).status == "steady"


def test_fewer_than_two_days_is_not_enough_history() -> None:
    assert run_out([], free=10, today=TODAY) == RunOut("no_history")
    assert run_out(_days(50), free=10, today=TODAY) == RunOut("no_history")


def test_no_free_bed_and_rising_use_runs_out_today() -> None:
    assert run_out(_days(10, 12), free=0, today=TODAY).on == TODAY


def test_a_run_out_further_than_a_year_is_steady() -> None:
    projection = run_out(_days(100, 101), free=5000, today=TODAY)
    assert projection.status == "steady" and projection.rate == Decimal("1.00")


def test_the_trend_per_city_from_the_nightly_summaries(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make, django_assert_num_queries: Any
) -> None:
    # given 长春市's isolation beds of the last five nights, in use rising 20 a day
    for n in range(5):
        make_bed_day(tree.changchun, TODAY - dt.timedelta(days=5 - n), ISO, capacity=600,
                     occupied=75 + 20 * n, reserved=0)  # fmt: skip
    make_bed_day(tree.changchun, TODAY - dt.timedelta(days=40), ISO, capacity=600, occupied=0)
    user = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    assert user.home_division is not None

    # when the trend is computed
    with django_assert_num_queries(3):
        trend = selectors.bed_trend(user, days=30, bed_type=ISO, today=TODAY)

    # then 长春市 shows the five nights within 30 days and today's live 445 free, running out
    # in 445 / 20 = 22.3 days; 吉林市 has no history yet
    changchun, jilin = trend.cities
    assert [p.beds.in_use for p in changchun.days] == [75, 95, 115, 135, 155]
    assert changchun.today.free == 445
    assert changchun.projection == RunOut(
        "runs_out", rate=Decimal("20.00"), days_left=Decimal("22.3"), on=dt.date(2022, 4, 11)
    )
    assert jilin.city.name == "吉林市" and jilin.projection.status == "no_history"


def test_a_city_sees_only_its_trend_and_a_county_none(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make
) -> None:
    make_bed_day(tree.jilin_city, TODAY - dt.timedelta(days=1), ISO, capacity=80, occupied=79)
    city = make_user(tree.changchun, roles=[Role.CITY_COMMAND])
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    assert {c.city.name for c in selectors.bed_trend(city, today=TODAY).cities} == {"长春市"}
    assert selectors.bed_trend(county, today=TODAY).cities == []


def test_the_snapshot_feeds_the_trend(
    tree: SimpleNamespace, beds: SimpleNamespace, make_user: Make
) -> None:
    # given the nightly snapshot of yesterday, and two more patients today
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    actions.snapshot_beds(yesterday)
    fill_ward(beds.iso, occupied=2)

    # then yesterday's summary is the board of yesterday and today comes live
    row = BedDay.objects.get(day=yesterday, division=tree.changchun, bed_type=ISO)
    assert (row.capacity, row.free) == (600, 445)
    user = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    changchun = selectors.bed_trend(user, bed_type=ISO).cities[0]
    assert changchun.days[-1].beds.free == 445 and changchun.today.free == 443
