"""The table of the ``throttle`` cache (settings.CACHES, accounts.throttle): Django's database
cache, made here so that a deployment needs no separate ``createcachetable`` step."""

from django.core.management import call_command
from django.db import migrations

TABLE = "fangkong_throttle"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_password_policy_and_three_administrators")]

    operations = [migrations.RunPython(create, drop)]
