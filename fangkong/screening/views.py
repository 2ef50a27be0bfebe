"""Screens of door-to-door screening: the phone form with its live outcome, the list, a record,
and the key areas."""

from __future__ import annotations

from dataclasses import dataclass, field
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

from fangkong.checkpoints import actions as checkpoint_actions
from fangkong.checkpoints import followup
from fangkong.checkpoints.models import Handover
from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.core.errors import ActionError
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, path_in_scope, user_of
from fangkong.core.parsing import parse_date_cursor, parse_id
from fangkong.core.permissions import require
from fangkong.observation.choices import Status
from fangkong.observation.models import Observation
from fangkong.people.actions import clean_identity
from fangkong.people.choices import DocType
from fangkong.people.idcard import mask_phone
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import division_param, list_filter_divisions
from fangkong.screening import actions, selectors
from fangkong.screening.actions import COMMAND_LEVELS
from fangkong.screening.choices import Outcome
from fangkong.screening.forms import (
    TRAVEL_ROWS,
    EndKeyAreaForm,
    KeyAreaForm,
    ScreeningFilterForm,
    ScreeningForm,
)
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.permissions import ScreeningPerm
from fangkong.screening.rules import Assessment, Facts, Place, assess

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


@dataclass
class Start:
    """Where a new screening starts from: a grid, and perhaps a flagged traveller handed over
    by a checkpoint (``?handover=<id>``) or the household member screened just before
    (``?household_of=<screening id>``), whose facts fill the form."""

    grid: Division | None = None
    handover: Handover | None = None
    household_of: Screening | None = None
    initial: dict[str, Any] = field(default_factory=dict)
    place: tuple[str, str] | None = None
    doc_label: str = ""  # the document held by the server, masked
    held_phone: str = ""  # the phone held by the server, masked

    @property
    def carried(self) -> bool:
        return self.household_of is not None


def _record_id(data: Any, name: str) -> int | None:
    return parse_id(data.get(name), field=name)  # a malformed id answers 400


def _start(request: HttpRequest, data: Any) -> Start:
    """The grid and the starting point named in ``data`` (the query string, or the form);
    a hand-over or screening the user may not see answers 404, as one that does not exist."""
    start = Start(grid=_grid_from_query(request))
    handover_id = _record_id(data, "handover")
    household_id = None if handover_id else _record_id(data, "household_of")
    if handover_id is not None:
        require(request, CheckpointsPerm.VIEW_HANDOVER)
        handover: Handover = get_visible_or_404(
            Handover.objects.select_related(
                "destination", "entry__passage__checkpoint", "entry__destination"
            ),
            request.user,
            pk=handover_id,
        )
        filled = followup.prefill(handover)
        start.handover, start.place = handover, filled.place
        start.initial, start.doc_label = filled.initial, filled.doc_label
        start.held_phone = filled.masked_phone
        destination = handover.destination
        if start.grid is None and destination.level == Level.GRID and destination.active:
            start.grid = destination
    elif household_id is not None:
        before: Screening = get_visible_or_404(
            Screening.objects.select_related("person", "grid"), request.user, pk=household_id
        )
        start.household_of = before
        start.initial = household_initial(before)
        if before.origin_code:
            start.place = (before.origin_code, before.origin_name)
        start.held_phone = mask_phone(before.phone) if before.phone else ""
        if start.grid is None and before.grid.active:
            start.grid = before.grid
    return start


def household_initial(before: Screening) -> dict[str, Any]:
    """What the next member of a household shares with the one screened before them: the
    address, the arrival (date, origin, transport), the travel, the household's size and the
    screening date."""
    initial: dict[str, Any] = {
        "household_of": before.pk,
        "address": before.address,
        "household_size": before.household_size,
        "screened_on": before.screened_on,
        "arrival_date": before.arrival_date,
        "origin_code": before.origin_code,
        "origin_name": before.origin_name,
        "transport": before.transport,
        "transport_number": before.transport_number,
    }
    for i, stop in enumerate(before.travel[:TRAVEL_ROWS]):
        initial[f"travel_code_{i}"] = stop.get("code", "")
        initial[f"travel_name_{i}"] = stop.get("name", "")
        initial[f"travel_date_{i}"] = stop.get("date", "")
    return initial


def _form(
    request: HttpRequest, grid: Division | None, data: Any = None, start: Start | None = None
) -> ScreeningForm:
    home = _home(request)
    path = grid.path if grid else (home.path if home else None)
    grids = None
    if grid is None and home is not None and home.level == Level.VILLAGE:
        grids = list(Division.objects.active_grids().filter(parent=home))
    start = start or Start()
    initial = {**start.initial, **({"grid": grid.code} if grid else {})}
    return ScreeningForm(
        data,
        actor=request.user,
        key_areas=selectors.place_choices(path, timezone.localdate()),
        grids=grids,
        initial=initial,
        extra_place=start.place,
        held_document=start.handover is not None,
        held_phone=start.held_phone,
    )


def _register(request: HttpRequest, form: ScreeningForm, start: Start) -> Screening | None:
    kwargs = form.action_kwargs()
    for name in ("handover", "household_of"):
        kwargs.pop(name, None)
    actor = user_of(request)
    if start.handover is not None:
        require(request, CheckpointsPerm.HANDLE_HANDOVER)
        handover = start.handover
        return run_action(
            form,
            lambda: checkpoint_actions.screen_traveller(actor=actor, handover=handover, **kwargs),
        )
    if start.household_of is not None:
        before = start.household_of
        if not kwargs.get("phone"):
            kwargs["phone"] = before.phone
        kwargs["household"] = before.person.household
    return run_action(form, lambda: actions.register_screening(actor=actor, **kwargs))


@login_required
@require_http_methods(["GET", "POST"])
def screening_new(request: HttpRequest) -> HttpResponse:
    require(request, ScreeningPerm.ADD_SCREENING)
    start = _start(request, request.POST if request.method == "POST" else request.GET)
    if request.method == "GET" and start.handover is not None and not start.handover.is_pending:
        messages.info(request, _("This traveller has already been marked handled."))
        return redirect(start.handover.get_absolute_url())
    form = _form(request, start.grid, request.POST or None, start)
    assessment = None
    if request.method == "POST":
        if form.is_valid():
            screening = _register(request, form, start)
            if screening is not None:
                messages.success(request, _("Screening registered."))
                return redirect(screening.get_absolute_url())
        # a failed submit keeps the outcome the form's facts give
        assessment = _assess(request, start.grid, form)
    return render(
        request,
        "screening/new.html",
        {
            "form": form,
            "grid": start.grid,
            "start": start,
            "assessment": assessment,
            # a form filled from a hand-over or a household shows its outcome from the start
            "preview_on_load": assessment is None and (start.handover or start.carried),
            "travel_open": any(form[f"travel_date_{i}"].value() for i in range(TRAVEL_ROWS)),
        },
    )


def _assess(request: HttpRequest, grid: Division | None, form: ScreeningForm) -> Assessment:
    home = _home(request)
    path = grid.path if grid else (home.path if home else "")
    return assess(lenient_facts(form), actions.key_areas_for(path) if path else [])


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
    form = _form(request, grid, request.POST, _start(request, request.POST))
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
            "can_add": request.user.has_perm(ScreeningPerm.ADD_SCREENING),
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
