"""The jurisdiction-matrix entries of supply requests and allocation (see
fangkong/core/tests/endpoints.py).

A request of a store of 南关区 is addressed to 长春市, whose supplies office alone decides,
allocates, forwards and plans it: the matrix's "above" caller (the province) sees it but is
refused those with a clear message (302 back to the page, or 400 in the API) and writes
nothing; those entries say ``writes=False`` and accept both answers (as the daily reports'
review does). Shipping is for whoever holds the source store in their area; receiving for the
requesting store's area. The sibling (吉林市 side) gets 404 and nothing is written."""

from __future__ import annotations

from django.db import transaction

from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World
from fangkong.supplies import actions, requests
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import AllocationPlan, Shipment, Store, SupplyRequest
from fangkong.supplies.tests.factories import make_item, make_store

EITHER = (302,)
MINE = "plans the caller's own division's requests (an answer for any division, no record)"


def _stocked(w: World) -> Store:
    store = make_store(w.tree.changchun, w.name("矩阵市储备库"), longitude="125.3", latitude="43.9")
    with transaction.atomic():
        actions.post_movement(
            actor=None, store=store, item=make_item("n95"), kind=MovementKind.RECEIPT, delta=1000
        )
    return store


def _request(w: World, decided: bool = False) -> SupplyRequest:
    store = make_store(w.tree.nanguan, w.name("矩阵医院库"), longitude="125.35", latitude="43.86")
    request = requests.submit_request(
        actor=w.user(w.tree.nanguan),
        store=store,
        reason="矩阵申请",
        lines={make_item("n95"): 100},
    )
    if decided:
        requests.decide(actor=None, request=request, approved={make_item("n95"): 100})
    return request


def _shipment(w: World, shipped: bool = False) -> Shipment:
    request = _request(w, decided=True)
    [shipment] = requests.allocate(
        actor=w.user(w.tree.changchun),
        request=request,
        allocations=[(request.lines.get(), _stocked(w), 50)],
    )
    if shipped:
        requests.ship(actor=None, shipment=shipment)
    return shipment


def _plan(w: World) -> tuple[AllocationPlan, SupplyRequest]:
    request = _request(w, decided=True)
    _stocked(w)
    plan = requests.propose_plan(actor=w.user(w.tree.changchun), division=w.tree.changchun)
    return plan, request


# --- pages ------------------------------------------------------------------------------------


def listed(w: World) -> Target:
    request = _request(w)
    return Target(home=w.tree.nanguan, marker=request.store.name)


def new_request(w: World) -> Target:
    store = make_store(w.tree.nanguan, w.name("矩阵申请库"))
    n95 = make_item("n95")
    data = {"store": str(store.pk), "urgency": "urgent", "reason": "矩阵", f"item_{n95.pk}": "10"}
    return Target(home=w.tree.nanguan, data=data, absent={**data, "store": "999999999"})


def request_page(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _request(w).pk})


def decide_page(w: World) -> Target:
    request = _request(w)
    n95 = make_item("n95")
    return Target(home=w.tree.changchun, args={"pk": request.pk}, data={f"item_{n95.pk}": "100"})


def allocate_page(w: World) -> Target:
    request = _request(w, decided=True)
    line = request.lines.get()
    store = _stocked(w)
    return Target(
        home=w.tree.changchun,
        args={"pk": request.pk},
        data={f"alloc_{line.pk}_{store.pk}": "50"},
    )


def forward_page(w: World) -> Target:
    request = _request(w, decided=True)
    return Target(home=w.tree.changchun, args={"pk": request.pk}, data={"reason": "市库存不足"})


def ship_page(w: World) -> Target:
    return Target(home=w.tree.changchun, args={"pk": _shipment(w).pk})


def receive_page(w: World) -> Target:
    shipment = _shipment(w, shipped=True)
    return Target(home=w.tree.nanguan, args={"pk": shipment.pk}, data={"received_quantity": "50"})


def plans_listed(w: World) -> Target:
    plan, _request = _plan(w)
    return Target(home=w.tree.changchun, marker=f'data-plan="{plan.pk}"')


def plan_page(w: World) -> Target:
    plan, request = _plan(w)
    line = plan.lines.get(line__request=request)
    return Target(home=w.tree.changchun, args={"pk": plan.pk}, data={f"line_{line.pk}": "40"})


# --- API --------------------------------------------------------------------------------------


def api_listed(w: World) -> Target:
    request = _request(w)
    return Target(home=w.tree.nanguan, marker=request.store.name)


def api_new(w: World) -> Target:
    store = make_store(w.tree.nanguan, w.name("矩阵申请库"))
    make_item("n95")
    return Target(
        home=w.tree.nanguan,
        data={"store": store.pk, "urgency": "urgent", "reason": "矩阵", "lines": {"N95": 10}},
    )


def api_decide(w: World) -> Target:
    target = decide_page(w)
    target.data = {"approved": {"N95": 100}}
    return target


def api_allocate(w: World) -> Target:
    target = allocate_page(w)
    assert target.data is not None
    [(key, _value)] = target.data.items()
    _alloc, line, store = key.split("_")
    target.data = {"allocations": [{"line": int(line), "store": int(store), "quantity": 50}]}
    return target


def api_receive(w: World) -> Target:
    target = receive_page(w)
    target.data = {"received_quantity": 50}
    return target


def api_plans_listed(w: World) -> Target:
    _plan(w)
    return Target(home=w.tree.changchun, marker=w.tree.changchun.code)


def api_plan_confirm(w: World) -> Target:
    target = plan_page(w)
    assert target.data is not None
    [(key, value)] = target.data.items()
    target.data = {"adjustments": {key.removeprefix("line_"): int(value)}}
    return target


CASES = [
    Case("supplies:requests", "GET", LIST, listed),
    Case("supplies:request_new", "GET", OWN, reason="the empty form; the store is chosen in it"),
    Case("supplies:request_new", "POST", SCOPED, new_request, ok=(302,), form_ref=True),
    Case("supplies:request", "GET", SCOPED, request_page),
    Case("supplies:request_decide", "POST", SCOPED, decide_page, ok=EITHER, writes=False),
    Case("supplies:request_allocate", "POST", SCOPED, allocate_page, ok=EITHER, writes=False),
    Case("supplies:request_forward", "POST", SCOPED, forward_page, ok=EITHER, writes=False),
    Case("supplies:shipment_ship", "POST", SCOPED, ship_page, ok=(302,)),
    Case("supplies:shipment_receive", "POST", SCOPED, receive_page, ok=(302,)),
    Case("supplies:plans", "GET", LIST, plans_listed),
    Case("supplies:plans", "POST", OWN, ok=(302,), writes=False, reason=MINE),
    Case("supplies:plan", "GET", SCOPED, plan_page),
    Case("supplies:plan", "POST", SCOPED, plan_page, ok=EITHER, writes=False),
    Case("GET /api/supplies/requests", "GET", LIST, api_listed),
    Case("POST /api/supplies/requests", "POST", SCOPED, api_new, ok=(201,)),
    Case("GET /api/supplies/requests/{pk}", "GET", SCOPED, request_page),
    Case(
        "POST /api/supplies/requests/{pk}/decide",
        "POST",
        SCOPED,
        api_decide,
        ok=(200, 400),
        writes=False,
    ),
    Case(
        "POST /api/supplies/requests/{pk}/allocate",
        "POST",
        SCOPED,
        api_allocate,
        ok=(201, 400),
        writes=False,
    ),
    Case(
        "POST /api/supplies/requests/{pk}/forward",
        "POST",
        SCOPED,
        forward_page,
        ok=(201, 400),
        writes=False,
    ),
    Case("POST /api/supplies/shipments/{pk}/ship", "POST", SCOPED, ship_page),
    Case("POST /api/supplies/shipments/{pk}/receive", "POST", SCOPED, api_receive),
    Case("GET /api/supplies/plans", "GET", LIST, api_plans_listed),
    Case("POST /api/supplies/plans", "POST", OWN, ok=(201, 400), writes=False, reason=MINE),
    Case("GET /api/supplies/plans/{pk}", "GET", SCOPED, plan_page),
    Case(
        "POST /api/supplies/plans/{pk}/confirm",
        "POST",
        SCOPED,
        api_plan_confirm,
        ok=(201, 400),
        writes=False,
    ),
]
