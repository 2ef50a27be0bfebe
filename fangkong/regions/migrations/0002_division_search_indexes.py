"""Search indexes for PostgreSQL (bench/results/latest-divisions.md has the figures).

- ``division_name_chars_gin``: GIN over the characters of the name, ``string_to_array(name,
  NULL)``. ``name LIKE '%南关%'`` cannot use a B-tree, and pg_trgm extracts nothing from the
  two-character searches most people type; selectors.search_filter also asks on PostgreSQL for
  ``string_to_array(name, NULL) @> string_to_array(query, NULL)``, which this index answers.
- ``division_pinyin_prefix_idx``: full-pinyin prefix, so ``initials LIKE 'x%' OR pinyin LIKE
  'x%'`` is a BitmapOr of two index scans instead of a walk over the whole table.

SQLite can use neither (no GIN; its LIKE ignores these), so this does nothing there.
"""

from typing import Any

from django.db import migrations

INDEXES = {
    "division_name_chars_gin": "USING gin (string_to_array(name, NULL))",
    "division_pinyin_prefix_idx": "(pinyin varchar_pattern_ops)",
}


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("regions", "Division")._meta.db_table)
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
