"""REST endpoints of zero reporting (零报告): a grid's day, confirming it, roll-ups, dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import user_of
from fangkong.core.parsing import ApiDate
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.selectors import staff_phone, visible_division
from fangkong.zeroreport import actions, figures, selectors
from fangkong.zeroreport import dashboard as board
from fangkong.zeroreport.actions import MAX_NOTE
from fangkong.zeroreport.choices import Figure
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.permissions import ZeroReportPerm

router = Router(tags=["zero reporting"])

CODE = r"^\d{1,15}$"
VIEW, CONFIRM, REFRESH = (
    ZeroReportPerm.VIEW_GRIDDAY,
    ZeroReportPerm.CONFIRM_GRIDDAY,
    ZeroReportPerm.CHANGE_GRIDDAY,
)


class FiguresOut(Schema):
    screened: int = Field(..., description="screenings registered in the grid that day")
    fever_found: int = Field(..., description="screenings and check-ins that day at 37.3 ℃ or more")
    observations_active: int = Field(..., description="people under medical observation that day")
    check_ins_missed: int = Field(..., description="people under observation without a check-in")
    passages_pending: int = Field(
        ...,
        description="flagged travellers handed over to the grid and not handled: at the end of "
        "the day for a past day, now for today (abnormal when above 0)",
    )
    passages_handled: int = Field(
        ..., description="flagged travellers handed over to the grid and handled that day"
    )
    care_open: int = Field(..., description="care requests open at the end of the day")


class GridDayOut(Schema):
    day: dt.date
    figures: FiguresOut
    abnormal: bool = Field(
        ..., description="fever, missed check-ins or flagged travellers not handled yet"
    )
    computed_at: dt.datetime
    confirmed: bool
    confirmed_at: dt.datetime | None
    confirmed_by: str | None = Field(
        None, description="who confirmed the day: the user's full name, else the username"
    )
    confirmed_late: bool
    zero_report: bool
    note: str

    @staticmethod
    def resolve_figures(obj: GridDay) -> dict[str, int]:
        return obj.figures()

    @staticmethod
    def resolve_confirmed_by(obj: GridDay) -> str | None:
        user = obj.confirmed_by
        return (user.full_name or user.username) if user is not None else None


class GridTodayOut(Schema):
    grid_code: str
    grid_name: str
    day: dt.date
    live: FiguresOut = Field(..., description="computed from the records now")
    abnormal: bool
    zero_report_allowed: bool
    state: GridDayOut | None = Field(None, description="today's stored row, if any")
    history: list[GridDayOut] = Field(..., description="the last 7 days with a row, newest first")


class ConfirmIn(InputSchema):
    day: ApiDate | None = Field(None, description="today (default) or yesterday (late)")
    zero_report: bool = Field(..., description='true: "nothing abnormal" (零报告)')
    note: str = Field("", max_length=MAX_NOTE)


class ChildOut(Schema):
    code: str
    name: str
    level: int
    grids: int
    confirmed: int
    zero_reports: int
    figures: FiguresOut


class GridRef(Schema):
    code: str
    name: str
    village: str
    workers: list[dict[str, str | None]] = Field(
        ..., description="name, and phone (null unless your role may see grid staff phones)"
    )


class RollupOut(Schema):
    code: str
    name: str
    day: dt.date
    computed_at: dt.datetime | None
    total: ChildOut
    children: list[ChildOut]
    unconfirmed: list[GridRef]
    next_after: str | None = Field(None, description="pass as `after` for the next page")


class DayQuery(Schema):
    day: ApiDate | None = Field(None, description="default today; not in the future")


class RollupQuery(DayQuery):
    after: str | None = Field(None, max_length=128, pattern=r"^[0-9/]+$")
    limit: int = Field(50, ge=1, le=200)


class DashboardQuery(DayQuery):
    figure: Figure = Figure.SCREENED


class RefreshOut(Schema):
    day: dt.date
    grids: int | None = Field(..., description="grids updated; null when run in the background")
    background: bool = Field(..., description="true: a background task does the update")


def _day(day: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if day is None:
        return today
    if day > today:
        raise ActionError(_("The day cannot be in the future."), code="future_day", field="day")
    return day


def _child(row: selectors.ChildRow) -> dict[str, Any]:
    d = row.division
    return {
        "code": d.code,
        "name": d.name,
        "level": d.level,
        "grids": row.grids,
        "confirmed": row.confirmed,
        "zero_reports": row.zero_reports,
        "figures": row.figures,
    }


@router.get("/zero/grids/{code}", response=GridTodayOut, summary="A grid's day: live figures")
def grid_today(request: HttpRequest, code: str) -> dict[str, Any]:
    """Today's figures computed from the records now, today's confirmation and the last 7
    days."""
    require(request, VIEW)
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent",))
    today = timezone.localdate()
    live = figures.for_grid(grid, today)
    history = selectors.grid_history(request.user, grid, today)
    state = next((g for g in history if g.day == today), None)
    abnormal = figures.is_abnormal(live)
    return {
        "grid_code": grid.code,
        "grid_name": grid.name,
        "day": today,
        "live": live,
        "abnormal": abnormal,
        "zero_report_allowed": not abnormal,
        "state": state,
        "history": history,
    }


@router.post("/zero/grids/{code}/confirm", response=GridDayOut, summary="Confirm a grid's day")
def confirm(request: HttpRequest, code: str, payload: ConfirmIn) -> GridDay:
    """Confirm today's (or, late, yesterday's) figures, or submit a zero report (零报告) when
    nothing is abnormal. Confirming again replaces the earlier confirmation."""
    require(request, CONFIRM)
    grid = visible_division(request.user, code, level=Level.GRID, related=("parent",))
    return actions.confirm_day(
        actor=user_of(request),
        grid=grid,
        day=payload.day,
        zero_report=payload.zero_report,
        note=payload.note,
    )


@router.get("/zero/divisions/{code}", response=RollupOut, summary="A division's zero reports")
def rollup(request: HttpRequest, code: str, query: Query[RollupQuery]) -> dict[str, Any]:
    """Each child division's grids confirmed / total and summed figures for the day, and the
    grids not confirmed (paged by key: pass `next_after` back as `after`)."""
    require(request, VIEW)
    division = visible_division(request.user, code, related=("parent",))
    day = _day(query.day)
    user = user_of(request)
    data = selectors.rollup(user, division, day)
    page = selectors.unconfirmed_grids(user, division, day, after=query.after, size=query.limit)
    return {
        "code": division.code,
        "name": division.name,
        "day": day,
        "computed_at": data.computed_at,
        "total": _child(data.total),
        "children": [_child(c) for c in data.children],
        "unconfirmed": [
            {
                "code": g.code,
                "name": g.name,
                "village": g.parent.name if g.parent else "",
                "workers": [
                    {"name": a.staff.name, "phone": staff_phone(user, a.staff) or None}
                    for a in getattr(g, "workers", [])
                ],
            }
            for g in page.items
        ],
        "next_after": page.next_after,
    }


@router.get("/zero/divisions/{code}/dashboard", summary="A division's dashboard data")
def dashboard(request: HttpRequest, code: str, query: Query[DashboardQuery]) -> dict[str, Any]:
    """Today's figures for each child division and 30 days of sums over the subtree (read
    from the daily grid rows only). Series values are null on days never computed."""
    require(request, VIEW)
    division = visible_division(request.user, code, related=("parent",))
    data = board.dashboard(user_of(request), division, _day(query.day), query.figure.value)
    return board.payload(data)


@router.post("/zero/divisions/{code}/refresh", response=RefreshOut, summary="Update now")
def refresh(request: HttpRequest, code: str) -> dict[str, Any]:
    """Recompute today's figures for every grid under the division (audited). Above 5,000
    grids the update runs as a background task and `grids` is null."""
    require(request, REFRESH)
    division = visible_division(request.user, code, related=("parent",))
    today = timezone.localdate()
    n = actions.request_refresh(actor=user_of(request), day=today, under=division)
    return {"day": today, "grids": n, "background": n is None}
