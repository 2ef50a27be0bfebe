"""The REST API of the daily supervision report (mounted in fangkong/api.py): my division's
report of a day (get, save, submit), my children's reports, approve / return / mark missing /
reopen, completeness (a day, 30 days) and the deadlines. Schema names carry the ``Report``
prefix (OpenAPI component names are unique)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.regions.models import Division
from fangkong.reports import actions, selectors
from fangkong.reports.choices import MAX_ROWS, REPORTING_LEVELS, Doing, State
from fangkong.reports.models import DailyReport, Deadline
from fangkong.reports.permissions import ReportsPerm as Perm

router = Router(tags=["reports"])

CODE = r"^\d{1,15}$"
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class ReportArrangementIn(InputSchema):
    member_id: ApiId | None = Field(None, description="a current member of your leading group")
    name: str = Field("", max_length=50, description="the member's name when empty")
    where: str = Field("", max_length=200)
    doing: Doing
    note: str = Field("", max_length=200)


class ReportProblemIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=2000)
    request: str = Field("", max_length=2000, description="what is asked of the level above")


class ReportIn(InputSchema):
    day: ApiDate | None = Field(None, description="today when empty; at most 7 days back")
    arrangements: list[ReportArrangementIn] = Field(default_factory=list, max_length=MAX_ROWS)
    problems: list[ReportProblemIn] = Field(default_factory=list, max_length=MAX_ROWS)
    tomorrow_plan: str = Field("", max_length=2000)


class ReportArrangementOut(Schema):
    member_id: int | None
    name: str
    where: str
    doing: Doing
    note: str


class ReportProblemOut(Schema):
    id: int
    text: str
    request: str
    answer: str
    answered_at: dt.datetime | None
    passed_up: bool


class ReportOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    level: int
    day: dt.date
    state: State
    late: bool
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    return_reason: str
    reopen_reason: str
    missing_reason: str
    tomorrow_plan: str
    figures: dict[str, int] = Field(..., description="computed at submission, never typed")
    arrangements: list[ReportArrangementOut]
    problems: list[ReportProblemOut]

    @staticmethod
    def resolve_arrangements(obj: DailyReport) -> list[Any]:
        return list(obj.arrangements.all())

    @staticmethod
    def resolve_problems(obj: DailyReport) -> list[Any]:
        return list(obj.problems.order_by("id"))


class ReportMineOut(Schema):
    division_code: str
    day: dt.date
    deadline: dt.datetime
    report: ReportOut | None
    figures: dict[str, int] = Field(..., description="the report's, or computed now if none")


class ReportChildOut(Schema):
    division_code: str
    division_name: str
    report_id: int | None
    state: str = Field(..., description="empty: nothing written yet")
    late: bool
    submitted_at: dt.datetime | None


class ReportReasonIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=200)


class ReportMissingIn(ReportReasonIn):
    division: str = Field(..., pattern=CODE, description="the code of a child division")
    day: ApiDate | None = Field(None, description="today when empty")


class ReportLevelOut(Schema):
    level: int
    expected: int
    submitted: int
    on_time: int
    late: int
    approved: int
    missing: int
    not_submitted: int


class ReportTrendDayOut(Schema):
    day: dt.date
    levels: list[ReportLevelOut]


class ReportDeadlineOut(Schema):
    level: int
    time: str

    @staticmethod
    def resolve_time(obj: Deadline) -> str:
        return obj.time.strftime("%H:%M")


class ReportDeadlineIn(InputSchema):
    time: str = Field(..., pattern=HHMM, description="HH:MM, 00:00 to 23:59")


def _home(request: HttpRequest) -> Division:
    home = user_of(request).home_division
    if home is None:
        raise Http404
    return home


def _report(request: HttpRequest, pk: int) -> DailyReport:
    report: DailyReport = get_visible_or_404(
        DailyReport.objects.select_related("division"), request.user, pk=pk
    )
    return report


def _body(payload: ReportIn) -> dict[str, Any]:
    return {
        "day": payload.day or timezone.localdate(),
        "arrangements": [a.dict() for a in payload.arrangements],
        "problems": [p.dict() for p in payload.problems],
        "tomorrow_plan": payload.tomorrow_plan,
    }


@router.get("/reports/mine", response=ReportMineOut, summary="My division's report of a day")
def get_mine(request: HttpRequest, day: ApiDate | None = None) -> dict[str, Any]:
    require(request, Perm.VIEW_REPORT)
    home = _home(request)
    if home.level not in REPORTING_LEVELS:
        raise Http404
    on = day or timezone.localdate()
    report = selectors.report_of(home, on)
    figures = report.figures if report is not None and report.submitted_at else None
    if figures is None:
        from fangkong.reports.figures import compute

        figures = compute(home, on)
    return {
        "division_code": home.code,
        "day": on,
        "deadline": actions.deadline_of(home.level, on),
        "report": report,
        "figures": figures,
    }


@router.put("/reports/mine", response=ReportOut, summary="Save my division's report as a draft")
def save_mine(request: HttpRequest, payload: ReportIn) -> DailyReport:
    require(request, Perm.SUBMIT_REPORT)
    return actions.save_draft(actor=user_of(request), division=_home(request), **_body(payload))


@router.post(
    "/reports/mine/submit", response={201: ReportOut}, summary="Submit my division's report"
)
def submit_mine(request: HttpRequest, payload: ReportIn) -> Status[DailyReport]:
    """One per division and day (409 for a second); late after the level's deadline, accepted
    and marked; a parent only when its children are approved or marked missing."""
    require(request, Perm.SUBMIT_REPORT)
    report = actions.submit_report(
        actor=user_of(request), division=_home(request), **_body(payload)
    )
    return Status(201, report)


@router.get(
    "/reports/children", response=list[ReportChildOut], summary="My children's reports of a day"
)
def list_children(request: HttpRequest, day: ApiDate | None = None) -> list[dict[str, Any]]:
    require(request, Perm.VIEW_REPORT)
    rows = selectors.children(_home(request), day or timezone.localdate())
    return [
        {
            "division_code": r.division.code,
            "division_name": r.division.name,
            "report_id": r.report.pk if r.report else None,
            "state": r.state,
            "late": bool(r.report and r.report.late),
            "submitted_at": r.report.submitted_at if r.report else None,
        }
        for r in rows
    ]


@router.post("/reports/missing", response={201: ReportOut}, summary="Mark a child's report missing")
def mark_missing(request: HttpRequest, payload: ReportMissingIn) -> Status[DailyReport]:
    require(request, Perm.APPROVE_REPORT)
    division: Division = get_visible_or_404(
        Division.objects.all(), request.user, code=payload.division
    )
    report = actions.mark_missing(
        actor=user_of(request),
        division=division,
        day=payload.day or timezone.localdate(),
        reason=payload.reason,
    )
    return Status(201, report)


def _level(row: selectors.LevelDay) -> dict[str, int]:
    return {
        "level": row.level,
        "expected": row.expected,
        "submitted": row.submitted,
        "on_time": row.on_time,
        "late": row.late,
        "approved": row.approved,
        "missing": row.missing,
        "not_submitted": row.not_submitted,
    }


@router.get(
    "/reports/completeness",
    response=list[ReportLevelOut],
    summary="Completeness and timeliness of a day per level",
)
def completeness(request: HttpRequest, day: ApiDate | None = None) -> list[dict[str, int]]:
    require(request, Perm.VIEW_REPORT)
    return [_level(r) for r in selectors.completeness(day or timezone.localdate())]


@router.get(
    "/reports/completeness/trend",
    response=list[ReportTrendDayOut],
    summary="Completeness per level over the last 30 days",
)
def completeness_trend(request: HttpRequest, day: ApiDate | None = None) -> list[dict[str, Any]]:
    require(request, Perm.VIEW_REPORT)
    trend = selectors.trend(day or timezone.localdate())
    return [
        {
            "day": d,
            "levels": [
                _level(by_day[d]) for _lvl, by_day in sorted(trend.levels.items()) if d in by_day
            ],
        }
        for d in trend.days
    ]


@router.get("/reports/deadlines", response=list[ReportDeadlineOut], summary="Deadlines per level")
def list_deadlines(request: HttpRequest) -> list[Deadline]:
    require(request, Perm.VIEW_REPORT)
    return selectors.deadlines()


@router.put(
    "/reports/deadlines/{level}", response=ReportDeadlineOut, summary="Set a level's deadline"
)
def set_deadline(request: HttpRequest, level: int, payload: ReportDeadlineIn) -> Deadline:
    """The province's command office; a level's deadline stays between the level below's and
    the level above's."""
    require(request, Perm.CONFIGURE_DEADLINES)
    if level not in REPORTING_LEVELS:
        raise Http404
    return actions.set_deadline(actor=user_of(request), level=level, time=payload.time)


# the routes with a record id come last (after /reports/completeness, /reports/missing…)
class ReportSummaryIn(InputSchema):
    day: ApiDate | None = Field(None, description="today when empty; at most 60 days back")


class ReportSummaryOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    day: dt.date
    version: int
    document_number: str
    title: str
    has_pdf: bool
    pdf_error: str
    generated_at: dt.datetime

    @staticmethod
    def resolve_has_pdf(obj: Any) -> bool:
        return not obj.pdf_error


@router.get(
    "/reports/summaries",
    response=list[ReportSummaryOut],
    summary="The kept daily summaries to the committee",
)
def list_summaries(request: HttpRequest) -> Any:
    require(request, Perm.VIEW_SUMMARY)
    return list(selectors.summaries(user_of(request)))


@router.post(
    "/reports/summaries",
    response={201: ReportSummaryOut},
    summary="Generate my division's daily summary (Word and PDF)",
)
def generate_summary(request: HttpRequest, payload: ReportSummaryIn) -> Status[Any]:
    """A new version of the day's summary, kept; the PDF needs LibreOffice on the server
    (without it ``has_pdf`` is false and ``pdf_error`` says why)."""
    require(request, Perm.GENERATE_SUMMARY)
    row = actions.generate_summary(actor=user_of(request), division=_home(request), day=payload.day)
    return Status(201, row)


@router.get(
    "/reports/summaries/{pk}/{fmt}",
    summary="Download a kept summary as docx or pdf",
)
def download_summary(request: HttpRequest, pk: ApiId, fmt: str) -> HttpResponse:
    require(request, Perm.VIEW_SUMMARY)
    from fangkong.reports.models import Summary

    row: Summary = get_visible_or_404(
        Summary.objects.select_related("division"), request.user, pk=pk
    )
    content = actions.download_summary(actor=user_of(request), summary=row, fmt=fmt)
    kind = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = (
        f'attachment; filename="summary-{row.division.code}-{row.day:%Y%m%d}-v{row.version}.{fmt}"'
    )
    return response


class ReportRollupOut(Schema):
    code: str
    name: str
    level: int
    figures: dict[str, int]


@router.get(
    "/reports/rollup",
    response=list[ReportRollupOut],
    summary="The day's figures of every division of a level under mine, rolled up",
)
def rollup(request: HttpRequest, day: ApiDate | None = None, level: int | None = None) -> Any:
    """Computed from the records for the whole subtree at once (never typed): the divisions of
    ``level`` (default: my children's) under my home division, from the village up."""
    require(request, Perm.VIEW_REPORT)
    home = _home(request)
    # default: my children's level (a village's own: grids do not report)
    wanted = min(home.level + 1, max(REPORTING_LEVELS)) if level is None else level
    if not (home.level <= wanted <= max(REPORTING_LEVELS)):
        raise ActionError(
            _("Choose a level from your own down to the village."), code="bad_level", field="level"
        )
    figures = selectors.rollup_day(day or timezone.localdate(), under=home)
    divisions = Division.objects.filter(pk__in=figures, level=wanted).order_by("code")
    return [
        {"code": d.code, "name": d.name, "level": d.level, "figures": figures[d.pk]}
        for d in divisions.only("code", "name", "level")
    ]


@router.get("/reports/{pk}", response=ReportOut, summary="A report in full")
def get_report(request: HttpRequest, pk: ApiId) -> DailyReport:
    require(request, Perm.VIEW_REPORT)
    return _report(request, pk)


@router.post("/reports/{pk}/approve", response=ReportOut, summary="Approve a child's report")
def approve(request: HttpRequest, pk: ApiId) -> DailyReport:
    """The level directly above; only a submitted report whose own children are approved or
    marked missing. Approval locks it."""
    require(request, Perm.APPROVE_REPORT)
    return actions.approve(actor=user_of(request), report=_report(request, pk))


@router.post("/reports/{pk}/return", response=ReportOut, summary="Return a child's report")
def return_report(request: HttpRequest, pk: ApiId, payload: ReportReasonIn) -> DailyReport:
    require(request, Perm.APPROVE_REPORT)
    return actions.return_report(
        actor=user_of(request), report=_report(request, pk), reason=payload.reason
    )


@router.post("/reports/{pk}/reopen", response=ReportOut, summary="Reopen an approved report")
def reopen(request: HttpRequest, pk: ApiId, payload: ReportReasonIn) -> DailyReport:
    require(request, Perm.APPROVE_REPORT)
    return actions.reopen(
        actor=user_of(request), report=_report(request, pk), reason=payload.reason
    )
