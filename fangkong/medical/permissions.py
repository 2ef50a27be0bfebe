"""The permissions of the medical app, by name (see ``care/permissions.py``)."""

from enum import StrEnum


class MedicalPerm(StrEnum):
    VIEW_FACILITY = "medical.view_facility"
    ADD_FACILITY = "medical.add_facility"
    CHANGE_FACILITY = "medical.change_facility"
