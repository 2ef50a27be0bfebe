"""Give the roles their screening permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial"), ("accounts", "0003_roles")]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
