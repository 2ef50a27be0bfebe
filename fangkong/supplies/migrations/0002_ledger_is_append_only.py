"""The ledger is append-only in the database itself, not only in the code: an UPDATE of a
movement fails on SQLite and PostgreSQL, a DELETE fails on PostgreSQL (row triggers; TRUNCATE,
which test teardown and a restore use, is a table operation and not refused). On SQLite a
DELETE is refused by the model and its queryset only: Django's SQLite flush deletes row by row,
and a test database must be emptied between tests (docs/supplies.md)."""

from django.db import migrations

MESSAGE = "supplies_movement is a ledger: a movement is never changed or deleted, book a correction"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE FUNCTION supplies_movement_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        schema_editor.execute(
            "CREATE TRIGGER supplies_movement_append_only BEFORE UPDATE OR DELETE "
            "ON supplies_movement FOR EACH ROW EXECUTE FUNCTION supplies_movement_append_only()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER supplies_movement_no_update BEFORE UPDATE ON supplies_movement "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER supplies_movement_append_only ON supplies_movement")
        schema_editor.execute("DROP FUNCTION supplies_movement_append_only()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER supplies_movement_no_update")


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
