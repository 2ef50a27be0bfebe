"""Pages of the division tree: a division's home page, search, grids and grid staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_http_methods

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import ALL, get_visible_or_404, scope_of, user_of
from fangkong.core.parsing import parse_id, parse_text_cursor
from fangkong.core.permissions import require
from fangkong.people import selectors as people_selectors
from fangkong.people.permissions import PeoplePerm
from fangkong.regions import actions, selectors
from fangkong.regions.choices import Level
from fangkong.regions.forms import (
    AssignForm,
    EndAssignmentForm,
    GridForm,
    MergeForm,
    RetireForm,
    StaffEditForm,
    StaffForm,
)
from fangkong.regions.models import Division, GridAssignment, GridStaff
from fangkong.regions.permissions import RegionsPerm
from fangkong.regions.selectors import visible_division

# Simplified from data/geo/jilin-cities.geojson by scripts/simplify_map.py
MAP_FILE = "regions/jilin-cities.geojson"
PAGE = 50


def _map_focus(division: Division) -> str:
    """The prefecture to highlight (the map has prefecture boundaries): its 4-digit code, or
    "*" on the province's page, where the whole province is the user's area."""
    parts = division.path.rstrip("/").split("/")
    return parts[1] if len(parts) > 1 else "*"


def _map_links(division: Division, user: Any) -> str:
    """Which prefectures a click on the map may open for this user: "*" all of them, one
    4-digit code, or "" none. A prefecture outside the user's subtree would answer 404."""
    scope = scope_of(user)
    province = division.path.split("/")[0]
    if scope is None:
        return ""
    if scope in (ALL, f"{province}/"):
        return "*"
    parts = scope.rstrip("/").split("/")
    return parts[1] if len(parts) == 2 else ""


@login_required
def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = visible_division(request.user, code)
    after = parse_text_cursor(request.GET.get("after"))
    show_retired = request.GET.get("retired") == "1"
    page = selectors.children_page(
        user_of(request),
        division,
        after=after,
        size=PAGE,
        include_retired=show_retired,
    )
    context: dict[str, Any] = {
        "division": division,
        "page": page,
        "show_retired": show_retired,
        "can_manage_grids": request.user.has_perm(RegionsPerm.MANAGE_GRIDS),
        "breadcrumb": selectors.breadcrumb(division, user_of(request)),
        "map_data": {
            "focus": _map_focus(division),
            "links": _map_links(division, request.user),
            "name": division.name,
        },
        "levels": Level,
        # The map has prefecture boundaries: below a prefecture it would only highlight the
        # whole city, which says nothing about a county, a township or a village.
        "show_map": division.level <= Level.PREFECTURE,
        "show_codes": selectors.shows_division_codes(request.user),
    }
    if request.headers.get("HX-Request") and after:
        return render(request, "regions/_children_rows.html", context)
    if division.is_grid:
        context["assignments"] = (
            GridAssignment.objects.visible_to(request.user)
            .filter(grid=division)
            .select_related("staff")
            .order_by("ended_at", "staff__name")
        )
        context["merged_from"] = division.merged_from.all()
        return render(request, "regions/grid_detail.html", context)
    return render(request, "regions/division_detail.html", context)


@login_required
@require_http_methods(["GET"])
def suggest(request: HttpRequest) -> HttpResponse:
    """Divisions of the province matching what is typed in a division-code input
    (``widgets.DivisionCodeInput``, whose field name is the parameter), as ``<option>``s."""
    query = request.GET.get("q") or next((str(v) for v in request.GET.values() if v), "")
    found = selectors.search_divisions(user_of(request), query)
    labels = selectors.division_labels(found)
    return render(
        request,
        "regions/_division_options.html",
        {"options": [(d.code, labels[d.pk]) for d in found]},
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:40]
    within_code = request.GET.get("within") or ""
    within = visible_division(request.user, within_code) if within_code else None
    after = parse_text_cursor(request.GET.get("after"))
    page = people = None
    # People too, for the roles that see them: the one person search (people.selectors), the
    # first few on the first page, the rest in the people list.
    finds_people = request.user.has_perm(PeoplePerm.VIEW_PERSON)
    if query:
        page = selectors.search(user_of(request), query, within=within, after=after, size=PAGE)
        if finds_people and not after:
            people = people_selectors.search_people(user_of(request), query, within=within)
    context = {
        "query": query,
        "page": page,
        "within": within,
        "people": people,
        "finds_people": finds_people,
        "show_codes": selectors.shows_division_codes(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "regions/_search_results.html", context)
    return render(request, "regions/search.html", context)


@login_required
def geojson(request: HttpRequest) -> HttpResponse:
    """The map's boundaries moved to a static file (hashed, compressed, cached for a year:
    docs/web-performance.md); this old address sends there."""
    return redirect(static(MAP_FILE))


# --- grids -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grid_create(request: HttpRequest, code: str) -> HttpResponse:
    village = visible_division(request.user, code)
    require(request, RegionsPerm.MANAGE_GRIDS)
    form = GridForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grid = run_action(
            form,
            lambda: actions.create_grid(
                actor=user_of(request), village=village, **form.cleaned_data
            ),
        )
        if grid is not None:
            return redirect(grid.get_absolute_url())
    return render(
        request, "regions/grid_form.html", {"form": form, "village": village, "division": village}
    )


def village_url(grid: Division) -> str:
    parent = grid.parent
    return parent.get_absolute_url() if parent is not None else "/"


def _grid(request: HttpRequest, code: str) -> Division:
    grid = visible_division(request.user, code)
    if not grid.is_grid:
        raise PermissionDenied
    require(request, RegionsPerm.MANAGE_GRIDS)
    return grid


@login_required
@require_http_methods(["GET", "POST"])
def grid_rename(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid(request, code)
    form = GridForm(request.POST or None, initial={"name": grid.name, "note": grid.note})
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.rename_grid(actor=user_of(request), grid=grid, **form.cleaned_data),
        )
        if done is not None:
            return redirect(grid.get_absolute_url())
    return render(request, "regions/grid_rename.html", {"form": form, "division": grid})


@login_required
@require_http_methods(["GET", "POST"])
def grid_merge(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid(request, code)
    form = MergeForm(request.POST or None, grid=grid, actor=request.user)
    if request.method == "POST" and form.is_valid():
        target = run_action(
            form,
            lambda: actions.merge_grids(
                actor=user_of(request),
                source=grid,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if target is not None:
            return redirect(target.get_absolute_url())
    return render(request, "regions/grid_merge.html", {"form": form, "division": grid})


@login_required
@require_http_methods(["GET", "POST"])
def grid_retire(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid(request, code)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.retire_grid(
                actor=user_of(request), grid=grid, reason=form.cleaned_data["reason"]
            ),
        )
        if done is not None:
            return redirect(village_url(grid))
    return render(request, "regions/grid_retire.html", {"form": form, "division": grid})


@login_required
@require_http_methods(["GET", "POST"])
def grid_assign(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid(request, code)
    form = AssignForm(request.POST or None, grid=grid, actor=request.user)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.assign_staff(
                actor=user_of(request), grid=grid, staff=form.cleaned_data["staff"]
            ),
        )
        if done is not None:
            return redirect(grid.get_absolute_url())
    return render(request, "regions/grid_assign.html", {"form": form, "division": grid})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_visible_or_404(
        GridAssignment.objects.select_related("grid", "staff"), request.user, pk=pk
    )
    require(request, RegionsPerm.MANAGE_GRIDS)
    form = EndAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.end_assignment(
                actor=user_of(request),
                assignment=assignment,
                reason=form.cleaned_data["reason"],
            ),
        )
        if done is not None:
            return redirect(assignment.grid.get_absolute_url())
    return render(
        request,
        "regions/assignment_end.html",
        {"form": form, "assignment": assignment, "division": assignment.grid},
    )


# --- grid staff --------------------------------------------------------------------------------


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    require(request, RegionsPerm.VIEW_GRIDSTAFF)
    qs = GridStaff.objects.visible_to(request.user).select_related("division")
    query = (request.GET.get("q") or "").strip()[:40]
    phones = selectors.staff_phone_visible(request.user)
    if query:
        # By phone only for those who may see phones: a match would reveal the number.
        found = Q(name__contains=query)
        if phones:
            found |= Q(phone__startswith=query)
        qs = qs.filter(found)
    after = parse_id(request.GET.get("after"), field="after")
    if after is not None:
        qs = qs.filter(pk__gt=after)
    items = list(qs.order_by("pk")[: PAGE + 1])
    next_after = items[PAGE - 1].pk if len(items) > PAGE else None
    home = getattr(user_of(request), "home_division", None)
    return render(
        request,
        "regions/staff_list.html",
        {
            "items": items[:PAGE],
            "next_after": next_after,
            "query": query,
            "phones": phones,
            "can_add": request.user.has_perm(RegionsPerm.ADD_GRIDSTAFF)
            and home is not None
            and home.level == Level.VILLAGE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest, code: str) -> HttpResponse:
    village = visible_division(request.user, code)
    require(request, RegionsPerm.ADD_GRIDSTAFF)
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff = run_action(
            form,
            lambda: actions.create_staff(
                actor=user_of(request), village=village, **form.cleaned_data
            ),
        )
        if staff is not None:
            return redirect("regions:staff_list")
    return render(request, "regions/staff_form.html", {"form": form, "division": village})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_visible_or_404(GridStaff.objects.select_related("division"), request.user, pk=pk)
    require(request, RegionsPerm.CHANGE_GRIDSTAFF)
    initial = {
        "name": staff.name,
        "phone": staff.phone,
        "kind": staff.kind,
        "party_organisation": staff.party_organisation,
        "active": staff.active,
    }
    form = StaffEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.update_staff(actor=user_of(request), staff=staff, **form.cleaned_data),
        )
        if done is not None:
            return redirect("regions:staff_list")
    history = staff.assignments.select_related("grid").order_by("-started_at")
    return render(
        request,
        "regions/staff_form.html",
        {"form": form, "division": staff.division, "staff": staff, "history": history},
    )
