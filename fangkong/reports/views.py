"""Screens of the daily supervision report: today's report of my division (write, save,
submit), my children's reports for review (approve, return, mark missing, reopen; answer or pass
up their problems), one report in full, completeness per level over 30 days, and the deadlines
(the province). Thin: parse, check the role, call one action, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction, get_visible_or_404, user_of
from fangkong.core.parsing import parse_date, parse_id
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports import actions, selectors
from fangkong.reports.choices import MAX_DAYS_BACK, MAX_ROWS, REPORTING_LEVELS, Doing, State
from fangkong.reports.models import DailyReport, Problem
from fangkong.reports.permissions import ReportsPerm as Perm

EXTRA_ROWS = 3


def _day(request: HttpRequest, source: Any = None) -> dt.date:
    """The day asked for (``?day=``), today when empty; a bad or out-of-range day is refused
    with a message and today is shown."""
    raw = (source if source is not None else request.GET).get("day")
    today = timezone.localdate()
    try:
        day = parse_date(raw, field="day")
    except ActionError as exc:
        messages.error(request, exc.message)
        return today
    if day is None:
        return today
    if day > today or day < today - dt.timedelta(days=60):
        messages.error(request, _("Choose a day of the last 60 days."))
        return today
    return day


def _run(request: HttpRequest, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ActionError as exc:
        messages.error(request, exc.message)
        return None
    except OutOfJurisdiction as exc:
        raise Http404 from exc


def _home(request: HttpRequest) -> Division:
    home = getattr(request.user, "home_division", None)
    if home is None:
        raise Http404
    return home  # type: ignore[no-any-return,unused-ignore]


def _rows(post: Any, prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The repeated rows of the report form (``arr-0-name`` …), at most ``MAX_ROWS``."""
    out: list[dict[str, Any]] = []
    for i in range(MAX_ROWS + 1):
        if f"{prefix}-{i}-{fields[0]}" not in post:
            break
        out.append({f: (post.get(f"{prefix}-{i}-{f}") or "")[:2000] for f in fields})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def today(request: HttpRequest) -> HttpResponse:
    """My division's report of a day (today by default): the form while it is a draft or
    returned, read-only once submitted."""
    require(request, Perm.VIEW_REPORT)
    home = _home(request)
    source = request.POST if request.method == "POST" else request.GET
    day = _day(request, source)
    can_submit = request.user.has_perm(Perm.SUBMIT_REPORT) and home.level in REPORTING_LEVELS
    if request.method == "POST":
        require(request, Perm.SUBMIT_REPORT)
        actor = user_of(request)
        arrangements = _rows(request.POST, "arr", ("member", "name", "where", "doing", "note"))
        try:
            for row in arrangements:
                row["member_id"] = parse_id(row.pop("member"), field="member")
        except ActionError as exc:
            messages.error(request, exc.message)
            arrangements = []
        else:
            problems = _rows(request.POST, "prob", ("text", "request"))
            kwargs: dict[str, Any] = {
                "actor": actor,
                "division": home,
                "day": day,
                "arrangements": arrangements,
                "problems": problems,
                "tomorrow_plan": (request.POST.get("tomorrow_plan") or "")[:4000],
            }
            if request.POST.get("action") == "submit":
                done = _run(request, lambda: actions.submit_report(**kwargs))
                if done is not None:
                    messages.success(request, _("Report submitted."))
                    return redirect(f"{done.get_absolute_url()}")
            else:
                done = _run(request, lambda: actions.save_draft(**kwargs))
                if done is not None:
                    messages.success(request, _("Draft saved."))
                    return redirect(f"{request.path}?day={day.isoformat()}")
    report = selectors.report_of(home, day) if home.level in REPORTING_LEVELS else None
    roster = selectors.roster(home) if home.level in REPORTING_LEVELS else []
    if report is not None and (report.arrangements.all() or report.locked):
        arrangements_rows: list[dict[str, Any]] = [
            {
                "member": a.member_id or "",
                "name": a.name,
                "where": a.where,
                "doing": a.doing,
                "note": a.note,
            }
            for a in report.arrangements.all()
        ]
    else:
        arrangements_rows = [
            {"member": m.pk, "name": m.name, "post": m.post, "where": "", "doing": "", "note": ""}
            for m in roster
        ]
    problems_rows: list[dict[str, Any]] = []
    if report is not None:
        problems_rows = [
            {"text": p.text, "request": p.request}
            for p in report.problems.all()
            if not p.passed_from.exists()
        ]
    editable = can_submit and (report is None or report.state in (State.DRAFT, State.RETURNED))
    if editable:
        arrangements_rows += [{} for _i in range(EXTRA_ROWS)]
        problems_rows += [{} for _i in range(EXTRA_ROWS)]
    open_children = (
        selectors.open_children(home, day) if Level.PROVINCE <= home.level < Level.VILLAGE else 0
    )
    figures = report.figures if report is not None and report.submitted_at else None
    if figures is None and home.level in REPORTING_LEVELS:
        from fangkong.reports.figures import compute

        figures = compute(home, day)
    return render(
        request,
        "reports/today.html",
        {
            "home": home,
            "day": day,
            "today": timezone.localdate(),
            "report": report,
            "editable": editable,
            "can_submit": can_submit,
            "arrangement_rows": arrangements_rows,
            "problem_rows": problems_rows,
            "doings": Doing.choices,
            "figures": selectors.labelled(figures or {}),
            "deadline": actions.deadline_of(home.level, day)
            if home.level in REPORTING_LEVELS
            else None,
            "open_children": open_children,
            "max_days_back": MAX_DAYS_BACK,
        },
    )


@login_required
def children(request: HttpRequest) -> HttpResponse:
    """The reports of my child divisions of a day, for review."""
    require(request, Perm.VIEW_REPORT)
    home = _home(request)
    day = _day(request)
    rows = selectors.children(home, day)
    figures = selectors.child_figures(home, day) if rows else {}
    return render(
        request,
        "reports/children.html",
        {
            "home": home,
            "day": day,
            "rows": rows,
            "child_figures": figures,
            "rollup": selectors.labelled(selectors.rollup(home, day)) if rows else [],
            "problems": selectors.children_problems(home, day) if rows else [],
            "can_review": request.user.has_perm(Perm.APPROVE_REPORT),
        },
    )


def _report(request: HttpRequest, pk: int) -> DailyReport:
    report: DailyReport = get_visible_or_404(
        selectors.with_rows(DailyReport.objects.select_related("division", "submitted_by")),
        request.user,
        pk=pk,
    )
    return report


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, Perm.VIEW_REPORT)
    report = _report(request, pk)
    user = user_of(request)
    is_parent = (
        user.home_division_id is not None and user.home_division_id == report.division.parent_id
    )
    is_above = bool(user.home_division_path) and report.division_path != user.home_division_path
    can_review = user.has_perm(Perm.APPROVE_REPORT)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "figures": selectors.labelled(report.figures or {}),
            "can_approve": can_review and is_parent and report.state == State.SUBMITTED,
            "can_reopen": can_review
            and is_above
            and report.state in (State.APPROVED, State.MISSING),
            "can_answer": can_review and is_parent,
        },
    )


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(request, Perm.APPROVE_REPORT)
    if _run(request, lambda: actions.approve(actor=user_of(request), report=report)):
        messages.success(request, _("Report approved."))
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def return_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(request, Perm.APPROVE_REPORT)
    reason = (request.POST.get("reason") or "")[:1000]
    if _run(
        request, lambda: actions.return_report(actor=user_of(request), report=report, reason=reason)
    ):
        messages.success(request, _("Report returned."))
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(request, Perm.APPROVE_REPORT)
    reason = (request.POST.get("reason") or "")[:1000]
    if _run(request, lambda: actions.reopen(actor=user_of(request), report=report, reason=reason)):
        messages.success(request, _("Report reopened."))
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def mark_missing(request: HttpRequest, code: str) -> HttpResponse:
    division: Division = get_visible_or_404(Division.objects.all(), request.user, code=code[:15])
    require(request, Perm.APPROVE_REPORT)
    day = _day(request, request.POST)
    reason = (request.POST.get("reason") or "")[:1000]
    if _run(
        request,
        lambda: actions.mark_missing(
            actor=user_of(request), division=division, day=day, reason=reason
        ),
    ):
        messages.success(request, _("Report marked missing."))
    return redirect(f"{_children_url()}?day={day.isoformat()}")


def _children_url() -> str:
    from django.urls import reverse

    return reverse("reports:children")


def _problem(request: HttpRequest, pk: int) -> Problem:
    problem: Problem = get_visible_or_404(
        Problem.objects.select_related("report"), request.user, pk=pk
    )
    return problem


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    require(request, Perm.APPROVE_REPORT)
    text = (request.POST.get("answer") or "")[:4000]
    if _run(
        request,
        lambda: actions.answer_problem(actor=user_of(request), problem=problem, answer=text),
    ):
        messages.success(request, _("Answer saved."))
    return redirect(problem.report.get_absolute_url())


@login_required
@require_POST
def pass_up(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    require(request, Perm.APPROVE_REPORT)
    if _run(request, lambda: actions.pass_up(actor=user_of(request), problem=problem)):
        messages.success(request, _("Problem passed up to the level above."))
    return redirect(problem.report.get_absolute_url())


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    """Completeness and timeliness per level of a day, and the submitted share over 30 days."""
    require(request, Perm.VIEW_REPORT)
    day = _day(request)
    trend = selectors.trend(day)
    return render(
        request,
        "reports/completeness.html",
        {
            "day": day,
            "rows": selectors.completeness_with_deadlines(day),
            "trend": trend,
            "chart": trend.chart(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deadlines(request: HttpRequest) -> HttpResponse:
    """The deadline of each level; the province's command office changes them."""
    require(request, Perm.VIEW_REPORT)
    user = user_of(request)
    can_change = user.has_perm(Perm.CONFIGURE_DEADLINES) and (
        user.home_division is not None and user.home_division.level == Level.PROVINCE
    )
    if request.method == "POST":
        require(request, Perm.CONFIGURE_DEADLINES)
        raw_level = (request.POST.get("level") or "").strip()
        level = (
            int(raw_level)
            if raw_level.isascii() and raw_level.isdigit() and len(raw_level) < 3
            else 0
        )
        time = (request.POST.get("time") or "")[:20]
        if _run(request, lambda: actions.set_deadline(actor=user, level=level, time=time)):
            messages.success(request, _("Deadline saved."))
            return redirect("reports:deadlines")
    return render(
        request,
        "reports/deadlines.html",
        {"deadlines": selectors.deadlines(), "can_change": can_change},
    )


@login_required
@require_http_methods(["GET", "POST"])
def summaries(request: HttpRequest) -> HttpResponse:
    """The daily summaries to the committee kept for my division (and below), newest first;
    the province's command office generates the day's (again, as a new version)."""
    require(request, Perm.VIEW_SUMMARY)
    user = user_of(request)
    home = _home(request)
    can_generate = user.has_perm(Perm.GENERATE_SUMMARY) and home.level in REPORTING_LEVELS
    if request.method == "POST":
        require(request, Perm.GENERATE_SUMMARY)
        day = _day(request, request.POST)
        row = _run(request, lambda: actions.generate_summary(actor=user, division=home, day=day))
        if row is not None:
            if row.pdf is None:
                messages.warning(request, row.pdf_error)
            messages.success(request, _("The summary of %(day)s is generated.") % {"day": day})
            return redirect("reports:summaries")
    page = selectors.summaries(user)
    return render(
        request,
        "reports/summaries.html",
        {
            "summaries": page,
            "can_generate": can_generate,
            "today": timezone.localdate(),
            "home": home,
        },
    )


@login_required
def summary_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """One kept summary as Word (docx) or PDF, as it was generated."""
    require(request, Perm.VIEW_SUMMARY)
    from fangkong.reports.models import Summary

    row: Summary = get_visible_or_404(Summary.objects.defer("docx", "pdf"), request.user, pk=pk)
    content = _run(
        request,
        lambda: actions.download_summary(actor=user_of(request), summary=row, fmt=fmt),
    )
    if content is None:
        return redirect("reports:summaries")
    kind = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if fmt == "docx"
        else "application/pdf"
    )
    response = HttpResponse(content, content_type=kind)
    name = f"summary-{row.division.code}-{row.day:%Y%m%d}-v{row.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
