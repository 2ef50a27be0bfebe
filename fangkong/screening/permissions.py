"""The permissions of the screening app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class ScreeningPerm(StrEnum):
    ADD_SCREENING = "screening.add_screening"
    MANAGE_KEY_AREAS = "screening.manage_key_areas"
    VIEW_SCREENING = "screening.view_screening"
