"""Screens of donations (捐赠): the donations received in the user's area, recording one, a
donation's page (its items, what has been passed on and where, the form to pass some on) and,
without login, the public page (``public_urls``). Thin: parse, check the role, call one action
of ``donations``, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import DateField, parse_int
from fangkong.core.permissions import require
from fangkong.supplies import donations
from fangkong.supplies.choices import DonorKind, MovementKind
from fangkong.supplies.models import Donation, DonationLine, Item, Movement, Store
from fangkong.supplies.permissions import SuppliesPerm as Perm

PAGE = 50
PUBLIC_PAGE = 20
SECTION = {"supplies_section": "donations"}


def _q(request: HttpRequest) -> str:
    return " ".join((request.GET.get("q") or "").split())[:100]


def _page(request: HttpRequest) -> int:
    return parse_int(request.GET.get("page"), field="page", min_value=1, max_value=100_000) or 1


def _stores(user: Any) -> Any:
    return Store.objects.visible_to(user).filter(active=True).order_by("name")


class DonationForm(forms.Form):
    donor = forms.CharField(label=gettext_lazy("Donor"), max_length=100)
    donor_kind = forms.ChoiceField(label=gettext_lazy("Kind of donor"), choices=DonorKind.choices)
    received_on = DateField(
        label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    store = forms.ModelChoiceField(
        label=gettext_lazy("Received into"), queryset=Store.objects.none()
    )
    receiving_org = forms.CharField(label=gettext_lazy("Receiving organisation"), max_length=100)
    public = forms.BooleanField(
        label=gettext_lazy("Show on the public page"), required=False, initial=True
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, items: list[Item], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_on": timezone.localdate(), "public": True})
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = _stores(user)  # type: ignore[attr-defined]
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"{item.name} ({item.unit})", max_length=20, required=False
            )

    def lines(self) -> dict[Item, Any]:
        return {item: self.cleaned_data.get(f"item_{item.pk}") for item in self.items}


class DistributeForm(forms.Form):
    target_store = forms.ModelChoiceField(
        label=gettext_lazy("To store"), queryset=Store.objects.none()
    )
    item = forms.ModelChoiceField(label=gettext_lazy("Item"), queryset=Item.objects.none())
    quantity = forms.CharField(label=gettext_lazy("Quantity"), max_length=20)

    def __init__(self, *args: Any, user: Any, donation: Donation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_store"].queryset = _stores(user).exclude(pk=donation.store_id)  # type: ignore[attr-defined]
        self.fields["item"].queryset = Item.objects.filter(  # type: ignore[attr-defined]
            pk__in=DonationLine.objects.filter(donation=donation).values("item_id")
        )


@login_required
def donation_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_STOCK)
    q = _q(request)
    items = Donation.objects.visible_to(request.user).select_related("store")
    if q:
        items = items.filter(donor__icontains=q)
    return render(
        request,
        "supplies/donation_list.html",
        {
            **SECTION,
            "q": q,
            "page": Paginator(items.order_by("-received_on", "-id"), PAGE).get_page(_page(request)),
            "can_manage": request.user.has_perm(Perm.MANAGE_DONATION),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def donation_new(request: HttpRequest) -> HttpResponse:
    require(request, Perm.MANAGE_DONATION)
    actor = user_of(request)
    items = list(Item.objects.filter(active=True).order_by("category", "code"))
    form = DonationForm(request.POST or None, user=request.user, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: donations.record_donation(
                actor=actor,
                donor=data["donor"],
                donor_kind=data["donor_kind"],
                received_on=data["received_on"],
                store=data["store"],
                receiving_org=data["receiving_org"],
                lines=form.lines(),
                public=data["public"],
                note=data["note"],
            ),
        )
        if done is not None:
            messages.success(request, _("Donation of %(donor)s recorded.") % {"donor": done.donor})
            return redirect("supplies:donation", pk=done.pk)
    return render(request, "supplies/donation_form.html", {**SECTION, "form": form})


def _donation(request: HttpRequest, pk: int) -> Donation:
    donation: Donation = get_visible_or_404(
        Donation.objects.select_related("store", "created_by"), request.user, pk=pk
    )
    return donation


def _donation_page(
    request: HttpRequest, donation: Donation, form: DistributeForm | None = None
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "supplies/donation_detail.html",
        {
            **SECTION,
            "donation": donation,
            "lines": DonationLine.objects.filter(donation=donation)
            .select_related("item")
            .order_by("item__code"),
            "movements": Movement.objects.filter(donation=donation, kind=MovementKind.TRANSFER_IN)
            .select_related("store", "item", "counterpart")
            .order_by("-id")[:PAGE],
            "can_manage": user.has_perm(Perm.MANAGE_DONATION),
            "form": form or DistributeForm(user=user, donation=donation),
        },
    )


@login_required
def donation(request: HttpRequest, pk: int) -> HttpResponse:
    found = _donation(request, pk)
    require(request, Perm.VIEW_STOCK)
    return _donation_page(request, found)


@login_required
@require_POST
def donation_distribute(request: HttpRequest, pk: int) -> HttpResponse:
    found = _donation(request, pk)
    require(request, Perm.MANAGE_DONATION)
    actor = user_of(request)
    form = DistributeForm(request.POST, user=request.user, donation=found)
    if form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: donations.distribute_donation(
                actor=actor,
                donation=found,
                target_store=data["target_store"],
                item=data["item"],
                quantity_value=data["quantity"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("%(n)s %(unit)s of %(item)s passed on to %(store)s.")
                % {
                    "n": done[1].quantity,
                    "unit": data["item"].unit,
                    "item": data["item"].name,
                    "store": data["target_store"].name,
                },
            )
            return redirect("supplies:donation", pk=found.pk)
    return _donation_page(request, found, form)


def public_donations(request: HttpRequest) -> HttpResponse:
    """The public page (no login): public donations, their items, the receiving organisation
    and where each went (from the ledger). Four queries whatever the page holds."""
    page = Paginator(donations.public_donations(), PUBLIC_PAGE).get_page(_page(request))
    rows = list(page.object_list)
    went = donations.destinations([d.pk for d in rows])
    return render(
        request,
        "supplies/public_donations.html",
        {"page": page, "rows": [(d, went.get(d.pk, [])) for d in rows]},
    )


urlpatterns = [
    path("donations/", donation_list, name="donations"),
    path("donations/new/", donation_new, name="donation_new"),
    path("donations/<int:pk>/", donation, name="donation"),
    path("donations/<int:pk>/distribute/", donation_distribute, name="donation_distribute"),
]
