"""Screening and medical observation in a real browser (browser.py), at desktop and phone size.

A grid worker screens someone who arrived from Hubei: the form shows "home medical observation"
and why while it is filled in, the record page says so, and the observation page gives the
personal check-in link. The person opens the link in a browser of their own (no account) and
checks in; the worker's calendar shows it. The assertions use codes and data attributes, so
they hold in either interface language.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI, VIEWPORTS
from fangkong.observation.models import CheckIn, Observation
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id, today

pytestmark = pytest.mark.browser


def open_nav(ui: UI, href: str) -> None:
    """Follow a navigation entry (behind the menu button on a phone)."""
    if ui.is_phone:
        ui.page.click(".menu-toggle")
    with ui.page.expect_navigation():
        ui.page.click(f"#mainnav a[href='{href}']")


def test_grid_worker_screens_an_arrival_from_hubei_and_the_person_checks_in(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any], browser: Any
) -> None:
    # given Hubei a key area, and the grid worker of 华阳社区第一网格
    t = live_tree
    hubei(t.province)
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    ui.login_as(worker)

    # when they open a new screening from the screening list
    open_nav(ui, "/screening/")
    with ui.page.expect_navigation():
        ui.page.click("main a[href^='/screening/new/']")
    assert ui.page.locator("input[type=hidden][name=grid]").input_value() == t.grid1.code
    ui.step("form")

    # and type the ID number of someone not yet registered
    number = make_id()
    ui.page.fill("#id_doc_number", number)
    ui.page.locator("#id_doc_number").dispatch_event("change")
    ui.page.wait_for_selector("#person-lookup [data-lookup='new']")
    ui.page.fill("#id_name", "赵敏")
    ui.page.fill("#id_phone", "13904310099")
    ui.page.fill("#id_address", "华阳小区5栋1单元202")
    ui.page.fill("#id_temperature", "36.7")
    ui.page.locator("#id_temperature").dispatch_event("change")
    ui.page.wait_for_selector("#assessment [data-outcome='no_risk']")
    # who arrived from Hubei three days ago by train
    ui.page.fill("#id_arrival_date", days_ago(3).isoformat())
    ui.page.select_option("#id_origin_code", "42")
    ui.page.select_option("#id_transport", "train")
    ui.page.fill("#id_transport_number", "G1234")
    ui.page.locator("#id_transport_number").dispatch_event("change")

    # then, before anything is saved, the form says home medical observation and why
    ui.page.wait_for_selector("#assessment [data-outcome='home_observation']")
    reasons = ui.page.locator("#assessment .reasons li").all_inner_texts()
    assert len(reasons) == 3 and "湖北省" in reasons[1]
    assert days_ago(3).isoformat() in reasons[1]
    assert not Screening.objects.exists()
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("outcome-previewed")

    # when they register it
    with ui.page.expect_navigation():
        ui.page.click("#screening-form button[type=submit]")

    # then the record shows the outcome and its reasons, and the observation has started
    screening = Screening.objects.get()
    assert ui.path() == screening.get_absolute_url()
    assert ui.page.locator("[data-outcome]").get_attribute("data-outcome") == "home_observation"
    assert ui.page.locator(".reasons li").count() == 3
    observation = Observation.objects.get(person=screening.person)
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("screening-record")

    # and the observation page has the calendar and the personal check-in link
    with ui.page.expect_navigation():
        ui.page.click(f"[data-observation='{observation.pk}']")
    assert ui.path() == observation.get_absolute_url()
    days = ui.page.locator(".calendar [data-state]")
    assert days.count() == 11  # 14 days from the arrival, 3 of them already past
    assert days.first.get_attribute("data-state") == "due"
    assert days.first.get_attribute("data-day") == today().isoformat()
    link = ui.page.locator("#personal-link").input_value()
    assert link.startswith(f"{ui.base_url}/c/")
    ui.page.click("button[data-copy='personal-link']")
    ui.page.wait_for_selector("button[data-copy][data-copied='1']")
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("observation")

    # when the person opens the link on their own phone, with no account
    width, height = VIEWPORTS["phone"]
    own = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    try:
        phone = UI(own.new_page(), ui.base_url, f"{ui.name}-person", "phone")
        phone.page.goto(link)
        assert phone.page.locator(".masked-name").inner_text() == "赵*"
        assert "赵敏" not in phone.page.content()
        phone.assert_fits_width()
        phone.assert_touch_targets()
        ui.steps.append(("personal-link", phone.page.screenshot(type="jpeg", quality=70)))
        # and sends today's temperature
        phone.page.fill("#id_temperature", "36.5")
        with phone.page.expect_navigation():
            phone.page.click("form button[type=submit]")
        # then the page says today's check-in is in
        phone.page.wait_for_selector(f"[data-checked-in='{today().isoformat()}']")
        ui.steps.append(("checked-in", phone.page.screenshot(type="jpeg", quality=70)))
        phone.assert_clean()
    finally:
        own.close()
    stored = CheckIn.objects.get(observation=observation)
    assert (stored.day, stored.source) == (today(), "self")

    # and the worker's calendar shows it
    ui.page.reload()
    assert days.first.get_attribute("data-state") == "ok"
    ui.step("calendar-after")
