"""Give the roles their command permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("command", "0001_initial"),
        ("medical_staff", "0002_roles"),
        ("cases", "0004_treating_facility"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
