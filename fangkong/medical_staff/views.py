"""Screens of medical staff: the staff of the jurisdiction, a facility's week of shifts with
the form that saves it, who is due for rotation, exposures and family care. Thin: parse,
check the role, call one action, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import parse_date, parse_id
from fangkong.core.permissions import require
from fangkong.medical.models import Facility
from fangkong.medical_staff import actions, selectors
from fangkong.medical_staff.forms import (
    ExposureForm,
    FamilyCareForm,
    RosterForm,
    RuleForm,
    StaffFilterForm,
    StaffForm,
    cell_name,
)
from fangkong.medical_staff.models import StaffMember
from fangkong.medical_staff.permissions import MedicalStaffPerm as Perm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

PAGE = 50


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("after", None)
    return params.urlencode()


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_STAFF)
    form = StaffFilterForm(request.GET or None, actor=request.user)
    facility, q = None, ""
    if request.GET and form.is_valid():
        facility, q = form.cleaned_data["facility"], form.cleaned_data["q"].strip()
    page = selectors.keyset_page(
        selectors.staff(request.user, facility=facility, q=q),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    return render(
        request,
        "medical_staff/list.html",
        {
            "form": form,
            "page": page,
            "facility": facility,
            "query_string": _query_string(request),
            "can_add": request.user.has_perm(Perm.ADD_STAFF),
            "can_change": request.user.has_perm(Perm.CHANGE_STAFF),
        },
    )


def _staff_data(form: StaffForm, keep: Any = None) -> dict[str, Any]:
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("facility", "doc_number")}
    number = form.cleaned_data["doc_number"].strip()
    data["person"] = actions.find_person(form.cleaned_data["name"], number) if number else keep
    return data


@login_required
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    require(request, Perm.ADD_STAFF)
    actor = user_of(request)
    form = StaffForm(request.POST or None, actor=actor, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        facility = form.cleaned_data["facility"]
        staff = run_action(
            form,
            lambda: actions.create_staff(actor=actor, facility=facility, **_staff_data(form)),
        )
        if staff is not None:
            messages.success(request, _("%(name)s added.") % {"name": staff.name})
            return redirect(f"{reverse('medical_staff:list')}?facility={facility.pk}")
    return render(request, "medical_staff/form.html", {"form": form, "staff": None})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff: StaffMember = get_visible_or_404(
        StaffMember.objects.select_related("facility", "person"), request.user, pk=pk
    )
    require(request, Perm.CHANGE_STAFF)
    actor = user_of(request)
    initial = {
        "name": staff.name,
        "role": staff.role,
        "specialty": staff.specialty,
        "ward": staff.ward_id,
        "phone": staff.phone,
        "active": staff.active,
    }
    form = StaffForm(request.POST or None, actor=actor, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.update_staff(
                actor=actor, staff=staff, **_staff_data(form, keep=staff.person)
            ),
        )
        if done is not None:
            messages.success(request, _("%(name)s saved.") % {"name": done.name})
            return redirect(f"{reverse('medical_staff:list')}?facility={staff.facility_id}")
    return render(request, "medical_staff/form.html", {"form": form, "staff": staff})


@login_required
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    facility: Facility = get_visible_or_404(Facility.objects.all(), request.user, pk=pk)
    require(request, Perm.VIEW_STAFF)
    today = timezone.localdate()
    chosen = parse_date(request.GET.get("week"), field="week") or today
    start = selectors.week_start(chosen)
    week = selectors.roster_week(facility, start)
    wards = list(selectors.wards(facility))
    initial = {
        cell_name(row.staff, day): f"{shift.kind}:{shift.ward_id or ''}"
        for row in week.rows
        for day, shift in zip(week.days, row.cells, strict=True)
        if shift is not None
    }
    can_save = request.user.has_perm(Perm.MANAGE_ROSTER)
    form = RosterForm(
        request.POST if request.method == "POST" else None,
        staff=[row.staff for row in week.rows],
        days=week.days,
        wards=wards,
        initial=initial,
    )
    if request.method == "POST":
        require(request, Perm.MANAGE_ROSTER)
        if form.is_valid():
            planned = [
                actions.PlannedShift(staff=member, day=day, kind=kind, ward=ward)
                for member, day, kind, ward in form.planned()
            ]
            saved = run_action(
                form,
                lambda: actions.save_roster(
                    actor=user_of(request),
                    facility=facility,
                    start=week.days[0],
                    end=week.days[-1],
                    shifts=planned,
                ),
            )
            if saved is not None:
                messages.success(request, _("The roster of the week was saved."))
                url = reverse("medical_staff:roster", args=[facility.pk])
                return redirect(f"{url}?week={start.isoformat()}")
    rows = [(row, [form[cell_name(row.staff, day)] for day in week.days]) for row in week.rows]
    return render(
        request,
        "medical_staff/roster.html",
        {
            "facility": facility,
            "week": week,
            "rows": rows,
            "form": form,
            "can_save": can_save,
            "today": today,
            "previous": (start - dt.timedelta(days=7)).isoformat(),
            "next": (start + dt.timedelta(days=7)).isoformat(),
            "rule": actions.rule_for(facility.division_path),
        },
    )


@login_required
def rotation(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_STAFF)
    return _rotation_page(request)


def _province(request: HttpRequest) -> Division | None:
    home = getattr(request.user, "home_division", None)
    path = actions.province_path(home.path) if home is not None else None
    qs = Division.objects.filter(level=Level.PROVINCE)
    return (qs.filter(path=path) if path else qs.order_by("path")).first()


def _rotation_page(
    request: HttpRequest, form: RuleForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    province = _province(request)
    rule = actions.rule_for(province.path if province else "")
    # the province's own health commission (or hospital office) sets the rule; others read it
    can_set = (
        province is not None
        and request.user.has_perm(Perm.MANAGE_ROSTER)
        and path_in_scope(request.user, province.path)
    )
    if form is None and can_set:
        form = RuleForm(initial={"max_days": rule.max_days, "rest_days": rule.rest_days})
    return render(
        request,
        "medical_staff/rotation.html",
        {
            "due": selectors.due_for_rotation(request.user, today),
            "today": today,
            "rule": rule,
            "province": province,
            "rule_form": form if can_set else None,
        },
        status=status,
    )


@login_required
@require_POST
def rule(request: HttpRequest) -> HttpResponse:
    """Set the province's rotation and rest rule."""
    require(request, Perm.MANAGE_ROSTER)
    province = _province(request)
    if province is None or not path_in_scope(request.user, province.path):
        raise PermissionDenied
    form = RuleForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.set_rotation_rule(
                actor=user_of(request),
                province=province,
                max_days=form.cleaned_data["max_days"],
                rest_days=form.cleaned_data["rest_days"],
            ),
        )
        if done is not None:
            messages.success(request, _("Rotation rule saved."))
            return redirect(reverse("medical_staff:rotation"))
    return _rotation_page(request, form, status=400)


@login_required
def exposure_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_EXPOSURE)
    page = selectors.newest_page(
        selectors.exposures(request.user),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    return render(request, "medical_staff/exposures.html", {"page": page})


def _staff(request: HttpRequest, pk: int) -> StaffMember:
    staff: StaffMember = get_visible_or_404(
        StaffMember.objects.select_related("facility", "person"), request.user, pk=pk
    )
    return staff


@login_required
@require_http_methods(["GET", "POST"])
def exposure_new(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    require(request, Perm.ADD_EXPOSURE)
    form = ExposureForm(
        request.POST or None, staff=staff, initial={"occurred_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        exposure = run_action(
            form,
            lambda: actions.record_exposure(
                actor=user_of(request), staff=staff, **form.cleaned_data
            ),
        )
        if exposure is not None:
            messages.success(
                request,
                _("The exposure of %(name)s was recorded; their medical observation has started.")
                % {"name": staff.name},
            )
            return redirect(reverse("medical_staff:exposures"))
    return render(
        request,
        "medical_staff/staff_form.html",
        {"form": form, "staff": staff, "title": _("Record an occupational exposure")},
    )


@login_required
def family_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_FAMILYCARE)
    page = selectors.newest_page(
        selectors.family_care(request.user),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    return render(request, "medical_staff/family.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def family_new(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    require(request, Perm.ADD_FAMILYCARE)
    initial = {"grid": staff.person.grid.code if staff.person else ""}
    form = FamilyCareForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        family = run_action(
            form,
            lambda: actions.request_family_care(
                actor=user_of(request), staff=staff, **form.cleaned_data
            ),
        )
        if family is not None:
            messages.success(
                request,
                _("The request was sent to the care of grid %(grid)s.")
                % {"grid": family.grid.name},
            )
            return redirect(reverse("medical_staff:family"))
    return render(
        request,
        "medical_staff/staff_form.html",
        {"form": form, "staff": staff, "title": _("Care for the family")},
    )
