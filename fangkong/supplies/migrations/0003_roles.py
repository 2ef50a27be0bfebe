"""Give the roles their permissions on supplies (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("supplies", "0002_ledger_is_append_only"),
        ("notifications", "0002_escalation"),
        ("reports", "0005_summary_roles"),
        ("command", "0006_recipient_state_label"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
