"""Donations (捐赠): a donation flows into stock, is passed on through the ledger, and the public
page shows, without login, what was given and where it went."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from conftest import database_vendor
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.medical.tests.factories import make_hospital
from fangkong.supplies import donations
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import Donation, DonationLine, Movement, Stock
from fangkong.supplies.tests.factories import make_facility_store, make_item, make_store, put

DAY = dt.date(2020, 2, 3)


@pytest.fixture
def officer(tree: Any, make_user: Any) -> Any:
    return make_user(tree.changchun, [Role.SUPPLIES_OFFICER])


@pytest.fixture
def reserve(tree: Any) -> Any:
    return make_store(tree.changchun, "长春市物资储备库")


@pytest.fixture
def hospital_store(tree: Any) -> Any:
    return make_facility_store(make_hospital(tree.nanguan, "长春市传染病医院"))


def _donate(officer: Any, store: Any, donor: str = "某某科技有限公司", **extra: Any) -> Donation:
    args: dict[str, Any] = {
        "donor_kind": "enterprise",
        "received_on": DAY,
        "receiving_org": "长春市红十字会",
        "lines": {make_item("n95"): 5000, make_item("gown"): 300},
        **extra,
    }
    return donations.record_donation(actor=officer, donor=donor, store=store, **args)


def test_a_donation_flows_into_stock_and_the_ledger_carries_it(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    n95 = make_item("n95")
    response = client_for(officer).post(
        reverse("supplies:donation_new"),
        {
            "donor": "某某科技有限公司",
            "donor_kind": "enterprise",
            "received_on": "2020-02-03",
            "store": reserve.pk,
            "receiving_org": "长春市红十字会",
            "public": "on",
            f"item_{n95.pk}": "5000",
        },
    )
    assert response.status_code == 302
    donation = Donation.objects.get()
    assert Stock.objects.get(store=reserve, item=n95).on_hand == 5000
    movement = Movement.objects.get()
    assert (movement.kind, movement.quantity, movement.donation_id, movement.day) == (
        MovementKind.DONATION,
        5000,
        donation.pk,
        DAY,
    )
    assert AuditEvent.objects.filter(action="supplies.donation_record").count() == 1


@pytest.mark.parametrize("bad", ["-5", "2.5", "abc", "0"])
def test_a_donation_with_a_bad_quantity_is_refused_and_writes_nothing(
    tree: Any, officer: Any, reserve: Any, bad: str
) -> None:
    with pytest.raises(ActionError) as refused:
        donations.record_donation(
            actor=officer, donor="某公司", donor_kind="enterprise", received_on=DAY,
            store=reserve, receiving_org="红十字会", lines={make_item("n95"): bad},
        )  # fmt: skip
    assert refused.value.field == f"item_{make_item('n95').pk}"
    assert not Donation.objects.exists() and not Movement.objects.exists()


def test_a_donation_into_another_jurisdictions_store_is_refused(tree: Any, make_user: Any) -> None:
    county = make_user(tree.nanguan, [Role.SUPPLIES_OFFICER])
    elsewhere = make_store(tree.changyi, "昌邑区仓库")
    with pytest.raises(OutOfJurisdiction):
        _donate(county, elsewhere)
    assert not Donation.objects.exists() and not Movement.objects.exists()


def test_passing_on_a_donation_moves_stock_and_counts_what_was_passed_on(
    tree: Any, officer: Any, reserve: Any, hospital_store: Any, client_for: Any
) -> None:
    donation = _donate(officer, reserve)
    n95 = make_item("n95")
    response = client_for(officer).post(
        reverse("supplies:donation_distribute", args=[donation.pk]),
        {"target_store": hospital_store.pk, "item": n95.pk, "quantity": "2000"},
    )
    assert response.status_code == 302
    assert Stock.objects.get(store=reserve, item=n95).on_hand == 3000
    assert Stock.objects.get(store=hospital_store, item=n95).on_hand == 2000
    assert DonationLine.objects.get(donation=donation, item=n95).distributed == 2000
    inward = Movement.objects.get(kind=MovementKind.TRANSFER_IN)
    assert (inward.store_id, inward.donation_id, inward.counterpart_id) == (
        hospital_store.pk,
        donation.pk,
        reserve.pk,
    )


def test_passing_on_more_than_was_donated_is_refused(
    tree: Any, officer: Any, reserve: Any, hospital_store: Any
) -> None:
    donation = _donate(officer, reserve)
    n95 = make_item("n95")
    donations.distribute_donation(
        actor=officer, donation=donation, target_store=hospital_store, item=n95, quantity_value=4000
    )
    # the reserve holds more masks than the donation (a receipt of its own)
    put(reserve, n95, 10_000)
    with pytest.raises(ActionError) as refused:
        donations.distribute_donation(
            actor=officer, donation=donation, target_store=hospital_store, item=n95,
            quantity_value=1001,
        )  # fmt: skip
    assert refused.value.code == "over_donation"
    assert "1,000" in refused.value.message
    assert DonationLine.objects.get(donation=donation, item=n95).distributed == 4000
    assert Stock.objects.get(store=hospital_store, item=n95).on_hand == 4000


def test_passing_on_an_item_not_donated_or_to_another_jurisdiction_is_refused(
    tree: Any, officer: Any, reserve: Any, make_user: Any
) -> None:
    donation = _donate(officer, reserve)
    goggles = make_item("goggles")
    with pytest.raises(ActionError) as refused:
        donations.distribute_donation(
            actor=officer, donation=donation, target_store=make_store(tree.changchun, "二库"),
            item=goggles, quantity_value=1,
        )  # fmt: skip
    assert refused.value.code == "item_not_donated"
    elsewhere = make_store(tree.changyi, "昌邑区仓库")
    with pytest.raises(OutOfJurisdiction):
        donations.distribute_donation(
            actor=officer, donation=donation, target_store=elsewhere, item=make_item("n95"),
            quantity_value=1,
        )  # fmt: skip
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER_IN).exists()


def test_the_api_refuses_passing_on_more_than_donated_and_writes_nothing(
    tree: Any, officer: Any, reserve: Any, hospital_store: Any, client_for: Any
) -> None:
    donation = _donate(officer, reserve)
    response = client_for(officer).post(
        f"/api/supplies/donations/{donation.pk}/distributions",
        json.dumps({"target_store_id": hospital_store.pk, "item": "GOWN", "quantity": 301}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "over_donation"
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER_IN).exists()


def test_the_public_page_shows_public_donations_and_where_they_went_without_login(
    tree: Any, officer: Any, reserve: Any, hospital_store: Any
) -> None:
    # given a public donation, part of it passed on to a hospital, and a donation kept private
    shown = _donate(officer, reserve, "某某科技有限公司")
    _donate(officer, reserve, "不公开的捐赠人", public=False)
    donations.distribute_donation(
        actor=officer, donation=shown, target_store=hospital_store, item=make_item("n95"),
        quantity_value=2000,
    )  # fmt: skip
    # when an anonymous visitor opens the public page
    response = Client().get(reverse("public:donations"))
    # then it shows the donor, the date, the items, the receiving organisation and the hospital
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("某某科技有限公司", "2020-02-03", "医用防护口罩 5000", "长春市红十字会"):
        assert expected in text
    went = response.context["rows"][0][1]
    assert [(w.store, w.item, w.quantity) for w in went] == [
        ("长春市传染病医院", "医用防护口罩", 2000)
    ]
    # and not the private donation, nor who recorded it
    assert "不公开的捐赠人" not in text
    assert officer.username not in text
    assert "Content-Security-Policy" in response.headers


def test_the_public_page_runs_the_same_queries_for_one_donation_or_a_full_page(
    tree: Any, officer: Any, reserve: Any, hospital_store: Any, django_assert_num_queries: Any
) -> None:
    first = _donate(officer, reserve, "捐赠人0")
    donations.distribute_donation(
        actor=officer, donation=first, target_store=hospital_store, item=make_item("n95"),
        quantity_value=10,
    )  # fmt: skip
    client = Client()
    with django_assert_num_queries(4):  # count, donations, their lines with items, destinations
        client.get(reverse("public:donations"))
    for n in range(1, 25):
        _donate(officer, reserve, f"捐赠人{n}")
    with django_assert_num_queries(4):
        response = client.get(reverse("public:donations"))
    assert len(response.context["rows"]) == 20
    assert response.context["page"].has_next()


def test_the_internal_list_is_of_the_users_area_only(
    tree: Any, officer: Any, reserve: Any, make_user: Any, client_for: Any
) -> None:
    _donate(officer, reserve, "长春的捐赠")
    jilin = make_user(tree.jilin_city, [Role.SUPPLIES_OFFICER])
    text = client_for(jilin).get(reverse("supplies:donations")).content.decode()
    assert "长春的捐赠" not in text
    assert "长春的捐赠" in client_for(officer).get(reverse("supplies:donations")).content.decode()


THREADS = 20


def _at_once(call: Any) -> list[str]:
    """``THREADS`` threads, each on its own connection, call at the same moment; each outcome is
    "ok" or the refusal's code."""
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            connections["default"].ensure_connection()
            start.wait(timeout=60)
            call()
            outcome = "ok"
        except ActionError as refused:
            outcome = refused.code
        except Exception as error:
            outcome = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    connection.close()
    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.skipif(database_vendor() != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_passing_on_never_exceeds_the_donation(tree: Any, make_user: Any) -> None:
    # given a donation of 100 masks into a reserve that holds 10,000 more of its own
    officer = make_user(tree.changchun, [Role.SUPPLIES_OFFICER])
    reserve = make_store(tree.changchun, "长春市物资储备库")
    hospital = make_store(tree.changchun, "市医院库")
    n95 = make_item("n95")
    put(reserve, n95, 10_000)
    donation = donations.record_donation(
        actor=officer, donor="某公司", donor_kind="enterprise", received_on=DAY,
        store=reserve, receiving_org="红十字会", lines={n95: 100},
    )  # fmt: skip
    # when 20 requests pass on 10 each at the same moment (200 asked of 100)
    outcomes = _at_once(
        lambda: donations.distribute_donation(
            actor=officer, donation=donation, target_store=hospital, item=n95, quantity_value=10
        )
    )
    # then exactly 10 pass, the others are refused, and the hospital got exactly the donation
    assert Counter(outcomes) == {"ok": 10, "over_donation": 10}
    assert DonationLine.objects.get(donation=donation).distributed == 100
    assert Stock.objects.get(store=hospital, item=n95).on_hand == 100


@pytest.mark.skipif(database_vendor() != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_of_the_same_day_book_the_output_once(tree: Any, make_user: Any) -> None:
    from fangkong.supplies import production
    from fangkong.supplies.models import OutputReport

    officer = make_user(tree.changchun, [Role.SUPPLIES_OFFICER])
    reserve = make_store(tree.changchun, "长春市物资储备库")
    n95 = make_item("n95")
    producer = production.register_producer(
        actor=None,
        data={"name": "甲厂", "delivers_to": reserve, "contact_name": "王", "phone": "13900000001"},
    )
    production.set_capacity(actor=None, producer=producer, item=n95, daily_capacity=1000)
    outcomes = _at_once(
        lambda: production.report_output(
            actor=officer, producer=producer, item=n95, day=DAY, quantity_value=500
        )
    )
    assert Counter(outcomes) == {"ok": 1, "output_reported": THREADS - 1}
    assert OutputReport.objects.count() == 1
    assert Stock.objects.get(store=reserve, item=n95).on_hand == 500
