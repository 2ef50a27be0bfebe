"""Give the roles their permissions on warning (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("warning", "0001_initial"),
        ("supplies", "0004_stock_by_key_and_consumption_index"),
        ("notifications", "0002_escalation"),
        ("reports", "0005_summary_roles"),
        ("command", "0006_recipient_state_label"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
