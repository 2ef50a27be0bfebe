"""The permissions of the accounts app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class AccountsPerm(StrEnum):
    ASSIGN_ROLES = "accounts.assign_roles"
    MANAGE_SECURITY = "accounts.manage_security"
    MANAGE_TOKENS = "accounts.manage_tokens"
    MANAGE_USERS = "accounts.manage_users"
