"""The permissions of the tracing app, by name (see ``care/permissions.py``)."""

from enum import StrEnum


class TracingPerm(StrEnum):
    VIEW_CONTACT = "tracing.view_contact"
    ADD_CONTACT = "tracing.add_contact"
    CHANGE_CONTACT = "tracing.change_contact"
    VIEW_HANDOVER = "tracing.view_handover"
    HANDLE_HANDOVER = "tracing.handle_handover"
