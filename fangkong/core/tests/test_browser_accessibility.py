"""Accessibility in a real browser: axe-core (WCAG 2.1 A and AA) on every page each role uses.

Each role logs in at its own division of the test tree, which holds a little of everything a
county has on a working day (people under observation, screenings, a flagged traveller, a care
request, a checkpoint and its passages, the day's figures). The test then walks the pages the
role reaches from its home page, two links deep (the menu, the lists and what they open), once
per kind of page, and runs axe-core on each: zero violations. Placeholders must be shown whole.

A failed form is checked on its own: the summary with ``role=alert`` links every error to its
field, the title starts with 错误, the keyboard focus is on the first field in error, and every
``aria-describedby`` points at an element that exists. The skip link leads to the main content.

Docs: docs/accessibility.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind
from fangkong.care.tests.factories import add_party_member, add_person
from fangkong.checkpoints.tests.factories import flag_traveller_from_wuhan
from fangkong.core.tests.browser import UI
from fangkong.screening.tests.factories import check_in, hubei, observe, screen
from fangkong.zeroreport import actions as zeroreport_actions

pytestmark = pytest.mark.browser

# Where each role works in the test tree (as in the demo: fangkong/demo/scenario.py).
ROLE_HOMES = {
    Role.GRID_WORKER: "grid1",
    Role.VILLAGE_SECRETARY: "huayang",
    Role.TOWNSHIP_COMMAND: "nanling",
    Role.COUNTY_COMMAND: "nanguan",
    Role.CITY_COMMAND: "changchun",
    Role.PROVINCE_COMMAND: "province",
    Role.CHECKPOINT_STAFF: "nanguan",
    Role.CLINIC_STAFF: "nanguan",
    Role.HEALTH_COMMISSION: "province",
    Role.SUPPLIES_OFFICER: "changchun",
    Role.ORGANIZATION_DEPT: "province",
    Role.PUBLICITY_OFFICE: "province",
    Role.SYSADMIN: "nanguan",
    Role.SECURITY_ADMIN: "province",
    Role.AUDIT_ADMIN: "province",
}
DEPTH = 2  # home page, what it links to, and what those link to
MAX_PAGES = 40  # per role: a bound, in case a page links to an endless series
# Links that are not pages: files, the map data, API, logging out, the language switch.
NOT_PAGES = re.compile(
    r"^/(api/|i18n/|map/|healthz|bulk/export/|bulk/templates/|accounts/logout/|static/)"
    r"|/rejects/|/progress/"
)


def page_kind(url: str) -> str:
    """Pages of one kind (a person, a division, a list with a filter) are checked once."""
    parts = urlsplit(url)
    keys = sorted({q.split("=")[0] for q in parts.query.split("&") if q})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def links(ui: UI) -> list[str]:
    hrefs = ui.page.eval_on_selector_all(
        "a[href]:not([download])", "els => els.map(a => a.getAttribute('href'))"
    )
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, tel:, a fragment
        if NOT_PAGES.search(parts.path) or "after=" in parts.query:
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def walk(ui: UI) -> dict[str, list[str]]:
    """Visit the pages reachable from home; return what failed, by page."""
    failures: dict[str, list[str]] = {}
    seen = {page_kind("/")}
    queue: list[tuple[str, int]] = [("/", 0)]
    visited = 0
    while queue and visited < MAX_PAGES:
        path, depth = queue.pop(0)
        response = ui.page.goto(ui.url(path))
        ui.page.wait_for_load_state("load")
        visited += 1
        status = response.status if response else 0
        if status >= 400:
            failures[path] = [f"HTTP {status} for a link the role was shown"]
            continue
        ui.step(page_kind(path).strip("/").replace("/", "-") or "home")
        problems = []
        for check in (ui.assert_accessible, ui.assert_placeholders_fit):
            try:
                check()
            except AssertionError as exc:
                problems.append(str(exc))
        if problems:
            failures[path] = problems
        if depth < DEPTH:
            for link in links(ui):
                kind = page_kind(link)
                if kind not in seen:
                    seen.add(kind)
                    queue.append((link, depth + 1))
    return failures


@pytest.fixture
def county_day(live_tree: SimpleNamespace, make_user: Callable[..., Any]) -> SimpleNamespace:
    """A working day in 南关区: something on every page the roles open."""
    t = live_tree
    today = timezone.localdate()
    staff = make_user(t.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou-data")
    province = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="sheng-data")
    hubei(t.province, actor=province)
    watched = observe(t.grid1, name="李桂英", exposure_days_ago=3)
    check_in(watched, day=today - dt.timedelta(days=2))
    check_in(watched, day=today - dt.timedelta(days=1), temperature="37.6")
    screen(t.grid1, name="赵敏", temperature="36.6")
    screen(t.grid2, name="钱伟", temperature="38.1")
    flag_traveller_from_wuhan(t.nanguan, t.grid1, actor=staff)
    member = add_party_member(t.huayang, "张志强", "13900000001", t.grid1)
    care = care_actions.create_care_request(
        actor=None,
        grid=t.grid1,
        person=add_person(t.grid1, "孙秀兰", "华阳街3号"),
        kind=CareKind.MEDICINE,
        description="降压药只剩一天的量，需代购。",
    )
    care_actions.assign_care_request(actor=None, care=care, staff=member)
    zeroreport_actions.refresh_grid_days(day=today)
    return t


@pytest.mark.parametrize("role", list(ROLE_HOMES))
def test_every_page_a_role_uses_has_no_axe_violations(
    ui: UI, county_day: SimpleNamespace, make_user: Callable[..., Any], role: Role
) -> None:
    # given a user of this role at their division, on a working day of the county
    user = make_user(getattr(county_day, ROLE_HOMES[role]), roles=[role], full_name="测试用户")
    # when they open every kind of page they can reach from their home page
    ui.login_as(user)
    failures = walk(ui)
    # then axe-core finds no WCAG 2.1 A/AA violation on any of them
    report = "\n\n".join(f"{path}\n" + "\n".join(p) for path, p in failures.items())
    assert not failures, f"{len(failures)} page(s) of {role} fail:\n\n{report}"


def test_a_failed_form_is_announced_and_focuses_its_first_error(
    ui: UI, county_day: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    page = ui.page
    # given a grid worker on the new-screening form
    worker = make_user(county_day.grid1, roles=[Role.GRID_WORKER])
    ui.login_as(worker)
    ui.goto(f"/screening/new/?grid={county_day.grid1.code}")
    assert not page.title().startswith("错误")
    # when they submit it without filling anything in
    with page.expect_navigation():
        page.click("#screening-form button[type=submit]")
    ui.step("failed-submit")
    # then the title says there are errors, and a summary (role=alert) lists them
    assert page.title().startswith("错误：")
    summary = page.locator(".form-errors[role=alert]")
    assert summary.count() == 1
    listed = summary.locator("a[data-field]")
    assert listed.count() >= 2
    # ... each linked to a field that exists, and the field's error is beside it, by id
    for target in listed.evaluate_all("els => els.map(a => a.dataset.field)"):
        assert page.locator(f"#{target}").count() == 1, target
        assert page.locator(f"#{target}_error").count() == 1, target
    # ... every aria-describedby on the page points at elements that exist
    dangling = page.evaluate(
        """() => [...document.querySelectorAll("[aria-describedby]")].flatMap(el =>
            el.getAttribute("aria-describedby").split(/\\s+/).filter(id => id &&
              !document.getElementById(id)).map(id => el.id + " -> " + id))"""
    )
    assert dangling == []
    # ... the keyboard focus is on the first field in error
    first = page.locator(".has-error").first
    focused_inside = first.evaluate("el => el.contains(document.activeElement)")
    assert focused_inside, page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-invalid')") == "true"
    # ... and the page, errors and all, has no axe violation
    ui.assert_accessible()
    # when they follow the summary's second link, the focus moves to that field
    second = listed.nth(1)
    field_id = second.get_attribute("data-field")
    second.click()
    assert page.evaluate(
        "(id) => document.getElementById(id).contains(document.activeElement)", field_id
    )


def test_the_skip_link_leads_past_the_menu_to_the_content(
    ui: UI, county_day: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    page = ui.page
    # given a county command office user on their home page
    ui.login_as(make_user(county_day.nanguan, roles=[Role.COUNTY_COMMAND]))
    # when they press Tab once, the first thing focused is the skip link, now visible
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    assert skip.inner_text() == "跳到正文"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    # and when they follow it, the focus is on the main content
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
