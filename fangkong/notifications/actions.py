"""Every write of the notifications app. ``notify`` is what the other apps call: it stores the
notifications in the caller's transaction and delivers them in a background task after commit.
``mark_read`` and ``mark_all_read`` are a person's own reading state: they touch only the
actor's own notifications and write no audit row (reading one's messages changes no record of
the epidemic work). Escalations are in ``escalation.py``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.notifications.models import Notification

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@dataclass(frozen=True)
class Recipient:
    """Who a notification goes to: a user (in the app), and/or a name and phone (SMS)."""

    user: User | None = None
    name: str = ""
    phone: str = ""


def notify(
    recipients: Iterable[Recipient | User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    key: str = "",
) -> list[Notification]:
    """Store one notification per recipient (users may be passed directly) and queue their
    delivery after commit. With a ``key``, a recipient who already has a notification with that
    key gets no second one (idempotent reminders and escalations). Returns the new rows."""
    rows: list[Notification] = []
    seen: set[tuple[object, str]] = set()
    for item in recipients:
        r = item if isinstance(item, Recipient) else Recipient(user=item)
        ident = (r.user.pk if r.user is not None else None, r.phone)
        if ident in seen or (r.user is None and not r.phone):
            continue
        seen.add(ident)
        rows.append(
            Notification(
                user=r.user,
                name=(r.name or (r.user.get_full_name() if r.user is not None else ""))[:50],
                phone=r.phone[:20],
                kind=kind,
                title=title[:200],
                body=body,
                link=link,
                key=key[:120],
            )
        )
    if not rows:
        return []
    if key:
        users = [r.user_id for r in rows if r.user_id is not None]
        phones = [r.phone for r in rows if r.user_id is None]
        have_users = set(
            Notification.objects.filter(key=key, user_id__in=users).values_list(
                "user_id", flat=True
            )
        )
        have_phones = set(
            Notification.objects.filter(key=key, user__isnull=True, phone__in=phones).values_list(
                "phone", flat=True
            )
        )
        rows = [
            r
            for r in rows
            if (r.user_id is not None and r.user_id not in have_users)
            or (r.user_id is None and r.phone not in have_phones)
        ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=bool(key))
    if not key:
        ids = [n.pk for n in created]
    else:
        # ignore_conflicts returns no primary keys on every database: read them back
        ids = list(
            Notification.objects.filter(key=key, delivery="pending").values_list("pk", flat=True)
        )
    if ids:
        from fangkong.notifications.tasks import deliver_task

        transaction.on_commit(lambda: deliver_task.enqueue(ids))
    return created


def mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (again: no change)."""
    if notification.user_id != actor.pk:  # the views look it up among the actor's own first
        raise ActionError(_("This notification is not yours."), code="not_yours")
    with transaction.atomic():
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    with transaction.atomic():
        return Notification.objects.filter(user=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
