"""The command screen's data over the API: ``GET /api/warning/screen?division=&day=`` returns
what the screen shows (``screen.screen_data``) for a division inside the caller's jurisdiction
(outside it: 404) and a day (default today). The wall page fetches it every minute."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from fangkong.core.jurisdiction import user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.warning import screen
from fangkong.warning.permissions import WarningPerm
from fangkong.warning.screen_views import chosen_division, parse_day

router = Router(tags=["warning"])


class WarningScreenOut(Schema):
    division: dict[str, Any]
    day: str
    latest_day: str | None
    generated_at: str
    figures: list[dict[str, Any]]
    curve: dict[str, Any]
    rt: dict[str, Any]
    map: dict[str, Any]
    alerts: dict[str, Any]
    beds: dict[str, Any]
    supplies: dict[str, Any]
    reports: dict[str, Any]
    links: dict[str, Any]


@router.get(
    "/warning/screen",
    response=WarningScreenOut,
    summary="The command screen's figures of a division and day",
)
def screen_data(
    request: HttpRequest, division: ApiId | None = None, day: ApiDate | None = None
) -> dict[str, Any]:
    """Key figures with the day before, the map's values per child division, the epidemic
    curve, Rt with its credible interval, open alerts, free beds by type, low supplies and the
    day's report completeness. ``division``: a division id of the caller's jurisdiction
    (default: their home division)."""
    require(request, WarningPerm.VIEW)
    user = user_of(request)
    found = chosen_division(user, division)
    on = day or parse_day(None)
    return screen.screen_data(user, found, on)
