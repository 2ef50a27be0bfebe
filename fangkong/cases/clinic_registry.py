"""What first diagnosis (the fever clinic) adds to the shared lists; the lead merges these into
``cases/registry.py``: audit labels, the menu entry, the workbench entries (the grid's and the
county's referrals not arrived; the clinic's day) and the clinic's big button."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.cases.permissions import CasesPerm
from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, QuickAction, WorkContext, WorkItem
from fangkong.screening.permissions import ScreeningPerm

AUDIT_LABELS = {
    "cases.visit": _("register a patient at a fever clinic"),
    "cases.visit_decide": _("record the doctor's decision at a fever clinic"),
}

MENU = [
    MenuItem(
        _("Fever clinic"),
        "cases:visit_list",
        CasesPerm.VIEW_CLINICVISIT,
        weight=45,
        first={"other": 1},
    )
]


def _referrals(state: str) -> Callable[[WorkContext], str]:
    return lambda ctx: f"{reverse('cases:referrals')}?state={state}"


def _visits(query: str) -> Callable[[WorkContext], str]:
    return lambda ctx: f"{reverse('cases:visit_list')}?{query}"


def _count(state: str) -> Callable[[WorkContext], int]:
    def count(ctx: WorkContext) -> int:
        from fangkong.cases.clinic_selectors import count_referrals

        return count_referrals(ctx.user, state, ctx.now)

    return count


def _waiting(ctx: WorkContext) -> int:
    from fangkong.cases.clinic_selectors import waiting_decision

    return waiting_decision(ctx.user).count()


CLINIC = (Profile.OTHER,)
WORKBENCH = [
    # the grid's and the county's: referred people who never arrived at a clinic
    WorkItem(
        "cases.referral_missing",
        _("Referrals not arrived (over 24 hours)"),
        _count("missing"),
        _referrals("missing"),
        (Profile.GRID, Profile.COMMAND),
        ScreeningPerm.VIEW_SCREENING,
        urgency=15,
        hint=_("Call the person and see that they reach a fever clinic."),
    ),
    # the fever clinic's day ("suspected cases awaiting results" is cases/registry.py's
    # ``cases.awaiting_results``, which the clinic sees too)
    WorkItem(
        "cases.visit_waiting",
        _("Patients waiting for the doctor's decision"),
        _waiting,
        _visits("decision=pending"),
        CLINIC,
        CasesPerm.CHANGE_CLINICVISIT,
        urgency=11,
        hint=_("Decide: home observation, suspected case, or no risk."),
    ),
    WorkItem(
        "cases.referral_expected",
        _("Referrals expected today"),
        _count("expected"),
        _referrals("expected"),
        CLINIC,
        CasesPerm.ADD_CLINICVISIT,
        urgency=12,
        hint=_("Referred in the last 24 hours and not yet seen."),
    ),
    WorkItem(
        "cases.referral_clinic_missing",
        _("Referrals not arrived (over 24 hours)"),
        _count("missing"),
        _referrals("missing"),
        CLINIC,
        CasesPerm.ADD_CLINICVISIT,
        urgency=13,
        hint=_("Tell the grid, which calls the person."),
    ),
    WorkItem(
        "cases.referral_arrived",
        _("Referrals arrived today"),
        _count("arrived"),
        _referrals("arrived"),
        CLINIC,
        CasesPerm.ADD_CLINICVISIT,
        urgency=16,
        hint=_("Referred patients registered today."),
    ),
]

QUICK_ACTIONS = [
    QuickAction(_("Register a patient"), "cases:visit_new", CLINIC, CasesPerm.ADD_CLINICVISIT, 10)
]
