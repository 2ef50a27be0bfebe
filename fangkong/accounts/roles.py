"""Roles (DESIGN.md section 3) as permission groups. A role says what; the home division where.

The groups are created by migration ``0003_roles``; :func:`sync_roles` is what it runs, and it
can be run again (``fangkong sync-roles``) after later issues add permissions.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    VILLAGE_SECRETARY = "village_secretary", _("village or community secretary")
    TOWNSHIP_COMMAND = "township_command", _("township command office")
    COUNTY_COMMAND = "county_command", _("county command office")
    CITY_COMMAND = "city_command", _("city command office")
    PROVINCE_COMMAND = "province_command", _("province command office")
    CHECKPOINT_STAFF = "checkpoint_staff", _("checkpoint staff")
    CLINIC_STAFF = "clinic_staff", _("fever clinic or hospital staff")
    HEALTH_COMMISSION = "health_commission", _("health commission")
    SUPPLIES_OFFICER = "supplies_officer", _("supplies officer")
    ORGANIZATION_DEPT = "organization_dept", _("organization department")
    PUBLICITY_OFFICE = "publicity_office", _("publicity office")
    SYSADMIN = "sysadmin", _("system administrator")


VIEW_TREE = ["regions.view_division", "regions.view_gridstaff", "regions.view_gridassignment"]
MANAGE_GRIDS = ["regions.manage_grids", "regions.add_gridstaff", "regions.change_gridstaff"]
COMMAND = [*VIEW_TREE, *MANAGE_GRIDS]

# Permission codenames ("app_label.codename") granted to each role. Later issues extend this.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.GRID_WORKER: [*VIEW_TREE],
    Role.VILLAGE_SECRETARY: [*COMMAND],
    Role.TOWNSHIP_COMMAND: [*COMMAND],
    Role.COUNTY_COMMAND: [*COMMAND],
    Role.CITY_COMMAND: [*COMMAND],
    Role.PROVINCE_COMMAND: [*COMMAND],
    Role.CHECKPOINT_STAFF: [*VIEW_TREE],
    Role.CLINIC_STAFF: [*VIEW_TREE],
    Role.HEALTH_COMMISSION: [*VIEW_TREE],
    Role.SUPPLIES_OFFICER: [*VIEW_TREE],
    Role.ORGANIZATION_DEPT: [*VIEW_TREE],
    Role.PUBLICITY_OFFICE: [*VIEW_TREE],
    Role.SYSADMIN: [
        *COMMAND,
        "accounts.manage_users",
        "accounts.manage_tokens",
        "audit.view_auditevent",
    ],
}


def group_name(role: str) -> str:
    return f"role:{role}"


def sync_roles(apps: Any = None) -> None:
    """Create or update one Group per role with exactly its permissions."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=group_name(role))
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
