"""Care requests in a real browser (browser.py): a grid worker on a phone records a request,
gives it to the grid's party member and marks it done; the village secretary sees the overdue
ones first. Runs at phone and desktop size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind, CareStatus
from fangkong.care.models import CareRequest
from fangkong.care.tests.factories import add_party_member, add_person
from fangkong.core.tests.browser import UI
from fangkong.core.tests.test_browser import open_menu_on_phone

pytestmark = pytest.mark.browser


def test_grid_worker_records_assigns_and_closes_a_request(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given the grid worker of 第一网格, a resident under observation, the grid's party member
    t = live_tree
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")
    grandma = add_person(t.grid1, "李桂英", "华阳街1号")
    member = add_party_member(t.huayang, "张志强", "13900000001", t.grid1)
    ui.login_as(worker)
    page = ui.page

    # when they open Care from the navigation (behind the menu on a phone): their grid's view
    open_menu_on_phone(ui)
    grid_view = f"/care/grids/{t.grid1.code}/"
    with page.expect_navigation():
        page.locator(f"#mainnav a[href='{grid_view}']").click()
    assert ui.path() == grid_view
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("grid-empty")

    # and record a medicine request for her
    with page.expect_navigation():
        page.locator(f"main a[href='/care/grids/{t.grid1.code}/new/']").click()
    page.select_option("#id_person", str(grandma.pk))
    page.select_option("#id_kind", CareKind.MEDICINE.value)
    page.select_option("#id_urgency", "urgent")
    page.fill("#id_description", "降压药只剩一天的量，需代购。")
    assert page.locator("#id_requested_on").input_value() == timezone.localdate().isoformat()
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("form")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # then it is listed in the grid, open, due tomorrow
    request = CareRequest.objects.get()
    assert ui.path() == grid_view
    assert request.due_on == timezone.localdate() + dt.timedelta(days=1)
    assert page.locator(".care-items > li").count() == 1
    assert "李桂英" in page.locator(".care-items").inner_text()
    ui.step("recorded")

    # when they give it to the party member
    with page.expect_navigation():
        page.locator(f".care-items a[href^='/care/{request.pk}/assign/']").click()
    page.select_option("#id_staff", str(member.pk))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert ui.path() == grid_view
    assert "张志强" in page.locator(".care-items").inner_text()
    ui.assert_touch_targets()
    ui.step("assigned")

    # and, once it is done, mark it done with what was done
    with page.expect_navigation():
        page.locator(f".care-items a[href^='/care/{request.pk}/done/']").click()
    page.fill("#id_note", "已代购降压药送到家中。")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # then the grid has nothing open, and the request is done
    assert ui.path() == grid_view
    assert page.locator(".care-items").count() == 0
    request.refresh_from_db()
    assert (request.status, request.assignee, request.close_note) == (
        CareStatus.DONE,
        member,
        "已代购降压药送到家中。",
    )
    ui.assert_fits_width()
    ui.step("done")


def test_village_secretary_sees_overdue_requests_first(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    # given an overdue request in 第一网格 and a fresh one in 第二网格
    t = live_tree
    secretary = make_user(t.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    late = care_actions.create_care_request(
        actor=None,
        grid=t.grid1,
        person=add_person(t.grid1, "王淑珍", "华阳街3号"),
        kind=CareKind.FOOD,
        description="代购米面油",
        today=timezone.localdate() - dt.timedelta(days=5),
    )
    care_actions.create_care_request(
        actor=None,
        grid=t.grid2,
        person=add_person(t.grid2, "赵玉兰", "华阳街9号"),
        kind=CareKind.OTHER,
        description="暖气维修",
    )
    ui.login_as(secretary)
    page = ui.page

    # when the secretary opens the care list
    ui.goto("/care/")

    # then the overdue section comes first and names the late request, three days overdue
    overdue = page.locator("section.overdue")
    assert overdue.is_visible()
    assert "王淑珍" in overdue.inner_text()
    assert "赵玉兰" not in overdue.inner_text()
    assert overdue.locator(".tag.late").count() == 1
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("list")

    # and a tap on it opens the request
    with page.expect_navigation():
        overdue.locator(f"a[href='/care/{late.pk}/']").click()
    assert ui.path() == f"/care/{late.pk}/"
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("detail")
