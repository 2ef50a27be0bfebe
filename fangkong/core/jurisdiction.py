"""Jurisdiction: who may see and change what, decided in one place.

Every user has one home division; a user sees and changes only records whose division lies in
the subtree of their home division. Divisions carry a materialized ``path`` of codes
("22/2201/220102/"), so a subtree is a path prefix. Every scoped model names the field that holds
the path of the division a record belongs to (``scope_path_field``) and gets ``visible_to(user)``
from :class:`ScopedQuerySet`. Views, API endpoints, exports, dashboards and tasks start from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

M = TypeVar("M", bound=models.Model)

ALL = ""  # the scope of a superuser without a home division: every path starts with ""


def scope_of(user: User | AnonymousUser | None) -> str | None:
    """The path prefix a user may see, ``ALL`` for everything, or None for nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    division_path = getattr(user, "home_division_path", None)
    if division_path:
        return str(division_path)
    if user.is_superuser:
        return ALL
    return None


def path_in_scope(user: User | AnonymousUser | None, path: str | None) -> bool:
    """Whether a record whose division has ``path`` lies inside the user's subtree."""
    scope = scope_of(user)
    if scope is None or path is None:
        return False
    return path.startswith(scope)


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset that knows how to narrow itself to a user's jurisdiction."""

    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        scope = scope_of(user)
        if scope is None:
            return self.none()
        if scope == ALL:
            return self.all()
        field: str = self.model.scope_path_field  # type: ignore[attr-defined]
        return self.filter(**{f"{field}__startswith": scope})


class TwoSidedQuerySet(ScopedQuerySet[M]):
    """A record two jurisdictions see, each in its own terms: a case seen by the county where the
    patient lives and by the one whose clinic reported it; a hand-over seen by the county that
    sent it and the one that receives it. The model names both path fields in
    ``scope_path_fields``; a user sees the record when either lies in their subtree."""

    def visible_to(self, user: User | AnonymousUser | None) -> Self:
        scope = scope_of(user)
        if scope is None:
            return self.none()
        if scope == ALL:
            return self.all()
        fields: tuple[str, ...] = self.model.scope_path_fields  # type: ignore[attr-defined]
        condition = models.Q()
        for field in fields:
            condition |= models.Q(**{f"{field}__startswith": scope})
        return self.filter(condition)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of every scoped model."""


def get_visible_or_404(
    queryset: models.QuerySet[Any], user: User | AnonymousUser | None, **lookup: Any
) -> Any:
    """Fetch one record the user may see; out of scope answers 404 exactly like not found."""
    try:
        return queryset.visible_to(user).get(**lookup)  # type: ignore[attr-defined]
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


class OutOfJurisdiction(PermissionError):
    """A write would place a record outside the actor's subtree."""


def ensure_in_scope(actor: User | None, path: str | None) -> None:
    """Refuse, inside the action's transaction, a write that leaves the actor's subtree.

    ``actor=None`` is the system itself (command-line imports, migrations), which has no limit.
    """
    if actor is None:
        return
    if not path_in_scope(actor, path):
        raise OutOfJurisdiction(_("This record is not in your jurisdiction."))


def user_of(request: Any) -> User:
    """The logged-in user of a request that passed ``login_required`` or API auth."""
    user = request.user
    if not user.is_authenticated:  # pragma: no cover - guarded by the decorators
        raise Http404
    return user  # type: ignore[no-any-return,unused-ignore]
