"""The permissions of the zeroreport app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class ZeroReportPerm(StrEnum):
    CHANGE_GRIDDAY = "zeroreport.change_gridday"
    CONFIRM_GRIDDAY = "zeroreport.confirm_gridday"
    VIEW_GRIDDAY = "zeroreport.view_gridday"
