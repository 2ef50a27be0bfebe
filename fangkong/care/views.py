"""Pages for care requests: the list with its overdue section, the grid worker's phone view,
and the forms that record, assign, complete and cancel a request."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.care import actions, selectors
from fangkong.care.choices import CLOSED, CareStatus
from fangkong.care.forms import AssignForm, CancelForm, CareRequestForm, DoneForm, FilterForm
from fangkong.care.models import CareRequest
from fangkong.care.permissions import CarePerm
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_id
from fangkong.core.permissions import require
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.selectors import breadcrumb, division_param, visible_division

PAGE = 50


def _care(request: HttpRequest, pk: int) -> CareRequest:
    care: CareRequest = get_visible_or_404(
        CareRequest.objects.select_related(*selectors.LIST_RELATED), request.user, pk=pk
    )
    return care


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a form: back to the page it was opened from, if that is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _grid_url(care: CareRequest) -> str:
    return reverse("care:grid", args=[care.grid.code])


@login_required
def care_list(request: HttpRequest) -> HttpResponse:
    """Every request in the user's area, filtered; overdue ones and each area's count first."""
    require(request, CarePerm.VIEW_CAREREQUEST)
    user = user_of(request)
    within = division_param(request, "within")
    grid = division_param(request, "grid")
    if grid is not None and not grid.is_grid:
        raise Http404
    form = FilterForm(request.GET)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    filters = selectors.Filters(
        within=within,
        grid=grid,
        status=values.get("status", ""),
        kind=values.get("kind", ""),
        overdue=bool(values.get("overdue")),
    )
    today = timezone.localdate()
    page = selectors.keyset_page(
        selectors.requests_for(user, filters, today=today),
        after=parse_id(request.GET.get("after"), field="after"),
        size=PAGE,
    )
    area = grid or within or user.home_division
    overdue_count, overdue_items = 0, list[CareRequest]()
    if not filters.overdue and filters.status not in CLOSED:
        overdue_count, overdue_items = selectors.overdue_section(user, area, today=today)
    areas: list[selectors.AreaRow] = []
    if area is not None and not area.is_grid:
        areas = selectors.area_summary(user, area, today=today)
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "care/list.html",
        {
            "form": form,
            "filters": filters,
            "area": area,
            "trail": breadcrumb(area, user) if area is not None else [],
            "page": page,
            "overdue_count": overdue_count,
            "overdue_items": overdue_items,
            "areas": areas,
            "today": today,
            "query_string": params.urlencode(),
        },
    )


@login_required
def grid_view(request: HttpRequest, code: str) -> HttpResponse:
    """The grid worker's phone view: the grid's open and assigned requests, earliest due first."""
    require(request, CarePerm.VIEW_CAREREQUEST)
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent",))
    items = selectors.grid_pending(user_of(request), grid)
    today = timezone.localdate()
    return render(
        request,
        "care/grid.html",
        {
            "grid": grid,
            "items": items,
            "today": today,
            "overdue": sum(1 for c in items if c.due_on < today),
            "here": request.get_full_path(),
        },
    )


@login_required
def care_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CarePerm.VIEW_CAREREQUEST)
    care = _care(request, pk)
    return render(
        request,
        "care/detail.html",
        {"care": care, "today": timezone.localdate(), "here": request.get_full_path()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_create(request: HttpRequest, code: str) -> HttpResponse:
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent",))
    require(request, CarePerm.ADD_CAREREQUEST)
    user = user_of(request)
    initial: dict[str, Any] = {"requested_on": timezone.localdate()}
    chosen = parse_id(request.GET.get("person"), field="person")
    if chosen is not None:
        person = Person.objects.visible_to(user).filter(pk=chosen, grid=grid).first()
        if person is not None:
            initial.update(person=person.pk, household=person.household_id)
    form = CareRequestForm(request.POST or None, initial=initial, grid=grid, actor=user)
    if request.method == "POST" and form.is_valid():
        care = run_action(
            form, lambda: actions.create_care_request(actor=user, grid=grid, **form.cleaned_data)
        )
        if care is not None:
            messages.success(request, _("The care request is recorded."))
            return redirect(reverse("care:grid", args=[grid.code]))
    return render(request, "care/form.html", {"form": form, "grid": grid})


@login_required
@require_http_methods(["GET", "POST"])
def care_assign(request: HttpRequest, pk: int) -> HttpResponse:
    care = _care(request, pk)
    require(request, CarePerm.ASSIGN_CAREREQUEST)
    user = user_of(request)
    form = AssignForm(
        request.POST or None,
        care=care,
        actor=user,
        initial={"staff": care.assignee_id},
    )
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.assign_care_request(
                actor=user, care=care, staff=form.cleaned_data["staff"]
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Assigned to %(name)s.") % {"name": form.cleaned_data["staff"].name},
            )
            return redirect(_next_url(request, _grid_url(care)))
    return render(
        request,
        "care/assign.html",
        {"form": form, "care": care, "next": _next_url(request, "")},
    )


def _close_view(
    request: HttpRequest, pk: int, *, form_class: type[DoneForm] | type[CancelForm], done: bool
) -> HttpResponse:
    care = _care(request, pk)
    require(request, CarePerm.CLOSE_CAREREQUEST)
    user = user_of(request)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if done:
            closed = run_action(
                form,
                lambda: actions.complete_care_request(
                    actor=user, care=care, note=form.cleaned_data["note"]
                ),
            )
        else:
            closed = run_action(
                form,
                lambda: actions.cancel_care_request(
                    actor=user, care=care, reason=form.cleaned_data["reason"]
                ),
            )
        if closed is not None:
            messages.success(
                request,
                _("The request is marked done.") if done else _("The request is cancelled."),
            )
            return redirect(_next_url(request, _grid_url(care)))
    return render(
        request,
        "care/close.html",
        {
            "form": form,
            "care": care,
            "done": done,
            "can_close": care.status == CareStatus.ASSIGNED if done else care.is_pending,
            "next": _next_url(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _close_view(request, pk, form_class=DoneForm, done=True)


@login_required
@require_http_methods(["GET", "POST"])
def care_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _close_view(request, pk, form_class=CancelForm, done=False)
