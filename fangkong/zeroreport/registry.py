"""What the zeroreport app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes and its entries in the page header."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem, WorkPanel
from fangkong.zeroreport.permissions import ZeroReportPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User

AUDIT_LABELS = {
    "grid_day.confirm": _("confirm a grid's day"),
    "grid_day.zero_report": _("submit a zero report"),
    "grid_days.refresh": _("update the daily figures"),
}

# Keys of the changes the app's actions record that are no field of a model.
AUDIT_FIELDS = {
    "day": _("day"),
    "grids": _("grids"),
    "background": _("in the background"),
    "days": _("days"),
    "confirmed": _("days confirmed"),
}


def _daily_url(user: User) -> str | None:
    """A grid worker opens their grid's day (figures and the confirmation); everyone else the
    roll-up of their division, which links to the dashboard; nothing without a home."""
    home = getattr(user, "home_division", None)
    if home is None:
        return None
    name = "zeroreport:grid" if home.is_grid else "zeroreport:rollup"
    return reverse(name, args=[home.code])


MENU = [
    MenuItem(
        _("Daily report"),
        _daily_url,
        ZeroReportPerm.VIEW_GRIDDAY,
        weight=50,
        first={"grid": 5, "command": 1},
    )
]


# --- the workbench (core/workbench.py) ---------------------------------------------------------


def _rollup(ctx: WorkContext) -> Any:
    """Today's roll-up of the user's home (two queries), shared by the figures and the panel."""
    from fangkong.zeroreport.selectors import rollup

    return ctx.once("zeroreport.rollup", lambda: rollup(ctx.user, ctx.home, ctx.today))


def _unconfirmed(ctx: WorkContext) -> int:
    """Grids of the user's area whose day is not confirmed yet (a grid worker: their own)."""
    if ctx.is_grid:
        from fangkong.zeroreport.models import GridDay

        confirmed = GridDay.objects.filter(
            grid=ctx.home, day=ctx.today, confirmed_at__isnull=False
        ).exists()
        return 0 if confirmed else 1
    return int(_rollup(ctx).total.unconfirmed)


def _total(figure: str) -> Callable[[WorkContext], int]:
    return lambda ctx: int(_rollup(ctx).total.figures[figure])


def _day_url(ctx: WorkContext) -> str:
    name = "zeroreport:grid" if ctx.is_grid else "zeroreport:rollup"
    return reverse(name, args=[ctx.home.code])


def _missed_url(ctx: WorkContext) -> str:
    return f"{reverse('observation:list')}?missed=on"


def _rollup_panel(ctx: WorkContext) -> dict[str, Any] | None:
    """The roll-up of the home's children below the figures (the table of the roll-up page)."""
    from fangkong.zeroreport.choices import Figure
    from fangkong.zeroreport.models import ABNORMAL_FIGURES

    return {
        "rollup": _rollup(ctx),
        "figures": list(Figure),
        "alert": ABNORMAL_FIGURES,
        "day": ctx.today,
        "home": ctx.home,
    }


WORKBENCH = [
    WorkItem(
        "zeroreport.unconfirmed",
        _("Daily report not confirmed today"),
        _unconfirmed,
        _day_url,
        (Profile.GRID,),
        ZeroReportPerm.VIEW_GRIDDAY,
        urgency=60,
        hint=_("Check the figures and confirm the day before evening."),
    ),
    WorkItem(
        "zeroreport.unconfirmed_below",
        _("Grids that have not confirmed today's daily report"),
        _unconfirmed,
        _day_url,
        (Profile.COMMAND,),
        ZeroReportPerm.VIEW_GRIDDAY,
        urgency=10,
        hint=_("The list names each grid's worker and phone."),
    ),
    WorkItem(
        "zeroreport.fever_below",
        _("Fevers found today"),
        _total("fever_found"),
        _day_url,
        (Profile.COMMAND,),
        ZeroReportPerm.VIEW_GRIDDAY,
        urgency=20,
        hint=_("Screenings and check-ins with 37.3 ℃ or more, as of the last update."),
    ),
    WorkItem(
        "zeroreport.missed_below",
        _("Check-ins missed"),
        _total("check_ins_missed"),
        _missed_url,
        (Profile.COMMAND,),
        ZeroReportPerm.VIEW_GRIDDAY,
        urgency=30,
        hint=_("People under observation without yesterday's check-in, as of the last update."),
    ),
]

WORKBENCH_PANELS = [
    WorkPanel(
        "zeroreport/_workbench.html",
        _rollup_panel,
        (Profile.COMMAND,),
        ZeroReportPerm.VIEW_GRIDDAY,
        weight=10,
        stylesheet="zeroreport/zeroreport.css",
    ),
]
