"""Screens of the fever clinic: the visit list, register a patient (found by document number,
with the history pre-filled), a visit's page with the doctor's decision, the referrals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.cases import clinic, clinic_selectors
from fangkong.cases.clinic_forms import (
    DecisionForm,
    FindPersonForm,
    VisitFilterForm,
    VisitForm,
    clinics_of,
)
from fangkong.cases.models import ClinicVisit
from fangkong.cases.permissions import CasesPerm
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.people.choices import Symptom
from fangkong.screening.permissions import ScreeningPerm

PAGE = 50
SESSION_CLINIC = "cases.clinic"  # the clinic the user registered their last patient at


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """The patients seen at the fever clinics of the user's jurisdiction, newest first."""
    require(request, CasesPerm.VIEW_CLINICVISIT)
    form = VisitFilterForm(request.GET or None)
    filters = clinic_selectors.Filters()
    errors: list[str] = []
    if request.GET and form.is_valid():
        filters.decision = form.cleaned_data["decision"]
        filters.day = form.cleaned_data["day"]
    elif request.GET:
        errors = [str(e) for errs in form.errors.values() for e in errs]
    page = clinic_selectors.Page(items=[], next_after=None)
    if not errors:
        page = clinic_selectors.page(
            clinic_selectors.visits(request.user, filters),
            after=parse_id(request.GET.get("after"), field="after"),
            size=PAGE,
        )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "cases/clinic/list.html",
        {
            "form": form,
            "page": page,
            "errors": errors,
            "query_string": params.urlencode(),
            "can_add": request.user.has_perm(CasesPerm.ADD_CLINICVISIT),
        },
    )


def _initial_clinic(request: HttpRequest) -> int | None:
    remembered = request.session.get(SESSION_CLINIC)
    clinics = clinics_of(request.user)
    if remembered and clinics.filter(pk=remembered).exists():
        return int(remembered)
    first = clinics.order_by("name").values_list("pk", flat=True).first()
    return first


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    """Register a patient: the document number finds the person (and their open referral and
    history); someone not registered yet is registered in a grid of the clinic's area."""
    require(request, CasesPerm.ADD_CLINICVISIT)
    actor = user_of(request)
    person = None
    referral = None
    if request.method == "POST":
        doc_number = request.POST.get("doc_number", "")
        person = clinic.find_person(actor, doc_number)
        form = VisitForm(request.POST, actor=actor, known=person is not None)
        if form.is_valid():
            data = form.cleaned_data
            visit = run_action(
                form,
                lambda: clinic.register_patient(
                    actor=actor,
                    facility=data["facility"],
                    doc_type=data["doc_type"],
                    doc_number=data["doc_number"],
                    temperature=data["temperature"],
                    symptoms=data["symptoms"],
                    visited_at=data["visited_at"],
                    epi_history=data["epi_history"],
                    name=data["name"],
                    grid=data["grid"],
                    phone=data["phone"],
                    address=data["address"],
                ),
            )
            if visit is not None:
                request.session[SESSION_CLINIC] = visit.facility_id
                if visit.referral_screening_id or visit.referral_observation_id:
                    messages.success(request, _("Patient registered; the referral has arrived."))
                else:
                    messages.success(request, _("Patient registered (walk-in)."))
                return redirect(visit.get_absolute_url())
    else:
        find = FindPersonForm(request.GET or None)
        initial: dict[str, Any] = {"facility": _initial_clinic(request)}
        if request.GET and find.is_valid():
            initial["doc_number"] = find.cleaned_data["doc_number"]
            person = clinic.find_person(actor, find.cleaned_data["doc_number"])
            if person is not None:
                initial["epi_history"] = clinic.epi_history_for(person)
                initial["doc_type"] = person.doc_type
                initial["doc_number"] = person.doc_number
                referral = clinic.open_referral(person)
        form = VisitForm(initial=initial, actor=actor, known=person is not None)
    return render(
        request,
        "cases/clinic/new.html",
        {
            "form": form,
            "person": person,
            "referral": referral,
            "searched": bool(request.GET.get("doc_number")),
            "no_clinic": not clinics_of(actor).exists(),
        },
    )


def _visit(request: HttpRequest, pk: int) -> ClinicVisit:
    visit: ClinicVisit = get_visible_or_404(
        ClinicVisit.objects.select_related(
            "person",
            "person__grid",
            "facility",
            "case",
            "observation",
            "referral_screening__grid",
            "referral_observation__grid",
        ),
        request.user,
        pk=pk,
    )
    return visit


def _detail(
    request: HttpRequest, visit: ClinicVisit, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    person = visit.person
    if form is None:
        form = DecisionForm(
            actor=request.user,
            initial={
                "address": person.address,
                "address_division": person.grid.code if person.grid_id else "",
                "doctor": getattr(request.user, "full_name", "") or "",
            },
        )
    return render(
        request,
        "cases/clinic/detail.html",
        {
            "visit": visit,
            "visit_symptoms": [str(dict(Symptom.choices).get(s, s)) for s in visit.symptoms],
            "form": form,
            "case_fields": [form[name] for name in DecisionForm.CASE_FIELDS],
            "other_fields": [form[name] for name in ("doctor", "note", "last_exposure")],
            "can_decide": visit.decision == "pending"
            and request.user.has_perm(CasesPerm.CHANGE_CLINICVISIT),
        },
        status=status,
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CasesPerm.VIEW_CLINICVISIT)
    return _detail(request, _visit(request, pk))


@login_required
@require_POST
def visit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The doctor's decision (once): home observation, suspected case, or no risk."""
    visit = _visit(request, pk)
    require(request, CasesPerm.CHANGE_CLINICVISIT)
    actor = user_of(request)
    form = DecisionForm(request.POST, actor=actor)
    if form.is_valid():
        data = form.cleaned_data
        fields = clinic.CaseFields(
            address=data["address"],
            address_division=data["address_division"],
            onset_date=data["onset_date"],
            occupation=data["occupation"],
            workplace=data["workplace"],
            import_status=data["import_status"],
            origin=data["origin"],
        )
        done = run_action(
            form,
            lambda: clinic.decide_visit(
                actor=actor,
                visit=visit,
                decision=data["decision"],
                doctor=data["doctor"],
                note=data["note"],
                case=fields,
                last_exposure=data["last_exposure"],
            ),
        )
        if done is not None:
            if done.case_id:
                messages.success(
                    request,
                    _("Suspected case %(number)s reported and isolated on the spot.")
                    % {"number": done.case.number if done.case else ""},
                )
            else:
                messages.success(
                    request,
                    _("Decision recorded: %(decision)s.")
                    % {"decision": done.get_decision_display()},
                )
            return redirect(done.get_absolute_url())
    return _detail(request, visit, form)


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    """Referrals to fever clinics in the user's area: expected (the last 24 h), arrived today,
    not arrived (over 24 h). The clinic sees them, and so do the grid and the county that
    referred them (who may read screenings)."""
    if not (
        request.user.has_perm(CasesPerm.VIEW_CLINICVISIT)
        or request.user.has_perm(ScreeningPerm.VIEW_SCREENING)
    ):
        raise PermissionDenied
    state = request.GET.get("state", clinic_selectors.EXPECTED)
    if state not in clinic_selectors.STATES:
        state = clinic_selectors.EXPECTED
    rows = clinic_selectors.referral_rows(request.user, state)
    return render(
        request,
        "cases/clinic/referrals.html",
        {
            "rows": rows,
            "state": state,
            "states": [
                (clinic_selectors.EXPECTED, _("Expected today")),
                (clinic_selectors.ARRIVED, _("Arrived today")),
                (clinic_selectors.MISSING, _("Not arrived (over 24 hours)")),
            ],
            "can_add": request.user.has_perm(CasesPerm.ADD_CLINICVISIT),
        },
    )
