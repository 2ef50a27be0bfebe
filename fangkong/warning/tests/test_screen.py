"""The command screen (指挥大屏): its figures from hand-built indicator rows (day-on-day change,
imported versus computed, the children's shading values), the other panels from their summary
tables, a bounded number of queries, and the pages and API inside the jurisdiction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone, translation

from fangkong.accounts.roles import Role
from fangkong.medical.choices import BedType
from fangkong.medical.tests.factories import make_hospital, make_ward
from fangkong.notifications.escalation import open_escalation
from fangkong.outbreaks.choices import Grade
from fangkong.outbreaks.models import RiskGrade
from fangkong.regions.models import Division
from fangkong.reports.choices import State
from fangkong.reports.models import DailyReport
from fangkong.warning import screen
from fangkong.warning.choices import Indicator, Method, Source, Verdict
from fangkong.warning.models import Signal
from fangkong.warning.tests.factories import make_indicator_days

DAY = dt.date(2020, 2, 10)
BEFORE = DAY - dt.timedelta(days=1)
IMPORTED = str(screen.SOURCE_LABELS[Source.IMPORTED])


@pytest.fixture
def county_user(tree: SimpleNamespace, make_user: Callable[..., Any]) -> Any:
    return make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan-command")


@pytest.fixture
def province_user(tree: SimpleNamespace, make_user: Callable[..., Any]) -> Any:
    return make_user(tree.province, roles=[Role.PROVINCE_COMMAND], username="province-command")


def _figure(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(f for f in data["figures"] if f["key"] == key)


def _two_days(division: Division, indicator: str, before: int, on: int, **kw: Any) -> None:
    make_indicator_days(division, indicator, [before, on], BEFORE, **kw)


def _signal(division: Division, **kw: Any) -> Signal:
    fields: dict[str, Any] = {
        "division": division,
        "division_path": division.path,
        "indicator": Indicator.CONFIRMED_LOCAL,
        "source": Source.COMPUTED,
        "method": Method.C1,
        "start": BEFORE,
        "end": DAY,
        "alarms": 2,
        "peak_observed": 9,
    }
    fields.update(kw)
    return Signal.objects.create(**fields)


def _grade(county: Division, grade: str) -> RiskGrade:
    return RiskGrade.objects.create(
        county=county,
        division_path=county.path,
        day=DAY,
        grade=grade,
        cumulative=60,
        new_14d=12,
        clusters_14d=1,
        computed_at=timezone.now(),
    )


# --- key figures --------------------------------------------------------------------------------


def test_a_figure_gives_the_day_and_its_change_from_the_day_before(
    tree: SimpleNamespace, county_user: Any
) -> None:
    # given 3 new local cases in 南关区 the day before and 5 on the day, and free beds falling
    _two_days(tree.nanguan, Indicator.CONFIRMED_LOCAL, 3, 5)
    _two_days(tree.nanguan, Indicator.BEDS_FREE, 40, 31)
    _two_days(tree.nanguan, Indicator.ASYMPTOMATIC_LOCAL, 1, 0)
    _two_days(tree.nanguan, Indicator.ASYMPTOMATIC_IMPORTED, 0, 2)
    # when the county's screen is read
    data = screen.screen_data(county_user, tree.nanguan, DAY)
    # then each figure is the day's value with its change, from our records, saying so
    cases = _figure(data, "confirmed_local")
    assert (cases["value"], cases["previous"], cases["change"]) == (5, 3, 2)
    assert cases["worse"] and cases["source"] == Source.COMPUTED
    assert (
        cases["source_label"] == str(screen.SOURCE_LABELS[Source.COMPUTED])
        and cases["other"] is None
    )
    beds = _figure(data, "beds_free")
    assert (beds["value"], beds["change"], beds["worse"]) == (31, -9, True)
    # local and imported asymptomatic infections add up
    assert (_figure(data, "asymptomatic")["value"], _figure(data, "asymptomatic")["change"]) == (
        2,
        1,
    )
    # and a figure with no rows is zero, not missing (the tables are sparse)
    visits = _figure(data, "clinic_visits")
    assert (visits["value"], visits["change"], visits["worse"]) == (0, 0, False)
    assert [f["key"] for f in data["figures"]] == [f.key for f in screen.FIGURES]


def test_a_stock_not_stored_the_day_before_has_no_change(
    tree: SimpleNamespace, county_user: Any
) -> None:
    # given free beds stored on the day only (a stock is stored the days it was computed)
    make_indicator_days(tree.nanguan, Indicator.BEDS_FREE, [166], DAY)
    beds = _figure(screen.screen_data(county_user, tree.nanguan, DAY), "beds_free")
    # then the figure stands without a change, rather than "+166 since yesterday"
    assert (beds["value"], beds["change"], beds["worse"]) == (166, None, False)


def test_a_city_with_only_imported_counts_shows_them_and_says_they_are_imported(
    tree: SimpleNamespace, province_user: Any
) -> None:
    # given 长春市's counts imported from the national system (none computed) ...
    _two_days(tree.changchun, Indicator.CONFIRMED_LOCAL, 4, 7, source=Source.IMPORTED)
    # ... and 吉林市 with both: 2 computed and 6 imported
    _two_days(tree.jilin_city, Indicator.CONFIRMED_LOCAL, 1, 2)
    _two_days(tree.jilin_city, Indicator.CONFIRMED_LOCAL, 5, 6, source=Source.IMPORTED)
    # when each city's screen is read
    changchun = _figure(screen.screen_data(province_user, tree.changchun, DAY), "confirmed_local")
    jilin = _figure(screen.screen_data(province_user, tree.jilin_city, DAY), "confirmed_local")
    # then 长春市 shows its imported counts, named as such
    assert (changchun["value"], changchun["change"], changchun["source"]) == (7, 3, "imported")
    assert changchun["source_label"] == IMPORTED and changchun["imported_only"]
    # and 吉林市 shows its computed count first, with the imported one beside it
    assert (jilin["value"], jilin["source"]) == (2, Source.COMPUTED)
    assert jilin["other"] == {
        "source": Source.IMPORTED,
        "source_label": IMPORTED,
        "value": 6,
        "change": 1,
    }


def test_a_county_keeps_its_computed_count_and_gives_an_imported_one_beside_it(
    tree: SimpleNamespace, county_user: Any
) -> None:
    # given imported counts at a county (below the levels the national system reports)
    _two_days(tree.nanguan, Indicator.CONFIRMED_LOCAL, 0, 4, source=Source.IMPORTED)
    data = screen.screen_data(county_user, tree.nanguan, DAY)
    cases = _figure(data, "confirmed_local")
    # then the main figure is the computed one, and the imported count is shown beside it
    assert (cases["value"], cases["source"]) == (0, Source.COMPUTED)
    assert cases["other"]["value"] == 4


# --- the map --------------------------------------------------------------------------------------


def test_the_map_gives_each_child_its_worst_county_grade_and_its_indicator_values(
    tree: SimpleNamespace, province_user: Any
) -> None:
    # given 南关区 graded high and 昌邑区 low on the day, and the cities' counts of the day
    _grade(tree.nanguan, Grade.HIGH)
    _grade(tree.changyi, Grade.LOW)
    make_indicator_days(tree.changchun, Indicator.CONFIRMED_LOCAL, [9], DAY, source=Source.IMPORTED)
    make_indicator_days(tree.changchun, Indicator.FEVERS_FOUND, [12], DAY)
    make_indicator_days(tree.jilin_city, Indicator.CONFIRMED_LOCAL, [3], DAY)
    make_indicator_days(
        tree.jilin_city, Indicator.CONFIRMED_LOCAL, [8], DAY, source=Source.IMPORTED
    )
    # when the province's screen is read
    data = screen.screen_data(province_user, tree.province, DAY)
    # then the map is the city map, each city with its worst county's grade and its values
    shown = data["map"]
    assert shown["geo"] is True
    by_name = {c["name"]: c for c in shown["children"]}
    assert set(by_name) == {"长春市", "吉林市"}
    changchun, jilin = by_name["长春市"], by_name["吉林市"]
    assert (changchun["code"], changchun["grade"], changchun["grade_label"]) == (
        "2201",
        3,
        str(Grade.HIGH.label),
    )
    assert (jilin["grade"], jilin["grade_label"]) == (1, str(Grade.LOW.label))
    # a city's imported count is shown where nothing is computed; computed first otherwise
    assert changchun["values"][Indicator.CONFIRMED_LOCAL] == 9
    assert changchun["sources"][Indicator.CONFIRMED_LOCAL] == Source.IMPORTED
    assert jilin["values"][Indicator.CONFIRMED_LOCAL] == 3
    assert jilin["sources"][Indicator.CONFIRMED_LOCAL] == Source.COMPUTED
    assert changchun["values"][Indicator.FEVERS_FOUND] == 12
    assert jilin["values"][Indicator.FEVERS_FOUND] == 0


def test_below_the_province_the_children_are_tiles_and_a_county_shows_its_own_grade(
    tree: SimpleNamespace, county_user: Any
) -> None:
    _grade(tree.nanguan, Grade.MEDIUM)
    data = screen.screen_data(county_user, tree.nanguan, DAY)
    assert data["map"]["geo"] is False
    assert [c["name"] for c in data["map"]["children"]] == ["南岭街道"]
    assert data["map"]["own_grade"] == 2
    assert data["map"]["children"][0]["grade"] == 0  # townships are not graded


# --- the curve and Rt -----------------------------------------------------------------------------


def test_the_curve_starts_at_the_first_case_and_names_its_basis_and_source(
    tree: SimpleNamespace, province_user: Any
) -> None:
    # given 长春市's report-date counts imported, and onsets computed from the records
    first = DAY - dt.timedelta(days=4)
    make_indicator_days(
        tree.changchun, Indicator.CONFIRMED_LOCAL, [1, 0, 2, 3, 5], first, source=Source.IMPORTED
    )
    make_indicator_days(
        tree.changchun, Indicator.CONFIRMED_IMPORTED, [0, 1, 0, 0, 0], first, source=Source.IMPORTED
    )
    make_indicator_days(tree.changchun, Indicator.ONSET_LOCAL, [0, 2, 1, 0, 0], first)
    with translation.override("en"):
        data = screen.screen_data(province_user, tree.changchun, DAY)
    curve = data["curve"]
    assert curve["days"][0] == first.isoformat() and curve["days"][-1] == DAY.isoformat()
    assert curve["report"]["source"] == Source.IMPORTED
    assert curve["report"]["local"] == [1, 0, 2, 3, 5]
    assert curve["report"]["imported"] == [0, 1, 0, 0, 0]
    assert curve["onset"]["source"] == Source.COMPUTED
    assert curve["onset"]["local"] == [0, 2, 1, 0, 0]
    assert "onset" in curve["onset"]["title"] and "report" in curve["report"]["title"]


def test_no_cases_give_an_empty_curve_and_no_rt(tree: SimpleNamespace, county_user: Any) -> None:
    data = screen.screen_data(county_user, tree.nanguan, DAY)
    assert data["curve"] == {"days": [], "onset": None, "report": None}
    assert data["rt"]["latest"] is None and data["rt"]["children"] == []
    assert data["latest_day"] is None


def test_rt_comes_with_its_band_its_basis_and_the_childrens_latest(
    tree: SimpleNamespace, province_user: Any
) -> None:
    # given 60 days of growing local onsets in 南关区 (counted up to the city by hand)
    start = DAY - dt.timedelta(days=59)
    cases = [1 + i // 4 for i in range(60)]
    make_indicator_days(tree.nanguan, Indicator.ONSET_LOCAL, cases, start)
    make_indicator_days(tree.changchun, Indicator.ONSET_LOCAL, cases, start)
    with translation.override("en"):
        data = screen.screen_data(province_user, tree.changchun, DAY)
    rt = data["rt"]
    assert rt["basis"] == "onset" and "onset" in rt["title"]
    assert rt["dates"][-1] == DAY.isoformat()
    assert len(rt["mean"]) == len(rt["lower"]) == len(rt["upper"]) == len(rt["dates"])
    latest = rt["latest"]
    assert latest["lower"] < latest["mean"] < latest["upper"]
    assert [k["name"] for k in rt["children"]] == ["南关区"]
    assert rt["children"][0]["mean"] == latest["mean"]


# --- alerts, beds, supplies, reports ---------------------------------------------------------


def test_open_alerts_of_the_division_newest_first_and_only_those_without_a_verdict(
    tree: SimpleNamespace, county_user: Any
) -> None:
    older = _signal(tree.nanguan, start=BEFORE - dt.timedelta(days=3), end=BEFORE)
    newer = _signal(tree.nanling, method=Method.CUSUM)
    _signal(tree.nanguan, verdict=Verdict.FALSE_ALARM)
    _signal(tree.changyi)  # another county's
    data = screen.screen_data(county_user, tree.nanguan, DAY)
    alerts = data["alerts"]
    assert alerts["count"] == 2
    assert [a["id"] for a in alerts["items"]] == [newer.pk, older.pk]
    assert alerts["items"][0]["url"].endswith(f"/warning/signals/{newer.pk}/")
    assert alerts["items"][0]["division"] == "南岭街道"
    assert alerts["items"][0]["method"] == str(Method.CUSUM.label)


def test_an_alert_is_of_its_days_a_signal_long_past_is_not_an_alert_of_today(
    tree: SimpleNamespace, county_user: Any
) -> None:
    # given a signal without a verdict that ended 20 days before the day, one still running
    # after it, and one that ended 13 days before (the last day it is still shown)
    _signal(tree.nanguan, start=DAY - dt.timedelta(days=21), end=DAY - dt.timedelta(days=20))
    later = _signal(tree.nanguan, start=DAY + dt.timedelta(days=1), end=DAY + dt.timedelta(days=2))
    recent = _signal(
        tree.nanguan, start=DAY - dt.timedelta(days=14), end=DAY - dt.timedelta(days=13)
    )
    # then the day's alerts hold the recent one only
    alerts = screen.screen_data(county_user, tree.nanguan, DAY)["alerts"]
    assert [a["id"] for a in alerts["items"]] == [recent.pk]
    # and the screen of the later day shows the later one
    later_day = screen.screen_data(county_user, tree.nanguan, DAY + dt.timedelta(days=2))
    assert later.pk in [a["id"] for a in later_day["alerts"]["items"]]


def test_free_beds_by_type_from_the_wards_counters(tree: SimpleNamespace, county_user: Any) -> None:
    hospital = make_hospital(tree.nanguan)
    make_ward(hospital, BedType.ISOLATION_WARD, 40, out_of_service=4)
    make_ward(hospital, BedType.ICU, 6)
    elsewhere = make_hospital(tree.changyi, name="吉林市定点医院")
    make_ward(elsewhere, BedType.ICU, 100)
    beds = screen.screen_data(county_user, tree.nanguan, DAY)["beds"]
    by_type = {t["type"]: t for t in beds["types"]}
    assert by_type[BedType.ISOLATION_WARD]["free"] == 36
    assert by_type[BedType.ICU]["free"] == 6 and by_type[BedType.ICU]["capacity"] == 6
    assert by_type[BedType.NEGATIVE_PRESSURE]["free"] == 0
    assert beds["free"] == 42
    assert beds["link"] == "/facilities/beds/"


def test_supplies_below_threshold_are_the_open_low_supply_alerts_of_the_division(
    tree: SimpleNamespace, county_user: Any
) -> None:
    from fangkong.command.choices import WorkField

    open_escalation(
        tree.nanguan,
        field=WorkField.SUPPLIES,
        title="南关区医院: N95口罩 1.3天",
        key="supplies:low:1:2:",
    )
    open_escalation(
        tree.changyi, field=WorkField.SUPPLIES, title="昌邑区: 口罩", key="supplies:low:3:2:"
    )
    open_escalation(tree.nanguan, field=WorkField.SUPPLIES, title="逾期指令", key="directive:9:x")
    supplies = screen.screen_data(county_user, tree.nanguan, DAY)["supplies"]
    assert supplies["count"] == 1
    assert [s["title"] for s in supplies["items"]] == ["南关区医院: N95口罩 1.3天"]


def test_report_completeness_counts_the_childrens_reports_of_the_day(
    tree: SimpleNamespace, province_user: Any
) -> None:
    # given 长春市's one county submitted late and its own report still a draft
    for division, state, late in (
        (tree.nanguan, State.SUBMITTED, True),
        (tree.changchun, State.DRAFT, False),
    ):
        DailyReport.objects.create(
            division=division,
            division_path=division.path,
            level=division.level,
            day=DAY,
            state=state,
            late=late,
        )
    reports = screen.screen_data(province_user, tree.changchun, DAY)["reports"]
    assert (reports["expected"], reports["submitted"], reports["late"], reports["rate"]) == (
        1,
        1,
        1,
        100,
    )
    assert reports["own"] == str(State.DRAFT.label)
    assert reports["not_submitted"] == 0


# --- bounded ---------------------------------------------------------------------------------


def _cities(province: Division, first: int, count: int) -> None:
    """``count`` more cities, each with a county graded medium, 60 days of cases, and a signal."""
    from conftest import add_division

    for n in range(first, first + count):
        city = add_division(f"22{50 + n}", f"测试{n}市", 2, province)
        _grade(add_division(f"22{50 + n}02", f"测试{n}区", 3, city), Grade.MEDIUM)
        for indicator in (Indicator.CONFIRMED_LOCAL, Indicator.ONSET_LOCAL):
            make_indicator_days(city, indicator, [n + 1] * 60, DAY - dt.timedelta(days=59))
        _signal(city)


# the screen's own eleven (the division's rows, its latest day, its children, their rows, the
# grades, the open signals and their count, the beds, the low supplies and their count, the
# reports) and Rt's four (the division's and the children's: parameters and rows each)
QUERIES = 15


def test_the_screen_costs_the_same_few_queries_whatever_the_number_of_divisions_and_rows(
    tree: SimpleNamespace, province_user: Any, django_assert_num_queries: Any
) -> None:
    # given a province with four cities with series, grades and signals
    _cities(tree.province, 0, 2)
    screen.screen_data(province_user, tree.province, DAY)  # the user's permissions, cached
    with django_assert_num_queries(QUERIES):
        screen.screen_data(province_user, tree.province, DAY)
    # when ten more cities come with their series
    _cities(tree.province, 2, 10)
    # then the screen costs the same number of queries
    with django_assert_num_queries(QUERIES):
        data = screen.screen_data(province_user, tree.province, DAY)
    assert len(data["map"]["children"]) == 14
    assert data["alerts"]["count"] == 12 and len(data["alerts"]["items"]) == screen.ALERTS


# --- pages and API -------------------------------------------------------------------------------


def test_the_county_command_opens_its_screen_and_its_wall(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    _two_days(tree.nanguan, Indicator.CONFIRMED_LOCAL, 3, 5)
    client = client_for(county_user)
    page = client.get("/warning/screen/", {"day": DAY.isoformat()})
    assert page.status_code == 200
    text = page.content.decode()
    assert "南关区" in text and 'id="screen-data"' in text and "screen.js" in text
    assert '<b class="fig-value">5</b>' in text
    wall = client.get("/warning/screen/wall/", {"division": tree.nanling.pk})
    assert wall.status_code == 200
    assert 'data-refresh="60"' in wall.content.decode()
    assert 'data-theme="dark"' in wall.content.decode()


def test_another_countys_division_is_not_found(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    client = client_for(county_user)
    for url in ("/warning/screen/", "/warning/screen/wall/", "/api/warning/screen"):
        assert client.get(url, {"division": tree.changyi.pk}).status_code == 404, url
        assert client.get(url, {"division": tree.changchun.pk}).status_code == 404, url  # above
        assert client.get(url, {"division": 987654321}).status_code == 404, url


def test_the_picker_offers_only_divisions_of_the_jurisdiction(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    text = client_for(county_user).get("/warning/screen/").content.decode()
    assert (
        "南岭街道" in text and "华阳社区" not in text.split("screen-picker")[1].split("</form>")[0]
    )
    assert "昌邑区" not in text


def test_bad_input_is_answered_with_a_clear_400_not_a_500(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    client = client_for(county_user)
    for day in ("2020-02-30", "yesterday", "1899-12-31", "２０２０-01-01"):
        page = client.get("/warning/screen/", {"day": day})
        assert page.status_code == 400, day
        api = client.get("/api/warning/screen", {"day": day})
        assert api.status_code in (400, 422), day
        assert {"code", "message"} <= set(api.json())
    for division in ("abc", "-1", "0", "²"):
        assert client.get("/warning/screen/", {"division": division}).status_code == 400, division
        api = client.get("/api/warning/screen", {"division": division})
        assert api.status_code in (400, 422), division


def test_the_api_returns_what_the_page_shows(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    _two_days(tree.nanguan, Indicator.CONFIRMED_LOCAL, 3, 5)
    answer = client_for(county_user).get("/api/warning/screen", {"day": DAY.isoformat()})
    assert answer.status_code == 200
    body = answer.json()
    assert body["division"]["name"] == "南关区" and body["day"] == DAY.isoformat()
    assert _figure(body, "confirmed_local")["value"] == 5
    assert set(body) >= {"figures", "curve", "rt", "map", "alerts", "beds", "supplies", "reports"}


def test_a_role_without_the_warning_permission_is_refused(
    tree: SimpleNamespace, make_user: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    client = client_for(worker)
    assert client.get("/warning/screen/").status_code == 403
    assert client.get("/api/warning/screen").status_code == 403


def test_the_menu_offers_the_command_screen_to_command_offices(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    text = client_for(county_user).get("/warning/screen/").content.decode()
    assert 'href="/warning/screen/"' in text.split('id="mainnav"')[1].split("</nav>")[0]


def test_a_day_without_figures_says_so_and_points_to_the_latest_day_with_some(
    tree: SimpleNamespace, county_user: Any, client_for: Callable[..., Any]
) -> None:
    # given figures up to 2020-02-10 only
    _two_days(tree.nanguan, Indicator.CONFIRMED_LOCAL, 3, 5)
    client = client_for(county_user)
    # when a later day is opened, the page and the wall say there is nothing and where to look
    for url in ("/warning/screen/", "/warning/screen/wall/"):
        text = client.get(url, {"day": "2021-06-01"}).content.decode()
        assert f"day={DAY.isoformat()}" in text, url
        assert 'id="curve-empty"' in text and 'id="rt-empty"' in text
    # and a division with no figures at all shows its empty panels
    empty = client.get("/warning/screen/", {"division": tree.huayang.pk})
    assert empty.status_code == 200
    assert screen.screen_data(county_user, tree.huayang, DAY)["latest_day"] is None
