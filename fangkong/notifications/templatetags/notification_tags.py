"""The header's notification link: the logged-in user's unread count, one indexed COUNT query
(``notification_inbox_idx``), run only where the header renders it."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
