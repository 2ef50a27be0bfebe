"""The permissions of the observation app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class ObservationPerm(StrEnum):
    ADD_CHECKIN = "observation.add_checkin"
    CHANGE_OBSERVATION = "observation.change_observation"
    MANAGE_LINK = "observation.manage_link"
    RELEASE_EARLY = "observation.release_early"
    VIEW_OBSERVATION = "observation.view_observation"
