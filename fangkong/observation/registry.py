"""What the observation app adds to the shared lists (collected by ``core/discovery.py``):
the labels of its audit action codes, its entries in the page header, its to-do entries and the
check-in button of the workbench (``core/workbench.py``)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, QuickAction, WorkContext, WorkItem
from fangkong.observation.permissions import ObservationPerm

AUDIT_LABELS = {
    "observation.start": _("start medical observation"),
    "observation.check_in": _("record an observation check-in"),
    "observation.check_in_batch": _("upload observation check-ins"),
    "observation.release": _("release from medical observation"),
    "observation.refer": _("refer from observation to a fever clinic"),
    "observation.case": _("end observation as a case"),
    "observation.rotate_link": _("replace the personal check-in link"),
}

MENU = [
    MenuItem(
        _("Observation"),
        "observation:list",
        ObservationPerm.VIEW_OBSERVATION,
        weight=40,
        first={"grid": 2, "command": 3},
    )
]


def _list(query: str) -> Callable[[WorkContext], str]:
    return lambda ctx: f"{reverse('observation:list')}?{query}"


def _fever(ctx: WorkContext) -> int:
    from fangkong.observation.selectors import with_fever

    return with_fever(ctx.user).count()


def _missed(ctx: WorkContext) -> int:
    from fangkong.observation.selectors import missed_check_ins

    return missed_check_ins(ctx.user, now=ctx.now).count()


def _due(ctx: WorkContext) -> int:
    from fangkong.observation.selectors import release_due

    return release_due(ctx.user, ctx.today).count()


ON_THE_SPOT = (Profile.GRID,)
WORKBENCH = [
    WorkItem(
        "observation.fever",
        _("Fever at the last check-in"),
        _fever,
        _list("fever=on"),
        ON_THE_SPOT,
        ObservationPerm.VIEW_OBSERVATION,
        urgency=10,
        hint=_("Measure again, or refer to a fever clinic."),
    ),
    WorkItem(
        "observation.missed",
        _("Check-ins missed"),
        _missed,
        _list("missed=on"),
        ON_THE_SPOT,
        ObservationPerm.ADD_CHECKIN,
        urgency=20,
        hint=_("Call or visit, and record the check-in."),
    ),
    WorkItem(
        "observation.due",
        _("Observation period over"),
        _due,
        _list("due=on"),
        ON_THE_SPOT,
        ObservationPerm.CHANGE_OBSERVATION,
        urgency=50,
        hint=_("Release those without symptoms from observation."),
    ),
]

QUICK_ACTIONS = [
    QuickAction(
        _("Check-in"),
        "observation:list",
        ON_THE_SPOT,
        ObservationPerm.ADD_CHECKIN,
        weight=20,
    ),
]
