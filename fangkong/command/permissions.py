"""The permissions of the command app, by name (see ``care/permissions.py``): role checks,
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings."""

from enum import StrEnum


class CommandPerm(StrEnum):
    # leading groups with their working groups, members and 包保 responsibilities
    VIEW_GROUP = "command.view_leadinggroup"
    MANAGE_GROUP = "command.change_leadinggroup"
    # the secretaries of the five levels
    MANAGE_SECRETARY = "command.change_secretary"
    # the chain of a village or grid: its five secretaries and the 包保 leaders covering it
    VIEW_CHAIN = "command.view_chain"
