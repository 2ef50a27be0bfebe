"""Screens of the stock ledger: stock on hand per item over the user's area with the stores
running short, the catalogue, the stores and a store's page (its stock with days of supply,
the forms to book a movement, report a day's consumption and count the stock), the ledger with
filters, and the nightly reconciliations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import OutOfJurisdiction, get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.supplies import actions, selectors
from fangkong.supplies.forms import (
    BookForm,
    DayForm,
    ItemForm,
    LedgerFilterForm,
    StoreFilterForm,
    StoreForm,
)
from fangkong.supplies.models import Item, Movement, Reconciliation, Store
from fangkong.supplies.permissions import SuppliesPerm

PAGE = 50


@dataclass(frozen=True)
class Keyset:
    items: list[Any]
    next_after: int | None


def _page(qs: QuerySet[Any], after: int | None, *, newest_first: bool = False) -> Keyset:
    if newest_first:
        qs = qs.order_by("-id")
        if after:
            qs = qs.filter(id__lt=after)
    else:
        qs = qs.order_by("id")
        if after:
            qs = qs.filter(id__gt=after)
    rows = list(qs[: PAGE + 1])
    return Keyset(rows[:PAGE], rows[PAGE - 1].pk if len(rows) > PAGE else None)


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("after", None)
    return params.urlencode()


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    user = user_of(request)
    return render(
        request,
        "supplies/overview.html",
        {
            "supplies_section": "overview",
            "totals": selectors.stock_by_item(user),
            "low": selectors.low_supply(user, limit=50),
        },
    )


# --- catalogue --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def items(request: HttpRequest) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    can_manage = request.user.has_perm(SuppliesPerm.MANAGE_CATALOGUE)
    form = ItemForm(request.POST or None, initial={"active": True})
    if request.method == "POST":
        require(request, SuppliesPerm.MANAGE_CATALOGUE)
        if form.is_valid():
            item = run_action(
                form, lambda: actions.add_item(actor=user_of(request), data=form.cleaned_data)
            )
            if item is not None:
                messages.success(
                    request, _("%(name)s added to the catalogue.") % {"name": item.name}
                )
                return redirect("supplies:items")
    return render(
        request,
        "supplies/items.html",
        {
            "supplies_section": "items",
            "items": Item.objects.order_by("category", "code"),
            "form": form if can_manage else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, SuppliesPerm.MANAGE_CATALOGUE)
    item = get_object_or_404(Item, pk=pk)
    initial = {
        f: getattr(item, f)
        for f in ("code", "name", "category", "unit", "standard", "alert_days", "active")
    }
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.update_item(actor=user_of(request), item=item, data=form.cleaned_data),
        )
        if done is not None:
            messages.success(request, _("%(name)s saved.") % {"name": done.name})
            return redirect("supplies:items")
    return render(
        request,
        "supplies/item_form.html",
        {"supplies_section": "items", "form": form, "item": item},
    )


# --- stores -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stores(request: HttpRequest) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    actor = user_of(request)
    can_manage = actor.has_perm(SuppliesPerm.MANAGE_STORE)
    new = StoreForm(request.POST or None, actor=actor)
    if request.method == "POST":
        require(request, SuppliesPerm.MANAGE_STORE)
        if new.is_valid():
            store = run_action(new, lambda: actions.open_store(actor=actor, data=new.cleaned_data))
            if store is not None:
                messages.success(request, _("Store %(name)s opened.") % {"name": store.name})
                return redirect(store.get_absolute_url())
    filters = StoreFilterForm(request.GET or None)
    qs = selectors.stores(actor)
    if request.GET and filters.is_valid():
        if filters.cleaned_data["kind"]:
            qs = qs.filter(kind=filters.cleaned_data["kind"])
        if q := filters.cleaned_data["q"].strip():
            qs = qs.filter(Q(name__icontains=q) | Q(division__name__icontains=q))
    page = _page(qs, parse_id(request.GET.get("after"), field="after"))
    return render(
        request,
        "supplies/stores.html",
        {
            "supplies_section": "stores",
            "filters": filters,
            "page": page,
            "query_string": _query_string(request),
            "form": new if can_manage else None,
        },
    )


def _store_page(
    request: HttpRequest,
    store: Store,
    *,
    book: BookForm | None = None,
    consumption: DayForm | None = None,
    count: DayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    stock = selectors.store_stock(store)
    can_book = user.has_perm(SuppliesPerm.BOOK_MOVEMENT) and store.active
    can_count = user.has_perm(SuppliesPerm.COUNT_STOCK) and store.active
    recent = list(
        Movement.objects.filter(store=store)
        .select_related("item", "counterpart", "actor")
        .order_by("-id")[:20]
    )
    return render(
        request,
        "supplies/store.html",
        {
            "supplies_section": "stores",
            "store": store,
            "stock": stock,
            "recent": recent,
            "book": (book or BookForm(initial={"kind": "receipt"})) if can_book else None,
            "consumption": (consumption or DayForm(prefix="use")) if can_book else None,
            "count": (count or DayForm(prefix="count")) if can_count else None,
            "posted": request.POST if request.method == "POST" else {},
            "can_manage": user.has_perm(SuppliesPerm.MANAGE_STORE),
            "can_request": user.has_perm(SuppliesPerm.REQUEST),
        },
        status=status,
    )


def _visible_store(request: HttpRequest, pk: int) -> Store:
    store: Store = get_visible_or_404(
        Store.objects.select_related("division", "facility"), request.user, pk=pk
    )
    return store


@login_required
def store(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    return _store_page(request, _visible_store(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    store = _visible_store(request, pk)
    require(request, SuppliesPerm.MANAGE_STORE)
    actor = user_of(request)
    initial = {
        f: getattr(store, f)
        for f in ("name", "address", "longitude", "latitude", "priority", "active")
    }
    form = StoreForm(request.POST or None, actor=actor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.update_store(actor=actor, store=store, data=form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("Store %(name)s saved.") % {"name": done.name})
            return redirect(done.get_absolute_url())
    return render(
        request,
        "supplies/store_form.html",
        {"supplies_section": "stores", "form": form, "store": store},
    )


@login_required
@require_POST
def store_book(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    store = _visible_store(request, pk)
    require(request, SuppliesPerm.BOOK_MOVEMENT)
    form = BookForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.book(
                actor=user_of(request),
                store=store,
                item=data["item"],
                kind=data["kind"],
                quantity_value=data["quantity"],
                day=data["day"],
                reason=data["reason"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("%(kind)s of %(quantity)s %(unit)s %(item)s booked; %(balance)s on hand.")
                % {
                    "kind": done.get_kind_display(),
                    "quantity": f"{abs(done.quantity):,}",
                    "unit": done.item.unit,
                    "item": done.item.name,
                    "balance": f"{done.balance:,}",
                },
            )
            return redirect(store.get_absolute_url())
    return _store_page(request, store, book=form, status=400)


def _per_item(request: HttpRequest, prefix: str) -> dict[Item, str]:
    """The ``<prefix>-item_<id>`` inputs of the store page: an unknown id is refused."""
    found: dict[int, str] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith(f"{prefix}-item_"):
            item_id = parse_id(key.removeprefix(f"{prefix}-item_"), field="item")
            if item_id is not None and value.strip():
                found[item_id] = value
    items = Item.objects.in_bulk(list(found))
    if len(items) != len(found):
        raise ActionError(_("Choose an item of the catalogue."), code="unknown_item", field="item")
    return {items[i]: v for i, v in found.items()}


def _per_item_action(request: HttpRequest, pk: int, prefix: str, call: Any) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    store = _visible_store(request, pk)
    require(request, SuppliesPerm.COUNT_STOCK if prefix == "count" else SuppliesPerm.BOOK_MOVEMENT)
    form = DayForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            call(user_of(request), store, form.cleaned_data, _per_item(request, prefix))
        except ActionError as exc:
            form.add_error(None, exc.message)
        except OutOfJurisdiction as exc:
            raise PermissionDenied from exc
        else:
            return redirect(store.get_absolute_url())
    if prefix == "use":
        return _store_page(request, store, consumption=form, status=400)
    return _store_page(request, store, count=form, status=400)


@login_required
@require_POST
def store_consumption(request: HttpRequest, pk: int) -> HttpResponse:
    def call(actor: Any, store: Store, data: dict[str, Any], quantities: dict[Item, str]) -> None:
        actions.report_consumption(actor=actor, store=store, day=data["day"], quantities=quantities)
        messages.success(
            request, _("Consumption of %(day)s reported.") % {"day": data["day"] or _("today")}
        )

    return _per_item_action(request, pk, "use", call)


@login_required
@require_POST
def store_count(request: HttpRequest, pk: int) -> HttpResponse:
    def call(actor: Any, store: Store, data: dict[str, Any], counted: dict[Item, str]) -> None:
        done = actions.count_stock(
            actor=actor, store=store, day=data["day"], counted=counted, note=data["note"]
        )
        changed = sum(1 for line in done.lines.all() if line.difference)
        messages.success(
            request,
            _("Stock counted: %(n)s item(s) differed from the book and were corrected.")
            % {"n": changed},
        )

    return _per_item_action(request, pk, "count", call)


# --- the ledger -------------------------------------------------------------------------------


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    require(request, SuppliesPerm.VIEW_STOCK)
    user = user_of(request)
    form = LedgerFilterForm(request.GET or None)
    qs = selectors.ledger(user)
    store = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        if data["store"]:
            store = get_visible_or_404(Store.objects.all(), user, pk=data["store"])
            qs = qs.filter(store=store)
        if data["item"]:
            qs = qs.filter(item_id=int(data["item"]))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["since"]:
            qs = qs.filter(day__gte=data["since"])
        if data["until"]:
            qs = qs.filter(day__lte=data["until"])
    page = _page(qs, parse_id(request.GET.get("after"), field="after"), newest_first=True)
    return render(
        request,
        "supplies/ledger.html",
        {
            "supplies_section": "ledger",
            "form": form,
            "store": store,
            "page": page,
            "query_string": _query_string(request),
        },
    )


@login_required
def reconciliations(request: HttpRequest) -> HttpResponse:
    """The nightly checks; the differences of stores outside the user's area are not shown."""
    require(request, SuppliesPerm.MANAGE_STORE)
    user = user_of(request)
    runs = list(Reconciliation.objects.order_by("-ran_at")[:30])
    store_ids = {d["store"] for run in runs for d in run.differences}
    visible = Store.objects.visible_to(user).in_bulk(list(store_ids))
    item_ids = {d["item"] for run in runs for d in run.differences}
    names = Item.objects.in_bulk(list(item_ids))
    rows = []
    for run in runs:
        shown = [
            {**d, "store_obj": visible[d["store"]], "item_obj": names.get(d["item"])}
            for d in run.differences
            if d["store"] in visible
        ]
        rows.append((run, shown))
    return render(
        request,
        "supplies/reconciliations.html",
        {"supplies_section": "ledger", "rows": rows, "ledger_url": reverse("supplies:ledger")},
    )
