"""Role changes of issue #8 and their migration: the supplies officer reads care requests
(of the kinds it supplies); grid staff phones for the chain, the village and the grid worker.
The groups in the database are what accounts/roles.py says (migration 0007 re-syncs them),
and ``fangkong sync-roles`` says what it did in a Chinese sentence."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from fangkong.accounts.roles import ROLE_PERMISSIONS, Role, group_name
from fangkong.care.permissions import CarePerm
from fangkong.regions.permissions import RegionsPerm


def group_perms(role: str) -> set[str]:
    group = Group.objects.get(name=group_name(role))
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_after_the_migrations_every_role_group_holds_exactly_its_permissions(
    role: str, db: Any
) -> None:
    assert group_perms(role) == {str(p) for p in ROLE_PERMISSIONS[role]}


def test_the_supplies_officer_group_reads_care_requests_but_not_every_kind(db: Any) -> None:
    perms = group_perms(Role.SUPPLIES_OFFICER)

    assert CarePerm.VIEW_CAREREQUEST in perms
    assert CarePerm.VIEW_EVERY_KIND not in perms
    assert CarePerm.ADD_CAREREQUEST not in perms and CarePerm.CLOSE_CAREREQUEST not in perms


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.GRID_WORKER, True),
        (Role.VILLAGE_SECRETARY, True),
        (Role.TOWNSHIP_COMMAND, True),
        (Role.COUNTY_COMMAND, True),
        (Role.CITY_COMMAND, True),
        (Role.PROVINCE_COMMAND, True),
        (Role.HEALTH_COMMISSION, False),
        (Role.CLINIC_STAFF, False),
        (Role.SUPPLIES_OFFICER, False),
        (Role.ORGANIZATION_DEPT, False),
        (Role.PUBLICITY_OFFICE, False),
        (Role.CHECKPOINT_STAFF, False),
    ],
)
def test_staff_phones_are_granted_to_the_chain_the_village_and_the_grid_worker(
    role: str, sees: bool, db: Any
) -> None:
    assert (RegionsPerm.VIEW_STAFF_PHONE in group_perms(role)) is sees


def test_the_sync_roles_command_answers_in_a_chinese_sentence(db: Any) -> None:
    out = io.StringIO()

    call_command("sync_roles", stdout=out)

    assert (
        out.getvalue().strip()
        == f"已按 accounts/roles.py 同步 {len(ROLE_PERMISSIONS)} 个角色的权限。"
    )
