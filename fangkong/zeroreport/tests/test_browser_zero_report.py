"""Zero reporting in a real browser (browser.py): a grid worker on a phone opens their grid's
day, sees the figures and submits the zero report; the county command office then sees that
grid confirmed, updates the figures and reads them rolled up on the roll-up and the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_grid_worker_confirms_and_the_county_sees_it_rolled_up(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given a grid worker of 第一网格 and the county command office of 南关区; two screenings
    # in 第一网格 and one in 第二网格 today, nothing abnormal
    t = live_tree
    today = timezone.localdate()
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge", full_name="王网格")
    county = make_user(t.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan")
    f.screening(t.grid1, today)
    f.screening(t.grid1, today)
    f.screening(t.grid2, today)
    page = ui.page

    # when the worker opens their grid's "today" page from their home page
    ui.login_as(worker)
    grid_day = f"/zero/grids/{t.grid1.code}/"
    with page.expect_navigation():
        page.locator(f"main a[href='{grid_day}']").click()
    assert ui.path() == grid_day
    assert page.locator("[data-figure='screened'] b").inner_text() == "2"
    assert page.locator("#state [data-state='unconfirmed']").count() == 1
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("grid-day")

    # and submits the zero report
    with page.expect_navigation():
        page.locator("#zero-report").click()

    # then the page says the day is reported, by them
    assert ui.path() == grid_day
    assert page.locator("#state [data-state='zero']").count() == 1
    assert "王网格" in page.locator("#confirmed-note").inner_text()
    assert GridDay.objects.get(grid=t.grid1, day=today).zero_report
    ui.assert_touch_targets()
    ui.step("confirmed")

    # when the county command office opens its roll-up
    ui.login_as(county)
    ui.goto(f"/zero/d/{t.nanguan.code}/")
    row = page.locator(f"tr[data-code='{t.nanling.code}']")
    assert row.locator("[data-confirmed]").inner_text() == "1/2"
    unconfirmed = page.locator("#unconfirmed")
    assert unconfirmed.locator(f"[data-grid='{t.grid2.code}']").count() == 1
    assert unconfirmed.locator(f"[data-grid='{t.grid1.code}']").count() == 0
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("county-rollup")

    # and presses "update now": every grid's figures are computed, the third screening counts
    with page.expect_navigation():
        page.locator("#refresh").click()
    total = page.locator("tr[data-code='total'] th")
    assert total.nth(2).inner_text() == "3"  # name, confirmed, screened
    ui.step("county-updated")

    # and opens the dashboard: the bar chart by township and the 30-day trend are drawn
    with page.expect_navigation():
        page.locator(f"main a[href='/zero/d/{t.nanguan.code}/dashboard/']").first.click()
    page.wait_for_selector("#zr-by-child[data-ready='1']", state="attached")
    page.wait_for_selector("#zr-trend[data-ready='1']", state="attached")
    assert page.locator("[data-total='screened'] b").inner_text() == "3"
    # today's point is the day so far, drawn apart from the whole days (dashed)
    drawn = page.evaluate(
        """() => window.echarts.getInstanceByDom(document.getElementById("zr-trend"))
            .getOption().series.map(s => s.data.slice(-1)[0])"""
    )
    assert drawn == [None, 3]
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("county-dashboard")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_the_province_dashboard_shades_the_map_by_the_chosen_figure(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given screenings in 长春市 (two) and 吉林市 (one), figures computed
    from fangkong.zeroreport.actions import refresh_grid_days

    t = live_tree
    today = timezone.localdate()
    province = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    f.screening(t.grid1, today)
    f.screening(t.grid2, today)
    f.screening(t.other_grid, today)
    refresh_grid_days(day=today)

    # when the province opens its dashboard
    ui.login_as(province)
    ui.goto(f"/zero/d/{t.province.code}/dashboard/?figure=screened")
    ui.page.wait_for_selector("#zr-by-child[data-ready='1']", state="attached")

    # then the map is shaded by prefecture: 长春市 2, 吉林市 1, the rest without figures
    values = ui.page.evaluate(
        """() => Object.fromEntries(window.echarts
            .getInstanceByDom(document.getElementById("zr-by-child"))
            .getOption().series[0].data.map(d => [d.code, d.value]))"""
    )
    assert values["2201"] == 2 and values["2202"] == 1
    assert values.get("2203") is None
    ui.step("province-map")
