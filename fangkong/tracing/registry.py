"""What the tracing app adds to the shared lists (collected by ``core/discovery.py``): the
labels of its audit action codes, its menu entry, its workbench items, and the hook the cases
app runs when a case is reported (``ON_CASE_REPORTED``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.tracing.actions import link_case_to_contacts
from fangkong.tracing.permissions import TracingPerm

AUDIT_LABELS = {
    "contact.add": _("add a close contact"),
    "contact.import": _("import contacts from a file"),
    "contact.find": _("record a contact as found"),
    "contact.observe": _("start a contact's centralized observation"),
    "contact.lost": _("record a contact as not found"),
    "contact.became_case": _("link a contact to the case they became"),
    "handover.send": _("hand a contact over to another county"),
    "handover.receive": _("receive a contact handed over"),
    "handover.accept": _("accept a contact handed over"),
    "handover.found": _("record a handed-over contact as found"),
    "handover.observe": _("start a handed-over contact's observation"),
    "handover.not_found": _("record a handed-over contact as not found"),
    "handover.escalate": _("escalate hand-overs not accepted in time"),
}

MENU = [
    MenuItem(
        _("Contact tracing"),
        "tracing:list",
        TracingPerm.VIEW_CONTACT,
        weight=46,
        first={"other": 2},
    )
]

ON_CASE_REPORTED = [link_case_to_contacts]


def _not_found(ctx: WorkContext) -> int:
    from fangkong.tracing.selectors import not_found_yet

    return not_found_yet(ctx.user).count()


def _not_accepted(ctx: WorkContext) -> int:
    from fangkong.tracing.selectors import not_accepted

    return not_accepted(ctx.user).count()


def _escalated(ctx: WorkContext) -> int:
    from fangkong.tracing.selectors import escalated_to

    return escalated_to(ctx.home).count()


WORKBENCH = [
    WorkItem(
        "tracing.not_found",
        _("Contacts not yet found"),
        _not_found,
        lambda ctx: f"{reverse('tracing:list')}?status=to_find",
        (Profile.OTHER,),
        TracingPerm.VIEW_CONTACT,
        urgency=14,
        hint=_("Find them, register them and start their observation."),
    ),
    WorkItem(
        "tracing.not_accepted",
        _("Contacts handed over to you, not accepted"),
        _not_accepted,
        lambda ctx: f"{reverse('tracing:handovers')}?direction=in&state=sent",
        (Profile.OTHER, Profile.COMMAND),
        TracingPerm.VIEW_HANDOVER,
        urgency=12,
        hint=_("Accept within 2 hours, or they go to the common parent."),
    ),
    WorkItem(
        "tracing.escalated",
        _("Hand-overs escalated to you"),
        _escalated,
        lambda ctx: f"{reverse('tracing:handovers')}?direction=escalated",
        (Profile.COMMAND,),
        TracingPerm.VIEW_HANDOVER,
        urgency=13,
        hint=_("Not accepted within 2 hours: press the receiving county to accept them."),
    ),
]
