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
    # directives (指令) and closure orders: read those issued by or sent to the user's division
    VIEW_DIRECTIVE = "command.view_directive"
    # issue a directive or closure order to subordinate divisions
    ISSUE_DIRECTIVE = "command.add_directive"
    # acknowledge, pass on, report progress and complete a directive received
    ANSWER_DIRECTIVE = "command.change_directiverecipient"
    # the registry of venues (markets, schools, cinemas, religious sites...)
    VIEW_VENUE = "command.view_venue"
    MANAGE_VENUE = "command.change_venue"
    # confirm a venue closed (its grid or village) and check it (the level above)
    CONFIRM_CLOSURE = "command.change_venueclosure"
