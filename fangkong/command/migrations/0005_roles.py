"""Give the roles their directive, venue and closure permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [("command", "0004_directives")]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
