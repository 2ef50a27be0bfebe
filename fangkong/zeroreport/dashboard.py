"""The division dashboard's data: read from ``GridDay`` only, in a fixed number of queries
(the children, one day's rows grouped by child, 30 days of sums)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.zeroreport import selectors
from fangkong.zeroreport.choices import ALERT, Figure

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


@dataclass
class Dashboard:
    division: Division
    day: dt.date
    figure: str
    rollup: selectors.Rollup
    series: selectors.Series

    @property
    def has_map(self) -> bool:
        """The map has prefecture boundaries only: shaded on the province's dashboard."""
        return self.division.level == Level.PROVINCE


def dashboard(
    user: User | AnonymousUser, division: Division, day: dt.date, figure: str
) -> Dashboard:
    return Dashboard(
        division=division,
        day=day,
        figure=figure,
        rollup=selectors.rollup(user, division, day),
        series=selectors.trend(user, division, day),
    )


def _child_url(child: Division, figure: str) -> str:
    if child.level == Level.GRID:
        return reverse("zeroreport:grid", args=[child.code])
    return f"{reverse('zeroreport:dashboard', args=[child.code])}?figure={figure}"


def payload(d: Dashboard) -> dict[str, Any]:
    """What the charts draw (and the API answers): JSON-ready.

    A child without grids or without figures for the day has ``no_data`` true and null
    figures (the map paints it grey, the tables say "no data"). ``series.in_progress`` is
    true when the last day of the trend is today: its value covers the day so far (until
    ``series.as_of``), so the chart draws it apart instead of as a fall.
    """
    r = d.rollup
    today = timezone.localdate()
    in_progress = bool(d.series.days) and d.series.days[-1] == today
    as_of = timezone.localtime(r.computed_at) if r.computed_at else timezone.localtime()
    return {
        "division": {"code": d.division.code, "name": d.division.name},
        "day": d.day.isoformat(),
        "figure": d.figure,
        "figure_label": str(Figure(d.figure).label),
        "alert": d.figure in ALERT,
        "figures": {f.value: str(f.label) for f in Figure},
        "map": d.has_map,
        "computed_at": r.computed_at.isoformat() if r.computed_at else None,
        "total": {**r.total.figures, "grids": r.total.grids, "confirmed": r.total.confirmed},
        "children": [
            {
                "code": c.division.code,
                "short_code": c.division.short_code,
                "name": c.division.name,
                "url": _child_url(c.division, d.figure),
                "grids": c.grids,
                "confirmed": c.confirmed,
                "zero_reports": c.zero_reports,
                "no_data": not c.has_data,
                **(c.figures if c.has_data else dict.fromkeys(c.figures)),
            }
            for c in r.children
        ],
        "series": {
            "days": [day.isoformat() for day in d.series.days],
            "values": d.series.values,
            "confirmed": d.series.confirmed,
            "grids": d.series.grids,
            "in_progress": in_progress,
            "as_of": as_of.strftime("%H:%M") if in_progress else None,
        },
        "labels": {
            "no_data": str(_("No data")),
            "in_progress": str(
                _("Today so far (as of %(time)s)") % {"time": as_of.strftime("%H:%M")}
            )
            if in_progress
            else "",
        },
    }
