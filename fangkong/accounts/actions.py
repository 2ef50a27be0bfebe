"""Every write to users and API tokens, each audited in its own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.accounts.models import ApiToken, User, hash_token, new_raw_token
from fangkong.accounts.roles import Role, group_name
from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope

if TYPE_CHECKING:
    from datetime import datetime

    from fangkong.regions.models import Division

USER_FIELDS = ["username", "full_name", "phone", "title", "home_division", "is_active"]


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        message = _("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)}
        raise ActionError(message, code="unknown_role", field="roles")
    return roles


def _set_roles(user: User, roles: list[str]) -> None:
    groups = list(Group.objects.filter(name__in=[group_name(r) for r in roles]))
    # Keep any non-role groups an operator added by hand.
    others = [g for g in user.groups.all() if not g.name.startswith("role:")]
    user.groups.set([*others, *groups])


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        message = pgettext("list separator", "; ").join(exc.messages)
        raise ActionError(message, code="weak_password", field="password") from exc


def _audit_path(user: User) -> str:
    return user.home_division.path if user.home_division else ""


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    home_division: Division,
    roles: Iterable[str],
    full_name: str = "",
    phone: str = "",
    title: str = "",
) -> User:
    ensure_in_scope(actor, home_division.path)
    username = (username or "").strip()
    if not username:
        raise ActionError(_("Enter a username."), code="username_required", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(
            _("This username is already taken."), code="username_taken", field="username"
        )
    roles = _check_roles(roles)
    user = User(
        username=username,
        full_name=full_name.strip(),
        phone=phone.strip(),
        title=title.strip(),
        home_division=home_division,
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    _set_roles(user, roles)
    after = snapshot(user, USER_FIELDS)
    after["roles"] = sorted(roles)
    record(
        actor=actor,
        action="user.create",
        obj=user,
        division_path=_audit_path(user),
        changes=diff({}, after),
    )
    return user


@transaction.atomic
def update_user(
    *,
    actor: User | None,
    user: User,
    home_division: Division,
    roles: Iterable[str],
    full_name: str = "",
    phone: str = "",
    title: str = "",
    is_active: bool = True,
) -> User:
    user = (
        User.objects.select_for_update(of=("self",)).select_related("home_division").get(pk=user.pk)
    )
    ensure_in_scope(actor, _audit_path(user) or None)
    ensure_in_scope(actor, home_division.path)
    if actor is not None and actor.pk == user.pk and not is_active:
        raise ActionError(
            _("You cannot deactivate your own account."), code="deactivate_self", field="is_active"
        )
    roles = _check_roles(roles)
    before = snapshot(user, USER_FIELDS)
    before["roles"] = sorted(user.roles)
    user.full_name, user.phone, user.title = full_name.strip(), phone.strip(), title.strip()
    user.home_division = home_division
    was_active, user.is_active = user.is_active, is_active
    user.save()
    if was_active and not is_active:
        # Deactivating on the edit page is deactivation too: its tokens must not outlive it
        # (they would come back to life if the user were reactivated).
        ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
    _set_roles(user, roles)
    after = snapshot(user, USER_FIELDS)
    after["roles"] = sorted(roles)
    changes = diff(before, after)
    if changes:
        record(
            actor=actor,
            action="user.update",
            obj=user,
            division_path=_audit_path(user),
            changes=changes,
        )
    return user


@transaction.atomic
def deactivate_user(*, actor: User | None, user: User) -> User:
    user = (
        User.objects.select_for_update(of=("self",)).select_related("home_division").get(pk=user.pk)
    )
    ensure_in_scope(actor, _audit_path(user) or None)
    if actor is not None and actor.pk == user.pk:
        raise ActionError(_("You cannot deactivate your own account."), code="deactivate_self")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        record(
            actor=actor,
            action="user.deactivate",
            obj=user,
            division_path=_audit_path(user),
            changes={"is_active": [True, False]},
        )
    return user


@transaction.atomic
def reset_password(*, actor: User | None, user: User, password: str) -> User:
    user = (
        User.objects.select_for_update(of=("self",)).select_related("home_division").get(pk=user.pk)
    )
    ensure_in_scope(actor, _audit_path(user) or None)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(
        actor=actor,
        action="user.reset_password",
        obj=user,
        division_path=_audit_path(user),
        changes={"password": ["***", "***(已重置)"]},
    )
    return user


@transaction.atomic
def change_own_password(*, actor: User, old_password: str, new_password: str) -> User:
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(old_password):
        raise ActionError(
            _("The old password is incorrect."), code="wrong_password", field="old_password"
        )
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record(
        actor=actor,
        action="user.change_password",
        obj=user,
        division_path=_audit_path(user),
        changes={"password": ["***", "***(已修改)"]},
    )
    return user


@transaction.atomic
def create_token(
    *, actor: User | None, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token acting as ``user``. Returns the token and its raw value (shown once)."""
    ensure_in_scope(actor, _audit_path(user) or None)
    name = (name or "").strip()
    if not name:
        raise ActionError(
            _("Enter a name for the token (for example “Checkpoint terminal”)."),
            code="name_required",
            field="name",
        )
    if not user.is_active:
        raise ActionError(
            _("Cannot create a token for a deactivated user."), code="user_inactive", field="user"
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ActionError(
            _("The expiry must be in the future."), code="expired", field="expires_at"
        )
    raw = new_raw_token()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:10],
        key_hash=hash_token(raw),
        created_by=actor,
        expires_at=expires_at,
    )
    record(
        actor=actor,
        action="token.create",
        obj=token,
        division_path=_audit_path(user),
        changes={"name": [None, token.name], "user": [None, user.username]},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("user__home_division")
        .get(pk=token.pk)
    )
    ensure_in_scope(actor, _audit_path(token.user) or None)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="token.revoke",
            obj=token,
            division_path=_audit_path(token.user),
            changes={"revoked": [False, True]},
        )
    return token


def authenticate_token(raw: str) -> ApiToken | None:
    """The usable token with this raw value, or None. Touches last_used_at at most once a minute."""
    if not raw or not raw.startswith("fk_") or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user__home_division")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    prime_permissions(token.user)
    return token


def prime_permissions(user: User) -> None:
    """Load the user's permissions (own and through roles) in one query instead of
    ModelBackend's two; machine terminals send hundreds of requests a second."""
    if not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .order_by()
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}  # type: ignore[attr-defined]


@transaction.atomic
def record_login(*, user: User) -> None:
    """A successful login, audited like any other action."""
    record(actor=user, action="user.login", obj=user, division_path=_audit_path(user))


@transaction.atomic
def record_login_failure(*, username: str) -> None:
    """A failed login. The account named (if it exists) decides who may see the row.

    What was typed is kept only when it is an existing username: people sometimes type their
    password into the username field, and that must not land in the audit log.
    """
    username = (username or "")[:150]
    target = User.objects.select_related("home_division").filter(username=username).first()
    record(
        actor=None,
        action="user.login_failed",
        object_type="accounts.user",
        object_id=str(target.pk) if target else "",
        object_repr=username if target else "（未知账号）",
        division_path=_audit_path(target) if target else "",
    )


@transaction.atomic
def record_logout(*, user: User) -> None:
    record(actor=user, action="user.logout", obj=user, division_path=_audit_path(user))
