"""Create the role groups (DESIGN.md section 3) with their permissions."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__startswith="role:").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("regions", "0001_initial"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(sync_roles_in_migration, drop_roles)]
