"""The audit log goes to syslog for a central log-audit system, one JSON line a row, and is
kept at least six months: the purge archives older rows and never deletes younger ones."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from conftest import database_vendor
from fangkong.audit.database import app_role_sql
from fangkong.audit.models import AuditEvent
from fangkong.audit.syslog import make_handler, parse_address
from fangkong.regions import actions as region_actions

AUTHPRIV_INFO = (logging.handlers.SysLogHandler.LOG_AUTHPRIV << 3) | 6


@pytest.fixture
def syslog_server() -> Iterator[socket.socket]:
    """A UDP syslog receiver on 127.0.0.1, and the audit logger sending to it as settings.py
    configures it for FANGKONG_AUDIT_SYSLOG=127.0.0.1:<port>."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    handler = make_handler(f"127.0.0.1:{server.getsockname()[1]}")
    logger = logging.getLogger("fangkong.audit.events")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield server
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate
    handler.close()
    server.close()


def test_every_committed_audit_row_goes_to_syslog_as_one_json_line(
    tree: Any, syslog_server: socket.socket, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a central log-audit system listening, when an action commits
    with django_capture_on_commit_callbacks(execute=True):
        region_actions.rename_grid(actor=None, grid=tree.grid1, name="华阳东区")
    event = AuditEvent.objects.get(action="grid.rename")

    # Then it receives the row as one syslog message of facility authpriv, level info
    message = syslog_server.recv(65535).decode()
    prefix = f"<{AUTHPRIV_INFO}>fangkong-audit: "
    assert message.startswith(prefix)
    sent = json.loads(message.removeprefix(prefix).rstrip("\x00"))
    assert sent["id"] == event.pk and sent["action"] == "grid.rename"
    assert sent["actor"] == "系统" and sent["object"] == "华阳东区"
    assert sent["changes"] == {"name": ["第一网格", "华阳东区"]}
    assert sent["division_path"] == event.division_path


def test_a_change_rolled_back_sends_nothing(
    tree: Any, syslog_server: socket.socket, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        region_actions.rename_grid(actor=None, grid=tree.grid1, name="华阳东区")
        raise RuntimeError("the action failed after its audit row")

    with pytest.raises(TimeoutError):
        syslog_server.settimeout(0.5)
        syslog_server.recv(65535)


@pytest.mark.parametrize(
    ("value", "address", "kind"),
    [
        ("/dev/log", "/dev/log", socket.SOCK_DGRAM),
        ("10.0.0.5:514", ("10.0.0.5", 514), socket.SOCK_DGRAM),
        ("udp://logs.example.cn:514", ("logs.example.cn", 514), socket.SOCK_DGRAM),
        ("tcp://10.0.0.5:6514", ("10.0.0.5", 6514), socket.SOCK_STREAM),
    ],
)
def test_the_syslog_address_is_a_socket_path_or_host_and_port(
    value: str, address: Any, kind: int
) -> None:
    assert parse_address(value) == (address, kind)


def test_a_malformed_syslog_address_is_refused() -> None:
    with pytest.raises(ValueError, match="FANGKONG_AUDIT_SYSLOG"):
        parse_address("logs.example.cn")


# --- retention ---------------------------------------------------------------------------------


def insert_row(days_ago: int, label: str) -> None:
    """A row written ``days_ago`` days ago (rows are never back-dated: raw SQL for the test)."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_label, action, object_type, object_id, "
            "object_repr, division_path, changes, reason, client_ip, channel) VALUES "
            "(%s, '系统', 'test.old', 't', %s, %s, '', '{}', '', '', 'cli')",
            [at, label, label],
        )


@pytest.fixture
def history(db: Any) -> None:
    insert_row(400, "a year ago")
    insert_row(200, "seven months ago")
    insert_row(100, "three months ago")
    insert_row(1, "yesterday")


def day(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()


def kept() -> list[str]:
    return sorted(AuditEvent.objects.filter(action="test.old").values_list("object_id", flat=True))


def test_rows_past_the_retention_are_archived_then_deleted(history: None, tmp_path: Path) -> None:
    archive = tmp_path / "audit-archive.jsonl"

    call_command("purge_audit", "--before", day(190), "--archive", str(archive), verbosity=0)

    # Then the rows older than the day are in the archive (read-only for the owner) ...
    lines = [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines()]
    assert [r["object"] for r in lines] == ["a year ago", "seven months ago"]
    assert archive.stat().st_mode & 0o777 == 0o600
    # ... and gone from the table, the younger ones kept, and the purge itself audited
    assert kept() == ["three months ago", "yesterday"]
    purge = AuditEvent.objects.get(action="audit.purge")
    assert purge.changes["rows_deleted"] == [0, 2]
    assert purge.channel == "cli"


@pytest.mark.parametrize("days_ago", [182, 100, 0])
def test_the_purge_never_deletes_rows_inside_the_retention_period(
    history: None, tmp_path: Path, days_ago: int
) -> None:
    archive = tmp_path / "audit-archive.jsonl"

    with pytest.raises(CommandError, match="183"):  # 审计记录至少保存 183 天
        call_command("purge_audit", "--before", day(days_ago), "--archive", str(archive))

    assert kept() == ["a year ago", "seven months ago", "three months ago", "yesterday"]
    assert not archive.exists()


@pytest.mark.skipif(
    database_vendor() != "postgresql", reason="database roles and privileges are PostgreSQL's"
)
def test_the_application_role_cannot_purge(history: None, tmp_path: Path) -> None:
    # Given the application's own role (docs/deployment.md), when it runs the purge
    role = f"{connection.settings_dict['NAME']}_app"
    archive = tmp_path / "audit-archive.jsonl"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for statement in app_role_sql(role, connection.settings_dict["NAME"]):
            cursor.execute(statement)
        cursor.execute(f"SET ROLE {role}")
    try:
        with pytest.raises(CommandError, match="DATABASE_URL"):  # the owner's, not ours
            call_command("purge_audit", "--before", day(190), "--archive", str(archive))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")

    # Then nothing is deleted and no archive is left behind
    assert kept() == ["a year ago", "seven months ago", "three months ago", "yesterday"]
    assert not archive.exists()
