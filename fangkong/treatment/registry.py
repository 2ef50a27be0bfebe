"""What the treatment app adds to the shared lists: audit labels, menu entries, the to-do items
of the receiving facility and of the orderer, and its part of the case's course (when a case
leaves care its stay ends and the bed is free)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.treatment.choices import ACCEPT_HOURS
from fangkong.treatment.permissions import TreatmentPerm

AUDIT_LABELS = {
    "treatment.order": _("order an admission or a transfer"),
    "treatment.accept": _("accept a patient"),
    "treatment.refuse": _("refuse a patient"),
    "treatment.cancel": _("cancel an admission or transfer order"),
    "treatment.transport": _("record the transport of a patient"),
    "treatment.arrive": _("admit an arriving patient to the bed"),
    "treatment.stay_end": _("end a patient's stay in a ward"),
    "treatment.policy": _("set the admission policy"),
    "treatment.plan_propose": _("propose an allocation of waiting patients"),
    "treatment.plan_confirm": _("confirm an allocation plan"),
    "treatment.plan_discard": _("discard an allocation plan"),
    "treatment.bed_repair": _("set a ward's bed counts to its stays"),
}

AUDIT_FIELDS = {
    "case": _("case"),
    "from": _("leaves from"),
    "to": _("goes to"),
    "reason": _("reason"),
    "end": _("left by"),
    "waiting": _("waiting patients"),
    "placed": _("placed"),
    "total_km": _("total distance (km)"),
    "greedy_km": _("nearest free bed first (km)"),
    "orders": _("orders"),
    "failed": _("not placed"),
}

MENU = [
    MenuItem(
        _("Admissions and transfers"), "treatment:orders", TreatmentPerm.VIEW_ORDER, weight=78
    ),
]


def _end_treatment(case: Any, end: str, actor: Any) -> None:
    from fangkong.treatment.actions import end_treatment

    end_treatment(case, end, actor)


# cases.actions calls these when a case is discharged, dies or is excluded
ON_CASE_CLOSED = [_end_treatment]


def _incoming(ctx: WorkContext) -> int:
    from fangkong.treatment.selectors import orders

    return orders(ctx.user, state="requested", side="in").count()


def _incoming_url(ctx: WorkContext) -> str:
    return f"{reverse('treatment:orders')}?side=in&state=requested"


def _unanswered(ctx: WorkContext) -> int:
    from fangkong.treatment.selectors import orders

    before = ctx.now - dt.timedelta(hours=ACCEPT_HOURS)
    return orders(ctx.user, side="out", overdue_before=before).count()


def _unanswered_url(ctx: WorkContext) -> str:
    return f"{reverse('treatment:orders')}?side=out&overdue=on"


def _waiting(ctx: WorkContext) -> int:
    from fangkong.treatment.selectors import waiting

    return waiting(ctx.user).count()


def _waiting_url(ctx: WorkContext) -> str:
    return reverse("treatment:waiting")


WORKBENCH = [
    WorkItem(
        "treatment.incoming",
        _("Patients to accept or refuse"),
        _incoming,
        _incoming_url,
        (Profile.OTHER,),
        TreatmentPerm.RECEIVE_ORDER,
        urgency=3,
        hint=_("Another facility or the health commission sends you a patient."),
    ),
    WorkItem(
        "treatment.unanswered",
        _("Orders not answered in 2 hours"),
        _unanswered,
        _unanswered_url,
        (Profile.OTHER,),
        TreatmentPerm.ADD_ORDER,
        urgency=4,
        hint=_("Call the receiving facility, or cancel and choose another bed."),
    ),
    WorkItem(
        "treatment.waiting",
        _("Patients waiting for a bed"),
        _waiting,
        _waiting_url,
        (Profile.OTHER,),
        TreatmentPerm.ADD_ORDER,
        urgency=6,
        hint=_("Isolated where found and not yet admitted: admit them one by one or by a plan."),
    ),
]
