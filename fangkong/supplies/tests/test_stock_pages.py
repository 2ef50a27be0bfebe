"""The ledger as its users meet it: a facility reports its day's consumption and counts its
store on its page, its days of supply fall below the threshold and an alert reaches the supplies
office and the leader responsible for supplies; the API answers bad input with a message and
writes nothing; the nightly reconciliation says when a balance left its ledger."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import Role
from fangkong.command.tests.factories import make_group, make_member, make_responsibility
from fangkong.medical.tests.factories import make_hospital
from fangkong.notifications.models import Escalation, Notification
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import Movement, Stock, StockCount
from fangkong.supplies.tests.factories import make_facility_store, make_item, make_store, put


@pytest.fixture
def hospital(tree: Any) -> Any:
    return make_facility_store(make_hospital(tree.nanguan, "长春市传染病医院"))


def _consume(hospital: Any, item: Any, per_day: int, days: int = 7) -> None:
    """Consumption booked for each of the last ``days`` days (the week the mean is taken over)."""
    from django.db import transaction

    from fangkong.supplies.actions import post_movement

    today = timezone.localdate()
    with transaction.atomic():
        for back in range(days):
            post_movement(
                actor=None,
                store=hospital,
                item=item,
                kind=MovementKind.CONSUMPTION,
                delta=-per_day,
                day=today - dt.timedelta(days=back),
            )


def test_a_facility_reports_its_consumption_and_sees_its_days_of_supply(
    tree: Any, make_user: Any, client_for: Any, hospital: Any
) -> None:
    # given a hospital holding 1,000 N95 masks and its clinic staff
    n95 = make_item("n95")
    put(hospital, n95, 1000)
    staff = make_user(tree.nanguan, [Role.CLINIC_STAFF])
    client = client_for(staff)
    # when the staff report 100 masks used today on the store's page
    answer = client.post(
        f"/supplies/stores/{hospital.pk}/consumption/", {f"use-item_{n95.pk}": "100", "use-day": ""}
    )
    assert answer.status_code == 302
    # then 900 are on hand and the page shows 63 days of supply (900 / (100 / 7))
    page = client.get(f"/supplies/stores/{hospital.pk}/").content.decode()
    assert 'data-field="on_hand">900' in page
    assert 'data-field="days">63.0' in page
    assert Movement.objects.filter(store=hospital, kind=MovementKind.CONSUMPTION).count() == 1


def test_a_fraction_of_a_mask_is_refused_on_the_page_and_nothing_is_booked(
    tree: Any, make_user: Any, client_for: Any, hospital: Any
) -> None:
    n95 = make_item("n95")
    put(hospital, n95, 10)
    client = client_for(make_user(tree.nanguan, [Role.CLINIC_STAFF]))
    answer = client.post(
        f"/supplies/stores/{hospital.pk}/book/",
        {"kind": "issue", "item": str(n95.pk), "quantity": "2.5", "day": "", "reason": ""},
    )
    assert answer.status_code == 400
    assert (
        _("Enter a whole number of %(unit)s (no fractions).") % {"unit": "只"}
        in answer.content.decode()
    )
    assert Stock.objects.get(store=hospital, item=n95).on_hand == 10
    assert Movement.objects.filter(store=hospital).count() == 1


def test_a_stock_count_books_the_difference_and_keeps_the_count(
    tree: Any, make_user: Any, client_for: Any, hospital: Any
) -> None:
    n95, gown = make_item("n95"), make_item("gown")
    put(hospital, n95, 500)
    put(hospital, gown, 40)
    client = client_for(make_user(tree.nanguan, [Role.CLINIC_STAFF]))
    # when the shelves hold 480 masks and 40 gowns
    answer = client.post(
        f"/supplies/stores/{hospital.pk}/count/",
        {f"count-item_{n95.pk}": "480", f"count-item_{gown.pk}": "40", "count-note": "月底盘点"},
    )
    assert answer.status_code == 302
    # then the book says 480 masks (one correction of -20) and the gowns are untouched
    assert Stock.objects.get(store=hospital, item=n95).on_hand == 480
    correction = Movement.objects.get(store=hospital, kind=MovementKind.COUNT)
    assert (correction.quantity, correction.balance, correction.reason) == (-20, 480, "月底盘点")
    count = StockCount.objects.get()
    assert sorted((line.item.code, line.expected, line.counted) for line in count.lines.all()) == [
        ("GOWN", 40, 40),
        ("N95", 500, 480),
    ]


def test_running_short_alerts_the_supplies_office_and_the_leader_and_a_receipt_resolves_it(
    tree: Any, make_user: Any, client_for: Any, hospital: Any
) -> None:
    # given the city's supplies officer and the county's leader responsible for supplies
    officer = make_user(tree.changchun, [Role.SUPPLIES_OFFICER])
    group = make_group(tree.nanguan, "南关区疫情防控领导小组")
    leader = make_member(group, "王副区长", "副组长", "deputy", "13900000011")
    make_responsibility(leader, tree.nanguan, field="supplies")
    n95 = make_item("n95")
    put(hospital, n95, 1000)
    _consume(hospital, n95, 100, days=6)  # 400 left, 600 used in 6 days of the 7
    staff = make_user(tree.nanguan, [Role.CLINIC_STAFF])
    # when today's 300 are reported: 100 left for a mean of 900 / 7 a day = 0.8 days < 3
    client_for(staff).post(
        f"/supplies/stores/{hospital.pk}/consumption/", {f"use-item_{n95.pk}": "300"}
    )
    # then one escalation is open and the officer and the leader are notified
    escalation = Escalation.objects.get(resolved_at=None)
    assert escalation.field == "supplies"
    assert "长春市传染病医院" in escalation.title
    assert Notification.objects.filter(user=officer, key=escalation.key).exists()
    assert Notification.objects.filter(phone="13900000011").exists()
    # and the overview lists the store as running short
    overview = client_for(officer).get("/supplies/").content.decode()
    assert f'data-store="{hospital.pk}" data-item="N95"' in overview
    # when 5,000 masks arrive, the alert is resolved
    client_for(staff).post(
        f"/supplies/stores/{hospital.pk}/book/",
        {"kind": "receipt", "item": str(n95.pk), "quantity": "5000"},
    )
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None


def test_the_api_books_and_refuses_bad_input_without_writing(
    tree: Any, make_user: Any, client_for: Any, hospital: Any
) -> None:
    n95 = make_item("n95")
    put(hospital, n95, 50)
    client = client_for(make_user(tree.nanguan, [Role.CLINIC_STAFF]))
    url = f"/api/supplies/stores/{hospital.pk}/movements"

    def post(body: dict[str, Any]) -> Any:
        return client.post(url, json.dumps(body), content_type="application/json")

    ok = post({"kind": "issue", "item": "N95", "quantity": 20})
    assert ok.status_code == 201
    assert (ok.json()["quantity"], ok.json()["balance"]) == (-20, 30)
    for body, field in [
        ({"kind": "issue", "item": "N95", "quantity": 2.5}, "quantity"),
        ({"kind": "issue", "item": "N95", "quantity": -4}, "quantity"),
        ({"kind": "issue", "item": "N95", "quantity": 31}, "quantity"),
        ({"kind": "issue", "item": "NOPE", "quantity": 1}, "item"),
        ({"kind": "transfer_in", "item": "N95", "quantity": 1}, "kind"),
        ({"kind": "adjustment", "item": "N95", "quantity": -1}, "reason"),
    ]:
        refused = post(body)
        assert refused.status_code in (400, 422), body
        assert field in json.dumps(refused.json()), (body, refused.json())
    assert Stock.objects.get(store=hospital, item=n95).on_hand == 30
    assert Movement.objects.filter(store=hospital).count() == 2


def test_another_countys_store_is_not_found(
    tree: Any, make_user: Any, client_for: Any, hospital: Any
) -> None:
    n95 = make_item("n95")
    put(hospital, n95, 50)
    stranger = client_for(make_user(tree.changyi, [Role.CLINIC_STAFF]))
    assert stranger.get(f"/supplies/stores/{hospital.pk}/").status_code == 404
    answer = stranger.post(
        f"/api/supplies/stores/{hospital.pk}/movements",
        json.dumps({"kind": "issue", "item": "N95", "quantity": 1}),
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert Stock.objects.get(store=hospital, item=n95).on_hand == 50


def test_the_nightly_command_reports_a_balance_that_left_its_ledger(tree: Any) -> None:
    store = make_store(tree.changchun, "长春市物资储备库")
    n95 = make_item("n95")
    put(store, n95, 100)
    out = StringIO()
    call_command("reconcile_stock", stdout=out)
    Stock.objects.filter(store=store).update(on_hand=90)
    with pytest.raises(SystemExit) as failed:
        call_command("reconcile_stock", stdout=StringIO(), stderr=StringIO())
    assert failed.value.code == 1
