"""The screens people use, in a real browser, at desktop and phone size (browser.py).

Each test runs twice (``[desktop]``, ``[phone]``) against pytest-django's live server with the
small real-shaped tree of the root conftest (吉林省 › 长春市 › 南关区 › 南岭街道 › 华阳社区 › 网格).
Any console error, uncaught script error or Content-Security-Policy violation fails the test.
The assertions do not depend on the interface language: they use codes, URLs and names.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import TEST_PASSWORD
from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridAssignment

pytestmark = pytest.mark.browser

# Where the map draws these prefectures (the "center" of each feature in the GeoJSON).
CHANGCHUN_LON_LAT = (125.3245, 43.886841)
JILIN_CITY_LON_LAT = (126.55302, 43.843577)
ALL_PREFECTURES = {"2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208", "2224"}


def children_row(ui: UI, division: Division) -> Any:
    return ui.page.locator(f"#children-rows tr:has(a[href='{division.get_absolute_url()}'])")


def to_division_page(ui: UI) -> None:
    """From the workbench (every role's home) to the home division's page: one tap."""
    assert ui.path() == "/"
    with ui.page.expect_navigation():
        ui.page.locator(".wb-head a.button").click()


def open_menu_on_phone(ui: UI) -> None:
    """On a phone the navigation hides behind the menu button; on a desktop it is always there."""
    nav = ui.page.locator("#mainnav")
    toggle = ui.page.locator(".menu-toggle")
    if not ui.is_phone:
        assert toggle.is_hidden()
        assert nav.is_visible()
        return
    assert nav.is_hidden()
    toggle.click()
    assert nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    ui.step("menu-open")


def test_login_lands_on_home_division_with_children_and_map(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given a province administrator
    make_user(live_tree.province, roles=[Role.SYSADMIN], username="sheng")
    # when they log in through the form
    ui.goto("/")
    assert ui.path().startswith("/accounts/login/")
    ui.step("login-form")
    ui.login("sheng", TEST_PASSWORD)
    # then they land on their workbench, their division's page one tap away: breadcrumb,
    # children with counts, the map
    to_division_page(ui)
    assert ui.path() == live_tree.province.get_absolute_url()
    assert ui.breadcrumb() == ["吉林省"]
    row = children_row(ui, live_tree.changchun)
    cells = [c.strip() for c in row.locator("td:visible").all_inner_texts()]
    assert cells[0].startswith("长春市")
    assert cells[1] == "1"  # one county directly below
    assert cells[-1] == "2"  # two grids in its subtree
    assert children_row(ui, live_tree.jilin_city).count() == 1
    ui.wait_for_map()
    # the whole province is the administrator's area: every prefecture is highlighted
    assert set(ui.map_highlighted()) == ALL_PREFECTURES
    map_box = ui.page.locator("#map").bounding_box()
    card_box = ui.page.locator(".map-card").bounding_box()
    assert map_box is not None and card_box is not None
    assert map_box["width"] >= card_box["width"] - 40  # the map fills its card
    assert map_box["height"] >= 260
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("home")
    # and a click on a prefecture of the map opens its page
    ui.click_map(JILIN_CITY_LON_LAT)
    ui.page.wait_for_url(f"**{live_tree.jilin_city.get_absolute_url()}")
    assert ui.breadcrumb() == ["吉林省", "吉林市"]
    ui.step("map-click")


def test_map_highlights_own_prefecture_and_opens_nothing_outside_it(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given a city commander (长春市)
    user = make_user(live_tree.changchun, roles=[Role.CITY_COMMAND], username="changchun")
    ui.login_as(user)
    to_division_page(ui)
    assert ui.path() == live_tree.changchun.get_absolute_url()
    ui.wait_for_map()
    # then the map highlights their prefecture
    assert ui.map_highlighted() == ["2201"]
    ui.step("city-home")
    # and clicking another prefecture goes nowhere (it is outside their area: 404)
    documents: list[str] = []
    ui.page.on("request", lambda r: documents.append(r.url) if r.is_navigation_request() else None)
    ui.click_map(JILIN_CITY_LON_LAT)
    ui.page.wait_for_timeout(300)
    assert documents == []
    assert ui.path() == live_tree.changchun.get_absolute_url()
    assert ui.page.locator("#map").get_attribute("data-links") == "2201"
    ui.step("clicks-ignored")
    # and below a prefecture (a county's page) there is no map: it would only paint the city
    ui.goto(live_tree.nanguan.get_absolute_url())
    assert ui.breadcrumb() == ["长春市", "南关区"]
    assert ui.page.locator("#map").count() == 0
    ui.step("county-no-map")


def test_walk_the_tree_from_province_to_grid(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    user = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    ui.login_as(user)
    to_division_page(ui)
    trail = ["吉林省"]
    for division in (t.changchun, t.nanguan, t.nanling, t.huayang, t.grid1):
        # when they click the division's row in the list of the one above
        with ui.page.expect_navigation():
            children_row(ui, division).locator("a").first.click()
        trail.append(division.name)
        # then its page opens with the breadcrumb 省 › 市 › 县 › 乡镇 › 村 › 网格 so far
        assert ui.path() == division.get_absolute_url()
        assert ui.breadcrumb() == trail
        assert ui.page.locator("h1").first.inner_text().startswith(division.name)
        ui.assert_fits_width()
        ui.assert_touch_targets()
        ui.step(f"level-{division.level}")
    # and the breadcrumb leads back up
    with ui.page.expect_navigation():
        ui.page.locator("nav.breadcrumb a", has_text="南关区").click()
    assert ui.path() == t.nanguan.get_absolute_url()
    assert ui.breadcrumb() == ["吉林省", "长春市", "南关区"]
    ui.step("back-up")


def test_village_secretary_creates_a_grid_and_merges_it(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    user = make_user(t.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    staff = region_actions.create_staff(
        actor=None,
        village=t.huayang,
        name="张网格",
        phone="13800000001",
        kind=StaffKind.GRID_WORKER,
    )
    ui.login_as(user)
    to_division_page(ui)
    assert ui.path() == t.huayang.get_absolute_url()
    # no province map on a village's page (issue #8): it would only highlight the whole city
    assert ui.page.locator("#map").count() == 0
    # when they create a grid through the form
    with ui.page.expect_navigation():
        ui.page.locator(f"a[href='/d/{t.huayang.code}/grids/new/']").click()
    ui.step("new-grid-form")
    ui.page.fill("#id_name", "第三网格")
    ui.page.fill("#id_note", "华阳街1-5号楼")
    with ui.page.expect_navigation():
        ui.page.locator("main form button[type=submit]").click()
    new_grid = Division.objects.get(parent=t.huayang, name="第三网格")
    assert ui.path() == new_grid.get_absolute_url()
    assert ui.breadcrumb()[-2:] == ["华阳社区", "第三网格"]
    ui.assert_touch_targets()
    ui.step("grid-created")
    # and put a grid worker on it
    with ui.page.expect_navigation():
        ui.page.locator(f"a[href='/grids/{new_grid.code}/assign/']").click()
    ui.page.select_option("#id_staff", str(staff.pk))
    with ui.page.expect_navigation():
        ui.page.locator("main form button[type=submit]").click()
    assert ui.page.locator("table").get_by_text("张网格").count() == 1
    ui.step("staff-assigned")
    # and merge it into 第一网格
    with ui.page.expect_navigation():
        ui.page.locator(f"a[href='/grids/{new_grid.code}/merge/']").click()
    ui.page.select_option("#id_target", t.grid1.code)
    ui.page.fill("#id_reason", "两个网格合为一个")
    ui.step("merge-form")
    with ui.page.expect_navigation():
        ui.page.locator("main form button[type=submit]").click()
    # then they are on the target grid, which lists the merged grid and now has the worker
    assert ui.path() == t.grid1.get_absolute_url()
    merged_link = ui.page.locator(f"main a[href='{new_grid.get_absolute_url()}']")
    assert merged_link.count() == 1
    assert ui.page.locator("table tr:not(.retired)").get_by_text("张网格").count() == 1
    ui.step("merged-target")
    # and the merged grid says where it went, keeping its history
    with ui.page.expect_navigation():
        merged_link.click()
    notice = ui.page.locator("p.notice")
    assert notice.is_visible()
    assert notice.locator(f"a[href='{t.grid1.get_absolute_url()}']").count() == 1
    assert ui.page.locator("table tr.retired").get_by_text("张网格").count() == 1
    assert ui.page.locator(f"a[href='/grids/{new_grid.code}/merge/']").count() == 0
    ui.step("merged-source")
    assert GridAssignment.objects.get(staff=staff, ended_at=None).grid_id == t.grid1.pk
    new_grid.refresh_from_db()
    assert new_grid.merged_into_id == t.grid1.pk and not new_grid.active


def test_search_by_pinyin_initials_with_live_results(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    user = make_user(live_tree.changchun, roles=[Role.CITY_COMMAND], username="changchun")
    ui.login_as(user)
    # when they open the search from the navigation (behind the menu on a phone)
    open_menu_on_phone(ui)
    with ui.page.expect_navigation():
        ui.page.locator("#mainnav a[href='/search/']").click()
    assert ui.path() == "/search/"
    ui.step("search-page")
    # and type pinyin initials
    results = ui.page.locator("#results")
    with ui.page.expect_response(lambda r: "/search/?" in r.url and "q=hy" in r.url) as answer:
        ui.page.locator("input[name=q]").press_sequentially("hy", delay=40)
    assert answer.value.request.headers.get("hx-request") == "true"
    # then the results appear without leaving the page
    results.locator(f"a[href='{live_tree.huayang.get_absolute_url()}']").wait_for()
    assert ui.path() == "/search/"
    assert results.get_by_text("恒安社区").count() == 0
    ui.assert_fits_width()
    ui.step("results-hy")
    # and other initials update them in place
    ui.page.locator("input[name=q]").fill("")
    ui.page.locator("input[name=q]").press_sequentially("nl", delay=40)
    results.locator(f"a[href='{live_tree.nanling.get_absolute_url()}']").wait_for()
    ui.step("results-nl")
    # and a result opens the division
    with ui.page.expect_navigation():
        results.locator(f"a[href='{live_tree.nanling.get_absolute_url()}']").click()
    assert ui.breadcrumb() == ["长春市", "南关区", "南岭街道"]
    ui.step("opened")


def test_language_switch_to_english_and_back(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    user = make_user(live_tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    ui.login_as(user)
    to_division_page(ui)
    page = ui.page
    home = live_tree.huayang.get_absolute_url()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    switch = page.locator("form.lang button[name=language]")
    assert switch.get_attribute("value") == "en"
    # when they switch to English
    with page.expect_navigation():
        switch.click()
    # then the same page is in English, and the switch offers Chinese
    assert ui.path() == home
    assert page.locator("html").get_attribute("lang") == "en"
    assert switch.get_attribute("value") == "zh-hans"
    assert switch.inner_text().strip() == "中文"
    ui.step("english")
    # and it stays English on the next page
    with page.expect_navigation():
        children_row(ui, live_tree.grid1).locator("a").first.click()
    assert page.locator("html").get_attribute("lang") == "en"
    # and switching back gives Chinese again
    with page.expect_navigation():
        switch.click()
    assert ui.path() == live_tree.grid1.get_absolute_url()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert switch.inner_text().strip() == "English"
    ui.step("chinese")


@pytest.mark.parametrize("viewport", ["phone"])
def test_phone_menu_opens_and_closes(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    user = make_user(live_tree.province, roles=[Role.SYSADMIN], username="sheng")
    ui.login_as(user)
    nav = ui.page.locator("#mainnav")
    toggle = ui.page.locator(".menu-toggle")
    # when they tap the menu button, the navigation opens, with big enough entries
    open_menu_on_phone(ui)
    ui.assert_touch_targets()
    # and Escape closes it, a tap outside the header too
    ui.page.keyboard.press("Escape")
    assert nav.is_hidden() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert nav.is_visible()
    ui.page.locator("main h1").click()
    assert nav.is_hidden()
    # and an entry opens its page, marked as the current one
    toggle.click()
    with ui.page.expect_navigation():
        nav.locator("a[href='/accounts/users/']").click()
    assert nav.locator("a[href='/accounts/users/']").get_attribute("aria-current") == "page"
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("users")
