"""Screens of medical facilities: the list of the user's jurisdiction (by kind, by name), the
form to add or change one, a facility's page with its wards (beds by type) and its experts on
site, with their forms (the health commission manages them), and the bed board (集中资源): free
beds by type per division, the map of the cities and the trend with the run-out projection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.medical import actions, selectors
from fangkong.medical.choices import BED_TYPES_BY_KIND, BedType
from fangkong.medical.forms import (
    BedTypeForm,
    ExpertForm,
    ExpertLeaveForm,
    FacilityFilterForm,
    FacilityForm,
    WardChangeForm,
    WardForm,
)
from fangkong.medical.models import Expert, Facility, Ward
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
            return redirect(facility.get_absolute_url())
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
        "level": facility.level,
        "contact_name": facility.contact_name,
        "opened_on": facility.opened_on,
        "closed_on": facility.closed_on,
    }
    form = FacilityForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.update_facility(actor=actor, facility=facility, **_data(form))
        )
        if done is not None:
            messages.success(request, _("Facility %(name)s saved.") % {"name": done.name})
            return redirect(done.get_absolute_url())
    return render(request, "medical/form.html", {"form": form, "facility": facility})


# --- one facility: its wards and experts -------------------------------------------------------


def _facility(request: HttpRequest, pk: int) -> Facility:
    facility: Facility = get_visible_or_404(
        selectors.facility_with_beds(request.user), request.user, pk=pk
    )
    return facility


def _ward_form(facility: Facility, data: Any = None) -> WardForm:
    return WardForm(
        data,
        prefix="ward",
        bed_types=BED_TYPES_BY_KIND.get(facility.kind, ()),
        initial={"out_of_service": 0},
    )


def _ward_change_form(ward: Ward, data: Any = None) -> WardChangeForm:
    initial = {
        "capacity": ward.capacity,
        "out_of_service": ward.out_of_service,
        "active": ward.active,
    }
    return WardChangeForm(data, prefix=f"ward{ward.pk}", initial=initial)


def _detail(
    request: HttpRequest, facility: Facility, *, bound: dict[str, Any] | None = None
) -> HttpResponse:
    """The facility's page; ``bound`` holds a form that was sent with errors, by its key
    (``ward``, ``expert``, ``ward<id>``, ``expert<id>``), shown open with its errors."""
    bound = bound or {}
    can_change = request.user.has_perm(MedicalPerm.CHANGE_FACILITY)
    wards = list(facility.wards.all())
    experts = list(facility.experts.all())
    totals = sum(
        (
            selectors.Beds(w.capacity, w.occupied, w.reserved, w.out_of_service, w.free)
            for w in wards
            if w.active
        ),
        selectors.Beds(),
    )
    return render(
        request,
        "medical/detail.html",
        {
            "facility": facility,
            "wards": [(w, bound.get(f"ward{w.pk}") or _ward_change_form(w)) for w in wards],
            "totals": totals,
            "present": [
                (e, bound.get(f"expert{e.pk}") or ExpertLeaveForm(prefix=f"expert{e.pk}"))
                for e in experts
                if e.until is None
            ],
            "past": [e for e in experts if e.until is not None],
            "can_change": can_change,
            "takes_wards": bool(BED_TYPES_BY_KIND.get(facility.kind)),
            "ward_form": bound.get("ward") or _ward_form(facility),
            "expert_form": bound.get("expert") or ExpertForm(prefix="expert"),
            "opened": next(iter(bound), ""),
        },
    )


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, MedicalPerm.VIEW_FACILITY)
    return _detail(request, _facility(request, pk))


@login_required
@require_POST
def ward_add(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _facility(request, pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    form = _ward_form(facility, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ward = run_action(
            form,
            lambda: actions.create_ward(
                actor=user_of(request),
                facility=facility,
                name=d["name"],
                bed_type=d["bed_type"],
                capacity=d["capacity"],
                out_of_service=d["out_of_service"],
            ),
        )
        if ward is not None:
            messages.success(request, _("Ward %(name)s added.") % {"name": ward.name})
            return redirect(facility.get_absolute_url())
    return _detail(request, facility, bound={"ward": form})


@login_required
@require_POST
def ward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ward: Ward = get_visible_or_404(Ward.objects.all(), request.user, pk=pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    form = _ward_change_form(ward, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.update_ward(
                actor=user_of(request),
                ward=ward,
                capacity=d["capacity"],
                out_of_service=d["out_of_service"],
                active=d["active"],
            ),
        )
        if done is not None:
            messages.success(request, _("Ward %(name)s saved.") % {"name": done.name})
            return redirect(reverse("medical:detail", args=[ward.facility_id]))
    facility = _facility(request, ward.facility_id)
    return _detail(request, facility, bound={f"ward{ward.pk}": form})


@login_required
@require_POST
def expert_add(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _facility(request, pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    form = ExpertForm(request.POST, prefix="expert")
    if form.is_valid():
        d = form.cleaned_data
        expert = run_action(
            form,
            lambda: actions.add_expert(
                actor=user_of(request),
                facility=facility,
                name=d["name"],
                specialty=d["specialty"],
                home_hospital=d["home_hospital"],
                since=d["since"],
            ),
        )
        if expert is not None:
            messages.success(request, _("Expert %(name)s added.") % {"name": expert.name})
            return redirect(facility.get_absolute_url())
    return _detail(request, facility, bound={"expert": form})


@login_required
@require_POST
def expert_leave(request: HttpRequest, pk: int) -> HttpResponse:
    expert: Expert = get_visible_or_404(Expert.objects.all(), request.user, pk=pk)
    require(request, MedicalPerm.CHANGE_FACILITY)
    form = ExpertLeaveForm(request.POST, prefix=f"expert{expert.pk}")
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.end_expert(
                actor=user_of(request), expert=expert, until=form.cleaned_data["until"]
            ),
        )
        if done is not None:
            messages.success(request, _("Expert %(name)s has left.") % {"name": done.name})
            return redirect(reverse("medical:detail", args=[expert.facility_id]))
    facility = _facility(request, expert.facility_id)
    return _detail(request, facility, bound={f"expert{expert.pk}": form})


# --- the bed board (集中资源) --------------------------------------------------------------


@login_required
def bed_board(request: HttpRequest) -> HttpResponse:
    """Free beds by type per child division of the user's home; for the province, the map of
    the cities coloured by free beds of the chosen type; per city, the trend of the last 30
    days and the day it runs out at the current admission rate."""
    require(request, MedicalPerm.VIEW_FACILITY)
    form = BedTypeForm(request.GET or None)
    bed_type = str(BedType.ISOLATION_WARD)
    if request.GET and form.is_valid() and form.cleaned_data["type"]:
        bed_type = form.cleaned_data["type"]
    user = user_of(request)
    board = selectors.beds_by_division(user)
    trend = selectors.bed_trend(user, days=30, bed_type=bed_type)
    map_data = None
    if board.by_city:
        map_data = {
            "cities": [
                {
                    "code": row.division.code[:4],
                    "name": row.division.name,
                    "free": row.by_type.get(bed_type, selectors.Beds()).free,
                    "capacity": row.by_type.get(bed_type, selectors.Beds()).capacity,
                }
                for row in board.rows
                if row.division is not None and not row.direct
            ]
        }
    chart = {
        "days": [
            (trend.start + dt.timedelta(days=n)).isoformat()
            for n in range((trend.today - trend.start).days + 1)
        ],
        "series": [
            {
                "name": c.city.name,
                "points": {
                    **{p.day.isoformat(): p.beds.free for p in c.days},
                    trend.today.isoformat(): c.today.free,
                },
            }
            for c in trend.cities
        ],
    }
    return render(
        request,
        "medical/beds.html",
        {
            "form": form,
            "board": board,
            "bed_types": [(v, label) for v, label in BedType.choices],
            "bed_type": bed_type,
            "bed_type_label": BedType(bed_type).label,
            "trend": trend,
            "map_data": map_data,
            "chart": chart,
        },
    )
