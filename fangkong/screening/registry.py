"""What the screening app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes, its entries in the page header, and on the workbench
(``core/workbench.py``) the new-screening button and today's fevers found."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, QuickAction, WorkContext, WorkItem
from fangkong.screening.permissions import ScreeningPerm

AUDIT_LABELS = {
    "screening.create": _("register a screening"),
    "screening.import": _("import screenings from a file"),
    "person.status": _("change a person's status"),
    "key_area.declare": _("declare a key area"),
    "key_area.end": _("end a key area"),
}

MENU = [
    MenuItem(
        _("Screening"), "screening:list", ScreeningPerm.VIEW_SCREENING, weight=30, first={"grid": 1}
    )
]


def _fevers_today(ctx: WorkContext) -> int:
    from fangkong.screening.choices import Outcome
    from fangkong.screening.models import Screening

    today = Screening.objects.visible_to(ctx.user).filter(screened_on=ctx.today)
    return today.filter(outcome=Outcome.FEVER_CLINIC).count()


def _fevers_url(ctx: WorkContext) -> str:
    day = ctx.today.isoformat()
    return f"{reverse('screening:list')}?outcome=fever_clinic&date_from={day}&date_to={day}"


WORKBENCH = [
    WorkItem(
        "screening.fever",
        _("Fevers found in today's screening"),
        _fevers_today,
        _fevers_url,
        (Profile.GRID,),
        ScreeningPerm.VIEW_SCREENING,
        urgency=15,
        hint=_("Make sure each has reached the fever clinic."),
    ),
]

QUICK_ACTIONS = [
    QuickAction(
        _("New screening"),
        "screening:new",
        (Profile.GRID,),
        ScreeningPerm.ADD_SCREENING,
        weight=10,
    ),
]
