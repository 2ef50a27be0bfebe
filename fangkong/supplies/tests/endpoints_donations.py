"""The jurisdiction-matrix entries of donations (捐赠): a fresh donation received into a
warehouse of 南关区 for each call, and the public page (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

import datetime as dt

from fangkong.core.tests.endpoints import LIST, OWN, PUBLIC, SCOPED, Case, Target, World
from fangkong.supplies import donations
from fangkong.supplies.models import Donation
from fangkong.supplies.tests.factories import make_item, make_store

DAY = "2020-02-03"


def _donation(w: World) -> Donation:
    store = make_store(w.tree.nanguan, w.name("矩阵储备库"))
    return donations.record_donation(
        actor=w.user(w.tree.nanguan),
        donor=w.name("矩阵捐赠企业"),
        donor_kind="enterprise",
        received_on=dt.date(2020, 2, 3),
        store=store,
        receiving_org="南关区红十字会",
        lines={make_item("n95"): 500},
    )


def donations_listed(w: World) -> Target:
    donation = _donation(w)
    return Target(home=w.tree.nanguan, marker=donation.donor)


def donation_new(w: World) -> Target:
    store = make_store(w.tree.nanguan, w.name("矩阵储备库"))
    n95 = make_item("n95")
    data = {
        "donor": w.name("矩阵捐赠企业"),
        "donor_kind": "enterprise",
        "received_on": DAY,
        "receiving_org": "南关区红十字会",
        "public": "on",
        f"item_{n95.pk}": "300",
    }
    return Target(
        home=w.tree.nanguan,
        data={**data, "store": str(store.pk)},
        absent={**data, "store": "999999999"},
    )


def donation_new_api(w: World) -> Target:
    store = make_store(w.tree.nanguan, w.name("矩阵储备库"))
    make_item("n95")
    return Target(
        home=w.tree.nanguan,
        data={
            "donor": w.name("矩阵捐赠企业"),
            "donor_kind": "enterprise",
            "received_on": DAY,
            "store_id": store.pk,
            "receiving_org": "南关区红十字会",
            "lines": [{"item": "N95", "quantity": 300}],
        },
    )


def donation_page(w: World) -> Target:
    donation = _donation(w)
    return Target(home=w.tree.nanguan, args={"pk": donation.pk})


def distribute(w: World) -> Target:
    donation = _donation(w)
    target = make_store(w.tree.nanguan, w.name("矩阵医院库"))
    return Target(
        home=w.tree.nanguan,
        args={"pk": donation.pk},
        data={"target_store": str(target.pk), "item": str(make_item("n95").pk), "quantity": "100"},
    )


def distribute_api(w: World) -> Target:
    donation = _donation(w)
    target = make_store(w.tree.nanguan, w.name("矩阵医院库"))
    return Target(
        home=w.tree.nanguan,
        args={"pk": donation.pk},
        data={"target_store_id": target.pk, "item": "N95", "quantity": 100},
    )


NEW = "an empty form offering only the caller's own stores; no record"

CASES = [
    Case("supplies:donations", "GET", LIST, donations_listed),
    Case("supplies:donation_new", "GET", OWN, donation_new, reason=NEW),
    Case("supplies:donation_new", "POST", SCOPED, donation_new, ok=(302,), form_ref=True),
    Case("supplies:donation", "GET", SCOPED, donation_page),
    Case("supplies:donation_distribute", "POST", SCOPED, distribute, ok=(302,)),
    Case("GET /api/supplies/donations", "GET", LIST, donations_listed),
    Case("GET /api/supplies/donations/{pk}", "GET", SCOPED, donation_page),
    Case("POST /api/supplies/donations", "POST", SCOPED, donation_new_api, ok=(201,)),
    Case(
        "POST /api/supplies/donations/{pk}/distributions",
        "POST",
        SCOPED,
        distribute_api,
        ok=(201,),
    ),
    Case(
        "public:donations",
        "GET",
        PUBLIC,
        donations_listed,
        reason="the public list of donations and where they went, asked for by the public in 2020",
    ),
]
