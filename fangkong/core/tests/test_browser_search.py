"""The search in the menu, in a real browser at phone and desktop width (browser.py): a grid
worker finds a resident by name and by phone, masked, and opens their page in one tap; the
search box's hint is shown whole on a 390 px phone; a supplies officer finds divisions only."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI
from fangkong.core.tests.test_browser import open_menu_on_phone
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType

pytestmark = pytest.mark.browser

LI_NA_ID = "220102199012311245"


def test_a_grid_worker_finds_a_resident_from_the_menu_search(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    person, _created = people_actions.register_person(
        actor=None,
        grid=t.grid1,
        name="李娜",
        doc_type=DocType.RESIDENT_ID,
        doc_number=LI_NA_ID,
        phone="13812345678",
        address="华阳街 8 号 301",
    )
    ui.login_as(make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge"))
    page = ui.page

    # when they open the search from the menu
    open_menu_on_phone(ui)
    with page.expect_navigation():
        page.locator("#mainnav a[href='/search/']").click()
    # then its hint is shown whole, even on a phone
    ui.assert_placeholders_fit()
    ui.assert_fits_width()
    ui.step("search")

    # and typing a name shows the person, masked, as they type
    page.fill("input[name=q]", "李")
    result = page.locator("#results a", has_text="李娜")
    result.wait_for()
    results = page.locator("#results").inner_text()
    assert "220102********1245" in results and LI_NA_ID not in results
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("found-by-name")

    # and a phone number finds the same person; one tap opens their page
    page.fill("input[name=q]", "13812345678")
    page.locator("#results .people-results a", has_text="李娜").wait_for()
    with page.expect_navigation():
        page.locator("#results a", has_text="李娜").click()
    assert ui.path() == person.get_absolute_url()
    ui.step("person")


def test_a_supplies_officer_searches_divisions_only(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    people_actions.register_person(
        actor=None,
        grid=t.grid1,
        name="华阳明",
        doc_type=DocType.RESIDENT_ID,
        doc_number=LI_NA_ID,
        address="华阳街 8 号 301",
    )
    ui.login_as(make_user(t.nanguan, roles=[Role.SUPPLIES_OFFICER], username="wuzi"))

    ui.goto("/search/")
    ui.assert_placeholders_fit()
    ui.page.fill("input[name=q]", "华阳")
    ui.page.locator("#results a", has_text="华阳社区").wait_for()

    assert ui.page.locator("#results a", has_text="华阳明").count() == 0
    ui.step("divisions-only")
