"""The permissions of the investigation app, by name (see ``care/permissions.py``)."""

from enum import StrEnum


class InvestigationPerm(StrEnum):
    VIEW_INVESTIGATION = "investigation.view_investigation"
    VIEW_TRAJECTORY = "investigation.view_trajectory"
    ADD_INVESTIGATION = "investigation.add_investigation"
    CHANGE_INVESTIGATION = "investigation.change_investigation"
    VIEW_PLACE = "investigation.view_place"
    ADD_PLACE = "investigation.add_place"
