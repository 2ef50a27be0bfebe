"""Pages of the person registry: the list, a person's page, register, edit, move, reveal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.people import actions, selectors
from fangkong.people.choices import DocType, PersonStatus, RevealReason
from fangkong.people.forms import MoveForm, PersonEditForm, PersonForm, RevealForm
from fangkong.people.models import Person
from fangkong.people.permissions import PeoplePerm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import visible_division

GRID_PICK_MAX = 200

# Other apps' parts of the person's page, shown when they exist (as cases/views.py
# CASE_PAGE_SLOTS): each is a template rendered with the page's context (``person``, whom the
# user may see) and costs a bounded number of queries. The health colour of outbreaks.
PERSON_PAGE_SLOTS = ("outbreaks/_person_slot.html",)


def _person(request: HttpRequest, pk: int) -> Person:
    person: Person = get_visible_or_404(
        Person.objects.select_related("grid", "grid__parent", "household"), request.user, pk=pk
    )
    return person


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """People in the user's jurisdiction, newest first, filtered and searched."""
    require(request, PeoplePerm.VIEW_PERSON)
    user = user_of(request)
    within_code = (request.GET.get("within") or "").strip()
    grid_code = (request.GET.get("grid") or "").strip()
    within = visible_division(request.user, within_code) if within_code else None
    grid = visible_division(request.user, grid_code, level=Level.GRID) if grid_code else None
    status = request.GET.get("status") or ""
    errors = []
    if status and status not in PersonStatus.values:
        errors.append(_("Choose a status from the list."))
        status = ""
    query = " ".join((request.GET.get("q") or "").split())[: selectors.MAX_QUERY]
    after = parse_id(request.GET.get("after"), field="after")
    moved = {"1": True, "0": False}.get(request.GET.get("moved") or "")
    page = selectors.people_page(
        user, within=within, grid=grid, status=status, query=query, after=after, moved=moved
    )
    params = request.GET.copy()
    params.pop("after", None)
    home = user.home_division
    register_grid = grid or (home if home is not None and home.is_grid else None)
    context = {
        "page": page,
        "within": within,
        "grid": grid,
        "status": status,
        "moved": moved,
        "query": query,
        "errors": errors,
        "statuses": PersonStatus.choices,
        "query_string": params.urlencode(),
        "register_grid": register_grid,
        "can_add": request.user.has_perm(PeoplePerm.ADD_PERSON),
    }
    if request.headers.get("HX-Request") and after is not None:
        return render(request, "people/_rows.html", context)
    return render(request, "people/list.html", context)


def _slot_templates() -> list[str]:
    """The other apps' parts of the page that exist now (a part not installed is left out)."""
    found = []
    for name in PERSON_PAGE_SLOTS:
        try:
            select_template([name])
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(request, PeoplePerm.VIEW_PERSON)
    return _render_detail(request, person)


def _render_detail(
    request: HttpRequest, person: Person, *, revealed: bool = False, form: RevealForm | None = None
) -> HttpResponse:
    user = user_of(request)
    can_change = request.user.has_perm(PeoplePerm.CHANGE_PERSON)
    context = {
        "person": person,
        "move_away": selectors.move_away_of(person),
        "revealed": revealed,
        "reveal_form": form or RevealForm(),
        "can_reveal": request.user.has_perm(PeoplePerm.VIEW_UNMASKED),
        "can_change": can_change,
        # A grid worker's jurisdiction is one grid: there is nowhere to move anyone to.
        "can_move": can_change
        and person.moved_out_at is None
        and Division.objects.visible_to(user).active_grids().exclude(pk=person.grid_id).exists(),
        "members": list(selectors.household_members(person, user).select_related("grid")),
        "sections": selectors.history_sections(person, user),
        "slots": _slot_templates(),
        "is_resident_id": person.doc_type == DocType.RESIDENT_ID,
    }
    response = render(request, "people/detail.html", context)
    if revealed:
        response["Cache-Control"] = "no-store"  # the full number is not kept in any cache
    return response


@never_cache
@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number and phone once: allowed by role, audited with the reason."""
    person = _person(request, pk)
    require(request, PeoplePerm.VIEW_PERSON)
    require(request, PeoplePerm.VIEW_UNMASKED)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, person, form=form)
    reason = str(RevealReason(form.cleaned_data["reason"]).label)
    done = run_action(
        form, lambda: actions.reveal_person(actor=user_of(request), person=person, reason=reason)
    )
    return _render_detail(request, person, revealed=done is not None, form=form)


def _grid_choices(request: HttpRequest) -> list[Division]:
    return list(
        Division.objects.visible_to(request.user)
        .active_grids()
        .select_related("parent")
        .order_by("code")[: GRID_PICK_MAX + 1]
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    """Register a person in a grid (``?grid=<code>``; a grid worker's own grid by default).

    A known identity is not registered twice: the existing record is opened, and said so.
    """
    code = (request.POST.get("grid") or request.GET.get("grid") or "").strip()
    home = user_of(request).home_division
    if not code and home is not None and home.is_grid:
        code = home.code
    if not code:
        require(request, PeoplePerm.ADD_PERSON)
        grids = _grid_choices(request)
        return render(
            request,
            "people/grid_pick.html",
            {"grids": grids[:GRID_PICK_MAX], "more": len(grids) > GRID_PICK_MAX},
        )
    grid = visible_division(request.user, code, level=Level.GRID)
    require(request, PeoplePerm.ADD_PERSON)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = run_action(
            form,
            lambda: actions.register_person(actor=user_of(request), grid=grid, **form.cleaned_data),
        )
        if found is not None:
            person, created = found
            _say_registered(request, person, created, grid)
            return redirect(person.get_absolute_url())
    return render(request, "people/form.html", {"form": form, "grid": grid, "creating": True})


def _say_registered(request: HttpRequest, person: Person, created: bool, grid: Division) -> None:
    names = {"name": person.name, "grid": person.grid.name, "here": grid.name}
    if created:
        messages.success(request, _("%(name)s is registered in %(grid)s.") % names)
    elif person.grid_id == grid.pk:
        messages.info(
            request,
            _(
                "%(name)s was already registered with this document: this is their record, "
                "and nothing was added twice."
            )
            % names,
        )
    else:
        messages.info(
            request,
            _(
                "%(name)s is already registered with this document, in %(grid)s: this is "
                "their record. If they now live in %(here)s, move them there."
            )
            % names,
        )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(request, PeoplePerm.CHANGE_PERSON)
    initial = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "address": person.address,
    }
    form = PersonEditForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The form never shows the full phone (that would be an unaudited view of it): an
        # empty field keeps the number on record.
        phone = data["phone"] or person.phone
        done = run_action(
            form,
            lambda: actions.update_person(
                actor=user_of(request),
                person=person,
                name=data["name"],
                phone=phone,
                address=data["address"],
                sex=data["sex"],
                birth_date=data["birth_date"],
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect(person.get_absolute_url())
    return render(
        request, "people/form.html", {"form": form, "grid": person.grid, "person": person}
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(request, PeoplePerm.CHANGE_PERSON)
    form = MoveForm(request.POST or None, person=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        grid = form.cleaned_data["grid"]
        done = run_action(
            form, lambda: actions.move_person(actor=user_of(request), person=person, grid=grid)
        )
        if done is not None:
            messages.success(
                request, _("%(name)s now lives in %(grid)s.") % {"name": person.name, "grid": grid}
            )
            return redirect(person.get_absolute_url())
    return render(request, "people/move.html", {"form": form, "person": person})
