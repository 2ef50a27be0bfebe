"""What the command app adds to the shared lists: its audit labels, its menu entries and the
workbench's "directives waiting for my answer"."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.command.permissions import CommandPerm
from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem

AUDIT_LABELS = {
    "command.group_create": _("set up a leading group"),
    "command.group_update": _("change a leading group"),
    "command.working_group_add": _("add a working group"),
    "command.member_add": _("add a member to a leading group"),
    "command.member_end": _("end a leading group membership"),
    "command.responsibility_assign": _("assign a responsibility"),
    "command.responsibility_end": _("end a responsibility"),
    "command.secretary_set": _("record the secretary of a division"),
    "command.directive_issue": _("issue a directive"),
    "command.directive_acknowledge": _("acknowledge a directive"),
    "command.directive_progress": _("report progress on a directive"),
    "command.directive_complete": _("complete a directive"),
    "command.directive_pass_on": _("pass a directive on"),
    "command.directive_overdue": _("escalate an overdue directive"),
    "command.attachment_download": _("download a directive's attachment"),
    "command.directive_attach": _("attach files to a directive"),
    "command.venue_add": _("register a venue"),
    "command.venue_update": _("change a venue"),
    "command.closure_confirm": _("confirm a venue closed"),
    "command.closure_check": _("check a venue closed"),
    "command.closure_reopen": _("reopen venues"),
}

MENU = [
    MenuItem(_("Leading groups"), "command:groups", CommandPerm.VIEW_GROUP, weight=85),
    MenuItem(_("Directives"), "command:directives", CommandPerm.VIEW_DIRECTIVE, weight=86),
    MenuItem(_("Venues"), "command:venues", CommandPerm.VIEW_VENUE, weight=88),
]


def _waiting(ctx: WorkContext) -> int:
    from fangkong.command.selectors import waiting_count

    return waiting_count(ctx.user)


def _inbox_url(ctx: WorkContext) -> str:
    return reverse("command:directives") + "?tab=received"


def _to_close(ctx: WorkContext) -> int:
    from fangkong.command.choices import ClosureState
    from fangkong.command.selectors import open_closures

    return open_closures(ctx.user).filter(state=ClosureState.ORDERED).count()


def _venues_url(ctx: WorkContext) -> str:
    return reverse("command:venues")


WORKBENCH = [
    WorkItem(
        "command.directives",
        _("Directives waiting for our answer"),
        _waiting,
        _inbox_url,
        (Profile.GRID, Profile.COMMAND, Profile.OTHER),
        CommandPerm.ANSWER_DIRECTIVE,
        urgency=15,
        hint=_("Acknowledge, pass on or complete them before their deadline."),
    ),
    WorkItem(
        "command.closures",
        _("Venues to confirm closed"),
        _to_close,
        _venues_url,
        (Profile.GRID,),
        CommandPerm.CONFIRM_CLOSURE,
        urgency=25,
        hint=_("A closure order names them: check each is closed and confirm it."),
    ),
]
