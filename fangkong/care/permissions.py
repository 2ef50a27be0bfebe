"""The permissions of the care app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class CarePerm(StrEnum):
    ADD_CAREREQUEST = "care.add_carerequest"
    ASSIGN_CAREREQUEST = "care.assign_carerequest"
    CLOSE_CAREREQUEST = "care.close_carerequest"
    VIEW_CAREREQUEST = "care.view_carerequest"
    VIEW_EVERY_KIND = "care.view_every_kind_carerequest"
