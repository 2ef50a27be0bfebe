"""The command screen (指挥大屏) in a real browser (fangkong/core/tests/browser.py): the wall page
at 1920×1080 shows everything without a scrollbar, draws its map and charts and fetches its data
again; the ordinary page passes axe-core (WCAG 2.1 A/AA), switches the map's shading and the
curve's basis, and fits a phone.

The data: a province of nine cities with a small epidemic shaped like Jilin's of early 2020 —
the cities' report-date counts imported, 南关区's onsets computed — risk grades, beds, an open
signal, a store short of masks and the day's reports.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from conftest import add_division
from fangkong.accounts.roles import Role, sync_roles
from fangkong.command.choices import WorkField
from fangkong.core.tests.browser import UI
from fangkong.medical.choices import BedType
from fangkong.medical.tests.factories import make_hospital, make_ward
from fangkong.notifications.escalation import open_escalation
from fangkong.outbreaks.choices import Grade
from fangkong.outbreaks.models import RiskGrade
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports.choices import State
from fangkong.reports.models import DailyReport
from fangkong.warning.choices import Indicator, Method, Source
from fangkong.warning.models import Signal
from fangkong.warning.screen import SOURCE_LABELS
from fangkong.warning.tests.factories import make_indicator_days

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

DAY = dt.date(2020, 2, 15)
FIRST = dt.date(2020, 1, 22)
# daily new cases from 2020-01-22 (a rise, a peak early in February, a fall)
WAVE = [1, 0, 2, 1, 3, 4, 3, 6, 5, 8, 7, 9, 8, 10, 7, 6, 6, 4, 5, 3, 2, 3, 1, 2, 1]
CITIES = (
    ("2203", "四平市"),
    ("2204", "辽源市"),
    ("2205", "通化市"),
    ("2206", "白山市"),
    ("2207", "松原市"),
    ("2208", "白城市"),
    ("2224", "延边朝鲜族自治州"),
)
FACTORS = (2.0, 1.0, 0.6, 0.3, 0.2, 0.1, 0.4, 0.0, 0.5)  # each city's share of the wave
WALL = {"width": 1920, "height": 1080}
CHARTS = ("#screen-map", "#curve-chart", "#rt-chart")
# where to keep screenshots to look at (unset: none are written)
SHOTS = os.environ.get("FANGKONG_SCREEN_SHOTS", "")


@pytest.fixture
def live_tree(transactional_db: Any, tree: SimpleNamespace) -> SimpleNamespace:
    """The root conftest's tree, committed for the live server (as core's ``live_tree``)."""
    sync_roles()
    return tree


def _scaled(factor: float) -> list[int]:
    return [round(v * factor) for v in WAVE]


@pytest.fixture
def epidemic(live_tree: SimpleNamespace) -> SimpleNamespace:
    t = live_tree
    cities: list[Division] = [t.changchun, t.jilin_city]
    cities += [add_division(code, name, Level.PREFECTURE, t.province) for code, name in CITIES]
    province_local = [0] * len(WAVE)
    for n, city in enumerate(cities):
        local = _scaled(FACTORS[n])
        province_local = [a + b for a, b in zip(province_local, local, strict=True)]
        for indicator, values in ((Indicator.CONFIRMED_LOCAL, local),):
            make_indicator_days(city, indicator, values, FIRST, source=Source.IMPORTED)
    make_indicator_days(
        t.province, Indicator.CONFIRMED_LOCAL, province_local, FIRST, source=Source.IMPORTED
    )
    make_indicator_days(
        t.province,
        Indicator.CONFIRMED_IMPORTED,
        [0] * 20 + [1, 0, 2, 0, 1],
        FIRST,
        source=Source.IMPORTED,
    )
    for division in (t.nanguan, t.changchun, t.province):
        make_indicator_days(division, Indicator.ONSET_LOCAL, [0, 0, *_scaled(1.0)[:-2]], FIRST)
        make_indicator_days(division, Indicator.CLINIC_VISITS, [48, 61], DAY - dt.timedelta(days=1))
        make_indicator_days(division, Indicator.FEVERS_FOUND, [7, 4], DAY - dt.timedelta(days=1))
        make_indicator_days(division, Indicator.CONTACTS_NEW, [15, 22], DAY - dt.timedelta(days=1))
        make_indicator_days(division, Indicator.BEDS_FREE, [120, 104], DAY - dt.timedelta(days=1))
        make_indicator_days(division, Indicator.SUPPLIES_LOW, [0, 1], DAY - dt.timedelta(days=1))
    for county, grade in ((t.nanguan, Grade.HIGH), (t.changyi, Grade.MEDIUM)):
        RiskGrade.objects.create(
            county=county, division_path=county.path, day=DAY, grade=grade, cumulative=64,
            new_14d=30, clusters_14d=2, computed_at=timezone.now(),
        )  # fmt: skip
    hospital = make_hospital(t.nanguan, "长春市传染病医院")
    make_ward(hospital, BedType.ISOLATION_WARD, 80, out_of_service=6)
    make_ward(hospital, BedType.NEGATIVE_PRESSURE, 12)
    make_ward(hospital, BedType.ICU, 10)
    Signal.objects.create(
        division=t.nanguan, division_path=t.nanguan.path, indicator=Indicator.ONSET_LOCAL,
        source=Source.COMPUTED, method=Method.C2, start=DAY - dt.timedelta(days=2), end=DAY,
        alarms=3, peak_observed=10,
    )  # fmt: skip
    open_escalation(
        t.nanguan, field=WorkField.SUPPLIES, title="长春市传染病医院: 医用防护口罩 1.3 天",
        key="supplies:low:1:1:",
    )  # fmt: skip
    DailyReport.objects.create(
        division=t.nanling, division_path=t.nanling.path, level=t.nanling.level, day=DAY,
        state=State.SUBMITTED,
    )  # fmt: skip
    return SimpleNamespace(tree=t, cities=cities)


@pytest.fixture
def wall_ui(
    browser: Browser,
    live_server: Any,
    request: pytest.FixtureRequest,
) -> Iterator[UI]:
    """A browser page at the wall's 1920×1080."""
    context = browser.new_context(
        viewport={"width": WALL["width"], "height": WALL["height"]},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    wrapper = UI(page, live_server.url, request.node.name, "desktop")
    try:
        yield wrapper
    finally:
        context.close()
    wrapper.assert_clean()


def _shot(ui: UI, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        ui.page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def _charts_drawn(ui: UI, selectors: tuple[str, ...] = CHARTS) -> None:
    for selector in selectors:
        ui.page.wait_for_selector(f"{selector}[data-ready='1']", state="attached")


def test_the_wall_shows_everything_at_1920x1080_without_scrolling_and_refreshes(
    wall_ui: UI, epidemic: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    ui, page = wall_ui, wall_ui.page
    # given the province's command office at its wall
    user = make_user(epidemic.tree.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    ui.login_as(user)
    ui.goto(f"/warning/screen/wall/?day={DAY}")
    # then the map, the curve and Rt are drawn ...
    _charts_drawn(ui)
    _shot(ui, "wall-province")
    ui.step("wall")
    # ... and nothing needs scrolling: the page is the screen
    size = page.evaluate(
        """() => ({h: document.scrollingElement.scrollHeight,
                   w: document.scrollingElement.scrollWidth,
                   ih: window.innerHeight, iw: window.innerWidth})"""
    )
    assert size["h"] <= size["ih"] and size["w"] <= size["iw"], size
    # ... every panel lies inside the screen
    outside = page.evaluate(
        """() => [...document.querySelectorAll(".panel, .fig")].filter(el => {
             const r = el.getBoundingClientRect();
             return r.bottom > window.innerHeight + 1 || r.right > window.innerWidth + 1;
           }).map(el => el.className)"""
    )
    assert outside == []
    # ... the key figures are big enough to read across a room
    big = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.fig-value')).fontSize)"
    )
    assert big >= 48
    # ... the province's local cases are the imported counts, and say so
    local = page.locator(".fig[data-key='confirmed_local']")
    expected = sum(round(WAVE[-1] * f) for f in FACTORS)
    assert local.locator(".fig-value").inner_text() == str(expected)
    assert local.locator(".fig-source").inner_text() == str(SOURCE_LABELS[Source.IMPORTED])
    # when the day's fever-clinic visits change, the wall shows them at its next refresh (every
    # minute; here at once) without reloading the page
    make_indicator_days(epidemic.tree.province, Indicator.CLINIC_VISITS, [99], DAY)
    page.evaluate("() => window.fangkong.screenRefresh()")
    page.wait_for_selector("#screen[data-refreshed='1']", state="attached")
    visits = page.locator(".fig[data-key='clinic_visits']")
    assert visits.locator(".fig-value").inner_text() == "99"
    assert visits.locator(".fig-change").inner_text().startswith("▲ +51")  # the day before: 48
    _charts_drawn(ui)
    assert page.locator("#screen").get_attribute("class") is not None
    assert "stale" not in (page.locator("#screen").get_attribute("class") or "")
    ui.assert_accessible()


def test_the_county_wall_has_its_tiles_and_fits_too(
    wall_ui: UI, epidemic: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    ui, page = wall_ui, wall_ui.page
    user = make_user(epidemic.tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan")
    ui.login_as(user)
    ui.goto(f"/warning/screen/wall/?day={DAY}")
    _charts_drawn(ui, ("#curve-chart", "#rt-chart"))
    _shot(ui, "wall-county")
    size = page.evaluate("() => [document.scrollingElement.scrollHeight, window.innerHeight]")
    assert size[0] <= size[1], size
    assert page.locator("#screen-tiles li").count() == 1
    assert page.locator("#screen-alerts li a").count() == 1


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_the_screen_page_is_accessible_and_its_controls_redraw_it(
    ui: UI, epidemic: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    page = ui.page
    user = make_user(epidemic.tree.province, roles=[Role.PROVINCE_COMMAND], username="sheng2")
    ui.login_as(user)
    ui.goto(f"/warning/screen/?day={DAY}")
    _charts_drawn(ui)
    _shot(ui, "page-province")
    ui.assert_accessible()
    # when the map is shaded by new local cases instead of the risk grade
    colours = "els => els.map(a => a.style.background)"
    before = page.locator("#screen-tiles li a").evaluate_all(colours)
    page.select_option("#shade-by", Indicator.CONFIRMED_LOCAL)
    after = page.locator("#screen-tiles li a").evaluate_all(colours)
    assert before != after
    assert page.locator("#screen-tiles li .tile-value").first.inner_text().isdigit()
    ui.assert_accessible()  # the shades' text keeps its contrast
    # when the curve is shown by report date
    page.select_option("#curve-basis", "report")
    assert str(SOURCE_LABELS[Source.IMPORTED]) in page.locator("#curve-caption").inner_text()
    page.select_option("#curve-range", "all")
    ui.step("switched")
    # a figure leads to the list behind it
    href = page.locator(".fig[data-key='beds_free'] a").get_attribute("href")
    assert href == "/facilities/beds/"


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_the_screen_page_fits_a_phone(
    ui: UI, epidemic: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    user = make_user(epidemic.tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan2")
    ui.login_as(user)
    ui.goto(f"/warning/screen/?day={DAY}")
    _charts_drawn(ui, ("#curve-chart", "#rt-chart"))
    _shot(ui, "page-phone")
    if SHOTS:
        ui.page.screenshot(full_page=True, path=str(Path(SHOTS) / "page-phone-full.png"))
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.assert_accessible()
