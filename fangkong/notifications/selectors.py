"""Reads of the notifications app: a person's own notifications, newest first and keyset-paged
by id, and their unread count (one indexed COUNT: ``notification_inbox_idx``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fangkong.notifications.models import Notification

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@dataclass
class Page:
    items: list[Notification]
    next_after: int | None


def inbox_page(
    user: User,
    *,
    unread_only: bool = False,
    kind: str = "",
    after: int | None = None,
    size: int = 50,
) -> Page:
    """The user's own notifications, newest first; ``after`` is the last id of the page
    before. One query."""
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if after:
        qs = qs.filter(pk__lt=after)
    items = list(qs.order_by("-pk")[: size + 1])
    more = len(items) > size
    return Page(items=items[:size], next_after=items[size - 1].pk if more else None)


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
