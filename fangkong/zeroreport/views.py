"""Pages of zero reporting: the grid's day, a division's roll-up and its dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import path_in_scope, user_of
from fangkong.core.parsing import parse_text_cursor
from fangkong.core.permissions import require
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.models import Observation
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import breadcrumb, visible_division
from fangkong.zeroreport import actions, figures, selectors
from fangkong.zeroreport import dashboard as board
from fangkong.zeroreport.choices import HELP, Figure
from fangkong.zeroreport.forms import ConfirmForm, DayForm
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.permissions import ZeroReportPerm

PAGE = 50
RELEASE_LIST = 20


def _day(request: HttpRequest, today: dt.date) -> tuple[DayForm, dt.date, list[str]]:
    """The ``?day=`` of a page (default today); a bad or future day shows today with a message."""
    form = DayForm(request.GET or None, initial={"day": today})
    if not request.GET.get("day"):
        return form, today, []
    if not form.is_valid():
        return form, today, [_("Enter a valid date (YYYY-MM-DD).")]
    day = form.cleaned_data["day"] or today
    if day > today:
        return form, today, [_("The day cannot be in the future.")]
    return form, day, []


def _figure_links(grid: Division, day: dt.date) -> dict[str, str]:
    iso = day.isoformat()
    screenings = f"{reverse('screening:list')}?grid={grid.code}&date_from={iso}&date_to={iso}"
    observations = f"{reverse('observation:list')}?grid={grid.code}"
    return {
        Figure.SCREENED: screenings,
        Figure.FEVER_FOUND: f"{observations}&fever=on",
        Figure.OBSERVATIONS_ACTIVE: observations,
        Figure.CHECK_INS_MISSED: f"{observations}&missed=on",
        Figure.PASSAGES_PENDING: reverse("checkpoints:todo"),
        Figure.PASSAGES_HANDLED: f"{reverse('checkpoints:todo')}?status=handled",
        Figure.CARE_OPEN: reverse("care:grid", args=[grid.code]),
    }


def _grid_page(
    request: HttpRequest, grid: Division, form: ConfirmForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    user = user_of(request)
    live = figures.for_grid(grid, today)
    history = selectors.grid_history(request.user, grid, today)
    by_day = {g.day: g for g in history}
    yesterday = today - dt.timedelta(days=1)
    links = _figure_links(grid, today)
    rows = [
        {
            "key": f.value,
            "label": f.label,
            "help": HELP[f],
            "value": live[f.value],
            "url": links[f.value],
            "alert": live[f.value] > 0 and f.value in figures.ABNORMAL_FIGURES,
        }
        for f in Figure
    ]
    days = [today - dt.timedelta(days=i) for i in range(selectors.HISTORY_DAYS)]
    # People of the grid whose observation period is over (the release date has come): the
    # period shown with the same words as on every page (people/period.py).
    releasable = list(
        Observation.objects.visible_to(user)
        .filter(grid=grid, status=ObservationStatus.ACTIVE, end_date__lte=today)
        .select_related("person")
        .order_by("end_date", "id")[:RELEASE_LIST]
    )
    stored_today = by_day.get(today)
    if stored_today is None or stored_today.confirmed_at is None:
        # Today's row shows the live figures until the day is confirmed (the stored ones may
        # be from the last refresh), so the page never shows two numbers for one figure.
        by_day[today] = GridDay(grid=grid, day=today, computed_at=timezone.now(), **live)
    return render(
        request,
        "zeroreport/grid.html",
        {
            "grid": grid,
            "breadcrumb": breadcrumb(grid, user),
            "today": today,
            "rows": rows,
            "abnormal": figures.is_abnormal(live),
            "state": stored_today,
            "yesterday": by_day.get(yesterday),
            "yesterday_day": yesterday,
            "history": [(d, by_day.get(d)) for d in days],
            "releasable": releasable,
            "can_confirm": request.user.has_perm(ZeroReportPerm.CONFIRM_GRIDDAY) and grid.active,
            # The village's roll-up only for those who may open it (a grid worker's scope is
            # their grid: the village page would answer 404).
            "village": grid.parent
            if grid.parent and path_in_scope(user, grid.parent.path)
            else None,
            "form": form or ConfirmForm(),
        },
        status=status,
    )


@login_required
def grid_day(request: HttpRequest, code: str) -> HttpResponse:
    """The grid worker's "today": live figures, confirmation state, the confirm form."""
    require(request, ZeroReportPerm.VIEW_GRIDDAY)
    division = visible_division(request.user, code, related=("parent",))
    if division.level != Level.GRID:
        return redirect("zeroreport:rollup", code=division.code)
    return _grid_page(request, division)


@login_required
@require_POST
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    require(request, ZeroReportPerm.CONFIRM_GRIDDAY)
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent",))
    form = ConfirmForm(request.POST)
    if form.is_valid():
        zero = form.cleaned_data["zero_report"]
        grid_day = run_action(
            form,
            lambda: actions.confirm_day(
                actor=user_of(request),
                grid=grid,
                day=form.cleaned_data["day"],
                zero_report=zero,
                note=form.cleaned_data["note"],
            ),
        )
        if grid_day is not None:
            if grid_day.zero_report:
                messages.success(request, _("Zero report submitted: nothing abnormal today."))
            else:
                messages.success(request, _("The day's figures are confirmed."))
            return redirect("zeroreport:grid", code=grid.code)
    return _grid_page(request, grid, form, status=400)


@login_required
def rollup(request: HttpRequest, code: str) -> HttpResponse:
    """Which grids under a division confirmed the day, and the figures by child division."""
    require(request, ZeroReportPerm.VIEW_GRIDDAY)
    division = visible_division(request.user, code, related=("parent",))
    if division.level == Level.GRID:
        return redirect("zeroreport:grid", code=division.code)
    today = timezone.localdate()
    day_form, day, errors = _day(request, today)
    user = user_of(request)
    after = parse_text_cursor(request.GET.get("after"))
    if after and (len(after) > 128 or not after.startswith(division.path)):
        after = None
    data = selectors.rollup(user, division, day)
    page = selectors.unconfirmed_grids(user, division, day, after=after, size=PAGE)
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "zeroreport/rollup.html",
        {
            "division": division,
            "breadcrumb": breadcrumb(division, user),
            "day": day,
            "today": today,
            "day_form": day_form,
            "errors": errors,
            "rollup": data,
            "figures": list(Figure),
            "alert": figures.ABNORMAL_FIGURES,
            "page": page,
            "query_string": params.urlencode(),
            "is_village": division.level == Level.VILLAGE,
            "can_refresh": request.user.has_perm(ZeroReportPerm.CHANGE_GRIDDAY) and day == today,
        },
    )


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """Today's figures by child division, the 30-day trend and the map (or bars) by figure."""
    require(request, ZeroReportPerm.VIEW_GRIDDAY)
    division = visible_division(request.user, code, related=("parent",))
    today = timezone.localdate()
    figure = request.GET.get("figure") or Figure.SCREENED.value
    errors: list[str] = []
    if figure not in Figure.values:
        errors.append(_("Unknown figure; showing the number screened."))
        figure = Figure.SCREENED.value
    day_form, day, day_errors = _day(request, today)
    data = board.dashboard(user_of(request), division, day, figure)
    context: dict[str, Any] = {
        "division": division,
        "breadcrumb": breadcrumb(division, user_of(request)),
        "day": day,
        "today": today,
        "day_form": day_form,
        "errors": [*errors, *day_errors],
        "figure": Figure(figure),
        "figures": list(Figure),
        "alert": figures.ABNORMAL_FIGURES,
        "rollup": data.rollup,
        "payload": board.payload(data),
        "has_map": data.has_map,
        "can_refresh": request.user.has_perm(ZeroReportPerm.CHANGE_GRIDDAY) and day == today,
    }
    return render(request, "zeroreport/dashboard.html", context)


@login_required
@require_POST
def refresh(request: HttpRequest, code: str) -> HttpResponse:
    """ "Update now": recompute today's figures for every grid under the division."""
    require(request, ZeroReportPerm.CHANGE_GRIDDAY)
    division = visible_division(request.user, code, related=("parent",))
    n = actions.request_refresh(actor=user_of(request), day=timezone.localdate(), under=division)
    if n is None:
        messages.success(
            request, _("The update has started; the figures will be current in a few minutes.")
        )
    else:
        messages.success(request, _("Figures updated for %(n)s grids.") % {"n": n})
    target = "zeroreport:dashboard" if request.POST.get("back") == "dashboard" else None
    return redirect(target or "zeroreport:rollup", code=division.code)
