"""Every write of the daily supervision report (工作督查日报告, issue #11): a division writes
and submits its own report of the day; the level directly above approves it or returns it with
a reason, marks a child missing; the level above (or higher) reopens an approved report with a
reason; the parent answers its children's problems or passes them up; the province's command
office sets the deadlines. Each action is audited in its transaction and keeps the day's
completeness (``ExpectedDay``) with ``F()`` updates; the submission never locks the parent's
report (1,000 submissions a minute before a deadline). Reminders before the deadline and the
escalation of missing reports after it run as tasks (``tasks.py``, ``fangkong remind_reports``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import clean_prose
from fangkong.notifications.models import Kind
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports.choices import (
    CLOSED_FOR_PARENT,
    DEFAULT_DEADLINES,
    EDITABLE,
    MAX_DAYS_BACK,
    MAX_ROWS,
    MAX_SHORT,
    MAX_TEXT,
    REPORTING_LEVELS,
    Doing,
    State,
)
from fangkong.reports.models import Arrangement, DailyReport, Deadline, ExpectedDay, Problem
from fangkong.reports.permissions import ReportsPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User

REMIND_BEFORE = dt.timedelta(hours=1)
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# --- small checks ------------------------------------------------------------------------------


def _perm(actor: User | None, perm: StrEnum) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise ActionError(
            _("Your role does not allow this on the daily reports."), code="not_allowed"
        )


def now_local(at: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(at or timezone.now())


def check_report_day(day: Any, *, at: dt.datetime | None = None, field: str = "day") -> dt.date:
    """The day of a report: today or one of the last ``MAX_DAYS_BACK`` days (local time of
    ``at``); a day in the future or older is refused."""
    value = check_date(day, field=field)
    if value is None:
        raise ActionError(_("Enter the day of the report."), code="day_required", field=field)
    today = now_local(at).date()
    if value > today:
        raise ActionError(
            _("A report cannot be written for a day in the future."),
            code="day_in_future",
            field=field,
        )
    if value < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise ActionError(
            _("The reports of days more than %(n)s days back are closed.") % {"n": MAX_DAYS_BACK},
            code="day_closed",
            field=field,
        )
    return value


def deadline_of(level: int, day: dt.date) -> dt.datetime:
    """The moment (aware, local time) by which the level's reports of ``day`` are due."""
    time = (
        Deadline.objects.filter(level=level).values_list("time", flat=True).first()
        or DEFAULT_DEADLINES[Level(level)]
    )
    return timezone.make_aware(dt.datetime.combine(day, time))


def _reporting_division(division: Division) -> Division:
    if division.level not in REPORTING_LEVELS:
        raise ActionError(
            _("Only divisions from the village up submit a daily report; grids do not."),
            code="not_reporting_level",
            field="division",
        )
    if not division.active:
        raise ActionError(
            _("%(division)s is retired: it submits no report.") % {"division": division.name},
            code="division_retired",
            field="division",
        )
    return division


def _own(actor: User | None, division: Division) -> None:
    """A division's report is written by its own users only (not by the level above)."""
    if actor is not None and actor.home_division_id != division.pk:
        raise ActionError(
            _("You can only write the report of your own division."),
            code="not_own_division",
            field="division",
        )


def _from_parent(actor: User | None, division: Division) -> None:
    """Reviews (approve, return, mark missing) are the level directly above's."""
    if actor is None:
        return
    ensure_in_scope(actor, division.path)
    if actor.home_division_id is None or actor.home_division_id != division.parent_id:
        raise ActionError(
            _("Only the level directly above %(division)s reviews its report.")
            % {"division": division.name},
            code="not_parent",
        )


# --- completeness (ExpectedDay) ----------------------------------------------------------------


def expected_counts() -> dict[int, int]:
    """Active divisions per reporting level, from the province's descendant counters (retired
    divisions are not counted): one query."""
    totals = Division.objects.filter(level=Level.PROVINCE, active=True).aggregate(
        prefectures=Sum("n_prefectures"),
        counties=Sum("n_counties"),
        townships=Sum("n_townships"),
        villages=Sum("n_villages"),
    )
    n_provinces = Division.objects.filter(level=Level.PROVINCE, active=True).count()
    return {
        Level.PROVINCE: n_provinces,
        Level.PREFECTURE: totals["prefectures"] or 0,
        Level.COUNTY: totals["counties"] or 0,
        Level.TOWNSHIP: totals["townships"] or 0,
        Level.VILLAGE: totals["villages"] or 0,
    }


def ensure_day(day: dt.date) -> None:
    """The five ``ExpectedDay`` rows of ``day`` (expected from the division counters)."""
    counts = expected_counts()
    ExpectedDay.objects.bulk_create(
        [ExpectedDay(level=level, day=day, expected=n) for level, n in counts.items()],
        ignore_conflicts=True,
    )


def _contribution(state: str, submitted_at: dt.datetime | None, late: bool) -> dict[str, int]:
    """What one report counts for in its level's ``ExpectedDay`` row."""
    if state == State.MISSING:
        return {"missing": 1}
    out: dict[str, int] = {}
    if submitted_at is not None and state in (State.SUBMITTED, State.APPROVED, State.RETURNED):
        out["submitted"] = 1
        out["late" if late else "on_time"] = 1
    if state == State.APPROVED:
        out["approved"] = 1
    return out


def _snapshot(report: DailyReport | None) -> dict[str, int]:
    if report is None or report.pk is None:
        return {}
    return _contribution(report.state, report.submitted_at, report.late)


def _count(level: int, day: dt.date, before: Mapping[str, int], after: Mapping[str, int]) -> None:
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in {*before, *after}}
    delta = {k: v for k, v in delta.items() if v}
    if not delta:
        return
    changes = {k: F(k) + v for k, v in delta.items()}
    if not ExpectedDay.objects.filter(level=level, day=day).update(**changes):
        ensure_day(day)
        ExpectedDay.objects.filter(level=level, day=day).update(**changes)


# --- the report's rows -------------------------------------------------------------------------


def _clean_arrangements(division: Division, rows: Iterable[Mapping[str, Any]]) -> list[Arrangement]:
    from fangkong.command.models import GroupMember

    rows = list(rows or [])
    if len(rows) > MAX_ROWS:
        raise ActionError(
            _("A report holds at most %(n)s rows.") % {"n": MAX_ROWS},
            code="too_many_rows",
            field="arrangements",
        )
    member_ids = {r.get("member_id") or r.get("member") for r in rows} - {None, ""}
    members: dict[int, GroupMember] = {}
    if member_ids:
        if not all(isinstance(m, int) and not isinstance(m, bool) for m in member_ids):
            raise ActionError(
                _("Choose a member of your leading group."), code="bad_member", field="arrangements"
            )
        members = {
            m.pk: m
            for m in GroupMember.objects.filter(
                pk__in=member_ids, group__division=division, left_on__isnull=True
            )
        }
        if len(members) != len(member_ids):
            raise ActionError(
                _("Choose a member of your leading group."), code="bad_member", field="arrangements"
            )
    out: list[Arrangement] = []
    for row in rows:
        member = members.get(row.get("member_id") or row.get("member") or 0)
        name = clean_prose(
            row.get("name") or (member.name if member else ""), field="arrangements", limit=50
        )
        where = clean_prose(row.get("where"), field="arrangements", limit=MAX_SHORT)
        note = clean_prose(row.get("note"), field="arrangements", limit=MAX_SHORT)
        doing = str(row.get("doing") or "")
        if not name and not where and not note and not doing:
            continue
        if not name:
            raise ActionError(
                _("Enter the name of each person in the arrangements."),
                code="arrangement_name_required",
                field="arrangements",
            )
        if doing not in Doing.values:
            raise ActionError(
                _("Choose what %(name)s is doing.") % {"name": name},
                code="bad_doing",
                field="arrangements",
            )
        out.append(Arrangement(member=member, name=name, where=where, doing=doing, note=note))
    return out


def _clean_problems(rows: Iterable[Mapping[str, Any]]) -> list[Problem]:
    rows = list(rows or [])
    if len(rows) > MAX_ROWS:
        raise ActionError(
            _("A report holds at most %(n)s rows.") % {"n": MAX_ROWS},
            code="too_many_rows",
            field="problems",
        )
    out: list[Problem] = []
    for row in rows:
        text = clean_prose(row.get("text"), field="problems", limit=MAX_TEXT)
        request = clean_prose(row.get("request"), field="problems", limit=MAX_TEXT)
        if not text and not request:
            continue
        if not text:
            raise ActionError(
                _("Describe the problem behind each request."),
                code="problem_text_required",
                field="problems",
            )
        out.append(Problem(text=text, request=request))
    return out


def _write_rows(
    report: DailyReport, arrangements: list[Arrangement], problems: list[Problem]
) -> None:
    report.arrangements.all().delete()
    # problems passed up by the children stay on the report
    report.problems.filter(passed_from__isnull=True).delete()
    for a in arrangements:
        a.report = report
    for p in problems:
        p.report = report
        p.division_path = report.division_path
    Arrangement.objects.bulk_create(arrangements)
    Problem.objects.bulk_create(problems)


def _users_with(perm: StrEnum, division_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[Any]:
    """Active users at these divisions holding ``perm`` (through a role or directly)."""
    from fangkong.accounts.models import User

    app, codename = str(perm).split(".", 1)
    held = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app,
    ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app)
    return (
        User.objects.filter(is_active=True, home_division_id__in=division_ids)
        .filter(held)
        .distinct()
    )


def _notify(users: Iterable[Any], *, title: str, report: DailyReport, body: str = "") -> None:
    from fangkong.notifications.actions import notify

    users = [u for u in users if u is not None]
    if users:
        notify(
            users, kind=Kind.REPORT_REVIEW, title=title, body=body, link=report.get_absolute_url()
        )


def _open_children(division: Division, day: dt.date) -> int:
    """How many active children have no approved or missing report of ``day``."""
    if division.level >= Level.VILLAGE:
        return 0
    n_children = Division.objects.filter(parent=division, active=True).count()
    # the path prefix keeps it on the (division_path, day) index whatever the statistics say
    closed = DailyReport.objects.filter(
        division_path__startswith=division.path,
        division__parent=division,
        division__active=True,
        day=day,
        state__in=CLOSED_FOR_PARENT,
    ).count()
    return max(n_children - closed, 0)


def _refuse_open_children(division: Division, day: dt.date, *, own: bool) -> None:
    n = _open_children(division, day)
    if not n:
        return
    if own:
        message = _(
            "%(n)s of your child divisions' reports are not approved or marked missing yet: "
            "approve them (or mark them missing) first."
        )
    else:
        message = _(
            "%(n)s of the child divisions' reports of %(division)s are not approved or marked "
            "missing: it cannot be approved yet."
        )
    raise ActionError(message % {"n": n, "division": division.name}, code="children_not_approved")


# --- writing and submitting --------------------------------------------------------------------


def _prepare(
    actor: User | None, division: Division, day: Any, at: dt.datetime | None
) -> tuple[Division, dt.date]:
    _perm(actor, ReportsPerm.SUBMIT_REPORT)
    division = Division.objects.get(pk=division.pk)
    _own(actor, division)
    ensure_in_scope(actor, division.path)
    _reporting_division(division)
    return division, check_report_day(day, at=at)


def _refuse_locked(report: DailyReport) -> None:
    if report.state == State.APPROVED:
        raise Conflict(
            _("This report is approved and locked; the level above can reopen it."),
            code="report_locked",
        )
    if report.state == State.SUBMITTED:
        raise Conflict(
            _("This report of the day has already been submitted and waits for review."),
            code="report_submitted",
        )
    if report.state == State.MISSING:
        raise Conflict(
            _("This report was marked missing by the level above; it can reopen it."),
            code="report_missing",
        )


def _get_or_new(division: Division, day: dt.date) -> DailyReport:
    report = DailyReport.objects.select_for_update().filter(division=division, day=day).first()
    if report is None:
        report = DailyReport(
            division=division, division_path=division.path, level=division.level, day=day
        )
    else:
        _refuse_locked(report)
    return report


def _save_new(report: DailyReport) -> None:
    if report.pk is not None:
        report.save()
        return
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(division)s already has a report for this day.")
            % {"division": report.division.name},
            code="report_exists",
        ) from exc


@transaction.atomic
def save_draft(
    *,
    actor: User | None,
    division: Division,
    day: dt.date,
    arrangements: Iterable[Mapping[str, Any]] = (),
    problems: Iterable[Mapping[str, Any]] = (),
    tomorrow_plan: str = "",
    at: dt.datetime | None = None,
) -> DailyReport:
    """Save the division's report of ``day`` without submitting it (draft, or a returned one
    being corrected)."""
    division, day = _prepare(actor, division, day, at)
    rows = _clean_arrangements(division, arrangements)
    issues = _clean_problems(problems)
    plan = clean_prose(tomorrow_plan, field="tomorrow_plan", limit=MAX_TEXT)
    report = _get_or_new(division, day)
    report.tomorrow_plan = plan
    _save_new(report)
    _write_rows(report, rows, issues)
    record(
        actor=actor,
        action="reports.draft_save",
        obj=report,
        division_path=report.division_path,
        changes={"arrangements": [None, len(rows)], "problems": [None, len(issues)]},
    )
    return report


@transaction.atomic
def submit_report(
    *,
    actor: User | None,
    division: Division,
    day: dt.date,
    arrangements: Iterable[Mapping[str, Any]] = (),
    problems: Iterable[Mapping[str, Any]] = (),
    tomorrow_plan: str = "",
    at: dt.datetime | None = None,
) -> DailyReport:
    """Submit the division's report of ``day`` (one per division and day). Late after the
    level's deadline, accepted and marked. A parent submits only when all its active children's
    reports are approved or marked missing. The figures are computed from the records now."""
    from fangkong.reports.figures import compute

    moment = at or timezone.now()
    division, day = _prepare(actor, division, day, moment)
    rows = _clean_arrangements(division, arrangements)
    issues = _clean_problems(problems)
    plan = clean_prose(tomorrow_plan, field="tomorrow_plan", limit=MAX_TEXT)
    report = _get_or_new(division, day)
    _refuse_open_children(division, day, own=True)
    before = _snapshot(report)
    first = report.submitted_at is None
    if first:
        report.late = moment > deadline_of(division.level, day)
    report.state = State.SUBMITTED
    report.submitted_at = moment
    report.submitted_by = actor
    report.tomorrow_plan = plan
    report.figures = compute(division, day)
    _save_new(report)
    _write_rows(report, rows, issues)
    _count(division.level, day, before, _snapshot(report))
    _resolve_missing(division, day)
    record(
        actor=actor,
        action="reports.submit",
        obj=report,
        division_path=report.division_path,
        changes={"state": [None, State.SUBMITTED], "late": [None, report.late]},
    )
    if division.parent_id is not None:
        _notify(
            _users_with(ReportsPerm.APPROVE_REPORT, [division.parent_id]),
            title=_("%(division)s submitted its report of %(day)s")
            % {"division": division.name, "day": day.isoformat()},
            report=report,
        )
    return report


# --- review by the level above -----------------------------------------------------------------


def _locked_report(report: DailyReport) -> DailyReport:
    return DailyReport.objects.select_for_update().select_related("division").get(pk=report.pk)


def _review(
    actor: User | None,
    report: DailyReport,
    state: str,
    at: dt.datetime | None,
    *,
    action: str,
    reason: str = "",
    **fields: str,
) -> None:
    """Move a report to ``state`` as reviewed by ``actor`` (with ``fields`` such as the
    reason), keep the day's counts and audit it."""
    before, old_state = _snapshot(report), report.state
    report.state = state
    report.reviewed_by = actor
    report.reviewed_at = at or timezone.now()
    for name, value in fields.items():
        setattr(report, name, value)
    report.save(update_fields=["state", *fields, "reviewed_by", "reviewed_at", "updated_at"])
    _count(report.level, report.day, before, _snapshot(report))
    record(
        actor=actor,
        action=action,
        obj=report,
        division_path=report.division_path,
        changes={"state": [old_state, state]},
        reason=reason,
    )


@transaction.atomic
def approve(
    *, actor: User | None, report: DailyReport, at: dt.datetime | None = None
) -> DailyReport:
    """The level directly above approves a submitted report; approval locks it. A report whose
    own children are not all approved or marked missing cannot be approved."""
    _perm(actor, ReportsPerm.APPROVE_REPORT)
    report = _locked_report(report)
    _from_parent(actor, report.division)
    if report.state != State.SUBMITTED:
        raise Conflict(_("Only a submitted report can be approved."), code="not_submitted")
    _refuse_open_children(report.division, report.day, own=False)
    _review(actor, report, State.APPROVED, at, action="reports.approve")
    _notify(
        [report.submitted_by],
        title=_("Your report of %(day)s is approved") % {"day": report.day.isoformat()},
        report=report,
    )
    return report


@transaction.atomic
def return_report(
    *, actor: User | None, report: DailyReport, reason: str, at: dt.datetime | None = None
) -> DailyReport:
    """The level directly above returns a submitted report with a reason, to be corrected and
    submitted again."""
    _perm(actor, ReportsPerm.APPROVE_REPORT)
    clean = clean_prose(
        reason, field="reason", limit=MAX_SHORT, required=_("Say why the report is returned.")
    )
    report = _locked_report(report)
    _from_parent(actor, report.division)
    if report.state != State.SUBMITTED:
        raise Conflict(_("Only a submitted report can be returned."), code="not_submitted")
    _review(
        actor,
        report,
        State.RETURNED,
        at,
        action="reports.return",
        reason=clean,
        return_reason=clean,
    )
    _notify(
        [report.submitted_by],
        title=_("Your report of %(day)s was returned") % {"day": report.day.isoformat()},
        body=clean,
        report=report,
    )
    return report


@transaction.atomic
def mark_missing(
    *,
    actor: User | None,
    division: Division,
    day: dt.date,
    reason: str,
    at: dt.datetime | None = None,
) -> DailyReport:
    """The level directly above marks a child's report of ``day`` missing (none submitted, or a
    returned one not corrected), with a reason, so that it can submit its own."""
    _perm(actor, ReportsPerm.APPROVE_REPORT)
    division = Division.objects.get(pk=division.pk)
    _from_parent(actor, division)
    _reporting_division(division)
    day = check_report_day(day, at=at)
    clean = clean_prose(
        reason, field="reason", limit=MAX_SHORT, required=_("Say why the report is missing.")
    )
    report = DailyReport.objects.select_for_update().filter(division=division, day=day).first()
    if report is not None and report.state not in EDITABLE:
        raise Conflict(
            _("Only a report not submitted (or returned) can be marked missing."),
            code="not_missing",
        )
    if report is None:
        report = DailyReport(
            division=division, division_path=division.path, level=division.level, day=day
        )
    before = _snapshot(report)
    old_state = report.state
    report.state = State.MISSING
    report.missing_reason = clean
    report.reviewed_by = actor
    report.reviewed_at = at or timezone.now()
    _save_new(report)
    _count(division.level, day, before, _snapshot(report))
    _resolve_missing(division, day)
    record(
        actor=actor,
        action="reports.mark_missing",
        obj=report,
        division_path=report.division_path,
        changes={"state": [old_state, State.MISSING]},
        reason=clean,
    )
    _notify(
        _users_with(ReportsPerm.SUBMIT_REPORT, [division.pk]),
        title=_("Your report of %(day)s was marked missing") % {"day": day.isoformat()},
        body=clean,
        report=report,
    )
    return report


@transaction.atomic
def reopen(
    *, actor: User | None, report: DailyReport, reason: str, at: dt.datetime | None = None
) -> DailyReport:
    """The level above (or higher) reopens an approved or missing report with a reason: it goes
    back to returned, to be corrected and submitted again. The parent's own report of the day
    must not be submitted or approved (reopen that one first)."""
    _perm(actor, ReportsPerm.APPROVE_REPORT)
    clean = clean_prose(
        reason, field="reason", limit=MAX_SHORT, required=_("Say why the report is reopened.")
    )
    report = _locked_report(report)
    if actor is not None:
        ensure_in_scope(actor, report.division_path)
        home = actor.home_division_path or ""
        if not home or home == report.division_path or not report.division_path.startswith(home):
            raise ActionError(
                _("Only a level above %(division)s can reopen its report.")
                % {"division": report.division.name},
                code="not_above",
            )
    if report.state not in (State.APPROVED, State.MISSING):
        raise Conflict(
            _("Only an approved report or one marked missing can be reopened."),
            code="not_approved",
        )
    parent_locked = (
        report.division.parent_id is not None
        and DailyReport.objects.filter(
            division_id=report.division.parent_id,
            day=report.day,
            state__in=(State.SUBMITTED, State.APPROVED),
        ).exists()
    )
    if parent_locked:
        raise Conflict(
            _("The report of the level above is submitted for this day: reopen that one first."),
            code="parent_locked",
        )
    _review(
        actor,
        report,
        State.RETURNED,
        at,
        action="reports.reopen",
        reason=clean,
        reopen_reason=clean,
    )
    _notify(
        _users_with(ReportsPerm.SUBMIT_REPORT, [report.division_id]),
        title=_("Your report of %(day)s was reopened") % {"day": report.day.isoformat()},
        body=clean,
        report=report,
    )
    return report


# --- problems ----------------------------------------------------------------------------------


def _problem_for_parent(actor: User | None, problem: Problem) -> Problem:
    problem = (
        Problem.objects.select_for_update().select_related("report__division").get(pk=problem.pk)
    )
    _perm(actor, ReportsPerm.APPROVE_REPORT)
    _from_parent(actor, problem.report.division)
    if problem.passed_to_id is not None:
        raise Conflict(_("This problem has already been passed up."), code="passed_up")
    return problem


@transaction.atomic
def answer_problem(*, actor: User | None, problem: Problem, answer: str) -> Problem:
    """The level directly above answers a child's problem (or changes its answer)."""
    clean = clean_prose(answer, field="answer", limit=MAX_TEXT, required=_("Enter the answer."))
    problem = _problem_for_parent(actor, problem)
    old = problem.answer
    problem.answer = clean
    problem.answered_by = actor
    problem.answered_at = timezone.now()
    problem.save(update_fields=["answer", "answered_by", "answered_at"])
    record(
        actor=actor,
        action="reports.problem_answer",
        obj=problem,
        division_path=problem.division_path,
        changes={"answer": [old or None, clean]},
    )
    _notify(
        [problem.report.submitted_by],
        title=_("Your problem of %(day)s was answered") % {"day": problem.report.day.isoformat()},
        body=clean,
        report=problem.report,
    )
    return problem


@transaction.atomic
def pass_up(*, actor: User | None, problem: Problem) -> Problem:
    """The level directly above passes a child's problem on to its own report of the day (a
    copy, linked), to be answered higher up. Its own report must still be open for writing."""
    problem = _problem_for_parent(actor, problem)
    parent = problem.report.division.parent
    if parent is None:  # pragma: no cover - the province has no parent to be reviewed by
        raise ActionError(_("There is no level above."), code="no_parent")
    own = DailyReport.objects.select_for_update().filter(division=parent, day=problem.report.day)
    report = own.first()
    if report is None:
        report = DailyReport(
            division=parent, division_path=parent.path, level=parent.level, day=problem.report.day
        )
        _save_new(report)
    else:
        _refuse_locked(report)
    copy = Problem.objects.create(
        report=report,
        division_path=report.division_path,
        text=f"【{problem.report.division.name}】{problem.text}",
        request=problem.request,
    )
    problem.passed_to = copy
    problem.save(update_fields=["passed_to"])
    record(
        actor=actor,
        action="reports.problem_pass_up",
        obj=problem,
        division_path=problem.division_path,
        changes={"passed_to": [None, copy.pk]},
    )
    return problem


# --- deadlines ---------------------------------------------------------------------------------


def parse_deadline(value: Any, *, field: str = "time") -> dt.time:
    """``HH:MM`` between 00:00 and 23:59 (a ``datetime.time`` passes as is, to the minute)."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    match = HHMM.match(str(value or "").strip())
    if match is None:
        raise ActionError(
            _("Enter the deadline as HH:MM, between 00:00 and 23:59."),
            code="bad_deadline",
            field=field,
        )
    return dt.time(int(match.group(1)), int(match.group(2)))


@transaction.atomic
def set_deadline(*, actor: User | None, level: int, time: Any) -> Deadline:
    """The province's command office sets the deadline of one level. A deadline already past
    today is allowed (today's later reports are late); a level's deadline cannot fall after
    the one of the level above (a parent submits after its children are approved)."""
    _perm(actor, ReportsPerm.CONFIGURE_DEADLINES)
    if actor is not None and (
        actor.home_division is None or actor.home_division.level != Level.PROVINCE
    ):
        raise ActionError(
            _("Only the province's command office sets the deadlines."), code="not_province"
        )
    if level not in REPORTING_LEVELS:
        raise ActionError(_("Choose a level from the village up."), code="bad_level", field="level")
    clean = parse_deadline(time)
    current: dict[int, dt.time] = {**DEFAULT_DEADLINES}
    current.update(Deadline.objects.select_for_update().values_list("level", "time"))
    above = current.get(level - 1) if level > Level.PROVINCE else None
    below = current.get(level + 1) if level < Level.VILLAGE else None
    if above is not None and clean > above:
        raise ActionError(
            _("This deadline cannot be later than the one of the level above (%(t)s).")
            % {"t": above.strftime("%H:%M")},
            code="deadline_after_parent",
            field="time",
        )
    if below is not None and clean < below:
        raise ActionError(
            _("This deadline cannot be earlier than the one of the level below (%(t)s).")
            % {"t": below.strftime("%H:%M")},
            code="deadline_before_child",
            field="time",
        )
    deadline, _created = Deadline.objects.get_or_create(level=level, defaults={"time": clean})
    old = current.get(level)
    deadline.time = clean
    deadline.updated_by = actor
    deadline.save()
    record(
        actor=actor,
        action="reports.deadline_set",
        obj=deadline,
        changes={"time": [old.strftime("%H:%M") if old else None, clean.strftime("%H:%M")]},
    )
    return deadline


# --- reminders and escalations (tasks) ---------------------------------------------------------


def _not_submitted(level: int, day: dt.date) -> QuerySet[Division]:
    """Active divisions of ``level`` without a submitted, approved or missing report of ``day``:
    one query."""
    done = DailyReport.objects.filter(
        day=day, level=level, state__in=(State.SUBMITTED, State.APPROVED, State.MISSING)
    ).values("division_id")
    return Division.objects.filter(level=level, active=True).exclude(pk__in=done)


def _deadlines(day: dt.date) -> dict[int, dt.datetime]:
    times = dict(DEFAULT_DEADLINES) | dict(Deadline.objects.values_list("level", "time"))
    return {
        level: timezone.make_aware(dt.datetime.combine(day, times[level]))
        for level in REPORTING_LEVELS
    }


def remind_unsubmitted(now: dt.datetime | None = None, within: dt.timedelta = REMIND_BEFORE) -> int:
    """Remind the users of the divisions that have not submitted today's report, for each level
    whose deadline comes within ``within``. Once per division and day (the notification key).
    Returns how many divisions were reminded."""
    from fangkong.notifications.actions import notify

    moment = now_local(now)
    day = moment.date()
    reminded = 0
    for level, due in _deadlines(day).items():
        if not (moment < due <= moment + within):
            continue
        pending = _not_submitted(level, day)
        by_division: dict[int, list[Any]] = defaultdict(list)
        users = _users_with(ReportsPerm.SUBMIT_REPORT, pending.values("pk"))
        for user in users:
            by_division[user.home_division_id].append(user)
        for division_id, recipients in by_division.items():
            with transaction.atomic():
                notify(
                    recipients,
                    kind=Kind.REPORT_REMINDER,
                    title=_("Today's daily report is due at %(time)s")
                    % {"time": timezone.localtime(due).strftime("%H:%M")},
                    link="/reports/",
                    key=f"report-reminder-{division_id}-{day.isoformat()}",
                )
            reminded += 1
    return reminded


def missing_key(division: Division, day: dt.date) -> str:
    """The key of the escalation of a division's missing report of a day."""
    return f"report-{division.pk}-{day.isoformat()}-missing"


def _resolve_missing(division: Division, day: dt.date) -> None:
    from fangkong.notifications.escalation import resolve_escalation

    resolve_escalation(missing_key(division, day))


def escalate_missing(now: dt.datetime | None = None) -> int:
    """After each level's deadline today, escalate every active division of that level that has
    not submitted (one query per level) to its responsible leaders and on up
    (``notifications.escalation.open_escalation``: the level above hears of it while it stays
    open), once per division and day; submitting or being marked missing resolves it. Returns
    how many."""
    from fangkong.notifications.escalation import open_escalation

    moment = now_local(now)
    day = moment.date()
    escalated = 0
    for level, due in _deadlines(day).items():
        if moment <= due:
            continue
        for division in _not_submitted(level, day).order_by("path"):
            with transaction.atomic():
                open_escalation(
                    division,
                    field="",
                    kind=Kind.ESCALATION,
                    title=_("%(division)s has not submitted its daily report of %(day)s")
                    % {"division": division.name, "day": day.isoformat()},
                    link="/reports/children/",
                    key=missing_key(division, day),
                    source="reports.missing",
                    now=now,
                )
            escalated += 1
    return escalated


# --- the daily summary to the committee -------------------------------------------------------


def _summary_inputs(division: Division, day: dt.date) -> dict[str, Any]:
    """What the summary shows besides the figures: the open problems of the children's
    reports, the directives the division issued that day with how many recipients are done,
    and the day's completeness per level."""
    from django.db.models import Count

    from fangkong.command.choices import RecipientState
    from fangkong.command.models import Directive, LeadingGroup
    from fangkong.reports import selectors, summary

    problems = [
        summary.ProblemRow(p.report.division.name, p.text)
        for p in selectors.children_problems(division, day).filter(answer="")[:20]
    ]
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    directives = [
        summary.DirectiveRow(title, recipients, done)
        for title, recipients, done in Directive.objects.filter(
            division=division, issued_at__gte=start, issued_at__lt=start + dt.timedelta(days=1)
        )
        .annotate(done=Count("recipients", filter=Q(recipients__state=RecipientState.DONE)))
        .order_by("issued_at")
        .values_list("title", "recipient_count", "done")[:20]
    ]
    levels = selectors.completeness(day)
    completeness = "；".join(
        _("%(level)s: %(submitted)s of %(expected)s submitted (%(late)s late), %(missing)s missing")
        % {
            "level": Level(r.level).label,
            "submitted": r.submitted,
            "expected": r.expected,
            "late": r.late,
            "missing": r.missing,
        }
        for r in levels
        if r.expected
    )
    group = LeadingGroup.objects.filter(division=division).first()
    office = (group.office_name if group else "") or _(
        "%(division)s epidemic prevention and control command office"
    ) % {"division": division.name}
    return {
        "problems": problems,
        "directives": directives,
        "completeness": completeness,
        "issuing_office": office,
    }


def generate_summary(*, actor: User | None, division: Division, day: dt.date | None = None) -> Any:
    """Generate the daily summary of ``division`` (the province, or any division whose command
    office reports to a committee) for ``day``: the Word document and, when LibreOffice is
    installed, its PDF, kept as a new version of the day's summary under the day's document
    number. Audited. The day cannot be in the future nor more than 60 days back."""
    from fangkong.reports import summary
    from fangkong.reports.models import Summary

    division = Division.objects.get(pk=division.pk)
    ensure_in_scope(actor, division.path)
    if division.level not in REPORTING_LEVELS:
        raise ActionError(
            _("Only a division from the village up has a daily summary."),
            code="bad_division",
            field="division",
        )
    today = timezone.localdate()
    day = check_date(day, field="day") or today
    if day > today or day < today - dt.timedelta(days=60):
        raise ActionError(_("Choose a day of the last 60 days."), code="bad_day", field="day")
    previous = Summary.objects.filter(division=division, day=day).order_by("-version").first()
    if previous is not None:
        number = previous.document_number
    else:
        serial = (
            Summary.objects.filter(division=division, day__year=day.year)
            .values("day")
            .distinct()
            .count()
            + 1
        )
        # 发文字号: the province's short name, 防指, the year, the serial of the year's days
        number = f"{division.name[:1]}防指〔{day.year}〕{serial}号"
    inputs = _summary_inputs(division, day)
    data = summary.summary_data(
        division,
        day,
        document_number=str(number),
        addressee=_("%(division)s Party committee:") % {"division": division.name},
        **inputs,
    )
    docx = summary.render_docx(data)
    pdf: bytes | None = None
    pdf_error = ""
    try:
        pdf = summary.render_pdf(docx)
    except summary.PdfUnavailable as exc:
        pdf_error = str(exc.message)[:200]
    with transaction.atomic():
        version = (previous.version + 1) if previous is not None else 1
        row = Summary.objects.create(
            division=division,
            division_path=division.path,
            day=day,
            version=version,
            document_number=str(number),
            title=data.title[:200],
            docx=docx,
            pdf=pdf,
            pdf_error=pdf_error,
            generated_by=actor,
        )
        record(
            actor=actor,
            action="reports.summary_generate",
            obj=row,
            division_path=division.path,
            changes={"day": [None, day.isoformat()], "version": [None, version]},
        )
    return row


def download_summary(*, actor: User | None, summary: Any, fmt: str) -> bytes:
    """The kept document of a summary, ``docx`` or ``pdf``; audited (who took which copy)."""
    ensure_in_scope(actor, summary.division_path)
    if fmt not in ("docx", "pdf"):
        raise ActionError(_("Choose docx or pdf."), code="bad_format", field="format")
    content = summary.docx if fmt == "docx" else summary.pdf
    if content is None:
        raise ActionError(
            _("This summary has no PDF: %(why)s") % {"why": summary.pdf_error or "—"},
            code="no_pdf",
            field="format",
        )
    with transaction.atomic():
        record(
            actor=actor,
            action="reports.summary_download",
            obj=summary,
            division_path=summary.division_path,
            changes={"format": [None, fmt]},
        )
    return bytes(content)
