"""Give the province's command office the permission to generate the summary."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_summary")]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
