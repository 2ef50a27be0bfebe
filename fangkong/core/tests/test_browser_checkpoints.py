"""Checkpoints in a real browser (browser.py), at desktop and phone size.

Checkpoint staff of 南关区 register a car with two people on the site's page, adding the second
person's row with htmx; the passenger with a fever shows up in the to-do list of the grid
worker of 华阳社区 第一网格, who marks it handled. Assertions use names, codes and URLs, not the
interface language.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import Role
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import HandoverStatus, SiteKind
from fangkong.checkpoints.models import Handover, Passage
from fangkong.core.tests.browser import UI
from fangkong.people.idcard import check_character

pytestmark = pytest.mark.browser


def resident_id(address: str, birth: str, sequence: str) -> str:
    first17 = f"{address}{birth}{sequence}"
    return first17 + check_character(first17)


def fill_person(ui: UI, index: int, values: dict[str, str]) -> None:
    for name, value in values.items():
        selector = f"#id_people-{index}-{name}"
        if name in ("origin", "doc_type"):
            ui.page.select_option(selector, value)
        else:
            ui.page.fill(selector, value)


def test_staff_register_two_people_and_the_grid_worker_follows_up_the_flagged_one(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    # given a checkpoint of 南关区, its staff, and the grid worker of 第一网格
    checkpoint = actions.create_checkpoint(
        actor=None,
        division=t.nanguan,
        name="幸福乡绕城高速卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("125.3921"),
        latitude=Decimal("43.7764"),
    )
    staff = make_user(t.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    driver_id = resident_id("220102", "19800101", "123")
    passenger_id = resident_id("420106", "19920315", "246")

    # when the staff open their site and fill in the driver
    ui.login_as(staff)
    ui.goto(checkpoint.get_absolute_url())
    ui.step("site-page")
    ui.page.fill("#id_plate", "吉A·12345")
    fill_person(
        ui,
        0,
        {
            "name": "张伟",
            "doc_number": driver_id,
            "phone": "13804310001",
            "temperature": "36.5",
            "destination": t.grid2.code,
        },
    )
    # ... add a row for the passenger (htmx, no page load) and fill it in
    ui.page.click("#add-person")
    ui.page.wait_for_selector("#id_people-1-name")
    assert ui.page.locator("input[name='people-TOTAL_FORMS']").input_value() == "2"
    fill_person(
        ui,
        1,
        {
            "name": "李娜",
            "doc_number": passenger_id,
            "phone": "13904310002",
            "temperature": "38.3",
            "origin": "42",
            "origin_detail": "武汉市",
            "destination": t.grid1.code,
            "destination_detail": "华阳小区 3 栋",
        },
    )
    # ... and one row too many, which stays empty and is skipped
    ui.page.click("#add-person")
    ui.page.wait_for_selector("#id_people-2-name")
    assert ui.page.locator("input[name='people-TOTAL_FORMS']").input_value() == "3"
    ui.step("form-filled")
    ui.assert_fits_width()
    ui.assert_touch_targets()
    with ui.page.expect_navigation():
        ui.page.click("#register-submit")

    # then they are back on the site's page, the passage listed with both people, masked
    assert ui.path() == checkpoint.get_absolute_url()
    ui.step("registered")
    recent = ui.page.locator("table.passages").inner_text()
    assert "吉A12345" in recent and "张伟" in recent and "李娜" in recent
    assert passenger_id not in ui.page.content()
    passage = Passage.objects.get()
    assert (passage.n_people, passage.n_flagged) == (2, 1)
    ui.assert_fits_width()
    ui.assert_touch_targets()

    # when the grid worker of 第一网格 opens their to-do list
    ui.login_as(worker)
    ui.goto("/checkpoints/todo/")
    ui.step("todo")

    # then the passenger with a fever is there, and the driver (going elsewhere) is not
    rows = ui.page.locator("table.todo tbody tr")
    assert rows.count() == 1
    assert "李娜" in rows.first.inner_text() and "张伟" not in ui.page.content()
    ui.assert_fits_width()
    ui.assert_touch_targets()

    # when they open it, see the full phone number, and mark it handled
    with ui.page.expect_navigation():
        rows.first.locator("a.row-link").click()
    ui.step("handover")
    with ui.page.expect_navigation():
        ui.page.locator("form.reveal button").click()
    assert "13904310002" in ui.page.locator("dl.facts").inner_text()
    ui.step("revealed")
    ui.page.select_option("#id_outcome", "observation")
    ui.page.fill("#id_note", "已上门测温，居家观察")
    with ui.page.expect_navigation():
        ui.page.locator("main form:not(.reveal) button[type=submit]").click()

    # then the to-do list is empty, and the hand-over records who did what
    assert ui.path() == "/checkpoints/todo/"
    assert ui.page.locator("table.todo tbody tr").count() == 0
    ui.step("done")
    handover = Handover.objects.get()
    assert handover.status == HandoverStatus.HANDLED and handover.handled_by == worker
