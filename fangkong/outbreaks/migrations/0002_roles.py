"""Give the roles their permissions on facilities, cases, investigations, contacts and the
outbreak picture (accounts/roles.py): the last app of issue #9 in the migration graph."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("outbreaks", "0001_initial"),
        ("tracing", "0001_initial"),
        ("investigation", "0002_trajectory_permission"),
        ("cases", "0002_initial"),
        ("medical", "0001_initial"),
        # after every app's role permissions so far
        ("accounts", "0007_supplies_care_and_staff_phones"),
        ("care", "0003_care_view_every_kind"),
        ("checkpoints", "0005_handover_handled_index"),
        ("regions", "0004_staff_phone_permission"),
        ("zeroreport", "0003_passages_pending_handled"),
        ("bulk", "0004_import_kind_registered"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
