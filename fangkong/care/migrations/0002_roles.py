"""Give the roles their care permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0001_initial"),
        ("accounts", "0003_roles"),
        ("people", "0002_roles"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
