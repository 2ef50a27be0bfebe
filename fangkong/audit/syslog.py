"""Audit rows to syslog, for a central log-audit system (日志审计系统; 等保 2.0 level 3).

Every audit row is also logged, once its transaction has committed, as one JSON line on the
logger ``fangkong.audit.events`` at INFO (:func:`fangkong.audit.actions.record`). With
``FANGKONG_AUDIT_SYSLOG`` set, settings.py gives that logger the standard
:class:`logging.handlers.SysLogHandler` made by :func:`make_handler`. No Django import here:
the logging configuration loads this module.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import socket
from typing import Any

FACILITY = logging.handlers.SysLogHandler.LOG_AUTHPRIV  # security and authorisation messages
IDENT = "fangkong-audit: "


def parse_address(value: str) -> tuple[str | tuple[str, int], socket.SocketKind]:
    """``/dev/log`` (a local socket), ``host:port`` or ``udp://host:port`` (UDP), or
    ``tcp://host:port`` (TCP): the handler's address and socket type."""
    value = value.strip()
    kind = socket.SOCK_DGRAM
    if value.startswith("tcp://"):
        kind, value = socket.SOCK_STREAM, value.removeprefix("tcp://")
    elif value.startswith("udp://"):
        value = value.removeprefix("udp://")
    if value.startswith("/"):
        return value, kind
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdecimal():
        raise ValueError(f"FANGKONG_AUDIT_SYSLOG: not /path, host:port or tcp://host:port: {value}")
    return (host.strip("[]"), int(port)), kind


def make_handler(address: str) -> logging.handlers.SysLogHandler:
    """The handler of ``FANGKONG_AUDIT_SYSLOG`` (see :func:`parse_address`)."""
    where, kind = parse_address(address)
    handler = logging.handlers.SysLogHandler(address=where, facility=FACILITY, socktype=kind)
    handler.ident = IDENT
    return handler


def line(event: Any) -> str:
    """One audit row as one JSON line (UTF-8, Chinese as is)."""
    return json.dumps(
        {
            "id": event.pk,
            "at": event.at.isoformat(),
            "actor": event.actor_label,
            "actor_id": event.actor_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object": event.object_repr,
            "division_path": event.division_path,
            "changes": event.changes,
            "reason": event.reason,
            "client_ip": event.client_ip,
            "channel": event.channel,
        },
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )
