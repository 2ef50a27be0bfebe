"""Senders: how a notification leaves the platform besides the in-app list. One interface,
``Sender.send(notification) -> Result``; the senders in use are named by
``settings.FANGKONG_NOTIFICATION_SENDERS`` (dotted paths). The default is the logging sender,
which writes each message to the ``fangkong.notifications`` log and succeeds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from fangkong.notifications.models import Notification

log = logging.getLogger("fangkong.notifications")


@dataclass(frozen=True)
class Result:
    """What a sender did with one notification: ``ok``, or not with the reason; ``skipped``
    when the notification has no address for this channel (no phone for SMS)."""

    ok: bool
    detail: str = ""
    skipped: bool = False


class Sender(Protocol):
    channel: str

    def send(self, notification: Notification) -> Result: ...


class LoggingSender:
    """Writes the message to the log: the default, and what tests and the demo use."""

    channel = "log"

    def send(self, notification: Notification) -> Result:
        log.info(
            "notification %s to %s %s: %s",
            notification.pk,
            notification.name or notification.user_id,
            notification.phone,
            notification.title,
        )
        return Result(ok=True)


@cache
def configured() -> tuple[Sender, ...]:
    paths = getattr(
        settings,
        "FANGKONG_NOTIFICATION_SENDERS",
        ["fangkong.notifications.senders.LoggingSender"],
    )
    return tuple(import_string(path)() for path in paths)
