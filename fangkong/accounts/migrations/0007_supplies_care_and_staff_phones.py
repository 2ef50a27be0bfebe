"""Issue #8: the supplies officer reads care requests of the kinds it supplies (food,
medicine); grid staff phone numbers only for the command offices of their chain, the village
and the grid worker. Re-syncs the role groups with accounts/roles.py."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_throttle_cache_table"),
        # the new permissions, and after every app's role permissions (see 0005)
        ("care", "0003_care_view_every_kind"),
        ("regions", "0004_staff_phone_permission"),
        ("audit", "0001_initial"),
        ("bulk", "0002_roles"),
        ("checkpoints", "0002_roles"),
        ("observation", "0002_roles"),
        ("people", "0002_roles"),
        ("screening", "0002_roles"),
        ("zeroreport", "0002_roles"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
