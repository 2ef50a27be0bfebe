"""Screens of supply requests and their allocation: the list (requested in our area / addressed
to us), the new request form, a request's page (its items, the decision, the allocation from
the stores of the area, the shipments with their ship and receive buttons, the forwarded chain)
and the allocation plans. Thin: parse, check the role, call one action (``requests.py``),
render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import OutOfJurisdiction, get_visible_or_404, user_of
from fangkong.core.parsing import parse_id, parse_int
from fangkong.core.permissions import require
from fangkong.regions.models import Division
from fangkong.supplies import requests as actions
from fangkong.supplies.choices import RequestState, ShipmentState, SupplyUrgency
from fangkong.supplies.models import (
    AllocationPlan,
    Item,
    Shipment,
    Stock,
    Store,
    SupplyRequest,
)
from fangkong.supplies.permissions import SuppliesPerm as Perm

PAGE = 50
SOURCE_STORES = 30  # stores offered per item in the allocation form, most stock first


def _q(request: HttpRequest) -> str:
    return " ".join((request.GET.get("q") or "").split())[:100]


def _page(request: HttpRequest) -> int:
    return parse_int(request.GET.get("page"), field="page", min_value=1, max_value=100_000) or 1


def _items() -> QuerySet[Item]:
    return Item.objects.filter(active=True).order_by("category", "code")


# --- forms ------------------------------------------------------------------------------------


class RequestForm(forms.Form):
    store = forms.ModelChoiceField(queryset=Store.objects.none(), label=gettext_lazy("For store"))
    addressed_to = forms.ModelChoiceField(
        queryset=Division.objects.none(),
        required=False,
        label=gettext_lazy("Addressed to"),
        empty_label=gettext_lazy("The level above (the city; for a city, the province)"),
    )
    urgency = forms.ChoiceField(
        choices=SupplyUrgency.choices,
        initial=SupplyUrgency.ROUTINE,
        label=gettext_lazy("Urgency"),
    )
    reason = forms.CharField(max_length=500, label=gettext_lazy("Why they are needed"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        store_field: Any = self.fields["store"]
        store_field.queryset = Store.objects.visible_to(user).filter(active=True)
        home = getattr(user, "home_division", None)
        division_field: Any = self.fields["addressed_to"]
        if home is not None:
            division_field.queryset = Division.objects.filter(
                pk__in=[d.pk for d in actions.addressees(home)] + [home.pk]
            ).order_by("level")
        self.items = list(_items())
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                required=False,
                max_length=14,
                label=f"{item.name} ({item.unit})",
                widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            )

    def quantities(self) -> dict[Item, Any]:
        return {item: self.cleaned_data.get(f"item_{item.pk}") for item in self.items}


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label=gettext_lazy("Reason"))


# --- list -------------------------------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_STOCK)
    user = request.user
    home_id = getattr(user, "home_division_id", None)
    asked = request.GET.get("tab")
    if asked in ("ours", "addressed"):
        tab = asked
    else:  # what waits for a decision first
        tab = "addressed" if actions.waiting_for_decision(user_of(request)) else "ours"
    items = SupplyRequest.objects.visible_to(user).select_related("store", "addressed_to")
    items = (
        items.filter(addressed_to_id=home_id)
        if tab == "addressed"
        else items.exclude(addressed_to_id=home_id)
    )
    state = request.GET.get("state") or ""
    if state not in RequestState.values:
        state = ""
    if state:
        items = items.filter(state=state)
    q = _q(request)
    if q:
        items = items.filter(Q(store__name__icontains=q) | Q(reason__icontains=q))
    return render(
        request,
        "supplies/request_list.html",
        {
            "supplies_section": "requests",
            "tab": tab,
            "q": q,
            "state": state,
            "states": RequestState.choices,
            "page": Paginator(items.order_by("-created_at", "-id"), PAGE).get_page(_page(request)),
            "can_request": user.has_perm(Perm.REQUEST),
            "can_plan": user.has_perm(Perm.APPROVE_REQUEST) and home_id is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    require(request, Perm.REQUEST)
    actor = user_of(request)
    initial = {}
    store_id = parse_id(request.GET.get("store"), field="store")
    if store_id is not None:
        initial["store"] = store_id  # from a store's page: that store, if the user may see it
    form = RequestForm(request.POST or None, user=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.submit_request(
                actor=actor,
                store=data["store"],
                addressed_to=data["addressed_to"],
                urgency=data["urgency"],
                reason=data["reason"],
                lines=form.quantities(),
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Request sent to %(division)s.") % {"division": done.addressed_to.name},
            )
            return redirect(done.get_absolute_url())
    return render(
        request,
        "supplies/request_form.html",
        {"supplies_section": "requests", "form": form},
    )


# --- a request --------------------------------------------------------------------------------


def _request(request: HttpRequest, pk: int) -> SupplyRequest:
    found: SupplyRequest = get_visible_or_404(
        SupplyRequest.objects.select_related(
            "store", "addressed_to", "requested_by", "decided_by", "forwarded_from"
        ),
        request.user,
        pk=pk,
    )
    return found


def _sources(user: Any, rows: list[actions.LineProgress], exclude: int) -> dict[int, list[Any]]:
    """Per line still open: the stores of the user's area holding its item, most first."""
    item_ids = [row.line.item_id for row in rows if row.open]
    if not item_ids:
        return {}
    stock = (
        Stock.objects.visible_to(user)
        .filter(item_id__in=item_ids, on_hand__gt=0, store__active=True)
        .exclude(store_id=exclude)
        .select_related("store")
        .order_by("item_id", "-on_hand")
    )
    by_item: dict[int, list[Any]] = {}
    for row in stock[: SOURCE_STORES * len(item_ids)]:
        found = by_item.setdefault(row.item_id, [])
        if len(found) < SOURCE_STORES:
            found.append(row)
    return {row.line.pk: by_item.get(row.line.item_id, []) for row in rows if row.open}


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, Perm.VIEW_STOCK)
    supply_request = _request(request, pk)
    user = request.user
    rows = actions.progress(supply_request)
    officer = (
        user.has_perm(Perm.APPROVE_REQUEST)
        and getattr(user, "home_division_id", None) == supply_request.addressed_to_id
    )
    shipments = list(
        Shipment.objects.filter(request=supply_request)
        .select_related("from_store", "item")
        .order_by("id")
    )
    chain: list[SupplyRequest] = []
    origin = supply_request.forwarded_from
    while origin is not None and len(chain) < 10:
        chain.insert(0, origin)
        origin = origin.forwarded_from
    forwards = list(supply_request.forwards.select_related("addressed_to").order_by("id"))
    return render(
        request,
        "supplies/request_detail.html",
        {
            "supplies_section": "requests",
            "r": supply_request,
            "rows": rows,
            "officer": officer,
            "can_receive": user.has_perm(Perm.REQUEST),
            "can_ship": user.has_perm(Perm.APPROVE_REQUEST),
            "decide": officer and supply_request.state == RequestState.SUBMITTED,
            "allocatable": officer
            and supply_request.state in actions.ALLOCATABLE
            and any(row.open for row in rows),
            "forwardable": officer
            and supply_request.state in actions.DECIDED
            and supply_request.addressed_to.parent_id is not None
            and any(row.rest for row in rows),
            "sources": _sources(user, rows, supply_request.store_id)
            if officer and supply_request.state in actions.ALLOCATABLE
            else {},
            "shipments": shipments,
            "chain": chain,
            "forwards": forwards,
            "planned": ShipmentState.PLANNED,
            "shipped": ShipmentState.SHIPPED,
        },
    )


def _back(
    request: HttpRequest, supply_request: SupplyRequest, call: Any, done: str
) -> HttpResponse:
    try:
        call()
    except ActionError as exc:
        messages.error(request, exc.message)
    except OutOfJurisdiction as exc:
        raise Http404 from exc
    else:
        messages.success(request, done)
    return redirect(supply_request.get_absolute_url())


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    supply_request = _request(request, pk)
    require(request, Perm.APPROVE_REQUEST)
    refuse = "refuse" in request.POST
    approved: dict[Item, Any] = {}
    for line in supply_request.lines.select_related("item"):
        approved[line.item] = "0" if refuse else request.POST.get(f"item_{line.item_id}", "")
    reason = request.POST.get("reason", "")
    return _back(
        request,
        supply_request,
        lambda: actions.decide(
            actor=user_of(request), request=supply_request, approved=approved, reason=reason
        ),
        _("Decision recorded."),
    )


@login_required
@require_POST
def request_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    supply_request = _request(request, pk)
    require(request, Perm.APPROVE_REQUEST)
    lines = {line.pk: line for line in supply_request.lines.select_related("item")}
    wanted: list[tuple[Any, int, str]] = []
    for key in request.POST:
        value = request.POST.get(key) or ""
        parts = key.split("_")
        if len(parts) != 3 or parts[0] != "alloc" or not value.strip():
            continue
        line_id = parse_int(parts[1], field="line")
        store_id = parse_int(parts[2], field="from_store")
        if line_id not in lines or store_id is None:
            continue
        wanted.append((lines[line_id], store_id, value))
    stores = Store.objects.visible_to(request.user).in_bulk({s for _l, s, _v in wanted})
    allocations = [(line, stores.get(s), v) for line, s, v in wanted]
    return _back(
        request,
        supply_request,
        lambda: actions.allocate(
            actor=user_of(request), request=supply_request, allocations=allocations
        ),
        _("Allocated: ship each shipment when it leaves."),
    )


@login_required
@require_POST
def request_forward(request: HttpRequest, pk: int) -> HttpResponse:
    supply_request = _request(request, pk)
    require(request, Perm.APPROVE_REQUEST)
    reason = request.POST.get("reason", "")
    return _back(
        request,
        supply_request,
        lambda: actions.forward_rest(actor=user_of(request), request=supply_request, reason=reason),
        _("The rest was forwarded to the level above."),
    )


def _shipment(request: HttpRequest, pk: int) -> Shipment:
    found: Shipment = get_visible_or_404(
        Shipment.objects.select_related("request"), request.user, pk=pk
    )
    return found


@login_required
@require_POST
def shipment_ship(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = _shipment(request, pk)
    require(request, Perm.APPROVE_REQUEST)
    return _back(
        request,
        shipment.request,
        lambda: actions.ship(actor=user_of(request), shipment=shipment),
        _("Shipped."),
    )


@login_required
@require_POST
def shipment_receive(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = _shipment(request, pk)
    require(request, Perm.REQUEST)
    received = request.POST.get("received_quantity", "")
    return _back(
        request,
        shipment.request,
        lambda: actions.confirm_receipt(
            actor=user_of(request), shipment=shipment, received_quantity=received
        ),
        _("Receipt confirmed: the stock is booked."),
    )


# --- allocation plans -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.APPROVE_REQUEST)
    home = getattr(request.user, "home_division", None)
    if request.method == "POST":
        if home is None:
            raise Http404
        try:
            plan = actions.propose_plan(actor=user_of(request), division=home)
        except ActionError as exc:
            messages.error(request, exc.message)
            return redirect("supplies:plans")
        return redirect("supplies:plan", pk=plan.pk)
    plans = AllocationPlan.objects.visible_to(request.user).select_related("division")
    waiting = actions.open_lines(home) if home is not None else []
    return render(
        request,
        "supplies/plan_list.html",
        {
            "supplies_section": "requests",
            "page": Paginator(plans.order_by("-created_at", "-id"), PAGE).get_page(_page(request)),
            "home": home,
            "waiting": len(waiting),
            "waiting_units": sum(row.open for row in waiting),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan: AllocationPlan = get_visible_or_404(
        AllocationPlan.objects.select_related("division", "created_by"), request.user, pk=pk
    )
    require(request, Perm.APPROVE_REQUEST)
    lines = list(
        plan.lines.select_related("line__item", "line__request__store", "from_store").order_by(
            "line__request__priority", "line__item__code", "distance_km"
        )
    )
    if request.method == "POST":
        adjustments = {
            pl.pk: request.POST.get(f"line_{pl.pk}", "")
            for pl in lines
            if f"line_{pl.pk}" in request.POST
        }
        try:
            created = actions.confirm_plan(
                actor=user_of(request), plan=plan, adjustments=adjustments
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        except OutOfJurisdiction as exc:
            raise Http404 from exc
        else:
            messages.success(
                request, _("%(n)s shipments allocated from the plan.") % {"n": len(created)}
            )
        return redirect("supplies:plan", pk=plan.pk)
    return render(
        request,
        "supplies/plan_detail.html",
        {
            "supplies_section": "requests",
            "plan": plan,
            "lines": lines,
            "total": sum(pl.quantity for pl in lines),
            "unmet_total": sum(u.get("unmet", 0) for u in plan.unmet),
            "can_confirm": plan.confirmed_at is None
            and getattr(request.user, "home_division_id", None) == plan.division_id,
        },
    )


urlpatterns = [
    path("requests/", request_list, name="requests"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/<int:pk>/", request_detail, name="request"),
    path("requests/<int:pk>/decide/", request_decide, name="request_decide"),
    path("requests/<int:pk>/allocate/", request_allocate, name="request_allocate"),
    path("requests/<int:pk>/forward/", request_forward, name="request_forward"),
    path("shipments/<int:pk>/ship/", shipment_ship, name="shipment_ship"),
    path("shipments/<int:pk>/receive/", shipment_receive, name="shipment_receive"),
    path("plans/", plan_list, name="plans"),
    path("plans/<int:pk>/", plan_detail, name="plan"),
]
