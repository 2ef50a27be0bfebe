"""Screens of door-to-door screening: the phone form with its live outcome, the list, a record,
and the key areas."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import parse_date_cursor
from fangkong.core.permissions import require
from fangkong.observation.choices import Status
from fangkong.observation.models import Observation
from fangkong.people.actions import clean_identity
from fangkong.people.choices import DocType
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import division_param, list_filter_divisions
from fangkong.screening import actions, selectors
from fangkong.screening.actions import COMMAND_LEVELS
from fangkong.screening.choices import Outcome
from fangkong.screening.forms import (
    EndKeyAreaForm,
    KeyAreaForm,
    ScreeningFilterForm,
    ScreeningForm,
)
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.permissions import ScreeningPerm
from fangkong.screening.rules import Facts, Place, assess

PAGE = 50


def person_url(person: Person) -> str:
    """The person's page, once the people app serves one."""
    try:
        return person.get_absolute_url()
    except NoReverseMatch:
        return ""


def _home(request: HttpRequest) -> Division | None:
    return getattr(user_of(request), "home_division", None)


def _grid_from_query(request: HttpRequest) -> Division | None:
    """The grid of ``?grid=<code>`` (404 outside the user's subtree), or the user's own grid."""
    grid = division_param(request, "grid", level=Level.GRID, active=True)
    if grid is not None:
        return grid
    home = _home(request)
    return home if home is not None and home.level == Level.GRID else None


def _form(request: HttpRequest, grid: Division | None, data: Any = None) -> ScreeningForm:
    home = _home(request)
    path = grid.path if grid else (home.path if home else None)
    grids = None
    if grid is None and home is not None and home.level == Level.VILLAGE:
        grids = list(Division.objects.active_grids().filter(parent=home))
    initial = {"grid": grid.code} if grid else {}
    return ScreeningForm(
        data,
        actor=request.user,
        key_areas=selectors.place_choices(path, timezone.localdate()),
        grids=grids,
        initial=initial,
    )


@login_required
@require_http_methods(["GET", "POST"])
def screening_new(request: HttpRequest) -> HttpResponse:
    require(request, ScreeningPerm.ADD_SCREENING)
    grid = _grid_from_query(request)
    form = _form(request, grid, request.POST or None)
    if request.method == "POST" and form.is_valid():
        screening = run_action(
            form,
            lambda: actions.register_screening(actor=user_of(request), **form.action_kwargs()),
        )
        if screening is not None:
            messages.success(request, _("Screening registered."))
            return redirect(screening.get_absolute_url())
    return render(
        request,
        "screening/new.html",
        {"form": form, "grid": grid, "assessment": None},
    )


def lenient_facts(form: ScreeningForm) -> Facts:
    """The facts the form holds so far (fields that do not parse yet are left out)."""
    form.is_valid()
    data = form.cleaned_data
    today = timezone.localdate()
    screened = data.get("screened_on") or today
    arrival = None
    if data.get("arrival_date"):
        code = data.get("origin_code") or ""
        arrival = Place(code, data.get("origin_name") or "", data["arrival_date"])
    travel = [Place(t["code"], t["name"], t["date"]) for t in form.travel() if t.get("date")]
    return Facts(
        screened_on=screened,
        temperature=data.get("temperature"),
        symptoms=data.get("symptoms") or [],
        arrival=arrival,
        travel=travel,
        contact=data.get("contact") or "none",
        contact_date=data.get("contact_date"),
    )


@login_required
@require_POST
def screening_preview(request: HttpRequest) -> HttpResponse:
    """The outcome the rules draw from the form as it is (htmx, on every change); writes
    nothing."""
    require(request, ScreeningPerm.ADD_SCREENING)
    code = (request.POST.get("grid") or "").strip()
    grid = (
        Division.objects.visible_to(request.user).filter(code=code, level=Level.GRID).first()
        if code.isdigit()
        else None
    )
    form = _form(request, grid, request.POST)
    facts = lenient_facts(form)
    typed = (request.POST.get("temperature") or "").strip()
    refused = [
        " ".join(str(m) for m in error.messages)
        for error in form.errors.as_data().get("temperature", [])
    ]
    # Something typed that is no body temperature (1E+308, inf, NaN, abc): no outcome, and the
    # reason instead of a reassuring one.
    if typed and refused:
        return render(request, "screening/_assessment.html", {"refused": refused[0]})
    home = _home(request)
    path = grid.path if grid else (home.path if home else "")
    assessment = assess(facts, actions.key_areas_for(path) if path else [])
    return render(request, "screening/_assessment.html", {"assessment": assessment})


@login_required
def person_lookup(request: HttpRequest) -> HttpResponse:
    """As the document number is typed: is it valid, and is this someone we know? Only people
    inside the user's jurisdiction are shown; their name, phone and address fill the form."""
    require(request, ScreeningPerm.ADD_SCREENING)
    doc_type = request.GET.get("doc_type") or DocType.RESIDENT_ID
    number = (request.GET.get("doc_number") or "").strip()[:32]
    context: dict[str, Any] = {"number": number}
    if number:
        try:
            identity = clean_identity(doc_type, number)
        except ActionError as exc:
            context["error"] = exc.message
        else:
            person = (
                Person.objects.visible_to(request.user)
                .filter(doc_type=identity.doc_type, doc_number=identity.doc_number)
                .select_related("grid")
                .first()
            )
            context["person"] = person
            if person is not None:
                context["last"] = selectors.screenings_of(person, request.user).first()
                context["fill"] = _form(request, None)
                context["fill"].initial.update(
                    {"name": person.name, "phone": person.phone, "address": person.address}
                )
    return render(request, "screening/_person_lookup.html", context)


def _filters(request: HttpRequest) -> tuple[ScreeningFilterForm, selectors.Filters, list[str]]:
    form = ScreeningFilterForm(request.GET or None)
    filters = selectors.Filters()
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return form, filters, errors
    data = form.cleaned_data
    filters.within, filters.grid, errors = list_filter_divisions(
        request.user, data["within"], data["grid"]
    )
    filters.date_from, filters.date_to = data["date_from"], data["date_to"]
    filters.outcome, filters.q = data["outcome"], data["q"].strip()
    return form, filters, errors


@login_required
def screening_list(request: HttpRequest) -> HttpResponse:
    require(request, ScreeningPerm.VIEW_SCREENING)
    form, filters, errors = _filters(request)
    page = selectors.Page(items=[], next_after=None)
    if not errors:
        page = selectors.page(
            selectors.screenings(request.user, filters),
            after=parse_date_cursor(request.GET.get("after")),
            size=PAGE,
        )
    params = request.GET.copy()
    params.pop("after", None)
    home = _home(request)
    return render(
        request,
        "screening/list.html",
        {
            "form": form,
            "page": page,
            "errors": errors,
            "query_string": params.urlencode(),
            "can_add": request.user.has_perm(ScreeningPerm.ADD_SCREENING),
            "new_grid": home.code if home is not None and home.level == Level.GRID else "",
        },
    )


@login_required
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, ScreeningPerm.VIEW_SCREENING)
    screening: Screening = get_visible_or_404(
        Screening.objects.select_related("person", "grid"), request.user, pk=pk
    )
    observation = None
    if screening.outcome == Outcome.HOME_OBSERVATION:
        # the observation this screening started, or the one the person was already under
        visible = Observation.objects.visible_to(request.user)
        observation = (
            visible.filter(source_screening=screening).first()
            or visible.filter(person=screening.person, status=Status.ACTIVE).first()
        )
    return render(
        request,
        "screening/detail.html",
        {
            "screening": screening,
            "observation": observation,
            "person_url": person_url(screening.person),
        },
    )


# --- key areas ---------------------------------------------------------------------------------


def _can_declare(request: HttpRequest) -> bool:
    home = _home(request)
    return (
        request.user.has_perm(ScreeningPerm.MANAGE_KEY_AREAS)
        and home is not None
        and home.level in COMMAND_LEVELS
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_areas(request: HttpRequest) -> HttpResponse:
    """Everyone logged in reads the key areas; command offices declare them here."""
    form = KeyAreaForm(request.POST or None)
    if request.method == "POST":
        require(request, ScreeningPerm.MANAGE_KEY_AREAS)
        home = _home(request)
        if home is None:
            raise PermissionDenied
        if form.is_valid():
            area = run_action(
                form,
                lambda: actions.declare_key_area(
                    actor=user_of(request), division=home, **form.cleaned_data
                ),
            )
            if area is not None:
                messages.success(request, _("Key area %(name)s declared.") % {"name": area.name})
                return redirect("screening:key_areas")
    today = timezone.localdate()
    items = list(selectors.key_areas())
    for area in items:
        area.current = area.is_current(today)  # type: ignore[attr-defined]
        area.can_end = (  # type: ignore[attr-defined]
            area.end_date is None
            and request.user.has_perm(ScreeningPerm.MANAGE_KEY_AREAS)
            and path_in_scope(request.user, area.division_path)
        )
    return render(
        request,
        "screening/key_areas.html",
        {"items": items, "form": form, "can_declare": _can_declare(request), "today": today},
    )


@login_required
@require_POST
def key_area_end(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_visible_or_404(KeyArea.objects.all(), request.user, pk=pk)
    require(request, ScreeningPerm.MANAGE_KEY_AREAS)
    form = EndKeyAreaForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.end_key_area(
                actor=user_of(request),
                area=area,
                end_date=form.cleaned_data["end_date"],
                note=form.cleaned_data["note"],
            ),
        )
        if done is not None:
            messages.success(request, _("Key area %(name)s ended.") % {"name": area.name})
            return redirect("screening:key_areas")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("screening:key_areas")
