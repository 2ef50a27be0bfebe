"""Give the roles their observation permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [("observation", "0001_initial"), ("screening", "0002_roles")]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
