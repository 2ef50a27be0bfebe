"""The manage_users permission reads "in own jurisdiction" (the interface's word), not "subtree".

Django creates permissions but never renames them, so the existing row is renamed here too.
"""

from django.db import migrations

OLD = "Can manage users in own subtree"
NEW = "Can manage users in own jurisdiction"


def rename(apps, schema_editor, old=OLD, new=NEW):
    permission = apps.get_model("auth", "Permission")
    permission.objects.filter(
        content_type__app_label="accounts", codename="manage_users", name=old
    ).update(name=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "ordering": ["username"],
                "permissions": [("manage_users", NEW)],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
        migrations.RunPython(rename, rename_back),
    ]
