"""Screens of cases (病例): the list with its filters and the 2-hour clock, and the case page
with the report card, the clock, the course, samples and results, and one form per step of the
course (each refused with the rule's reason)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.cases import actions, selectors
from fangkong.cases.forms import (
    AsymptomaticForm,
    CaseFilterForm,
    ConfirmForm,
    DeathForm,
    DischargeForm,
    NationalReportForm,
    NoteForm,
    OnsetForm,
    ResultForm,
    SampleForm,
)
from fangkong.cases.models import Case, Sample
from fangkong.cases.permissions import CasesPerm
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.investigation.permissions import InvestigationPerm
from fangkong.regions.selectors import list_filter_divisions

PAGE = 50

# Other apps' parts of the case page, shown when they exist (tracing's contacts of the case).
CASE_PAGE_SLOTS = ("treatment/_case_slot.html", "tracing/_case_slot.html")


def _filters(request: HttpRequest) -> tuple[CaseFilterForm, selectors.Filters, list[str]]:
    form = CaseFilterForm(request.GET or None)
    filters = selectors.Filters()
    if not request.GET:
        return form, filters, []
    if not form.is_valid():
        return form, filters, [str(e) for errs in form.errors.values() for e in errs]
    clean = form.cleaned_data
    filters.within, _grid, errors = list_filter_divisions(request.user, clean["within"], None)
    filters.category, filters.outcome = clean["category"], clean["outcome"]
    filters.import_status, filters.overdue = clean["import_status"], clean["overdue"]
    filters.awaiting, filters.q = clean["awaiting"], clean["q"]
    return form, filters, errors


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases the user sees (by the address or by the reporting clinic), newest first."""
    require(request, CasesPerm.VIEW_CASE)
    form, filters, errors = _filters(request)
    page = selectors.Page(items=[], next_after=None)
    now = timezone.now()
    if not errors:
        page = selectors.page(
            selectors.cases_for(request.user, filters, now=now),
            after=parse_id(request.GET.get("after"), field="after"),
            size=PAGE,
        )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "errors": errors,
            "now": now,
            "query_string": params.urlencode(),
            "filtered": bool(request.GET),
        },
    )


def _case(request: HttpRequest, pk: int) -> Case:
    case: Case = get_visible_or_404(
        Case.objects.select_related(
            "person",
            "county",
            "address_division",
            "reporting_facility",
            "responsible_facility",
        ),
        request.user,
        pk=pk,
    )
    return case


def _slot_templates() -> list[str]:
    """The other apps' parts of the page that exist now (a part not yet written is left out)."""
    found = []
    for name in CASE_PAGE_SLOTS:
        try:
            select_template([name])
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


def _investigation_url(case: Case) -> str:
    try:
        return reverse("investigation:open", args=[case.pk])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Transition:
    """One step of the course: its form, the permission, the action and what to say."""

    form: type[forms.Form]
    perm: CasesPerm
    call: Callable[[Any, Case, dict[str, Any]], Any]
    done: Any  # a lazy message


TRANSITIONS: dict[str, Transition] = {
    "confirm": Transition(
        ConfirmForm,
        CasesPerm.CHANGE_CATEGORY,
        lambda user, case, d: actions.confirm_case(actor=user, case=case, severity=d["severity"]),
        gettext_lazy("The case is confirmed."),
    ),
    "asymptomatic": Transition(
        AsymptomaticForm,
        CasesPerm.CHANGE_CATEGORY,
        lambda user, case, d: actions.reclassify_asymptomatic(actor=user, case=case),
        gettext_lazy("The case is now an asymptomatic infection."),
    ),
    "onset": Transition(
        OnsetForm,
        CasesPerm.CHANGE_CATEGORY,
        lambda user, case, d: actions.confirm_on_symptoms(
            actor=user, case=case, onset_date=d["onset_date"], severity=d["severity"]
        ),
        gettext_lazy("The asymptomatic infection is confirmed with its onset date."),
    ),
    "exclude": Transition(
        NoteForm,
        CasesPerm.CHANGE_CATEGORY,
        lambda user, case, d: actions.exclude_case(actor=user, case=case, note=d["note"]),
        gettext_lazy("The case is excluded."),
    ),
    "discharge": Transition(
        DischargeForm,
        CasesPerm.CLOSE_CASE,
        lambda user, case, d: actions.discharge_case(
            actor=user,
            case=case,
            normal_since=d["normal_since"],
            symptoms_better=d["symptoms_better"],
            imaging_improved=d["imaging_improved"],
        ),
        gettext_lazy("The patient is discharged; 14 days of observation have started."),
    ),
    "death": Transition(
        DeathForm,
        CasesPerm.CLOSE_CASE,
        lambda user, case, d: actions.record_death(
            actor=user, case=case, died_on=d["died_on"], note=d["note"]
        ),
        gettext_lazy("The death is recorded."),
    ),
    "national_report": Transition(
        NationalReportForm,
        CasesPerm.MARK_REPORTED,
        lambda user, case, d: actions.mark_reported(actor=user, case=case, at=d["at"]),
        gettext_lazy("The case is marked reported to the national system."),
    ),
}


def _detail(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    samples = selectors.samples_of(case)
    step_forms = {name: bound.get(name) or t.form(prefix=name) for name, t in TRANSITIONS.items()}
    discharge = step_forms["discharge"]
    checklist_values: dict[str, Any] = {}
    if discharge.is_bound:
        discharge.is_valid()  # the refused form keeps what was entered: the checklist says it
        checklist_values = {
            k: v
            for k, v in getattr(discharge, "cleaned_data", {}).items()
            if k in ("normal_since", "symptoms_better", "imaging_improved")
        }
    steps = selectors.steps(case, samples)
    for step in steps:
        step.fields = {"form": step_forms[step.name], "can": user.has_perm(step.perm)}
    opened = next((name for name, f in step_forms.items() if f.is_bound), "")
    result_forms = {
        s.pk: bound.get(f"result-{s.pk}") or ResultForm(prefix=f"result-{s.pk}") for s in samples
    }
    for s in samples:
        s.result_form = result_forms[s.pk]  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "case": case,
        "clock": selectors.clock(case),
        "events": selectors.events_of(case),
        "samples": samples,
        "steps": steps,
        "opened": opened,
        "checklist": selectors.discharge_checklist(samples, **checklist_values),
        "sample_form": bound.get("sample") or SampleForm(prefix="sample"),
        "can_add_sample": case.is_open and user.has_perm(CasesPerm.ADD_SAMPLE),
        "can_record_result": user.has_perm(CasesPerm.RECORD_RESULT),
        "slots": _slot_templates(),
        "investigation_url": _investigation_url(case),
        "can_investigate": user.has_perm(InvestigationPerm.ADD_INVESTIGATION),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CasesPerm.VIEW_CASE)
    return _detail(request, _case(request, pk))


def _transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = _case(request, pk)
    step = TRANSITIONS[name]
    require(request, step.perm)
    form = step.form(request.POST, prefix=name)
    if form.is_valid():
        done = run_action(form, lambda: step.call(user_of(request), case, form.cleaned_data))
        if done is not None:
            messages.success(request, str(step.done))
            return redirect(case.get_absolute_url())
    return _detail(request, case, bound={name: form})


def _transition_view(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _transition(request, pk, name)

    view.__name__ = view.__qualname__ = f"case_{name}"
    return view


case_confirm = _transition_view("confirm")
case_asymptomatic = _transition_view("asymptomatic")
case_onset = _transition_view("onset")
case_exclude = _transition_view("exclude")
case_discharge = _transition_view("discharge")
case_death = _transition_view("death")
case_national_report = _transition_view("national_report")


@login_required
@require_POST
def sample_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    require(request, CasesPerm.ADD_SAMPLE)
    form = SampleForm(request.POST, prefix="sample")
    if form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.add_sample(
                actor=user_of(request),
                case=case,
                number=d["number"],
                sample_type=d["sample_type"],
                sampled_at=d["sampled_at"],
                laboratory=d["laboratory"],
                method=d["method"],
            ),
        )
        if done is not None:
            messages.success(request, _("Sample %(number)s recorded.") % {"number": done.number})
            return redirect(case.get_absolute_url())
    return _detail(request, case, bound={"sample": form})


@login_required
@require_POST
def sample_result(request: HttpRequest, pk: int) -> HttpResponse:
    sample: Sample | None = selectors.sample_visible(request.user, pk)
    if sample is None or sample.case is None:
        raise Http404
    require(request, CasesPerm.RECORD_RESULT)
    case = _case(request, sample.case_id)  # type: ignore[arg-type]
    prefix = f"result-{sample.pk}"
    form = ResultForm(request.POST, prefix=prefix)
    if form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.record_result(
                actor=user_of(request),
                sample=sample,
                result=d["result"],
                ct_orf1ab=d["ct_orf1ab"],
                ct_n=d["ct_n"],
                result_at=d["result_at"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Result of sample %(number)s recorded.") % {"number": sample.number},
            )
            return redirect(case.get_absolute_url())
    return _detail(request, case, bound={prefix: form})
