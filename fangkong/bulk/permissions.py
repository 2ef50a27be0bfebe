"""The permissions of the bulk app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class BulkPerm(StrEnum):
    ADD_IMPORTJOB = "bulk.add_importjob"
    EXPORT_LIST = "bulk.export_list"
    VIEW_IMPORTJOB = "bulk.view_importjob"
