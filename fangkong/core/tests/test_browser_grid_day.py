"""A grid worker's whole day in a real browser (browser.py), and the county seeing it rolled up.

The grid worker of 华阳社区 第一网格, on a phone, logs in and works through the day: screens a
newcomer from Hubei (the form says home medical observation, and why), records today's check-in
of a person already under observation, follows up a flagged traveller a checkpoint handed over,
marks a party member's care request done, and confirms the day with a note (a zero report is not
possible: a flagged traveller came in). The county command office of 南关区, on a desktop, then
sees the grid confirmed and the figures rolled up county › township › village › grid, presses
"update now" and reads the dashboard.

The records the worker starts from are made through the application's actions, not the UI.
Assertions use URLs, form field ids, data- attributes and values (not interface wording), so
they hold in either language.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from conftest import TEST_PASSWORD
from fangkong.accounts.roles import Role
from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind, CareStatus
from fangkong.care.models import CareRequest
from fangkong.care.tests.factories import add_party_member, add_person
from fangkong.checkpoints.choices import HandoverStatus
from fangkong.checkpoints.tests.factories import flag_traveller_from_wuhan
from fangkong.core.tests.browser import CSP_LISTENER, TIMEOUT_MS, UI, VIEWPORTS
from fangkong.observation import actions as observation_actions
from fangkong.observation.models import CheckIn, Observation
from fangkong.observation.selectors import EVENING_HOUR
from fangkong.people.idcard import compose_resident_id
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import hubei, screen
from fangkong.zeroreport.choices import Figure
from fangkong.zeroreport.models import GridDay

pytestmark = pytest.mark.browser

COLUMNS = ["name", "confirmed", *(f.value for f in Figure)]  # the roll-up table's columns


def newcomer_missed() -> int:
    """The newcomer's observation starts today: its check-in for today counts as missed only
    from 20:00 (the observation to-do's rule, which the day's figures follow)."""
    return int(timezone.localtime().hour >= EVENING_HOUR)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def open_nav(ui: UI, href: str) -> None:
    """Follow a navigation entry (behind the menu button on a phone)."""
    if ui.is_phone:
        ui.page.click(".menu-toggle")
    with ui.page.expect_navigation():
        ui.page.click(f"#mainnav a[href='{href}']")
    assert ui.path().split("?")[0] == href


def figure_values(ui: UI) -> dict[str, int]:
    """The figures on a grid's day page, by key."""
    out: dict[str, int] = {}
    for link in ui.page.locator("#today [data-figure]").all():
        out[str(link.get_attribute("data-figure"))] = int(link.locator("b").inner_text())
    return out


def rollup_row(ui: UI, code: str) -> dict[str, str]:
    """One row of a roll-up table (a child division, or ``total``), by column."""
    row = ui.page.locator(f"table.zr-rollup tr[data-code='{code}']")
    cells = [c.strip() for c in row.locator("td, th").all_inner_texts()]
    return dict(zip(COLUMNS, cells, strict=True))


@contextmanager
def desktop(browser: Any, base_url: str, name: str) -> Iterator[UI]:
    """A second person at a desktop browser, with the same checks as the ``ui`` fixture."""
    width, height = VIEWPORTS["desktop"]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        device_scale_factor=1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    other = UI(context.new_page(), base_url, name, "desktop")
    try:
        yield other
        other.assert_clean()
    except BaseException:
        print(f"\nbrowser artifacts: {other.save_artifacts()}")
        raise
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_grid_workers_day_on_a_phone_rolls_up_to_the_county(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any], browser: Any
) -> None:
    t = live_tree
    today = timezone.localdate()
    page = ui.page
    # given the grid worker of 第一网格, the county command office of 南关区, and the province,
    # which has declared 湖北省 a key area
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge", full_name="王网格")
    make_user(t.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan", full_name="南关指挥部")
    province = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    hubei(t.province, actor=province)
    # ... 李桂英 under home observation in 第一网格 for 3 days, checked in every day but today
    watched = add_person(t.grid1, "李桂英", "华阳街1号")
    observation, _ = observation_actions.start_observation(
        actor=worker,
        person=watched,
        grid=t.grid1,
        last_exposure=days_ago(2),
        start_date=days_ago(2),
        reason="密切接触者",
    )
    for n in (2, 1):
        observation_actions.record_check_in(
            actor=worker,
            observation=observation,
            temperature="36.5",
            client_uuid=uuid.uuid4(),
            day=days_ago(n),
        )
    # ... a traveller from 武汉 whom a checkpoint of 南关区 flagged and handed to 第一网格
    staff = make_user(t.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")
    handover = flag_traveller_from_wuhan(t.nanguan, t.grid1, actor=staff)
    # ... an open care request of 第一网格, given to the grid's party member
    member = add_party_member(t.huayang, "张志强", "13900000001", t.grid1)
    care = care_actions.create_care_request(
        actor=worker,
        grid=t.grid1,
        person=watched,
        kind=CareKind.MEDICINE,
        description="降压药只剩一天的量，需代购。",
    )
    care_actions.assign_care_request(actor=worker, care=care, staff=member)
    # ... and a screening in the neighbouring 第二网格, which has not confirmed its day
    screen(t.grid2)

    # when the grid worker logs in on their phone
    ui.login("wangge", TEST_PASSWORD)

    # and registers a newcomer from Hubei (Screening › New)
    open_nav(ui, "/screening/")
    with page.expect_navigation():
        page.click("main a[href^='/screening/new/']")
    assert page.locator("input[type=hidden][name=grid]").input_value() == t.grid1.code
    newcomer_id = compose_resident_id("420106", dt.date(1990, 5, 17), 123)
    page.fill("#id_doc_number", newcomer_id)
    page.locator("#id_doc_number").dispatch_event("change")
    page.wait_for_selector("#person-lookup [data-lookup='new']")
    page.fill("#id_name", "赵敏")
    page.fill("#id_phone", "13904310099")
    page.fill("#id_address", "华阳小区5栋1单元202")
    page.fill("#id_temperature", "36.7")
    page.fill("#id_arrival_date", days_ago(3).isoformat())
    page.select_option("#id_origin_code", "42")
    page.select_option("#id_transport", "train")
    page.fill("#id_transport_number", "G1234")
    page.locator("#id_transport_number").dispatch_event("change")

    # then, before saving, the form says home medical observation and why: arrived from 湖北省
    page.wait_for_selector("#assessment [data-outcome='home_observation']")
    assert page.locator("#assessment .outcome strong").inner_text() == "居家医学观察"
    reasons = page.locator("#assessment .reasons li").all_inner_texts()
    assert any("湖北省" in r and days_ago(3).isoformat() in r for r in reasons), reasons
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("screening-previewed")
    with page.expect_navigation():
        page.click("#screening-form button[type=submit]")

    # and the record says the same, with the observation it started
    screening = Screening.objects.get(person__doc_number=newcomer_id)
    assert ui.path() == screening.get_absolute_url()
    assert page.locator("[data-outcome]").get_attribute("data-outcome") == "home_observation"
    assert any("湖北省" in r for r in page.locator(".reasons li").all_inner_texts())
    assert page.locator("[data-observation]").count() == 1
    ui.step("screening-record")

    # when they open 李桂英's observation from the observation list and record today's check-in
    open_nav(ui, "/observation/")
    with page.expect_navigation():
        page.locator(f"tr[data-observation='{observation.pk}'] a.row-link").click()
    assert ui.path() == observation.get_absolute_url()
    today_cell = page.locator(f".calendar [data-day='{today.isoformat()}']")
    assert today_cell.get_attribute("data-state") == "due"
    assert page.locator("#id_day").input_value() == today.isoformat()
    page.fill("#id_temperature", "36.4")
    ui.assert_touch_targets()
    ui.step("check-in-form")
    with page.expect_navigation():
        page.click(".check-in-form button[type=submit]")

    # then today's day in the calendar is in, with the temperature
    assert ui.path() == observation.get_absolute_url()
    assert today_cell.get_attribute("data-state") == "ok"
    assert "36.4" in today_cell.inner_text()
    ui.step("checked-in")

    # when they open the flagged traveller from their to-do list and mark them visited
    open_nav(ui, "/checkpoints/todo/")
    rows = page.locator("table.todo tbody tr")
    assert rows.count() == 1 and "周强" in rows.first.inner_text()
    with page.expect_navigation():
        rows.first.locator("a.row-link").click()
    assert ui.path() == handover.get_absolute_url()
    page.select_option("#id_outcome", "visited")
    page.fill("#id_note", "已上门测温36.6℃，无症状，已告知居家观察要求")
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("handover")
    with page.expect_navigation():
        page.locator("main form:not(.reveal) button[type=submit]").click()

    # then the to-do list is empty
    assert ui.path() == "/checkpoints/todo/"
    assert page.locator("table.todo tbody tr").count() == 0
    ui.step("handover-handled")

    # when they open their grid's care requests and mark the party member's one done
    grid_care = f"/care/grids/{t.grid1.code}/"
    open_nav(ui, grid_care)
    assert "张志强" in page.locator(".care-items").inner_text()
    with page.expect_navigation():
        page.locator(f".care-items a[href^='/care/{care.pk}/done/']").click()
    page.fill("#id_note", "张志强已代购降压药送到家中。")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # then nothing is open in the grid any more
    assert ui.path() == grid_care
    assert page.locator(".care-items").count() == 0
    ui.step("care-done")

    # when they open the day page from the menu ("Daily report")
    grid_day = f"/zero/grids/{t.grid1.code}/"
    open_nav(ui, grid_day)

    # then it counts the day from the records: the screening, 2 people under observation (the
    # newcomer's first check-in is missed only from 20:00), the traveller received, no care
    # request open; the flagged traveller they handled counts as handled, no longer pending
    missed = newcomer_missed()
    assert figure_values(ui) == {
        "screened": 1,
        "fever_found": 0,
        "observations_active": 2,
        "check_ins_missed": missed,
        "passages_pending": 0,
        "passages_handled": 1,
        "care_open": 0,
    }
    assert page.locator("#state [data-state='unconfirmed']").count() == 1
    # and, the traveller handled, offers the zero report unless a check-in is missed (evening);
    # they confirm the figures with a note on what was done
    assert page.locator("#zero-report").count() == (0 if missed else 1)
    ui.assert_fits_width()
    ui.assert_touch_targets()
    ui.step("grid-day")
    note = "新到湖北返乡人员赵敏已居家观察，明早首次打卡；卡口移交周强已上门核查。"
    page.fill("#confirm textarea[name=note]", note)
    with page.expect_navigation():
        page.click("#confirm-figures")

    # then the day is confirmed, by them, with the note
    assert ui.path() == grid_day
    assert page.locator("#state [data-state='confirmed']").count() == 1
    confirmed_note = page.locator("#confirmed-note").inner_text()
    assert "王网格" in confirmed_note and note in confirmed_note
    assert page.locator(f"tr[data-day='{today.isoformat()}'] [data-state='confirmed']").count()
    ui.assert_touch_targets()
    ui.step("grid-day-confirmed")

    with desktop(browser, ui.base_url, f"{ui.name}-county") as county:
        cpage = county.page
        # when the county command office logs in at its desk and opens "Daily report"
        county.login("nanguan", TEST_PASSWORD)
        county_rollup = f"/zero/d/{t.nanguan.code}/"
        open_nav(county, county_rollup)

        # then 南岭街道 has 1 of its 2 grids confirmed, with 第一网格's confirmed figures, and
        # 第二网格 is listed as not confirmed
        township = rollup_row(county, t.nanling.code)
        assert township["confirmed"] == "1/2"
        assert (township["screened"], township["passages_pending"]) == ("1", "0")
        assert township["passages_handled"] == "1"
        unconfirmed = cpage.locator("#unconfirmed")
        assert unconfirmed.locator(f"[data-grid='{t.grid2.code}']").count() == 1
        assert unconfirmed.locator(f"[data-grid='{t.grid1.code}']").count() == 0
        county.step("county-rollup")

        # when it presses "update now"
        with cpage.expect_navigation():
            cpage.click("#refresh")

        # then 第二网格's screening is counted too, and the total is the township's
        assert county.path() == county_rollup
        township = rollup_row(county, t.nanling.code)
        assert (township["confirmed"], township["screened"]) == ("1/2", "2")
        total = rollup_row(county, "total")
        assert {k: v for k, v in total.items() if k != "name"} == {
            k: v for k, v in township.items() if k != "name"
        }
        county.step("county-updated")

        # and, going down to the township and the village, the same figures roll up
        with cpage.expect_navigation():
            cpage.locator(f"tr[data-code='{t.nanling.code}'] a.row-link").click()
        village = rollup_row(county, t.huayang.code)
        assert (village["confirmed"], village["screened"]) == ("1/2", "2")
        assert (village["passages_pending"], village["passages_handled"]) == ("0", "1")
        with cpage.expect_navigation():
            cpage.locator(f"tr[data-code='{t.huayang.code}'] a.row-link").click()
        assert county.path() == f"/zero/d/{t.huayang.code}/?day={today.isoformat()}"
        grid1 = rollup_row(county, t.grid1.code)
        assert grid1["confirmed"] == "1/1"
        assert (grid1["screened"], grid1["care_open"]) == ("1", "0")
        assert grid1["check_ins_missed"] == str(missed)
        grid2 = rollup_row(county, t.grid2.code)
        assert (grid2["confirmed"], grid2["screened"]) == ("0/1", "1")
        county.step("village-rollup")

        # when it opens the county's dashboard
        county.goto(county_rollup)
        with cpage.expect_navigation():
            cpage.locator(f"main a[href='/zero/d/{t.nanguan.code}/dashboard/']").first.click()
        cpage.wait_for_selector("#zr-by-child[data-ready='1']", state="attached")
        cpage.wait_for_selector("#zr-trend[data-ready='1']", state="attached")

        # then today's screened figure counts today's two screenings, the worker's included
        assert cpage.locator("[data-total='screened'] b").inner_text() == "2"
        assert cpage.locator("[data-total='passages_handled'] b").inner_text() == "1"
        assert cpage.locator("[data-total='passages_pending'] b").inner_text() == "0"
        county.assert_fits_width()
        county.step("county-dashboard")

    # and the database holds what the screens said
    assert screening.grid == t.grid1 and screening.created_by == worker
    assert screening.outcome == "home_observation"
    assert Observation.objects.filter(person=screening.person, grid=t.grid1).count() == 1
    stored = CheckIn.objects.get(observation=observation, day=today)
    assert (stored.temperature, stored.source) == (Decimal("36.4"), "worker")
    handover.refresh_from_db()
    assert (handover.status, handover.outcome, handover.handled_by) == (
        HandoverStatus.HANDLED,
        "visited",
        worker,
    )
    care = CareRequest.objects.get(pk=care.pk)
    assert (care.status, care.assignee, care.close_note) == (
        CareStatus.DONE,
        member,
        "张志强已代购降压药送到家中。",
    )
    day = GridDay.objects.get(grid=t.grid1, day=today)
    assert day.confirmed_at is not None and day.confirmed_by == worker
    assert not day.zero_report and day.note == note
    assert (day.screened, day.passages_pending, day.passages_handled) == (1, 0, 1)
    assert day.check_ins_missed == missed
