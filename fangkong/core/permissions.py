"""The one gate for role checks.

Each app names its permissions in its ``permissions.py`` as a ``StrEnum`` (``PeoplePerm``,
``ScreeningPerm`` …), so a misspelt permission is an import error, not a check that silently
refuses everyone. Views and API endpoints check a role with :func:`require`:

- on a page, the ``PermissionDenied`` it raises is Django's 403 page;
- under ``/api/``, the API's exception handler (``core.api``) answers the JSON 403
  ``{"code": "forbidden", ...}``.

A 403 never depends on the record: fetch through ``visible_to`` first (out of scope is 404),
or check the role first; either order gives the same answers.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require(request: HttpRequest, *perms: StrEnum) -> None:
    """Refuse (403) unless the user holds every one of ``perms``."""
    if not perms:
        raise ValueError("require() needs at least one permission")
    if not request.user.has_perms(perms):
        raise PermissionDenied
