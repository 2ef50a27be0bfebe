"""The SMS and WeChat Work senders against a real HTTP server on this machine (http.server in a
thread): what they post, and how delivery records each channel: sent, failed (a gateway error,
an unreachable gateway), skipped (no phone for SMS)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from fangkong.notifications.actions import Recipient, notify
from fangkong.notifications.delivery import deliver
from fangkong.notifications.models import Delivery, Kind, Notification
from fangkong.notifications.senders import SmsSender, WeChatWorkSender, configured

SMS = "fangkong.notifications.senders.SmsSender"
WECHAT = "fangkong.notifications.senders.WeChatWorkSender"


class Gateway:
    """What the gateway received, and what it answers (status and JSON body) by path."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], Any]] = []
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, str]]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            state.received.append((self.path, dict(self.headers), body))
            status, answer = state.answers.get(self.path, (200, {"errcode": 0, "errmsg": "ok"}))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _settings(base: str, **extra: Any) -> override_settings:
    values: dict[str, Any] = {
        "FANGKONG_NOTIFICATION_SENDERS": [SMS, WECHAT],
        "FANGKONG_SMS_URL": f"{base}/sms",
        "FANGKONG_SMS_TOKEN": "s3cret",
        "FANGKONG_WECHAT_WORK_WEBHOOK": f"{base}/robot?key=abc",
        "FANGKONG_NOTIFICATION_TIMEOUT": 2,
    }
    return override_settings(**{**values, **extra})


def test_the_senders_in_use_come_from_the_setting(gateway) -> None:
    _state, base = gateway
    assert [type(s).__name__ for s in configured()] == ["LoggingSender"]
    with _settings(base):
        assert [type(s) for s in configured()] == [SmsSender, WeChatWorkSender]


def test_sms_and_wechat_work_are_sent_and_recorded(people: SimpleNamespace, gateway) -> None:
    state, base = gateway
    (n,) = notify(
        [Recipient(user=people.me, name="村书记", phone="13900000001")],
        kind=Kind.ESCALATION,
        title="指令逾期",
        body="请尽快办理",
        link="/command/directives/1/",
    )
    with _settings(base):
        assert deliver([n.pk]) == 1
    n.refresh_from_db()
    assert n.delivery == Delivery.SENT
    assert n.channels == {"sms": "sent", "wechat_work": "sent"}
    (sms_path, sms_headers, sms), (robot_path, _h, robot) = state.received
    assert sms_path == "/sms" and sms_headers["Authorization"] == "Bearer s3cret"
    assert sms["phone"] == "13900000001"
    assert "指令逾期" in sms["text"] and "/command/directives/1/" in sms["text"]
    assert robot_path == "/robot?key=abc"
    assert robot["msgtype"] == "text"
    assert robot["text"]["mentioned_mobile_list"] == ["13900000001"]
    assert "请尽快办理" in robot["text"]["content"]


def test_a_gateway_error_is_recorded_as_that_channels_failure(
    people: SimpleNamespace, gateway
) -> None:
    state, base = gateway
    state.answers["/sms"] = (500, {"error": "down"})
    state.answers["/robot?key=abc"] = (200, {"errcode": 93000, "errmsg": "invalid webhook"})
    (n,) = notify([Recipient(name="张三", phone="13900000002")], kind=Kind.OTHER, title="测试")
    with _settings(base):
        deliver([n.pk])
    n.refresh_from_db()
    assert n.delivery == Delivery.FAILED
    assert n.channels["sms"] == "failed: HTTP 500"
    assert n.channels["wechat_work"].startswith("failed: errcode 93000")


def test_no_phone_skips_the_sms(people: SimpleNamespace, gateway) -> None:
    state, base = gateway
    (n,) = notify([people.me], kind=Kind.OTHER, title="无手机号")
    with _settings(base, FANGKONG_NOTIFICATION_SENDERS=[SMS]):
        deliver([n.pk])
    n.refresh_from_db()
    assert n.delivery == Delivery.SKIPPED
    assert n.channels == {"sms": "skipped"}
    assert state.received == []


def test_an_unreachable_gateway_fails_without_stopping_the_rest(
    people: SimpleNamespace, gateway
) -> None:
    state, base = gateway
    made = notify(
        [Recipient(name="甲", phone="13900000003"), Recipient(name="乙", phone="13900000004")],
        kind=Kind.OTHER,
        title="网关不通",
    )
    with socket.socket() as closed:  # bound, never listening: a connection is refused
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/sms"
        with _settings(base, FANGKONG_SMS_URL=dead):
            assert deliver([n.pk for n in made]) == 2
    for n in Notification.objects.filter(pk__in=[n.pk for n in made]):
        assert n.delivery == Delivery.FAILED
        assert n.channels["sms"].startswith("failed:")
        assert n.channels["wechat_work"] == "sent"
    assert len(state.received) == 2  # the robot still got both


def test_a_delivered_notification_is_not_sent_twice(people: SimpleNamespace, gateway) -> None:
    state, base = gateway
    (n,) = notify([Recipient(name="丙", phone="13900000005")], kind=Kind.OTHER, title="一次")
    with _settings(base, FANGKONG_NOTIFICATION_SENDERS=[SMS]):
        deliver([n.pk])
        assert deliver([n.pk]) == 0
    assert len(state.received) == 1
