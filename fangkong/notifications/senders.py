"""Senders: how a notification leaves the platform besides the in-app list. One interface,
``Sender.send(notification) -> Result``; the senders in use are named by
``settings.FANGKONG_NOTIFICATION_SENDERS`` (dotted paths, from the environment variable of the
same name, comma-separated). The default is the logging sender, which writes each message to
the ``fangkong.notifications`` log and succeeds. Two HTTP senders come with the platform:

- :class:`SmsSender` posts ``{"phone": ..., "text": ...}`` as JSON to an SMS gateway
  (``FANGKONG_SMS_URL``, with ``Authorization: Bearer FANGKONG_SMS_TOKEN`` when a token is set);
  a notification without a phone is skipped;
- :class:`WeChatWorkSender` posts a text message to a WeChat Work (企业微信) group robot
  (``FANGKONG_WECHAT_WORK_WEBHOOK``), mentioning the recipient by phone when there is one.

Both wait at most ``FANGKONG_NOTIFICATION_TIMEOUT`` seconds; an answer other than 2xx (or, for
WeChat Work, an ``errcode`` other than 0) is that channel's failure, recorded by
``delivery.deliver``."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
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


def message_text(notification: Notification) -> str:
    """The text an SMS or a chat message carries: title, text, and the link on this site."""
    parts = [f"【{notification.title}】", notification.body.strip()]
    if notification.safe_link:
        parts.append(notification.safe_link)
    return "\n".join(p for p in parts if p)


def _timeout() -> float:
    return float(getattr(settings, "FANGKONG_NOTIFICATION_TIMEOUT", 5))


def post_json(url: str, payload: dict[str, object], headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``payload`` as JSON; the answer's status and its first 64 KiB. An HTTP error
    status is returned, not raised; a network error (refused, timed out) is raised."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as answer:  # noqa: S310
            return answer.status, answer.read(65536)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536)


class SmsSender:
    """Sends the message by SMS through an HTTP gateway (``FANGKONG_SMS_URL``)."""

    channel = "sms"

    def send(self, notification: Notification) -> Result:
        if not notification.phone:
            return Result(ok=False, skipped=True)
        url = getattr(settings, "FANGKONG_SMS_URL", "")
        if not url:
            return Result(ok=False, detail="FANGKONG_SMS_URL is not set")
        token = getattr(settings, "FANGKONG_SMS_TOKEN", "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, _body = post_json(
            url, {"phone": notification.phone, "text": message_text(notification)}, headers
        )
        if 200 <= status < 300:
            return Result(ok=True)
        return Result(ok=False, detail=f"HTTP {status}")


class WeChatWorkSender:
    """Posts the message to a WeChat Work group robot (``FANGKONG_WECHAT_WORK_WEBHOOK``),
    mentioning the recipient's phone."""

    channel = "wechat_work"

    def send(self, notification: Notification) -> Result:
        url = getattr(settings, "FANGKONG_WECHAT_WORK_WEBHOOK", "")
        if not url:
            return Result(ok=False, detail="FANGKONG_WECHAT_WORK_WEBHOOK is not set")
        text: dict[str, object] = {"content": message_text(notification)}
        if notification.phone:
            text["mentioned_mobile_list"] = [notification.phone]
        status, body = post_json(url, {"msgtype": "text", "text": text}, {})
        if not 200 <= status < 300:
            return Result(ok=False, detail=f"HTTP {status}")
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return Result(ok=False, detail="not a JSON answer")
        code = answer.get("errcode", 0) if isinstance(answer, dict) else None
        if code != 0:
            message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
            return Result(ok=False, detail=f"errcode {code} {message}".strip())
        return Result(ok=True)


DEFAULT_SENDERS = ("fangkong.notifications.senders.LoggingSender",)


@cache
def _load(paths: tuple[str, ...]) -> tuple[Sender, ...]:
    return tuple(import_string(path)() for path in paths)


def configured() -> tuple[Sender, ...]:
    """The senders named by ``settings.FANGKONG_NOTIFICATION_SENDERS``, each made once."""
    paths = getattr(settings, "FANGKONG_NOTIFICATION_SENDERS", DEFAULT_SENDERS)
    return _load(tuple(paths))
