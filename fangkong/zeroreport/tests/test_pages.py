"""The screens: the grid worker's day, the roll-up of a division and its dashboard."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.zeroreport import actions
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    """Three grids under 南岭街道: two in 华阳社区, one in 恒安社区; a worker in 第一网格."""
    w = SimpleNamespace(tree=tree)
    w.grid3 = region_actions.create_grid(actor=None, village=tree.hengan, name="恒安一网格")
    w.worker = make_user(tree.grid1, roles=["grid_worker"], full_name="王网格")
    w.county = make_user(tree.nanguan, roles=["county_command"])
    w.secretary = make_user(tree.huayang, roles=["village_secretary"])
    staff = region_actions.create_staff(
        actor=None,
        village=tree.huayang,
        name="李二网格",
        phone="13900001111",
        kind=StaffKind.GRID_WORKER,
    )
    region_actions.assign_staff(actor=None, grid=tree.grid2, staff=staff)
    for name in vars(tree):
        getattr(tree, name).refresh_from_db()
    return w


def _c(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_grid_page_shows_live_figures_and_confirms_a_zero_report(world: SimpleNamespace) -> None:
    t = world.tree
    today = timezone.localdate()
    f.screening(t.grid1, today)
    c = _c(world.worker)

    page = c.get(reverse("zeroreport:grid", args=[t.grid1.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'data-figure="screened"><b>1</b>', html)
    assert 'data-state="unconfirmed"' in html and 'id="zero-report"' in html

    done = c.post(
        reverse("zeroreport:confirm", args=[t.grid1.code]),
        {"day": today.isoformat(), "zero_report": "on", "note": ""},
    )
    assert done.status_code == 302
    html = c.get(done["Location"]).content.decode()
    assert 'data-state="zero"' in html and "王网格" in html
    assert GridDay.objects.get(grid=t.grid1, day=today).zero_report


def test_todays_history_row_shows_the_live_figures_until_confirmed(world: SimpleNamespace) -> None:
    # given a refresh this morning stored 1 screening, and a second one came in since
    t = world.tree
    today = timezone.localdate()
    f.screening(t.grid1, today)
    actions.refresh_grid_days(day=today, under=t.grid1)
    f.screening(t.grid1, today)

    # when the grid worker opens the day page
    page = _c(world.worker).get(reverse("zeroreport:grid", args=[t.grid1.code])).content.decode()

    # then today's row of the last 7 days says 2, like the figures above it
    row = re.search(rf'<tr data-day="{today.isoformat()}">(.*?)</tr>', page, re.S)
    assert row and '<td class="num">2</td>' in row.group(1)
    assert 'data-state="unconfirmed"' in row.group(1)


def test_grid_page_refuses_a_zero_report_on_an_abnormal_day_with_a_message(
    world: SimpleNamespace,
) -> None:
    t = world.tree
    f.screening(t.grid1, timezone.localdate(), "38.5")
    c = _c(world.worker)
    page = c.get(reverse("zeroreport:grid", args=[t.grid1.code])).content.decode()
    assert 'id="zero-report"' not in page and 'id="confirm-figures"' in page

    # a forged zero report is refused by the action, with a message, nothing written
    refused = c.post(reverse("zeroreport:confirm", args=[t.grid1.code]), {"zero_report": "on"})
    assert refused.status_code == 400
    assert "只有当日无异常时才能提交零报告" in refused.content.decode()
    assert not GridDay.objects.exists()

    ok = c.post(reverse("zeroreport:confirm", args=[t.grid1.code]), {"note": "发热人员已转运"})
    assert ok.status_code == 302
    row = GridDay.objects.get(grid=t.grid1)
    assert not row.zero_report and row.fever_found == 1 and row.note == "发热人员已转运"


def test_bad_confirm_input_answers_a_message(world: SimpleNamespace) -> None:
    t = world.tree
    c = _c(world.worker)
    url = reverse("zeroreport:confirm", args=[t.grid1.code])
    for data in (
        {"day": "2020-02-30"},
        {"day": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
        {"day": "2020-01-01"},
        {"note": "x" * 400},
    ):
        assert c.post(url, data).status_code == 400, data
    assert c.post(reverse("zeroreport:confirm", args=[t.grid2.code]), {}).status_code == 404
    assert c.post(reverse("zeroreport:confirm", args=["999"]), {}).status_code == 404
    village = _c(world.secretary).post(reverse("zeroreport:confirm", args=[t.huayang.code]), {})
    assert village.status_code == 404
    assert c.get(reverse("zeroreport:grid", args=[t.other_grid.code])).status_code == 404
    assert not GridDay.objects.exists()


def _rows(html: str) -> dict[str, str]:
    found = re.findall(r'<tr[^>]*data-code="(\d+)">.*?data-confirmed="([\d/]+)"', html, re.S)
    return dict(found)


def test_rollup_counts_confirmed_grids_and_sums_level_by_level(world: SimpleNamespace) -> None:
    t = world.tree
    today = timezone.localdate()
    f.screening(t.grid1, today)
    f.screening(t.grid2, today)
    f.screening(world.grid3, today)
    f.screening(world.grid3, today)
    actions.confirm_day(actor=world.worker, grid=t.grid1, zero_report=True)
    actions.refresh_grid_days(day=today, under=t.nanguan)
    c = _c(world.county)

    village = c.get(reverse("zeroreport:rollup", args=[t.huayang.code])).content.decode()
    assert _rows(village) == {t.grid1.code: "1/1", t.grid2.code: "0/1"}
    assert 'id="village-todo"' in village
    township = c.get(reverse("zeroreport:rollup", args=[t.nanling.code])).content.decode()
    assert _rows(township) == {t.huayang.code: "1/2", t.hengan.code: "0/1"}
    county = c.get(reverse("zeroreport:rollup", args=[t.nanguan.code]))
    html = county.content.decode()
    assert _rows(html) == {t.nanling.code: "1/3"}
    # the total row: 4 screened under the county
    total = re.search(r'<tr data-code="total">(.*?)</tr>', html, re.S)
    assert total and 'data-figure="screened">4</th>' in total.group(1)
    # the unconfirmed list names grid 2's worker and phone, not grid 1
    unconfirmed = html[html.index('id="unconfirmed"') :]
    assert (
        t.grid2.code in unconfirmed and "李二网格" in unconfirmed and "13900001111" in unconfirmed
    )
    assert f'data-grid="{t.grid1.code}"' not in unconfirmed


def test_rollup_says_which_grids_are_not_in_the_sums_until_updated(
    world: SimpleNamespace,
) -> None:
    # given grid 1 confirmed (its figures stored) and the village's grid 2 never counted today
    t = world.tree
    today = timezone.localdate()
    f.screening(t.grid1, today)
    f.screening(t.grid2, today)
    actions.confirm_day(actor=world.worker, grid=t.grid1, zero_report=True)
    c = _c(world.county)

    # then the village page says one grid is missing from its sums
    url = reverse("zeroreport:rollup", args=[t.huayang.code])
    before = c.get(url).content.decode()
    assert 'class="zr-unreported"' in before and "1" in before.split("zr-unreported")[1][:80]

    # and after an update every grid is counted and the notice goes
    actions.refresh_grid_days(day=today, under=t.huayang)
    assert 'class="zr-unreported"' not in c.get(url).content.decode()


def test_rollup_of_another_day_and_bad_days(world: SimpleNamespace) -> None:
    t = world.tree
    c = _c(world.county)
    url = reverse("zeroreport:rollup", args=[t.nanguan.code])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    for bad in ("garbage", "2020-02-30", future, "9" * 500):
        page = c.get(url, {"day": bad})
        assert page.status_code == 200, bad
        assert 'role="alert"' in page.content.decode()
    past = c.get(url, {"day": "2020-02-01"})
    assert past.status_code == 200 and "2020-02-01" in past.content.decode()
    assert c.get(url, {"after": "zzz"}).status_code == 200
    assert c.get(reverse("zeroreport:rollup", args=[t.changyi.code])).status_code == 404


def test_unconfirmed_list_pages_by_key(world: SimpleNamespace) -> None:
    from fangkong.zeroreport import selectors

    t = world.tree
    today = timezone.localdate()
    first = selectors.unconfirmed_grids(world.county, t.nanguan, today, size=2)
    assert len(first.items) == 2 and first.next_after
    rest = selectors.unconfirmed_grids(
        world.county, t.nanguan, today, after=first.next_after, size=2
    )
    codes = [g.code for g in first.items + rest.items]
    assert sorted(codes) == sorted([t.grid1.code, t.grid2.code, world.grid3.code])
    assert rest.next_after is None


def test_dashboard_reads_grid_days_in_a_bounded_number_of_queries(
    world: SimpleNamespace, django_assert_num_queries: Any
) -> None:
    t = world.tree
    today = timezone.localdate()
    for back in range(3):
        day = today - dt.timedelta(days=back)
        f.screening(t.grid1, day)
        actions.refresh_grid_days(day=day)
    c = _c(world.county)
    url = reverse("zeroreport:dashboard", args=[t.nanguan.code])
    c.get(url)  # warm the session

    # session, user, 2 × permissions, the division, its breadcrumb, its children, today's rows
    # by child, 30 days of sums, the user's home division in the menu, the header's unread
    # notifications: none per child or day
    with django_assert_num_queries(11):
        page = c.get(url, {"figure": "screened"})

    html = page.content.decode()
    found = re.search(r'<script id="zr-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["figure"] == "screened" and data["map"] is False
    assert [c["code"] for c in data["children"]] == [t.nanling.code]
    assert data["children"][0]["screened"] == 1
    assert data["series"]["values"]["screened"][-3:] == [1, 1, 1]
    assert data["series"]["values"]["screened"][0] is None  # never computed: a gap
    assert 'data-kind="bar"' in html


def test_dashboard_shades_the_map_on_the_province_page(
    world: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    t = world.tree
    actions.refresh_grid_days(day=timezone.localdate())
    province = make_user(t.province, roles=["province_command"])
    page = _c(province).get(reverse("zeroreport:dashboard", args=[t.province.code]))
    html = page.content.decode()
    assert 'data-kind="map"' in html
    assert '"short_code": "2201"' in html


def test_dashboard_unknown_figure_and_update_now(world: SimpleNamespace) -> None:
    t = world.tree
    c = _c(world.county)
    url = reverse("zeroreport:dashboard", args=[t.nanguan.code])
    page = c.get(url, {"figure": "<script>"})
    assert page.status_code == 200 and "未知指标" in page.content.decode()

    before = AuditEvent.objects.count()
    done = c.post(reverse("zeroreport:refresh", args=[t.nanguan.code]), {"back": "dashboard"})
    assert done.status_code == 302 and done["Location"].startswith(url)
    assert GridDay.objects.filter(day=timezone.localdate()).count() == 3
    assert AuditEvent.objects.filter(action="grid_days.refresh").count() == 1
    assert AuditEvent.objects.count() == before + 1
    # a grid worker may not press "update now"
    assert (
        _c(world.worker).post(reverse("zeroreport:refresh", args=[t.grid1.code])).status_code == 403
    )


def test_division_page_links_to_the_rollup_and_dashboard(world: SimpleNamespace) -> None:
    t = world.tree
    html = _c(world.county).get(reverse("regions:division", args=[t.nanguan.code])).content
    assert reverse("zeroreport:rollup", args=[t.nanguan.code]).encode() in html
    assert reverse("zeroreport:dashboard", args=[t.nanguan.code]).encode() in html
    grid_html = _c(world.worker).get(reverse("regions:division", args=[t.grid1.code])).content
    assert reverse("zeroreport:grid", args=[t.grid1.code]).encode() in grid_html


def test_pages_are_safe_under_the_csp(world: SimpleNamespace) -> None:
    from fangkong.accounts.tests.test_security import assert_page_is_safe

    t = world.tree
    actions.refresh_grid_days(day=timezone.localdate())
    for user, url in (
        (world.worker, reverse("zeroreport:grid", args=[t.grid1.code])),
        (world.county, reverse("zeroreport:rollup", args=[t.huayang.code])),
        (world.county, reverse("zeroreport:dashboard", args=[t.nanguan.code])),
    ):
        response = _c(user).get(url)
        assert response.status_code == 200
        assert_page_is_safe(url, response)
