"""The permissions of the people app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class PeoplePerm(StrEnum):
    ADD_PERSON = "people.add_person"
    CHANGE_PERSON = "people.change_person"
    VIEW_HOUSEHOLD = "people.view_household"
    VIEW_PERSON = "people.view_person"
    VIEW_UNMASKED = "people.view_unmasked"
