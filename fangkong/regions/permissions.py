"""The permissions of the regions app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class RegionsPerm(StrEnum):
    ADD_GRIDSTAFF = "regions.add_gridstaff"
    CHANGE_GRIDSTAFF = "regions.change_gridstaff"
    MANAGE_GRIDS = "regions.manage_grids"
    VIEW_DIVISION = "regions.view_division"
    VIEW_GRIDASSIGNMENT = "regions.view_gridassignment"
    VIEW_GRIDSTAFF = "regions.view_gridstaff"
    VIEW_STAFF_PHONE = "regions.view_staff_phone"
