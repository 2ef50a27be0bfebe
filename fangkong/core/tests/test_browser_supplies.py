"""Issue #12, done means, in a real browser (browser.py), each step by the role that takes it: a
designated hospital runs short of N95 masks and requests them; the city approves, allocates part
from its warehouse and forwards the rest; the province approves part of that and allocates it from
its reserve; both are shipped; the hospital confirms what arrived and its days of supply recover.
Then a producer's output (reported with its machine token) and a donation flow into stock, and
the donation with where it went appears on the public page, without login.

On the small Jilin tree of the root conftest (吉林省 › 长春市 › 南关区). Desktop size: office
screens; each new kind of screen is checked with axe (WCAG 2.1 A/AA).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import TEST_PASSWORD
from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import UI
from fangkong.medical.tests.factories import make_hospital
from fangkong.notifications.models import Escalation
from fangkong.supplies import production
from fangkong.supplies.actions import post_movement
from fangkong.supplies.choices import MovementKind, RequestState, ShipmentState
from fangkong.supplies.models import Movement, Shipment, Stock, SupplyRequest
from fangkong.supplies.tests.factories import make_facility_store, make_item, make_store, put

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["desktop"], indirect=True)]


def _as(ui: UI, user: Any) -> None:
    ui.page.context.clear_cookies()
    ui.login_as(user)


def _click(ui: UI, selector: str) -> None:
    with ui.page.expect_navigation():
        ui.page.locator(selector).first.click()


def _messages(ui: UI) -> str:
    box = ui.page.locator("main ul.messages")
    return box.inner_text() if box.count() else ""


def _on_hand(store: Any, item: Any) -> int:
    return int(Stock.objects.get(store=store, item=item).on_hand)


def test_a_hospital_short_of_masks_is_supplied_by_the_city_and_the_province(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = live_tree
    page = ui.page
    today = timezone.localdate()
    n95 = make_item("n95", alert_days=3)
    hospital = make_facility_store(make_hospital(t.nanguan, "长春市传染病医院"))
    city = make_store(t.changchun, "长春市物资储备库")
    reserve = make_store(t.province, "吉林省应急物资储备库")
    put(city, n95, 2_000)
    put(reserve, n95, 50_000)
    # the hospital had 5,000 masks and used 600 a day for the last 7 days: 800 left, 1.3 days
    put(hospital, n95, 5_000)
    with transaction.atomic():
        for back in range(7):
            post_movement(
                actor=None, store=hospital, item=n95, kind=MovementKind.CONSUMPTION,
                delta=-600, day=today - dt.timedelta(days=back),
            )  # fmt: skip
    dingdian = make_user(t.nanguan, roles=[Role.CLINIC_STAFF], username="dingdian")
    wuzi = make_user(t.changchun, roles=[Role.SUPPLIES_OFFICER], username="wuzi")
    sheng = make_user(t.province, roles=[Role.SUPPLIES_OFFICER], username="sheng-wuzi")

    # --- the hospital sees it is short and requests 6,000 masks ----------------------------
    ui.login("dingdian", TEST_PASSWORD)
    ui.goto(f"/supplies/stores/{hospital.pk}/")
    row = page.locator("table.stock tr[data-item='N95']")
    assert "warn" in (row.get_attribute("class") or ""), "marked short"
    assert row.locator("[data-field='days']").inner_text().startswith("1.3")
    ui.assert_accessible()
    ui.step("hospital-short")
    _click(ui, "a[href*='/supplies/requests/new/']")
    assert page.locator("select[name='store']").input_value() == str(hospital.pk)
    page.fill(f"input[name='item_{n95.pk}']", "6000")
    page.select_option("select[name='urgency']", "critical")
    page.fill("input[name='reason']", "医用防护口罩仅余不足2天用量")
    ui.assert_accessible()
    _click(ui, "form button.primary")
    asked = SupplyRequest.objects.get(store=hospital, forwarded_from=None)
    assert ui.path() == asked.get_absolute_url(), _messages(ui)
    assert asked.addressed_to == t.changchun and asked.state == RequestState.SUBMITTED

    # --- the city approves it, allocates 2,000 from its warehouse and forwards the rest ------
    _as(ui, wuzi)
    ui.goto("/supplies/requests/")
    assert page.locator(f"[data-request='{asked.pk}']").count() == 1, "on the city's list"
    ui.goto(asked.get_absolute_url())
    ui.assert_accessible()
    _click(ui, f"form[action$='/requests/{asked.pk}/decide/'] button.primary")
    asked.refresh_from_db()
    assert asked.state == RequestState.APPROVED, _messages(ui)
    line = asked.lines.get()
    page.fill(f"input[name='alloc_{line.pk}_{city.pk}']", "2000")
    _click(ui, f"form[action$='/requests/{asked.pk}/allocate/'] button")
    page.fill("#forward-reason", "市级储备不足，其余4000只报省级调拨")
    _click(ui, f"form[action$='/requests/{asked.pk}/forward/'] button")
    forwarded = SupplyRequest.objects.get(forwarded_from=asked)
    assert forwarded.addressed_to == t.province
    assert forwarded.lines.get().quantity == 4_000
    city_shipment = Shipment.objects.get(request=asked)
    _click(ui, f"form[action$='/shipments/{city_shipment.pk}/ship/'] button")
    assert _on_hand(city, n95) == 0, "the city's 2,000 left its warehouse"
    ui.step("city-allocated-and-forwarded")

    # --- the province approves 3,000 of the 4,000 and ships them from its reserve -----------
    _as(ui, sheng)
    ui.goto(forwarded.get_absolute_url())
    page.fill(f"input[name='item_{n95.pk}']", "3000")
    page.fill("#decide-reason", "省级储备优先保障重症救治，先拨3000只")
    _click(ui, f"form[action$='/requests/{forwarded.pk}/decide/'] button.primary")
    forwarded.refresh_from_db()
    assert forwarded.state == RequestState.PARTLY_APPROVED, _messages(ui)
    line = forwarded.lines.get()
    page.fill(f"input[name='alloc_{line.pk}_{reserve.pk}']", "3000")
    _click(ui, f"form[action$='/requests/{forwarded.pk}/allocate/'] button")
    province_shipment = Shipment.objects.get(request=forwarded)
    _click(ui, f"form[action$='/shipments/{province_shipment.pk}/ship/'] button")
    assert _on_hand(reserve, n95) == 47_000
    ui.step("province-shipped")

    # --- the hospital confirms both: 2,000 and 2,950 of the 3,000 arrived -------------------
    _as(ui, dingdian)
    ui.goto(asked.get_absolute_url())
    _click(ui, f"form[action$='/shipments/{city_shipment.pk}/receive/'] button")
    ui.goto(forwarded.get_absolute_url())
    page.fill(f"#received-{province_shipment.pk}", "2950")
    _click(ui, f"form[action$='/shipments/{province_shipment.pk}/receive/'] button")
    province_shipment.refresh_from_db()
    assert province_shipment.state == ShipmentState.RECEIVED
    assert province_shipment.received_quantity == 2_950
    assert _on_hand(hospital, n95) == 800 + 2_000 + 2_950
    # its days of supply recover (5,750 / 600 = 9.6) and the alert is resolved
    ui.goto(f"/supplies/stores/{hospital.pk}/")
    row = page.locator("table.stock tr[data-item='N95']")
    assert "warn" not in (row.get_attribute("class") or "")
    assert row.locator("[data-field='days']").inner_text().startswith("9.6")
    assert not Escalation.objects.filter(key__startswith="supplies:low:", resolved_at=None).exists()
    ui.step("hospital-recovered")

    # --- a producer reports its output with its machine token: it enters the reserve --------
    producer = production.register_producer(
        actor=sheng,
        data={
            "name": "长春示范医用防护用品厂", "division": t.changchun, "delivers_to": reserve,
            "contact_name": "调度专员", "phone": "13900000021",
        },
    )  # fmt: skip
    production.set_capacity(actor=sheng, producer=producer, item=n95, daily_capacity=20_000)
    _token, raw = production.create_producer_token(actor=sheng, producer=producer, name="ERP")
    page.context.clear_cookies()
    answer = page.request.post(
        ui.url(f"/api/supplies/producers/{producer.pk}/output"),
        headers={"Authorization": f"Bearer {raw}"},
        data={"item": "N95", "day": today.isoformat(), "quantity": 15_000},
    )
    assert answer.status == 201, answer.text()
    assert _on_hand(reserve, n95) == 47_000 + 15_000

    # --- a donation is received, passed on to the hospital, and shown in public -------------
    _as(ui, sheng)
    ui.goto("/supplies/donations/new/")
    page.fill("input[name='donor']", "示范商会（长春）")
    page.select_option("select[name='donor_kind']", "organisation")
    page.fill("input[name='received_on']", today.isoformat())
    page.select_option("select[name='store']", str(reserve.pk))
    page.fill("input[name='receiving_org']", "吉林省红十字会")
    page.fill(f"input[name='item_{n95.pk}']", "10000")
    ui.assert_accessible()
    _click(ui, "main form button.primary")
    assert _on_hand(reserve, n95) == 72_000, _messages(ui)
    page.select_option("select[name='target_store']", str(hospital.pk))
    page.select_option("select[name='item']", str(n95.pk))
    page.fill("input[name='quantity']", "4000")
    _click(ui, "form[action$='/distribute/'] button")
    assert _on_hand(hospital, n95) == 5_750 + 4_000, _messages(ui)
    assert (
        Movement.objects.filter(donation__isnull=False, kind=MovementKind.TRANSFER_IN).count() == 1
    )
    page.context.clear_cookies()
    ui.goto("/public/donations/")
    assert "/accounts/login" not in ui.path(), "no login needed"
    body = page.locator("main").inner_text()
    assert "示范商会（长春）" in body and "吉林省红十字会" in body
    assert "长春市传染病医院" in body and "4,000" in body.replace("4000", "4,000")
    ui.assert_accessible()
    ui.step("public-donations")
