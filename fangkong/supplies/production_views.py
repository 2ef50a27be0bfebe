"""Screens of production dispatch (生产调度): the producers of the user's area, a producer's page
(items and capacity, machine tokens, dispatch orders, the output form, planned versus actual),
and planned versus actual of every producer of the area. Thin: parse, check the role, call one
action of ``production``, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import DateField, parse_date, parse_int
from fangkong.core.permissions import require
from fangkong.regions.models import Division
from fangkong.supplies import production
from fangkong.supplies.choices import DispatchState
from fangkong.supplies.models import (
    DispatchOrder,
    Item,
    Producer,
    ProducerItem,
    ProducerToken,
    Store,
)
from fangkong.supplies.permissions import SuppliesPerm as Perm

PAGE = 50
SECTION = {"supplies_section": "production"}


def _q(request: HttpRequest) -> str:
    return " ".join((request.GET.get("q") or "").split())[:100]


def _page(request: HttpRequest) -> int:
    return parse_int(request.GET.get("page"), field="page", min_value=1, max_value=100_000) or 1


# --- forms ------------------------------------------------------------------------------------


class ProducerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    delivers_to = forms.ModelChoiceField(
        label=gettext_lazy("Delivers to (store)"), queryset=Store.objects.none()
    )
    division = forms.CharField(
        label=gettext_lazy("Division code"),
        max_length=15,
        required=False,
        help_text=gettext_lazy("Where the producer is; empty: the store's division."),
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    longitude = forms.CharField(label=gettext_lazy("Longitude"), max_length=20, required=False)
    latitude = forms.CharField(label=gettext_lazy("Latitude"), max_length=20, required=False)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["delivers_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Store.objects.visible_to(user).filter(active=True).order_by("name")

    def clean_division(self) -> Division | None:
        code = (self.cleaned_data.get("division") or "").strip()
        if not code:
            return None
        found = Division.objects.visible_to(self.user).filter(code=code).first()
        if found is None:
            raise forms.ValidationError(_("No division with this code in your jurisdiction."))
        return found


def _item_field(queryset: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=gettext_lazy("Item"), queryset=queryset)


class CapacityForm(forms.Form):
    item = _item_field(Item.objects.filter(active=True))
    daily_capacity = forms.CharField(label=gettext_lazy("Daily capacity"), max_length=20)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100)


def _made_items(producer: Producer) -> Any:
    return Item.objects.filter(
        pk__in=ProducerItem.objects.filter(producer=producer).values("item_id")
    )


class DispatchForm(forms.Form):
    item = _item_field(Item.objects.none())
    quantity = forms.CharField(label=gettext_lazy("Quantity"), max_length=20)
    start = DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, producer: Producer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _made_items(producer)  # type: ignore[attr-defined]


class OutputForm(forms.Form):
    item = _item_field(Item.objects.none())
    day = DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.CharField(
        label=gettext_lazy("Produced"),
        max_length=20,
        help_text=gettext_lazy("Whole units; 0 if nothing was made."),
    )

    def __init__(self, *args: Any, producer: Producer, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _made_items(producer)  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Close as"),
        choices=[
            (DispatchState.DONE, DispatchState.DONE.label),
            (DispatchState.CANCELLED, DispatchState.CANCELLED.label),
        ],
    )


# --- lists ------------------------------------------------------------------------------------


def _window(request: HttpRequest) -> tuple[dt.date, dt.date]:
    return production.plan_window(
        parse_date(request.GET.get("start"), field="start"),
        parse_date(request.GET.get("end"), field="end"),
    )


@login_required
def producers(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_PRODUCTION)
    q = _q(request)
    items = Producer.objects.visible_to(request.user).select_related("division", "delivers_to")
    if q:
        items = items.filter(name__icontains=q)
    return render(
        request,
        "supplies/producer_list.html",
        {
            **SECTION,
            "q": q,
            "page": Paginator(items.order_by("name", "id"), PAGE).get_page(_page(request)),
            "can_manage": request.user.has_perm(Perm.MANAGE_PRODUCTION),
        },
    )


@login_required
def production_plan(request: HttpRequest) -> HttpResponse:
    """Planned versus actual of every producer of the user's area."""
    require(request, Perm.VIEW_PRODUCTION)
    start, end = _window(request)
    rows = production.planned_versus_actual(Producer.objects.visible_to(request.user), start, end)
    return render(
        request,
        "supplies/output_plan.html",
        {
            **SECTION,
            "start": start,
            "end": end,
            "totals": production.plan_totals(rows),
            "page": Paginator(rows, PAGE * 2).get_page(_page(request)),
            "chart": production.plan_chart(rows, start, end),
        },
    )


# --- one producer -----------------------------------------------------------------------------


def _producer(request: HttpRequest, pk: int) -> Producer:
    producer: Producer = get_visible_or_404(
        Producer.objects.select_related("division", "delivers_to"), request.user, pk=pk
    )
    return producer


def _producer_page(
    request: HttpRequest,
    producer: Producer,
    status: int = 200,
    raw_token: str | None = None,
    **bound: forms.Form,
) -> HttpResponse:
    user = request.user
    can_manage = user.has_perm(Perm.MANAGE_PRODUCTION)
    start, end = _window(request)
    rows = production.planned_versus_actual([producer], start, end)
    context: dict[str, Any] = {
        **SECTION,
        "producer": producer,
        "items": ProducerItem.objects.filter(producer=producer)
        .select_related("item")
        .order_by("item__code"),
        "orders": DispatchOrder.objects.filter(producer=producer)
        .select_related("item")
        .order_by("-start", "-id")[:PAGE],
        "tokens": ProducerToken.objects.filter(producer=producer).order_by("-created_at")[:PAGE]
        if can_manage
        else [],
        "can_manage": can_manage,
        "can_report": user.has_perm(Perm.REPORT_OUTPUT),
        "capacity_form": CapacityForm(prefix="cap"),
        "token_form": TokenForm(prefix="token"),
        "dispatch_form": DispatchForm(prefix="order", producer=producer),
        "output_form": OutputForm(prefix="out", producer=producer),
        "close_form": CloseForm(),
        "open": DispatchState.OPEN,
        "raw_token": raw_token,
        "start": start,
        "end": end,
        "rows": rows,
        "totals": production.plan_totals(rows),
        "chart": production.plan_chart(rows, start, end),
    }
    context.update(bound)
    return render(request, "supplies/producer_detail.html", context, status=status)


@login_required
def producer(request: HttpRequest, pk: int) -> HttpResponse:
    found = _producer(request, pk)
    require(request, Perm.VIEW_PRODUCTION)
    return _producer_page(request, found)


def _producer_data(form: ProducerForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def producer_new(request: HttpRequest) -> HttpResponse:
    require(request, Perm.MANAGE_PRODUCTION)
    actor = user_of(request)
    form = ProducerForm(request.POST or None, user=request.user)
    del form.fields["active"]  # a new producer is active
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: production.register_producer(actor=actor, data=_producer_data(form))
        )
        if done is not None:
            messages.success(request, _("%(name)s registered.") % {"name": done.name})
            return redirect(done.get_absolute_url())
    return render(
        request, "supplies/producer_form.html", {**SECTION, "form": form, "producer": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def producer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _producer(request, pk)
    require(request, Perm.MANAGE_PRODUCTION)
    actor = user_of(request)
    initial = {
        "name": found.name,
        "delivers_to": found.delivers_to_id,
        "division": found.division.code,
        "contact_name": found.contact_name,
        "phone": found.phone,
        "address": found.address,
        "longitude": found.longitude if found.longitude is not None else "",
        "latitude": found.latitude if found.latitude is not None else "",
        "active": found.active,
    }
    form = ProducerForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: production.update_producer(
                actor=actor, producer=found, data=_producer_data(form)
            ),
        )
        if done is not None:
            messages.success(request, _("%(name)s saved.") % {"name": done.name})
            return redirect(done.get_absolute_url())
    return render(
        request, "supplies/producer_form.html", {**SECTION, "form": form, "producer": found}
    )


@login_required
@require_POST
def producer_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    found = _producer(request, pk)
    require(request, Perm.MANAGE_PRODUCTION)
    actor = user_of(request)
    form = CapacityForm(request.POST, prefix="cap")
    if form.is_valid() and (
        run_action(
            form,
            lambda: production.set_capacity(
                actor=actor,
                producer=found,
                item=form.cleaned_data["item"],
                daily_capacity=form.cleaned_data["daily_capacity"],
            ),
        )
        is not None
    ):
        messages.success(request, _("Capacity saved."))
        return redirect(found.get_absolute_url())
    return _producer_page(request, found, capacity_form=form)


@never_cache
@login_required
@require_POST
def producer_token_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a machine token: the page shows its raw value once (never in a redirect)."""
    found = _producer(request, pk)
    require(request, Perm.MANAGE_PRODUCTION)
    actor = user_of(request)
    form = TokenForm(request.POST, prefix="token")
    if form.is_valid():
        done = run_action(
            form,
            lambda: production.create_producer_token(
                actor=actor, producer=found, name=form.cleaned_data["name"]
            ),
        )
        if done is not None:
            token, raw = done
            return render(
                request,
                "supplies/producer_token.html",
                {**SECTION, "producer": found, "token": token, "raw": raw},
            )
    return _producer_page(request, found, token_form=form)


@login_required
@require_POST
def producer_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, Perm.MANAGE_PRODUCTION)
    token = (
        ProducerToken.objects.select_related("producer")
        .filter(pk=pk, producer__in=Producer.objects.visible_to(request.user))
        .first()
    )
    if token is None:
        raise Http404
    production.revoke_producer_token(actor=user_of(request), token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect(token.producer.get_absolute_url())


@login_required
@require_POST
def dispatch_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _producer(request, pk)
    require(request, Perm.MANAGE_PRODUCTION)
    actor = user_of(request)
    form = DispatchForm(request.POST, prefix="order", producer=found)
    if form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: production.issue_dispatch(
                actor=actor,
                producer=found,
                item=data["item"],
                quantity_value=data["quantity"],
                start=data["start"],
                end=data["end"],
                note=data["note"],
            ),
        )
        if done is not None:
            messages.success(request, _("Dispatch order issued."))
            return redirect(found.get_absolute_url())
    return _producer_page(request, found, dispatch_form=form)


@login_required
@require_POST
def dispatch_close(request: HttpRequest, pk: int) -> HttpResponse:
    order: DispatchOrder = get_visible_or_404(
        DispatchOrder.objects.select_related("producer"), request.user, pk=pk
    )
    require(request, Perm.MANAGE_PRODUCTION)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the order is completed or cancelled."))
    else:
        try:
            production.close_dispatch(
                actor=user_of(request), order=order, state=form.cleaned_data["state"]
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Dispatch order closed."))
    return redirect(order.producer.get_absolute_url())


@login_required
@require_POST
def output_report(request: HttpRequest, pk: int) -> HttpResponse:
    found = _producer(request, pk)
    require(request, Perm.REPORT_OUTPUT)
    actor = user_of(request)
    form = OutputForm(request.POST, prefix="out", producer=found)
    if form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: production.report_output(
                actor=actor,
                producer=found,
                item=data["item"],
                day=data["day"],
                quantity_value=data["quantity"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Output of %(item)s on %(day)s reported: %(n)s.")
                % {"item": done.item.name, "day": done.day.isoformat(), "n": done.quantity},
            )
            return redirect(found.get_absolute_url())
    return _producer_page(request, found, output_form=form)


urlpatterns = [
    path("producers/", producers, name="producers"),
    path("producers/new/", producer_new, name="producer_new"),
    path("producers/plan/", production_plan, name="production_plan"),
    path("producers/<int:pk>/", producer, name="producer"),
    path("producers/<int:pk>/edit/", producer_edit, name="producer_edit"),
    path("producers/<int:pk>/capacity/", producer_capacity, name="producer_capacity"),
    path("producers/<int:pk>/tokens/", producer_token_new, name="producer_token_new"),
    path("producer-tokens/<int:pk>/revoke/", producer_token_revoke, name="producer_token_revoke"),
    path("producers/<int:pk>/orders/", dispatch_new, name="dispatch_new"),
    path("orders/<int:pk>/close/", dispatch_close, name="dispatch_close"),
    path("producers/<int:pk>/output/", output_report, name="output_report"),
]
