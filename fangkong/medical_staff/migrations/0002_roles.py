"""Give the roles their medical staff permissions (accounts/roles.py)."""

from django.db import migrations

from fangkong.accounts.roles import sync_roles_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("medical_staff", "0001_initial"),
        ("treatment", "0002_roles"),
        ("medical", "0002_facility_closed_on_facility_contact_name_and_more"),
        ("outbreaks", "0002_roles"),
    ]
    operations = [migrations.RunPython(sync_roles_in_migration, migrations.RunPython.noop)]
