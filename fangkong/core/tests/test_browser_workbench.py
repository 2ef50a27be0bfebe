"""The workbench in a real browser (browser.py), at phone and desktop size: the grid worker lands
on today's to-do list and works it one tap per item, with the two daily jobs in the phone header;
the county command office lands on the figures that need action and the roll-up; checkpoint
staff land on their checkpoint's form. The division page stays one tap away for each."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI
from fangkong.core.tests.test_workbench import _busy_grid, _checkpoint
from fangkong.zeroreport import actions as zero_actions

pytestmark = pytest.mark.browser


def test_the_grid_worker_works_the_to_do_list_from_the_home_page(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given a grid with one of each thing to do, and its grid worker
    t = live_tree
    _busy_grid(t, make_user)
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    page = ui.page

    # when they log in
    ui.login_as(worker)

    # then the home page is the to-do list, fevers first, the day's confirmation last
    assert ui.path() == "/"
    items = page.locator(".wb-items li").evaluate_all("els => els.map(e => e.dataset.item)")
    assert items[0] == "observation.fever"
    assert items[-1] == "zeroreport.unconfirmed"
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("workbench")

    # when they tap the flagged travellers waiting
    with page.expect_navigation():
        page.locator("[data-item='checkpoints.pending'] a").click()
    # then the hand-over list opens with the traveller
    assert ui.path() == "/checkpoints/todo/"
    assert "乘客孙丽" in page.locator("main").inner_text()
    ui.step("flagged")

    # and there, on a phone, the two daily jobs are in the header without opening the menu
    header_jobs = page.locator("header .quick-header a")
    if ui.is_phone:
        assert page.locator("#mainnav").is_hidden()
        assert header_jobs.count() == 2 and header_jobs.first.is_visible()
        assert header_jobs.first.get_attribute("href") == "/screening/new/"
    else:
        assert header_jobs.first.is_hidden()  # the whole menu is in view on a desktop

    # and back home, the big "new screening" button opens the form
    ui.goto("/")
    with page.expect_navigation():
        page.locator(".wb-quick a").first.click()
    assert ui.path() == "/screening/new/"
    ui.step("new-screening")

    # and the division page is one tap from home
    ui.goto("/")
    with page.expect_navigation():
        page.locator(".wb-head a.button").click()
    assert ui.path() == t.grid1.get_absolute_url()
    ui.step("division-page")


def test_the_county_sees_what_needs_action_today_and_the_roll_up(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given the busy grid with its figures stored, and 南关区's command office
    t = live_tree
    _busy_grid(t, make_user)
    zero_actions.refresh_grid_days(actor=None, day=timezone.localdate())
    county = make_user(t.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan")

    # when they log in
    ui.login_as(county)

    # then the grids not confirmed come first, and the roll-up by township below
    page = ui.page
    first = page.locator(".wb-items li").first
    assert first.get_attribute("data-item") == "zeroreport.unconfirmed_below"
    assert first.locator(".wb-count").inner_text() == "2"
    assert page.locator(f".zr-rollup tr[data-code='{t.nanling.code}']").is_visible()
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("county-workbench")

    # when they tap the grids not confirmed: the roll-up page lists them
    with page.expect_navigation():
        first.locator("a").click()
    assert ui.path() == f"/zero/d/{t.nanguan.code}/"
    ui.step("rollup")


def test_checkpoint_staff_open_the_passage_form_from_home(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given 南关区's checkpoint and its staff
    t = live_tree
    site = _checkpoint(t.nanguan)
    staff = make_user(t.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")

    # when they log in, then their checkpoint's form is one tap away
    ui.login_as(staff)
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("checkpoint-workbench")
    with ui.page.expect_navigation():
        ui.page.locator(".wb-sites a").first.click()
    assert ui.path() == f"/checkpoints/{site.pk}/register/"
    ui.step("register")
