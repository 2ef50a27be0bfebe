"""The jurisdiction-matrix entries of production dispatch (生产调度): a fresh producer of 南关区
delivering to a warehouse of 南关区 for each call (see fangkong/core/tests/endpoints.py). The
output API also takes a producer's machine token; the token's own cases (another producer's
id: 404; revoked: 401) are in test_production.py."""

from __future__ import annotations

import datetime as dt

from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World, form
from fangkong.supplies import production
from fangkong.supplies.models import DispatchOrder, Producer
from fangkong.supplies.tests.factories import make_item, make_store

DAY = "2020-02-03"


def _producer(w: World) -> Producer:
    store = make_store(w.tree.nanguan, w.name("矩阵储备库"))
    producer = production.register_producer(
        actor=None,
        data={
            "name": w.name("矩阵企业"),
            "delivers_to": store,
            "contact_name": "王经理",
            "phone": w.phone(),
        },
    )
    production.set_capacity(
        actor=None, producer=producer, item=make_item("n95"), daily_capacity=1000
    )
    return producer


def _order(w: World) -> DispatchOrder:
    producer = _producer(w)
    return production.issue_dispatch(
        actor=w.user(w.tree.nanguan),
        producer=producer,
        item=make_item("n95"),
        quantity_value=700,
        start=dt.date(2020, 2, 1),
        end=dt.date(2020, 2, 7),
    )


def producers_listed(w: World) -> Target:
    producer = _producer(w)
    return Target(home=w.tree.nanguan, marker=producer.name)


def plan_listed(w: World) -> Target:
    order = _order(w)
    return Target(
        home=w.tree.nanguan,
        marker=order.producer.name,
        query={"start": "2020-02-01", "end": "2020-02-07"},
    )


def producer_new(w: World) -> Target:
    store = make_store(w.tree.nanguan, w.name("矩阵储备库"))
    data = {"name": w.name("矩阵企业"), "contact_name": "王经理", "phone": w.phone()}
    return Target(
        home=w.tree.nanguan,
        data={**data, "delivers_to": str(store.pk)},
        absent={**data, "delivers_to": "999999999"},
    )


def producer_page(w: World) -> Target:
    producer = _producer(w)
    return Target(
        home=w.tree.nanguan,
        args={"pk": producer.pk},
        data={
            "name": w.name("矩阵企业"),
            "delivers_to": str(producer.delivers_to_id),
            "contact_name": "李经理",
            "phone": w.phone(),
            "active": "on",
        },
    )


def producer_capacity(w: World) -> Target:
    producer = _producer(w)
    item = make_item("gown")
    return Target(
        home=w.tree.nanguan,
        args={"pk": producer.pk},
        data={"cap-item": str(item.pk), "cap-daily_capacity": "300"},
    )


def token_new(w: World) -> Target:
    producer = _producer(w)
    return Target(home=w.tree.nanguan, args={"pk": producer.pk}, data={"token-name": "ERP"})


def token_revoke(w: World) -> Target:
    producer = _producer(w)
    token, _raw = production.create_producer_token(
        actor=w.user(w.tree.nanguan), producer=producer, name="ERP"
    )
    return Target(home=w.tree.nanguan, args={"pk": token.pk})


def dispatch_new(w: World) -> Target:
    producer = _producer(w)
    n95 = make_item("n95")
    return Target(
        home=w.tree.nanguan,
        args={"pk": producer.pk},
        data={
            "order-item": str(n95.pk),
            "order-quantity": "700",
            "order-start": "2020-02-01",
            "order-end": "2020-02-07",
        },
    )


def dispatch_close(w: World) -> Target:
    order = _order(w)
    return Target(home=w.tree.nanguan, args={"pk": order.pk}, data={"state": "done"})


def output_report(w: World) -> Target:
    producer = _producer(w)
    n95 = make_item("n95")
    return Target(
        home=w.tree.nanguan,
        args={"pk": producer.pk},
        data={"out-item": str(n95.pk), "out-day": DAY, "out-quantity": "800"},
    )


def output_api(w: World) -> Target:
    producer = _producer(w)
    return Target(
        home=w.tree.nanguan,
        args={"pk": producer.pk},
        data={"item": "N95", "day": DAY, "quantity": 800},
    )


def plan_api(w: World) -> Target:
    order = _order(w)
    return Target(
        home=w.tree.nanguan,
        args={"pk": order.producer_id},
        query={"start": "2020-02-01", "end": "2020-02-07"},
    )


NEW = "an empty form offering only the caller's own stores; no record"

CASES = [
    Case("supplies:producers", "GET", LIST, producers_listed),
    Case("supplies:producer_new", "GET", OWN, producer_new, reason=NEW),
    Case("supplies:producer_new", "POST", SCOPED, producer_new, ok=(302,), form_ref=True),
    Case("supplies:production_plan", "GET", LIST, plan_listed),
    Case("supplies:producer", "GET", SCOPED, producer_page),
    *form("supplies:producer_edit", producer_page),
    Case("supplies:producer_capacity", "POST", SCOPED, producer_capacity, ok=(302,)),
    Case("supplies:producer_token_new", "POST", SCOPED, token_new),
    Case("supplies:producer_token_revoke", "POST", SCOPED, token_revoke, ok=(302,)),
    Case("supplies:dispatch_new", "POST", SCOPED, dispatch_new, ok=(302,)),
    Case("supplies:dispatch_close", "POST", SCOPED, dispatch_close, ok=(302,)),
    Case("supplies:output_report", "POST", SCOPED, output_report, ok=(302,)),
    Case("GET /api/supplies/producers", "GET", LIST, producers_listed),
    Case("GET /api/supplies/producers/{pk}", "GET", SCOPED, producer_page),
    Case("GET /api/supplies/producers/{pk}/plan", "GET", SCOPED, plan_api),
    Case("POST /api/supplies/producers/{pk}/output", "POST", SCOPED, output_api, ok=(201,)),
]
