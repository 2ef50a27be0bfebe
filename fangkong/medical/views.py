"""Screens of medical facilities: the list of the user's jurisdiction (by kind, by name), and
the form to add or change one (the health commission manages them)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.medical import actions, selectors
from fangkong.medical.forms import FacilityFilterForm, FacilityForm
from fangkong.medical.models import Facility
from fangkong.medical.permissions import MedicalPerm

PAGE = 50


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    require(request, MedicalPerm.VIEW_FACILITY)
    form = FacilityFilterForm(request.GET or None)
    kind, q = "", ""
    if request.GET and form.is_valid():
        kind, q = form.cleaned_data["kind"], form.cleaned_data["q"].strip()
    page = selectors.page(
        selectors.facilities(request.user, kind=kind, q=q),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "medical/list.html",
        {
            "form": form,
            "page": page,
            "query_string": params.urlencode(),
            "can_add": request.user.has_perm(MedicalPerm.ADD_FACILITY),
            "can_change": request.user.has_perm(MedicalPerm.CHANGE_FACILITY),
        },
    )


def _data(form: FacilityForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def facility_new(request: HttpRequest) -> HttpResponse:
    require(request, MedicalPerm.ADD_FACILITY)
    actor = user_of(request)
    home = getattr(actor, "home_division", None)
    form = FacilityForm(
        request.POST or None,
        actor=actor,
        initial={"division": home.code if home else "", "active": True},
    )
    if request.method == "POST" and form.is_valid():
        facility = run_action(form, lambda: actions.create_facility(actor=actor, **_data(form)))
        if facility is not None:
            messages.success(request, _("Facility %(name)s added.") % {"name": facility.name})
            return redirect(reverse("medical:list"))
    return render(request, "medical/form.html", {"form": form, "facility": None})


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    facility: Facility = get_visible_or_404(
        Facility.objects.select_related("division"), request.user, pk=pk
    )
    require(request, MedicalPerm.CHANGE_FACILITY)
    actor = user_of(request)
    initial = {
        "name": facility.name,
        "kind": facility.kind,
        "division": facility.division.code,
        "address": facility.address,
        "phone": facility.phone,
        "longitude": facility.longitude,
        "latitude": facility.latitude,
        "active": facility.active,
    }
    form = FacilityForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.update_facility(actor=actor, facility=facility, **_data(form))
        )
        if done is not None:
            messages.success(request, _("Facility %(name)s saved.") % {"name": done.name})
            return redirect(reverse("medical:list"))
    return render(request, "medical/form.html", {"form": form, "facility": facility})
