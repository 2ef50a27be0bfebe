"""What the cases app adds to the shared lists (collected by ``core/discovery.py``): the labels
of its audit action codes, its entry in the page header, and the 2-hour clock and the suspected
cases awaiting results on the workbench's to-do list (``core/workbench.py``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.cases.permissions import CasesPerm
from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem

AUDIT_LABELS = {
    "cases.report": _("report a case"),
    "cases.confirm": _("confirm a case"),
    "cases.asymptomatic": _("reclassify a case as asymptomatic infection"),
    "cases.symptomatic": _("confirm an asymptomatic infection on symptoms"),
    "cases.exclude": _("exclude a case"),
    "cases.discharge": _("discharge a case"),
    "cases.death": _("record the death of a case"),
    "cases.national_report": _("mark a case reported to the national system"),
    "cases.sample": _("record a sample"),
    "cases.result": _("record a laboratory result"),
    "cases.severity": _("change the clinical severity of a case"),
    "cases.responsible": _("make the accepting facility responsible for a case"),
    "cases.admitted": _("record the admission of a case"),
}

# Keys of the changes the app's actions record that are no field of the audited model.
AUDIT_FIELDS = {
    "facility": _("reporting unit"),
}

MENU = [
    MenuItem(_("Cases"), "cases:list", CasesPerm.VIEW_CASE, weight=42, first={"other": 2}),
]


def _overdue(ctx: WorkContext) -> int:
    from fangkong.cases.selectors import overdue_cases

    return overdue_cases(ctx.user, ctx.now).count()


def _overdue_url(ctx: WorkContext) -> str:
    return f"{reverse('cases:list')}?overdue=on"


def _awaiting(ctx: WorkContext) -> int:
    from fangkong.cases.selectors import awaiting_results

    return awaiting_results(ctx.user).count()


def _awaiting_url(ctx: WorkContext) -> str:
    return f"{reverse('cases:list')}?awaiting=on"


WORKBENCH = [
    # heads the county command office's to-do list (urgency below every other item)
    WorkItem(
        "cases.overdue_command",
        _("Cases past the 2-hour clock"),
        _overdue,
        _overdue_url,
        (Profile.COMMAND,),
        CasesPerm.VIEW_CASE,
        urgency=1,
        hint=_("Not reported to the national system 2 hours after the diagnosis."),
    ),
    # the health commission (and whoever reports to the national system)
    WorkItem(
        "cases.overdue",
        _("Cases past the 2-hour clock"),
        _overdue,
        _overdue_url,
        (Profile.OTHER,),
        CasesPerm.MARK_REPORTED,
        urgency=1,
        hint=_("Report them to the national system and mark them reported."),
    ),
    WorkItem(
        "cases.awaiting_results",
        _("Suspected cases awaiting results"),
        _awaiting,
        _awaiting_url,
        (Profile.OTHER,),
        CasesPerm.MARK_REPORTED,
        urgency=25,
        hint=_("A sample was taken and its result is not in yet."),
    ),
]

# The fever clinic (cases/clinic_registry.py), one line each.
from fangkong.cases import clinic_registry  # noqa: E402

AUDIT_LABELS = {**AUDIT_LABELS, **clinic_registry.AUDIT_LABELS}
MENU += clinic_registry.MENU
WORKBENCH += clinic_registry.WORKBENCH
QUICK_ACTIONS = clinic_registry.QUICK_ACTIONS
