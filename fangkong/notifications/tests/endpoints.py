"""The jurisdiction-matrix entries of the notifications app (see fangkong/core/tests/endpoints.py).
Notifications are a person's own: no record is anyone else's to see, at any level. Marking read
changes a person's own reading state and writes no audit row (``writes=False``)."""

from __future__ import annotations

from fangkong.core.tests.endpoints import OWN, Case, Target, World
from fangkong.notifications.actions import notify
from fangkong.notifications.models import Kind

MINE = "the caller's own notifications; no record in the URL"
THEIRS = "a notification of another user: every caller, at any level, gets 404"


def someone_elses(w: World) -> Target:
    """A notification to a fresh user: the callers are others, so each gets 404."""
    (notification,) = notify([w.user()], kind=Kind.OTHER, title=w.name("矩阵通知"))
    return Target(home=w.tree.huayang, args={"pk": notification.pk})


CASES = [
    Case("notifications:list", "GET", OWN, reason=MINE),
    Case("notifications:read", "POST", OWN, someone_elses, ok=(404,), writes=False, reason=THEIRS),
    Case("notifications:read_all", "POST", OWN, ok=(302,), writes=False, reason=MINE),
    Case("GET /api/notifications", "GET", OWN, reason=MINE),
    Case("GET /api/notifications/unread-count", "GET", OWN, reason=MINE),
    Case(
        "POST /api/notifications/{pk}/read",
        "POST",
        OWN,
        someone_elses,
        ok=(404,),
        writes=False,
        reason=THEIRS,
    ),
    Case("POST /api/notifications/read-all", "POST", OWN, writes=False, reason=MINE),
]
