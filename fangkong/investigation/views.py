"""Pages of the epidemiological investigation: the list (with the cases still waiting for one),
the investigation page (movements by day with the form to add one, sources, conclusion, linked
cases), the printable report, its Word download and the public trajectory notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.cases.models import Case
from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import OutOfJurisdiction, get_visible_or_404, user_of
from fangkong.core.parsing import parse_id, parse_int
from fangkong.core.permissions import require
from fangkong.investigation import actions, documents, selectors
from fangkong.investigation.choices import InvestigationStatus, SourceKind
from fangkong.investigation.forms import (
    CompleteForm,
    FilterForm,
    MovementForm,
    SourceForm,
)
from fangkong.investigation.models import Investigation, Movement
from fangkong.investigation.permissions import InvestigationPerm

PAGE = 50
WAITING_SHOWN = 20


def _investigation(request: HttpRequest, pk: int) -> Investigation:
    investigation: Investigation = get_visible_or_404(
        Investigation.objects.select_related(
            "case",
            "case__person",
            "case__county",
            "case__address_division",
            "case__address_division__parent",
            "case__reporting_facility",
        ),
        request.user,
        pk=pk,
    )
    return investigation


@login_required
@require_GET
def investigation_list(request: HttpRequest) -> HttpResponse:
    require(request, InvestigationPerm.VIEW_INVESTIGATION)
    user = user_of(request)
    form = FilterForm(request.GET)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    filters = selectors.Filters(status=values.get("status", ""), number=values.get("q", ""))
    page = selectors.keyset_page(
        selectors.investigations_for(user, filters),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    waiting: list[Case] = []
    waiting_count = 0
    if user.has_perm(InvestigationPerm.ADD_INVESTIGATION):
        qs = selectors.cases_waiting(user)
        waiting = list(qs[:WAITING_SHOWN])
        waiting_count = len(waiting) if len(waiting) < WAITING_SHOWN else qs.count()
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "investigation/list.html",
        {
            "form": form,
            "page": page,
            "waiting": waiting,
            "waiting_count": waiting_count,
            "query_string": params.urlencode(),
            "stale_before": timezone.now() - dt.timedelta(hours=selectors.STALE_HOURS),
        },
    )


@login_required
@require_POST
def investigation_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the investigation of a case (the button on the case page and on the list)."""
    case: Case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
    require(request, InvestigationPerm.ADD_INVESTIGATION)
    user = user_of(request)
    existing = Investigation.objects.visible_to(user).filter(case=case).first()
    if existing is not None:
        return redirect(existing)
    name = (
        (request.POST.get("investigator_name") or "").strip()
        or user.full_name
        or (user.get_username())
    )
    try:
        investigation = actions.open_investigation(actor=user, case=case, investigator_name=name)
    except OutOfJurisdiction as exc:  # seen through its reporting clinic: not ours to investigate
        raise Http404 from exc
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("investigation:list"))
    messages.success(request, _("The investigation of case %(n)s is open.") % {"n": case.number})
    return redirect(investigation)


def _detail_context(
    request: HttpRequest,
    investigation: Investigation,
    *,
    movement_form: MovementForm | None = None,
    source_form: SourceForm | None = None,
    complete_form: CompleteForm | None = None,
) -> dict[str, Any]:
    user = user_of(request)
    place_q = (request.GET.get("place_q") or request.POST.get("place_q") or "").strip()[:50]
    own_places = {m.place_id: m.place for m in investigation.movements.select_related("place")}
    found = selectors.search_places(user, place_q) if place_q else []
    candidates = list(own_places.values()) + [p for p in found if p.pk not in own_places]
    return {
        "investigation": investigation,
        "case": investigation.case,
        "days": selectors.movements_by_day(investigation),
        "sources": list(investigation.sources.select_related("source_case", "place")),
        "links": selectors.linked_cases(user, investigation),
        "movement_form": movement_form
        or MovementForm(
            actor=user,
            initial={
                "day": investigation.window_end,
                "place_division": investigation.case.county_id,
            },
        ),
        "source_form": source_form or SourceForm(),
        "complete_form": complete_form or CompleteForm(),
        "place_q": place_q,
        "candidates": candidates,
        "searched": bool(place_q),
        "is_open": investigation.status == InvestigationStatus.OPEN,
        "can_change": user.has_perm(InvestigationPerm.CHANGE_INVESTIGATION),
        "source_kinds": SourceKind,
    }


@login_required
@require_GET
def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, InvestigationPerm.VIEW_INVESTIGATION)
    investigation = _investigation(request, pk)
    return render(request, "investigation/detail.html", _detail_context(request, investigation))


@login_required
@require_POST
def movement_add(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    require(request, InvestigationPerm.CHANGE_INVESTIGATION)
    user = user_of(request)
    form = MovementForm(request.POST, actor=user)
    if form.is_valid():
        data = form.cleaned_data

        @transaction.atomic  # a new place is kept only with its movement
        def call() -> Movement:
            place = data["chosen_place"] or actions.record_place(
                actor=user,
                name=data["place_name"],
                kind=data["place_kind"],
                address=data["place_address"],
                division=data["place_division"],
                lon=data["longitude"],
                lat=data["latitude"],
            )
            return actions.add_movement(
                actor=user,
                investigation=investigation,
                day=data["day"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                place=place,
                transport=data["transport"],
                transport_number=data["transport_number"],
                seat=data["seat"],
                people_met=data["people_met"],
                protection=data["protection"],
                note=data["note"],
            )

        if run_action(form, call) is not None:
            messages.success(request, _("The movement is recorded."))
            return redirect(f"{investigation.get_absolute_url()}#movements")
    return render(
        request,
        "investigation/detail.html",
        _detail_context(request, investigation, movement_form=form),
    )


@login_required
@require_POST
def movement_remove(request: HttpRequest, pk: int) -> HttpResponse:
    movement: Movement = get_visible_or_404(
        Movement.objects.select_related("investigation"), request.user, pk=pk
    )
    require(request, InvestigationPerm.CHANGE_INVESTIGATION)
    try:
        actions.remove_movement(actor=user_of(request), movement=movement)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The movement is removed."))
    return redirect(f"{movement.investigation.get_absolute_url()}#movements")


@login_required
@require_POST
def source_add(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    require(request, InvestigationPerm.CHANGE_INVESTIGATION)
    user = user_of(request)
    form = SourceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        source_case = None
        place = None
        number = data["source_case"].strip()
        if data["kind"] == SourceKind.CASE and number:
            source_case = Case.objects.visible_to(user).filter(number=number).first()
            if source_case is None:
                form.add_error("source_case", _("No such case in your jurisdiction."))
        place_id = data["place"].strip()
        if data["kind"] == SourceKind.PLACE and place_id:
            if place_id.isdigit() and len(place_id) <= 18:
                place = selectors.places_visible_to(user).filter(pk=int(place_id)).first()
            if place is None:
                form.add_error("place", _("Choose a place from the list."))
        if not form.errors:
            done = run_action(
                form,
                lambda: actions.add_source(
                    actor=user,
                    investigation=investigation,
                    kind=data["kind"],
                    source_case=source_case,
                    place=place,
                    area=data["area"],
                    note=data["note"],
                ),
            )
            if done is not None:
                messages.success(request, _("The source is recorded."))
                return redirect(f"{investigation.get_absolute_url()}#sources")
    return render(
        request,
        "investigation/detail.html",
        _detail_context(request, investigation, source_form=form),
    )


@login_required
@require_POST
def investigation_complete(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    require(request, InvestigationPerm.CHANGE_INVESTIGATION)
    user = user_of(request)
    form = CompleteForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.complete_investigation(
                actor=user, investigation=investigation, conclusion=form.cleaned_data["conclusion"]
            ),
        )
        if done is not None:
            messages.success(request, _("The investigation is complete."))
            return redirect(investigation)
    return render(
        request,
        "investigation/detail.html",
        _detail_context(request, investigation, complete_form=form),
    )


@login_required
@require_GET
def investigation_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a printable page (print CSS hides the header and buttons)."""
    require(request, InvestigationPerm.VIEW_INVESTIGATION)
    investigation = _investigation(request, pk)
    case = investigation.case
    return render(
        request,
        "investigation/report.html",
        {
            "investigation": investigation,
            "case": case,
            "age": documents.age_of(
                case.person.birth_date, timezone.localtime(case.diagnosed_at).date()
            ),
            "days": selectors.movements_by_day(investigation),
            "sources": [
                documents.source_text(s)
                for s in investigation.sources.select_related("source_case", "place")
            ],
        },
    )


@login_required
@require_GET
def investigation_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a Word document; the download is audited as an export."""
    require(request, InvestigationPerm.VIEW_INVESTIGATION)
    investigation = _investigation(request, pk)
    content = documents.report_docx(investigation)
    actions.record_export(actor=user_of(request), investigation=investigation, fmt="docx")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = f"investigation-{investigation.case.number}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The publicity office's list: the investigations of its area as the public knows a case
    (county, day of diagnosis, sex, age), each with its notice; no name, number or address."""
    require(request, InvestigationPerm.VIEW_TRAJECTORY)
    page = selectors.keyset_page(
        selectors.investigations_for(user_of(request), selectors.Filters()),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    rows = [
        {
            "investigation": i,
            "county": i.case.county.name,
            "diagnosed": i.case.diagnosed_at,
            "sex": i.case.person.get_sex_display(),
            "age": documents.age_of(
                i.case.person.birth_date, timezone.localdate(i.case.diagnosed_at)
            ),
        }
        for i in page.items
    ]
    return render(request, "investigation/notices.html", {"page": page, "rows": rows})


@login_required
@require_GET
def trajectory(request: HttpRequest, pk: int) -> HttpResponse:
    """The public trajectory notice, ready to copy; ``?n=`` is the case's number in the day's
    release ("病例3")."""
    require(request, InvestigationPerm.VIEW_TRAJECTORY)
    investigation = _investigation(request, pk)
    number = parse_int(request.GET.get("n"), field="n", min_value=1, max_value=9999) or 1
    return render(
        request,
        "investigation/trajectory.html",
        {
            "investigation": investigation,
            "number": number,
            "notice": documents.trajectory_notice(investigation, number=number),
        },
    )
