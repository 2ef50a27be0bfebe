"""Screens of admission and transfer: the orders to answer and to follow, an order with its
answer and transport, admitting or transferring one patient (the nearest free beds first), the
patients waiting for a bed, allocation plans, and the province's policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.cases.models import Case
from fangkong.cases.permissions import CasesPerm
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.medical.choices import BedType
from fangkong.medical.models import Ward
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.treatment import actions, selectors
from fangkong.treatment.choices import ACCEPT_HOURS, TRANSPORT_ORDER, OrderKind
from fangkong.treatment.forms import (
    AdmitForm,
    NeedForm,
    OrderFilterForm,
    PlanForm,
    PolicyForm,
    ReasonForm,
    TransferForm,
    TransportForm,
)
from fangkong.treatment.models import Order, Plan, Policy
from fangkong.treatment.permissions import TreatmentPerm
from fangkong.treatment.rules import need_of

PAGE = 50
PLAN_ROWS = 500  # a plan page lists the first 500 patients; the API has all

REASONS = {
    "no_location": _("where the patient waits has no coordinates"),
    "no_pool": _("no facility of the right kind with this bed type in the area"),
    "no_free_bed": _("every bed of this type is taken"),
    "case_changed": _("the case changed since the plan was made"),
    "order_open": _("the case already has an open order"),
    "taken_meanwhile": _("the bed was taken since the plan was made"),
}


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    require(request, TreatmentPerm.VIEW_ORDER)
    form = OrderFilterForm(request.GET or None)
    side, state, overdue = "", "", False
    if request.GET and form.is_valid():
        side, state = form.cleaned_data["side"], form.cleaned_data["state"]
        overdue = form.cleaned_data["overdue"]
    before = timezone.now() - dt.timedelta(hours=ACCEPT_HOURS) if overdue else None
    items, next_after = selectors.page(
        selectors.orders(request.user, state=state, side=side, overdue_before=before),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "treatment/orders.html",
        {
            "form": form,
            "items": items,
            "next_after": next_after,
            "query_string": params.urlencode(),
        },
    )


def _order(request: HttpRequest, pk: int) -> Order:
    return get_visible_or_404(
        Order.objects.select_related(
            "case", "case__person", "to_facility", "from_facility", "ward", "plan"
        ),
        request.user,
        pk=pk,
    )


def _order_page(
    request: HttpRequest, order: Order, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    receiver = path_in_scope(user, order.to_path)
    orderer = path_in_scope(user, order.division_path) or bool(
        order.from_path and path_in_scope(user, order.from_path)
    )
    nexts = [
        t
        for t in TRANSPORT_ORDER
        if TRANSPORT_ORDER.index(t) > TRANSPORT_ORDER.index(order.transport)
    ]
    return render(
        request,
        "treatment/order.html",
        {
            "order": order,
            "case": order.case,
            # the receiving facility sees the case once it accepted (cases.Case.treating_path)
            "case_visible": user.has_perm(CasesPerm.VIEW_CASE)
            and Case.objects.visible_to(user).filter(pk=order.case_id).exists(),
            "can_answer": receiver
            and user.has_perm(TreatmentPerm.RECEIVE_ORDER)
            and order.state == "requested",
            "can_cancel": orderer and user.has_perm(TreatmentPerm.ADD_ORDER) and order.is_open,
            "can_transport": user.has_perm(TreatmentPerm.CHANGE_TRANSPORT) and order.is_open,
            "next_transport": nexts[0] if nexts else "",
            "refuse_form": forms.get("refuse_form") or ReasonForm(prefix="refuse"),
            "cancel_form": forms.get("cancel_form") or ReasonForm(prefix="cancel"),
            "overdue": order.state == "requested"
            and order.ordered_at < timezone.now() - dt.timedelta(hours=ACCEPT_HOURS),
        },
        status=status,
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, TreatmentPerm.VIEW_ORDER)
    return _order_page(request, _order(request, pk))


@login_required
@require_POST
def order_accept(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    require(request, TreatmentPerm.RECEIVE_ORDER)
    form = ReasonForm()
    if (
        run_action(form, lambda: actions.accept_order(actor=user_of(request), order=order))
        is not None
    ):
        messages.success(request, _("Patient accepted: your facility is responsible now."))
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(order.get_absolute_url())


def _with_reason(
    request: HttpRequest,
    pk: int,
    perm: TreatmentPerm,
    prefix: str,
    call: Callable[..., Order],
    done: str,
) -> HttpResponse:
    """Refuse or cancel: the reason typed, the action called, or the page again with the
    reason's error."""
    order = _order(request, pk)
    require(request, perm)
    form = ReasonForm(request.POST, prefix=prefix)
    if (
        form.is_valid()
        and run_action(
            form,
            lambda: call(actor=user_of(request), order=order, reason=form.cleaned_data["reason"]),
        )
        is not None
    ):
        messages.success(request, done)
        return redirect(order.get_absolute_url())
    return _order_page(request, order, status=400, **{f"{prefix}_form": form})


@login_required
@require_POST
def order_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        TreatmentPerm.RECEIVE_ORDER,
        "refuse",
        actions.refuse_order,
        _("Patient refused; the bed is free again."),
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        TreatmentPerm.ADD_ORDER,
        "cancel",
        actions.cancel_order,
        _("Order cancelled; the bed is free again."),
    )


@login_required
@require_POST
def order_transport(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    require(request, TreatmentPerm.CHANGE_TRANSPORT)
    form = TransportForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.advance_transport(
                actor=user_of(request), order=order, transport=form.cleaned_data["transport"]
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Transport: %(state)s.") % {"state": done.get_transport_display()},
            )
            return redirect(order.get_absolute_url())
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect(order.get_absolute_url())


def _case(request: HttpRequest, pk: int) -> Case:
    return get_visible_or_404(
        Case.objects.select_related("person", "responsible_facility"), request.user, pk=pk
    )


def _choices(candidates: list[selectors.Candidate]) -> list[tuple[int, str]]:
    out = []
    for c in candidates:
        km = _("%(km)s km") % {"km": c.km} if c.km is not None else _("distance unknown")
        out.append(
            (
                c.ward.pk,
                _("%(facility)s · %(ward)s (%(type)s) — %(free)s free, %(km)s")
                % {
                    "facility": c.ward.facility.name,
                    "ward": c.ward.name,
                    "type": c.ward.get_bed_type_display(),
                    "free": c.free,
                    "km": km,
                },
            )
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def admit(request: HttpRequest, pk: int) -> HttpResponse:
    """Admit one patient: the nearest free beds of the right type, the nearest preselected."""
    case = _case(request, pk)
    require(request, TreatmentPerm.ADD_ORDER)
    need = actions.need_for(case)
    stay = actions.open_stay(case)
    candidates = selectors.nearest_wards(request.user, case, need, limit=8) if need else []
    form = AdmitForm(request.POST or None, choices=_choices(candidates))
    if request.method == "POST" and form.is_valid():
        ward = Ward.objects.visible_to(request.user).filter(pk=form.cleaned_data["ward"]).first()
        if ward is None:
            raise Http404
        order = run_action(
            form,
            lambda: actions.order_admission(
                actor=user_of(request), case=case, ward=ward, note=form.cleaned_data["note"]
            ),
        )
        if order is not None:
            messages.success(
                request,
                _("Admission ordered to %(ward)s: waiting for the facility to accept.")
                % {"ward": order.ward},
            )
            return redirect(order.get_absolute_url())
    return render(
        request,
        "treatment/admit.html",
        {"case": case, "need": need, "stay": stay, "form": form, "transfer": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Transfer an admitted patient up or down; the beds listed fit the severity chosen."""
    case = _case(request, pk)
    require(request, TreatmentPerm.ADD_ORDER)
    stay = actions.open_stay(case)
    data = request.POST if request.method == "POST" else request.GET
    need_form = NeedForm(data or None)
    severity = case.severity
    if need_form.is_bound and need_form.is_valid():
        severity = need_form.cleaned_data["severity"] or case.severity
    need = need_of(
        case.category,
        severity,
        mild_to_makeshift=actions.mild_to_makeshift(case.division_path),
    )
    candidates = selectors.nearest_wards(request.user, case, need, limit=8) if need else []
    if stay is not None:
        candidates = [c for c in candidates if c.ward.pk != stay.ward_id]
    form = TransferForm(
        request.POST or None,
        choices=_choices(candidates),
        initial={
            "kind": data.get("kind") or OrderKind.TRANSFER_UP,
            "severity": data.get("severity", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        ward = Ward.objects.visible_to(request.user).filter(pk=form.cleaned_data["ward"]).first()
        if ward is None:
            raise Http404
        order = run_action(
            form,
            lambda: actions.order_transfer(
                actor=user_of(request),
                case=case,
                ward=ward,
                kind=form.cleaned_data["kind"],
                severity=form.cleaned_data["severity"],
                note=form.cleaned_data["note"],
            ),
        )
        if order is not None:
            messages.success(
                request,
                _("Transfer ordered to %(ward)s: waiting for the facility to accept.")
                % {"ward": order.ward},
            )
            return redirect(order.get_absolute_url())
    return render(
        request,
        "treatment/admit.html",
        {
            "case": case,
            "need": need,
            "stay": stay,
            "form": form,
            "need_form": need_form,
            "transfer": True,
        },
        status=400 if form.errors else 200,
    )


@login_required
def waiting(request: HttpRequest) -> HttpResponse:
    """Patients isolated where found and not yet admitted, with the plan form."""
    require(request, TreatmentPerm.VIEW_ORDER)
    home = getattr(request.user, "home_division", None)
    form = PlanForm(initial={"division": home.code if home else ""}, actor=request.user)
    return _waiting_page(request, form)


def _waiting_page(request: HttpRequest, form: PlanForm) -> HttpResponse:
    after = parse_id(request.GET.get("after"), field="after")
    qs = selectors.waiting(request.user)
    total = qs.count()
    if after:
        qs = qs.filter(id__gt=after)
    items = list(qs.order_by("id")[: PAGE + 1])
    return render(
        request,
        "treatment/waiting.html",
        {
            "items": items[:PAGE],
            "next_after": items[PAGE - 1].pk if len(items) > PAGE else None,
            "total": total,
            "form": form,
            "can_order": request.user.has_perm(TreatmentPerm.ADD_ORDER),
            "plans": selectors.plans(request.user)[:10],
        },
    )


@login_required
@require_POST
def plan_new(request: HttpRequest) -> HttpResponse:
    """Propose a plan for the waiting patients of a division; a code outside the jurisdiction
    is answered like one that does not exist (the form again, with the error)."""
    require(request, TreatmentPerm.ADD_ORDER)
    form = PlanForm(request.POST, actor=request.user)
    if form.is_valid():
        plan = run_action(
            form,
            lambda: actions.propose_plan(
                actor=user_of(request), division=form.cleaned_data["division"]
            ),
        )
        if plan is not None:
            return redirect(plan.get_absolute_url())
    return _waiting_page(request, form)


def _plan(request: HttpRequest, pk: int) -> Plan:
    return get_visible_or_404(
        Plan.objects.select_related("division", "created_by"), request.user, pk=pk
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, TreatmentPerm.VIEW_ORDER)
    plan = _plan(request, pk)
    unplaced = [{**u, "label": REASONS.get(u["reason"], u["reason"])} for u in plan.unplaced]
    saving = None
    if plan.greedy_km and plan.greedy_placed == plan.placed and plan.greedy_km > 0:
        saving = round(100 * (1 - float(plan.total_km) / float(plan.greedy_km)), 1)
    labels = dict(BedType.choices)
    assignments = [
        {**a, "bed_label": labels.get(a["bed_type"], a["bed_type"])}
        for a in plan.assignments[:PLAN_ROWS]
    ]
    return render(
        request,
        "treatment/plan.html",
        {
            "plan": plan,
            "assignments": assignments,
            "more": max(0, len(plan.assignments) - PLAN_ROWS),
            "unplaced": unplaced,
            "saving": saving,
            "can_confirm": request.user.has_perm(TreatmentPerm.ADD_ORDER)
            and plan.state == "proposed",
            "orders": plan.orders.select_related("case", "to_facility", "ward").order_by("id")[
                :500
            ],
        },
    )


@login_required
@require_POST
def plan_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(request, TreatmentPerm.ADD_ORDER)
    form = ReasonForm()
    done = run_action(form, lambda: actions.confirm_plan(actor=user_of(request), plan=plan))
    if done is not None:
        messages.success(
            request,
            _("%(n)s admissions ordered; %(failed)s could not be placed (listed below).")
            % {"n": len(done.orders), "failed": len(done.failed)},
        )
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(plan.get_absolute_url())


@login_required
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(request, TreatmentPerm.ADD_ORDER)
    form = ReasonForm()
    if (
        run_action(form, lambda: actions.discard_plan(actor=user_of(request), plan=plan))
        is not None
    ):
        messages.success(request, _("Plan discarded."))
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(plan.get_absolute_url())


def _province(request: HttpRequest) -> Division:
    home = getattr(request.user, "home_division", None)
    province = (
        Division.objects.filter(level=Level.PROVINCE, path=actions.province_path(home.path)).first()
        if home is not None
        else Division.objects.filter(level=Level.PROVINCE).order_by("path").first()
    )
    if province is None:
        raise Http404
    return province


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """The province's admission policy (makeshift hospitals for mild cases)."""
    require(request, TreatmentPerm.VIEW_ORDER)
    province = _province(request)
    current = Policy.objects.filter(division=province).first()
    # the province's own health commission sets it; others read it
    can_change = request.user.has_perm(TreatmentPerm.CHANGE_POLICY) and path_in_scope(
        request.user, province.path
    )
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    form = PolicyForm(
        request.POST or None,
        initial={"mild_to_makeshift": bool(current and current.mild_to_makeshift)},
    )
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.set_policy(
                actor=user_of(request),
                province=province,
                mild_to_makeshift=form.cleaned_data["mild_to_makeshift"],
            ),
        )
        if done is not None:
            messages.success(request, _("Admission policy saved."))
            return redirect(reverse("treatment:policy"))
    return render(
        request,
        "treatment/policy.html",
        {"form": form, "province": province, "policy": current, "can_change": can_change},
        status=400 if form.errors else 200,
    )


def case_treatment_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The treatment part of a case page: its stays and orders, and what the user may do."""
    user = request.user
    if not user.has_perm(TreatmentPerm.VIEW_ORDER):
        return {"visible": False}
    stay = actions.open_stay(case)
    orders = selectors.orders_of(case)
    open_order = next((o for o in orders if o.is_open), None)
    can_order = user.has_perm(TreatmentPerm.ADD_ORDER) and case.is_open and open_order is None
    return {
        "visible": True,
        "stays": selectors.stays_of(case),
        "orders": orders,
        "stay": stay,
        "open_order": open_order,
        "can_admit": can_order and stay is None and case.category != "excluded",
        "can_transfer": can_order and stay is not None,
        "need": actions.need_for(case) if case.is_open else None,
    }
