"""Give the roles their zero-reporting permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("zeroreport", "0001_initial"),
        ("accounts", "0003_roles"),
        ("care", "0002_roles"),
        ("checkpoints", "0002_roles"),
        ("observation", "0002_roles"),
        ("screening", "0002_roles"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
