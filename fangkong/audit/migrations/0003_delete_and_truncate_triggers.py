"""Refuse DELETE and TRUNCATE on the audit log inside the database, except for its owner.

PostgreSQL: a row trigger ``audit_no_delete`` (BEFORE DELETE) and a statement trigger
``audit_no_truncate`` (BEFORE TRUNCATE) refuse both unless the current role is (a member of)
the table's owner, the role that runs the migrations. The application runs as another role
with INSERT and SELECT only (docs/deployment.md), so it is refused twice: by its privileges and
by the trigger, should someone grant it DELETE by mistake. The owner may still empty the table:
the test runner's flush runs as the owner, and so does archiving (``fangkong purge-audit``).

SQLite: a BEFORE DELETE trigger refuses unless ``fangkong_audit_owner()`` (a function the
application registers on its connections, fangkong/audit/database.py) says the connection acts
as the owner: only ``flush`` and ``purge-audit`` do. UPDATE stays refused for everyone (0002).
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_owner_only() RETURNS trigger AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
    THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: only its owner may delete or truncate'
        USING ERRCODE = 'insufficient_privilege';
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_owner_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
FOR EACH STATEMENT EXECUTE FUNCTION audit_owner_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_no_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_owner_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent
WHEN NOT fangkong_audit_owner()
BEGIN SELECT RAISE(ABORT, 'audit log is append-only: only its owner may delete'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_no_delete;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(up, down)]
