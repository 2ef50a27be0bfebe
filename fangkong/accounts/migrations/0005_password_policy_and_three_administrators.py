"""The password policy (history, forced change) and the security and audit administrators'
permissions (三员分立). Existing passwords count as set now, for the expiry clock."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from fangkong.accounts.roles import sync_roles_in_migration


def passwords_set_now(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(password_changed_at=None).update(
        password_changed_at=django.utils.timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_manage_users_label"),
        # after every app's role permissions, so that the groups are synced with all of them
        ("audit", "0001_initial"),
        ("bulk", "0002_roles"),
        ("care", "0002_roles"),
        ("checkpoints", "0002_roles"),
        ("observation", "0002_roles"),
        ("people", "0002_roles"),
        ("screening", "0002_roles"),
        ("zeroreport", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "ordering": ["username"],
                "permissions": [
                    ("manage_users", "Can manage users in own jurisdiction"),
                    ("assign_roles", "Can assign roles to users in own jurisdiction"),
                    ("manage_security", "Can release lockouts and view the security policy"),
                ],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
        migrations.AddField(
            model_name="user",
            name="password_change_required",
            field=models.BooleanField(default=False, verbose_name="must change password"),
        ),
        migrations.AddField(
            model_name="user",
            name="password_changed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="password changed at"),
        ),
        migrations.CreateModel(
            name="PasswordHistory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("password", models.CharField(max_length=128, verbose_name="password hash")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="set at"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="password_history",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "previous password",
                "verbose_name_plural": "previous passwords",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["user", "-created_at"], name="password_history_recent")
                ],
            },
        ),
        migrations.RunPython(passwords_set_now, migrations.RunPython.noop),
        migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop),
    ]
