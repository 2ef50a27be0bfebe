"""The daily report (日报) in a real browser, at phone and desktop width (browser.py): the roll-up
shows every figure (the abnormal ones included) as one card per division on a phone, says "no
data" for a division without grids, the trend marks today as a day in progress, the maps keep
red for risk, and a grid worker's day page offers only what they may open."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI, VIEWPORTS
from fangkong.zeroreport.actions import refresh_grid_days
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.browser

RED = "#c0392b"
ABNORMAL = ("fever_found", "check_ins_missed", "passages_pending")


def _something_abnormal_in_grid1(t: SimpleNamespace, today: dt.date) -> None:
    """A fever, a missed check-in, a flagged traveller waiting and an open care request in
    第一网格; two screenings in 第二网格; figures computed for today and the two days before."""
    f.screening(t.grid1, today, "38.2")
    f.observation(t.grid1, today - dt.timedelta(days=3))  # nothing for yesterday: missed
    f.handover(t.grid1, t.nanguan, timezone.now())
    f.care(t.grid1, today)
    f.screening(t.grid2, today)
    f.screening(t.grid2, today)
    for back in range(3):
        refresh_grid_days(day=today - dt.timedelta(days=back))


def test_rollup_shows_every_figure_on_a_phone_and_no_data_for_a_village_without_grids(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given a township with a village in trouble (华阳社区) and one without grids (恒安社区)
    t = live_tree
    today = timezone.localdate()
    _something_abnormal_in_grid1(t, today)
    township = make_user(t.nanling, roles=[Role.TOWNSHIP_COMMAND], username="nanling")
    page = ui.page

    # when the township opens its daily report summary
    ui.login_as(township)
    ui.goto(f"/zero/d/{t.nanling.code}/")
    assert page.locator("h1").first.inner_text().startswith("日报汇总")

    # then 华阳社区's abnormal figures are visible at this width, each with its name
    row = page.locator(f"tr[data-code='{t.huayang.code}']")
    for key, value in (
        ("fever_found", "1"),
        ("check_ins_missed", "1"),
        ("passages_pending", "1"),
        ("passages_handled", "0"),
        ("care_open", "1"),
        ("screened", "3"),
    ):
        cell = row.locator(f"td[data-figure='{key}']")
        assert cell.is_visible(), key
        assert cell.inner_text().strip() == value, key
    assert row.locator("td[data-figure='check_ins_missed']").get_attribute("class") is not None
    assert "zr-alert" in (
        row.locator("td[data-figure='passages_pending']").get_attribute("class") or ""
    )
    if ui.is_phone:
        # one card per division: the table head is hidden, each value carries its label
        assert not page.locator("table.zr-rollup thead").is_visible()
        label = page.evaluate(
            """(sel) => getComputedStyle(document.querySelector(sel), "::before").content""",
            f"tr[data-code='{t.huayang.code}'] td[data-figure='check_ins_missed']",
        )
        assert "未打卡" in label
        box = row.bounding_box()
        assert box is not None and box["width"] <= VIEWPORTS["phone"][0]
    # and 恒安社区, without grids, says "no data" rather than zeros
    empty = page.locator(f"tr[data-code='{t.hengan.code}']")
    assert empty.locator("[data-nodata]").inner_text().startswith("无数据")
    assert empty.locator("td[data-figure]").count() == 0
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("township-rollup")


def test_trend_marks_today_in_progress_and_maps_keep_red_for_risk(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    today = timezone.localdate()
    _something_abnormal_in_grid1(t, today)
    township = make_user(t.nanling, roles=[Role.TOWNSHIP_COMMAND], username="nanling")
    province = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    page = ui.page

    # when the township opens its daily report dashboard for the number screened
    ui.login_as(township)
    ui.goto(f"/zero/d/{t.nanling.code}/dashboard/?figure=screened")
    page.wait_for_selector("#zr-trend[data-ready='1']", state="attached")
    page.wait_for_selector("#zr-by-child[data-ready='1']", state="attached")

    # then the trend draws whole days solid and today apart: dashed, labelled "so far"
    trend = page.evaluate(
        """() => window.echarts.getInstanceByDom(document.getElementById("zr-trend"))
            .getOption().series.map(s => ({name: s.name, last: s.data.slice(-1)[0],
                dashed: !!(s.lineStyle && s.lineStyle.type === "dashed")}))"""
    )
    assert [s["last"] for s in trend] == [None, 3]
    assert trend[1]["dashed"] and re.fullmatch(r"今日截至\d\d:\d\d", trend[1]["name"])
    assert page.locator("#in-progress").is_visible()
    assert "今日尚未结束" in page.locator("#in-progress").inner_text()
    # and the bars say "no data" for 恒安社区 (no grids), and are blue: screened is no risk
    bars = page.evaluate(
        """() => window.echarts.getInstanceByDom(document.getElementById("zr-by-child"))
            .getOption().series[0]"""
    )
    assert bars["data"][1]["noData"] is True and bars["itemStyle"]["color"] != RED
    # and the figure's total is in ink, a risky one in red
    assert page.locator("[data-total='screened']").get_attribute("class") == "stat current"
    assert "alert" in (page.locator("[data-total='fever_found']").get_attribute("class") or "")
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("township-dashboard")

    # when the province opens its dashboard map for the number screened
    ui.login_as(province)
    ui.goto(f"/zero/d/{t.province.code}/dashboard/?figure=screened")
    page.wait_for_selector("#zr-by-child[data-ready='1']", state="attached")
    shaded = page.evaluate(
        """() => { const o = window.echarts.getInstanceByDom(
                     document.getElementById("zr-by-child")).getOption();
                   return {colors: o.visualMap[0].inRange.color,
                           nodata: o.series[0].data.filter(d => d.noData).map(d => d.code)}; }"""
    )
    # then counts are on a blue scale, and prefectures without figures are grey "no data"
    assert RED not in shaded["colors"]
    assert "2203" in shaded["nodata"] and "2201" not in shaded["nodata"]
    ui.step("province-map")

    # and on the province's home page the whole jurisdiction is outlined, not painted red
    ui.goto(t.province.get_absolute_url())
    ui.wait_for_map()
    fills = page.evaluate(
        """() => window.echarts.getInstanceByDom(document.getElementById("map"))
            .getOption().series[0].data.map(d => d.itemStyle.areaColor)"""
    )
    assert RED not in fills
    assert len(ui.map_highlighted()) == len(fills)
    ui.step("province-home-map")


def test_grid_worker_day_page_offers_only_what_they_may_open(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge", full_name="刘秀英")
    secretary = make_user(t.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    page = ui.page
    grid_day = f"/zero/grids/{t.grid1.code}/"

    # when the grid worker opens their grid's daily report and files a zero report
    ui.login_as(worker)
    ui.goto(grid_day)
    assert page.locator("h1").first.inner_text().startswith("网格日报")
    # then there is no button to the village's page (it would be out of their reach)
    assert page.locator("#village-rollup").count() == 0
    # and no division code on the page
    assert not re.search(r"\d{9,}", page.locator("main").inner_text())
    with page.expect_navigation():
        page.locator("#zero-report").click()
    # and the confirmation names the person, not a role
    assert "刘秀英" in page.locator("#confirmed-note").inner_text()
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("worker-grid-day")

    # when the village secretary opens the same page, the button leads to the village's grids
    ui.login_as(secretary)
    ui.goto(grid_day)
    with page.expect_navigation():
        page.locator("#village-rollup").click()
    assert ui.path() == f"/zero/d/{t.huayang.code}/"
    assert page.locator(f"tr[data-code='{t.grid1.code}'] [data-confirmed]").inner_text() == "1/1"
    ui.step("secretary-village")
