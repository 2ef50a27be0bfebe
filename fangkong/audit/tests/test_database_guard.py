"""The audit log is append-only in the database too: the application's role cannot update,
delete, truncate or drop the triggers (PostgreSQL), a DELETE outside the owner's session is
refused (SQLite), and the owner's flush between tests keeps working."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from conftest import database_vendor
from fangkong.accounts.roles import Role
from fangkong.audit.database import app_role_sql, owner_session
from fangkong.audit.models import AuditEvent
from fangkong.bulk.tests.test_import import row, write_csv
from fangkong.regions import actions as region_actions
from fangkong.screening.importer import import_screening_file
from fangkong.screening.tests.factories import make_id

on_postgresql = pytest.mark.skipif(
    database_vendor() != "postgresql", reason="database roles and privileges are PostgreSQL's"
)
on_sqlite = pytest.mark.skipif(
    database_vendor() != "sqlite", reason="PostgreSQL decides by role (tests below)"
)


@pytest.fixture
def event(tree: Any) -> AuditEvent:
    region_actions.rename_grid(actor=None, grid=tree.grid1, name="华阳东区")
    return AuditEvent.objects.get(action="grid.rename")


def run_as(role: str | None, sql: str) -> None:
    """Run ``sql`` (as ``role`` if given) in a savepoint, rolled back if it fails."""
    with transaction.atomic(), connection.cursor() as cursor:
        if role:
            cursor.execute(f"SET ROLE {role}")
        cursor.execute(sql)
        if role:
            cursor.execute("RESET ROLE")


@pytest.fixture
def app_role(db: Any) -> Iterator[str]:
    """The application's role, made with exactly the grants of docs/deployment.md, inside the
    test's transaction (rolled back with it: nothing is left in the cluster)."""
    role = f"{connection.settings_dict['NAME']}_app"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for statement in app_role_sql(role, connection.settings_dict["NAME"]):
            cursor.execute(statement)
    yield role


@on_postgresql
def test_the_application_role_writes_and_reads_audit_rows(event: AuditEvent, app_role: str) -> None:
    # Given the application's role, when it does what the application does
    run_as(
        app_role,
        "INSERT INTO audit_auditevent (at, actor_label, action, object_type, object_id, "
        "object_repr, division_path, changes, reason, client_ip, channel) VALUES "
        "(now(), '系统', 'test.insert', 't', '1', 'r', '', '{}', '', '', 'cli')",
    )
    run_as(app_role, "SELECT count(*) FROM audit_auditevent")
    # Then both work
    assert AuditEvent.objects.filter(action="test.insert").exists()


@on_postgresql
@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("UPDATE audit_auditevent SET actor_label = 'someone else'", "permission denied"),
        ("DELETE FROM audit_auditevent", "permission denied"),
        ("TRUNCATE audit_auditevent", "permission denied"),
        ("DROP TRIGGER audit_no_delete ON audit_auditevent", "must be owner"),
        ("DROP TRIGGER audit_no_truncate ON audit_auditevent", "must be owner"),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "must be owner"),
    ],
)
def test_the_application_role_cannot_change_remove_or_unguard_audit_rows(
    event: AuditEvent, app_role: str, sql: str, refusal: str
) -> None:
    before = list(AuditEvent.objects.values())

    with pytest.raises(DatabaseError, match=refusal):
        run_as(app_role, sql)

    assert list(AuditEvent.objects.values()) == before


@on_postgresql
@pytest.mark.parametrize(
    ("grant", "sql"),
    [
        ("DELETE", "DELETE FROM audit_auditevent"),
        ("TRUNCATE", "TRUNCATE audit_auditevent"),
    ],
)
def test_a_delete_granted_by_mistake_is_still_refused_by_the_trigger(
    event: AuditEvent, app_role: str, grant: str, sql: str
) -> None:
    # Given someone granted the application DELETE or TRUNCATE on the audit table after all
    run_as(None, f"GRANT {grant} ON audit_auditevent TO {app_role}")
    run_as(None, "SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred FK check

    # When it uses it, then the trigger refuses: only the owner may remove rows
    with pytest.raises(DatabaseError, match="append-only"):
        run_as(app_role, sql)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@on_sqlite
def test_sqlite_refuses_a_delete_outside_the_owners_session(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        run_as(None, "DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()

    with owner_session():
        run_as(None, "DELETE FROM audit_auditevent")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_owners_flush_between_tests_still_empties_the_audit_log(tree: Any) -> None:
    # Given audit rows committed by a transactional test
    region_actions.rename_grid(actor=None, grid=tree.grid1, name="华阳东区")
    assert AuditEvent.objects.exists()

    # When the test runner flushes the database (as the owner), then it is emptied
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()


def test_the_deployment_guide_shows_exactly_these_grants() -> None:
    guide = (Path(__file__).parents[3] / "docs" / "deployment.md").read_text(encoding="utf-8")
    for statement in app_role_sql("fangkong_app", "fangkong"):
        assert statement in guide


@on_postgresql
def test_the_application_role_can_run_an_import_with_these_grants(
    tree: Any, make_user: Any, app_role: str, tmp_path: Path, settings: Any
) -> None:
    # Given a user, and the application connected as its own role
    settings.VAR_DIR = tmp_path / "var"
    user = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    path = write_csv(tmp_path / "list.csv", [row(tree.grid1, 证件号码=make_id()) for _ in range(3)])
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")
    try:
        # When it imports a file (COPY, sequences, the job, the audit row)
        outcome = import_screening_file(actor=user, path=path, filename="list.csv")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")

    # Then it succeeds
    assert (outcome.status, outcome.created) == ("done", 3), outcome.message
    assert AuditEvent.objects.filter(action="screening.import").exists()


@pytest.mark.django_db
def test_the_triggers_are_in_place_after_every_migration() -> None:
    # A migration that rebuilds the table (SQLite remakes it to alter a column) drops its
    # triggers silently: this notices.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
                "AND NOT tgisinternal AND tgenabled = 'O'"
            )
            expected = {"audit_no_update", "audit_no_delete", "audit_no_truncate"}
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_auditevent'"
            )
            expected = {"audit_no_update", "audit_no_delete"}
        assert {name for (name,) in cursor.fetchall()} == expected
