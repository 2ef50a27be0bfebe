"""The jurisdiction-matrix entries of the ledger's pages and API: a fresh warehouse of 南关区
(stocked through the ledger) for each call."""

from __future__ import annotations

from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World, exported, form
from fangkong.supplies.models import Store
from fangkong.supplies.tests.factories import make_item, make_store, put


def _store(w: World) -> Store:
    store = make_store(w.tree.nanguan, w.name("矩阵仓库"))
    put(store, make_item("n95"), 1000)
    return store


def store_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=_store(w).name)


def store_new(w: World) -> Target:
    data = {
        "name": w.name("矩阵新仓库"),
        "division": w.tree.nanguan.code,
        "priority": "4",
        "active": "on",
    }
    return Target(home=w.tree.nanguan, data=data, absent={**data, "division": "229999999999"})


def store_page(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk})


def store_edit(w: World) -> Target:
    data = {"name": w.name("矩阵改名仓库"), "priority": "4", "active": "on"}
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk}, data=data)


def store_book(w: World) -> Target:
    item = make_item("n95")
    data = {"kind": "issue", "item": str(item.pk), "quantity": "3", "day": "", "reason": ""}
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk}, data=data)


def store_consumption(w: World) -> Target:
    item = make_item("n95")
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk}, data={f"use-item_{item.pk}": "5"})


def store_count(w: World) -> Target:
    item = make_item("n95")
    return Target(
        home=w.tree.nanguan, args={"pk": _store(w).pk}, data={f"count-item_{item.pk}": "990"}
    )


def ledger_listed(w: World) -> Target:
    store = _store(w)
    return Target(home=w.tree.nanguan, marker=f'data-movement="{store.pk and _last(store)}"')


def _last(store: Store) -> int:
    from fangkong.supplies.models import Movement

    return Movement.objects.filter(store=store).order_by("-id").values_list("id", flat=True)[0]


def ledger_exported(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=_store(w).name)


def ledger_of_store(w: World) -> Target:
    return Target(home=w.tree.nanguan, query={"store": str(_store(w).pk)})


def api_store_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=_store(w).name)


def api_movements_listed(w: World) -> Target:
    store = _store(w)
    return Target(home=w.tree.nanguan, marker=f'"id": {_last(store)},')


def api_book(w: World) -> Target:
    data = {"kind": "issue", "item": make_item("n95").code, "quantity": 2}
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk}, data=data)


def api_consumption(w: World) -> Target:
    data = {"items": [{"item": make_item("n95").code, "quantity": 4}]}
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk}, data=data)


def api_count(w: World) -> Target:
    data = {"items": [{"item": make_item("n95").code, "quantity": 999}]}
    return Target(home=w.tree.nanguan, args={"pk": _store(w).pk}, data=data)


def _item_data(w: World) -> dict[str, str]:
    n = w.number()
    return {
        "code": f"MX{n}",
        "name": f"矩阵物资{n}",
        "category": "protective",
        "unit": "只",
        "standard": "",
    }


def item_new(w: World) -> Target:
    return Target(home=w.tree.nanguan, data={**_item_data(w), "active": "on"})


def item_edit(w: World) -> Target:
    from fangkong.supplies import actions

    item = actions.add_item(actor=None, data=_item_data(w))  # type: ignore[arg-type]
    return Target(home=w.tree.nanguan, args={"pk": item.pk}, data={**_item_data(w), "active": "on"})


def api_item_new(w: World) -> Target:
    return Target(home=w.tree.nanguan, data=_item_data(w))


CATALOGUE = "the catalogue is one for the province, the same for every caller"

CASES: list[Case] = [
    Case(
        "supplies:overview",
        "GET",
        OWN,
        reason="stock of the caller's own area, computed per caller",
    ),
    Case("supplies:items", "GET", OWN, reason=CATALOGUE),
    Case("supplies:items", "POST", OWN, reason=CATALOGUE, ok=(302,), build=item_new),
    Case("supplies:item_edit", "GET", OWN, reason=CATALOGUE, build=item_edit),
    Case("supplies:item_edit", "POST", OWN, reason=CATALOGUE, ok=(302,), build=item_edit),
    Case("supplies:stores", "GET", LIST, store_listed),
    Case("supplies:stores", "POST", SCOPED, store_new, ok=(302,), form_ref=True),
    Case("supplies:store", "GET", SCOPED, store_page),
    *form("supplies:store_edit", store_edit),
    Case("supplies:store_book", "POST", SCOPED, store_book, ok=(302,)),
    Case("supplies:store_consumption", "POST", SCOPED, store_consumption, ok=(302,)),
    Case("supplies:store_count", "POST", SCOPED, store_count, ok=(302,)),
    Case("supplies:ledger", "GET", LIST, ledger_listed),
    Case("supplies:ledger", "GET", SCOPED, ledger_of_store, variant="store"),
    Case("bulk:export", "GET", LIST, exported("ledger", ledger_exported), variant="ledger"),
    Case(
        "supplies:reconciliations",
        "GET",
        OWN,
        reason="runs over the whole ledger; differences are shown only for the caller's stores",
    ),
    Case("GET /api/supplies/items", "GET", OWN, reason=CATALOGUE),
    Case("POST /api/supplies/items", "POST", OWN, reason=CATALOGUE, ok=(201,), build=api_item_new),
    Case("GET /api/supplies/stores", "GET", LIST, api_store_listed),
    Case("GET /api/supplies/stores/{pk}", "GET", SCOPED, store_page),
    Case(
        "GET /api/supplies/stock",
        "GET",
        OWN,
        reason="stock of the caller's own area, computed per caller",
    ),
    Case("GET /api/supplies/movements", "GET", LIST, api_movements_listed),
    Case("POST /api/supplies/stores/{pk}/movements", "POST", SCOPED, api_book, ok=(201,)),
    Case("POST /api/supplies/stores/{pk}/consumption", "POST", SCOPED, api_consumption, ok=(201,)),
    Case("POST /api/supplies/stores/{pk}/counts", "POST", SCOPED, api_count, ok=(201,)),
]
