"""What the signal part of early warning adds to the shared lists: its audit labels, the
signals' menu entry and the command office's workbench item (signals waiting for a verdict)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem
from fangkong.core.workbench import Profile, WorkContext, WorkItem
from fangkong.warning.permissions import WarningPerm

AUDIT_LABELS = {
    "warning.detection_run": _("run aberration detection"),
    "warning.signal_judge": _("give a warning signal its verdict"),
    "warning.signal_rejudge": _("change the verdict on a warning signal"),
    "warning.parameters_set": _("set the province's early-warning parameters"),
}

MENU = [MenuItem(_("Warning signals"), "warning:signals", WarningPerm.VIEW, weight=84)]


def _open(ctx: WorkContext) -> int:
    """Signals of the user's area waiting for a verdict (one COUNT)."""
    from fangkong.warning.selectors import open_count

    return open_count(ctx.user)


def _signals(ctx: WorkContext) -> str:
    from django.utils import timezone

    from fangkong.warning.selectors import alert_since

    since = alert_since(timezone.localdate()).isoformat()
    return f"{reverse('warning:signals')}?verdict=open&start={since}"


WORKBENCH = [
    WorkItem(
        "warning.open_signals",
        _("Warning signals waiting for a verdict"),
        _open,
        _signals,
        (Profile.COMMAND,),
        WarningPerm.JUDGE,
        urgency=8,
        hint=_("An aberration method raised an alarm: look at the series and give the verdict."),
    ),
]
