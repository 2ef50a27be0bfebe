"""What the reports app adds to the shared lists (collected by ``core/discovery.py``): its audit
labels, its menu entry, and the workbench entries "today's report not submitted" (the
submitter) and "children's reports waiting for review" (the parent)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.reports.permissions import ReportsPerm

AUDIT_LABELS = {
    "reports.draft_save": _("save a daily report draft"),
    "reports.submit": _("submit a daily report"),
    "reports.approve": _("approve a daily report"),
    "reports.return": _("return a daily report"),
    "reports.mark_missing": _("mark a daily report missing"),
    "reports.reopen": _("reopen a daily report"),
    "reports.problem_answer": _("answer a problem of a daily report"),
    "reports.problem_pass_up": _("pass a problem up to the level above"),
    "reports.deadline_set": _("set a daily report deadline"),
    "reports.summary_generate": _("generate the daily summary to the committee"),
    "reports.summary_download": _("download the daily summary to the committee"),
}

MENU = [
    MenuItem(
        _("Daily reports"),
        "reports:today",
        ReportsPerm.VIEW_REPORT,
        weight=87,
        first={"command": 4},
    )
]


def _not_submitted(ctx: WorkContext) -> int | None:
    from fangkong.reports.choices import REPORTING_LEVELS, State
    from fangkong.reports.models import DailyReport

    if ctx.home is None or ctx.home.level not in REPORTING_LEVELS:
        return None
    done = DailyReport.objects.filter(
        division=ctx.home,
        day=ctx.today,
        state__in=(State.SUBMITTED, State.APPROVED, State.MISSING),
    ).exists()
    return 0 if done else 1


def _waiting(ctx: WorkContext) -> int | None:
    from fangkong.reports.selectors import waiting_review

    if ctx.home is None or ctx.home.level >= 5:
        return None
    return waiting_review(ctx.user, ctx.today)


WORKBENCH = [
    WorkItem(
        "reports.not_submitted",
        _("Today's daily report not submitted"),
        _not_submitted,
        lambda ctx: reverse("reports:today"),
        (Profile.GRID, Profile.COMMAND),
        ReportsPerm.SUBMIT_REPORT,
        urgency=55,
        hint=_("Submit it before the deadline of your level."),
    ),
    WorkItem(
        "reports.waiting_review",
        _("Children's daily reports waiting for review"),
        _waiting,
        lambda ctx: reverse("reports:children"),
        (Profile.COMMAND,),
        ReportsPerm.APPROVE_REPORT,
        urgency=50,
        hint=_("Approve them or return them with a reason."),
    ),
]
