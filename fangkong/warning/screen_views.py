"""The command screen's pages: the ordinary page inside the site's layout and the full-screen
wall page (dark, 1920×1080, no scrolling, its data fetched again every minute from
``GET /api/warning/screen``). Both read ``screen.screen_data`` for the user's division or a
chosen one inside their jurisdiction (outside it: 404, like a division that does not exist)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fangkong.core.jurisdiction import ALL, get_visible_or_404, scope_of, user_of
from fangkong.core.parsing import parse_date, parse_id
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning import screen
from fangkong.warning.permissions import WarningPerm

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

REFRESH_SECONDS = 60


def home_division(user: User | AnonymousUser) -> Division:
    """The user's home division, or for a superuser without one, the province; 404 for a user
    who has neither."""
    scope = scope_of(user)
    if scope is None:
        raise Http404
    if scope == ALL:
        found = Division.objects.filter(level=Level.PROVINCE).order_by("path").first()
    else:
        found = getattr(user, "home_division", None)
    if found is None:
        raise Http404
    return found


def chosen_division(user: User | AnonymousUser, pk: int | None) -> Division:
    """The division asked for (by id) inside the user's jurisdiction, else 404; none asked for:
    the user's home."""
    if pk is None:
        return home_division(user)
    division: Division = get_visible_or_404(Division.objects.all(), user, pk=pk, active=True)
    return division


def parse_day(raw: str | None) -> dt.date:
    return parse_date(raw, field="day") or timezone.localdate()


def _page(request: HttpRequest, template: str) -> HttpResponse:
    require(request, WarningPerm.VIEW)
    user = user_of(request)
    division = chosen_division(user, parse_id(request.GET.get("division"), field="division"))
    day = parse_day(request.GET.get("day"))
    home = home_division(user)
    data = screen.screen_data(user, division, day)
    return render(
        request,
        template,
        {
            "data": data,
            "division": division,
            "day": day,
            "today": timezone.localdate(),
            "day_given": bool(request.GET.get("day")),
            "picker": screen.picker(user, home),
            "refresh": REFRESH_SECONDS,
        },
    )


@login_required
@require_GET
def screen_page(request: HttpRequest) -> HttpResponse:
    """The command screen inside the site's layout (phones too)."""
    return _page(request, "warning/screen.html")


@login_required
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """The command screen for the wall of a command centre."""
    return _page(request, "warning/screen_wall.html")
