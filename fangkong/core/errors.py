"""Errors that actions raise and views/API translate into answers for the user."""

from __future__ import annotations


class ActionError(Exception):
    """A business rule refused the action. ``code`` is stable; ``message`` is for people."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class Conflict(ActionError):
    status = 409
