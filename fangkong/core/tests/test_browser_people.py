"""The person registry in a real browser (browser.py): a grid worker on a phone registers a
resident, sees the sex and birth date read from the ID number, finds them in the list and
opens their full number (audited). Runs at phone and desktop size."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.tests.browser import UI
from fangkong.core.tests.test_browser import open_menu_on_phone
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.models import Person

pytestmark = pytest.mark.browser

# 南关区 (220102), born 1985-03-07, sequence 123: a man
ZHANG_ID = "220102198503071237"


def test_grid_worker_registers_a_resident_and_finds_them_in_the_list(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    people_actions.register_person(
        actor=None,
        grid=t.grid1,
        name="李娜",
        doc_type=DocType.RESIDENT_ID,
        doc_number="220102199012311245",
        address="华阳街 8 号 301",
    )
    ui.login_as(worker)
    page = ui.page

    # when they open People from the navigation (behind the menu on a phone)
    open_menu_on_phone(ui)
    with page.expect_navigation():
        page.locator("#mainnav a[href='/people/']").click()
    assert ui.path() == "/people/"
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("list")

    # and tap "register", which opens the form on their own grid
    with page.expect_navigation():
        page.locator(f"main a[href='/people/new/?grid={t.grid1.code}']").click()
    assert page.locator("input[name=grid]").get_attribute("value") == t.grid1.code
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("form")

    # and type a number with a wrong check character: the form says so at once
    page.fill("#id_name", "张伟")
    page.locator("#id_doc_number").press_sequentially(ZHANG_ID[:17] + "8", delay=10)
    hint = page.locator("#id-derived")
    assert hint.is_visible() and "error" in (hint.get_attribute("class") or "")
    ui.step("wrong-check-character")

    # then the right number fills in the sex and birth date from the number
    page.fill("#id_doc_number", "")
    page.locator("#id_doc_number").press_sequentially(ZHANG_ID, delay=10)
    assert page.locator("#id_sex").input_value() == "M"
    assert page.locator("#id_birth_date").input_value() == "1985-03-07"
    assert "1985-03-07" in hint.inner_text() and "error" not in (hint.get_attribute("class") or "")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_address", "华阳街 8 号 302")
    ui.assert_fits_width()
    ui.step("filled")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # and the person's page shows them, sex and birth date as the number says, masked
    person = Person.objects.get(doc_number=ZHANG_ID)
    assert ui.path() == person.get_absolute_url()
    assert page.locator("#sex").inner_text().strip() == str(person.get_sex_display())
    assert page.locator("#birth-date").inner_text().startswith("1985-03-07")
    assert page.locator("#doc-number").inner_text().strip() == "220102********1237"
    assert page.locator("#phone").inner_text().strip() == "138****5678"
    assert page.locator(".messages li").count() == 1
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("person")

    # and the list finds them by name, masked
    open_menu_on_phone(ui)
    with page.expect_navigation():
        page.locator("#mainnav a[href='/people/']").click()
    page.fill("main input[name=q]", "张")
    with page.expect_navigation():
        page.locator("main form[role=search] .search-inline button").click()
    rows = page.locator("#people-rows tr.linked")
    assert rows.count() == 1
    assert "220102********1237" in rows.first.inner_text()
    assert ZHANG_ID not in page.content()
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("found")

    # and by the full number too, which opens their page
    page.fill("main input[name=q]", ZHANG_ID)
    with page.expect_navigation():
        page.locator("main form[role=search] .search-inline button").click()
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert ui.path() == person.get_absolute_url()

    # and "show full number" shows it once, and the audit log has it
    with page.expect_navigation():
        page.locator("form.reveal-form button[type=submit]").click()
    assert page.locator("#doc-number").inner_text().strip() == ZHANG_ID
    assert page.locator("#phone a[href='tel:13812345678']").count() == 1
    assert AuditEvent.objects.filter(action="person.reveal", object_id=str(person.pk)).count() == 1
    ui.assert_fits_width()
    ui.step("revealed")


def test_registering_a_known_number_opens_the_existing_record(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    known, _created = people_actions.register_person(
        actor=None, grid=t.grid1, name="张伟", doc_type=DocType.RESIDENT_ID, doc_number=ZHANG_ID
    )
    ui.login_as(worker)
    ui.goto(f"/people/new/?grid={t.grid1.code}")
    ui.page.fill("#id_name", "张伟")
    ui.page.fill("#id_doc_number", ZHANG_ID.lower())
    with ui.page.expect_navigation():
        ui.page.locator("main form button[type=submit]").click()
    # then they land on the record that was there, told so, and there is still one
    assert ui.path() == known.get_absolute_url()
    assert "张伟" in ui.page.locator(".messages li").inner_text()
    assert Person.objects.filter(doc_number=ZHANG_ID).count() == 1
    ui.step("found-existing")
