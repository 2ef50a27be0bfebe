"""Every write to users and API tokens, each audited in its own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.accounts.models import (
    ApiToken,
    PasswordHistory,
    User,
    hash_token,
    new_raw_token,
)
from fangkong.accounts.passwords import history_length
from fangkong.accounts.permissions import AccountsPerm
from fangkong.accounts.roles import ADMIN_ROLES, Role, group_name
from fangkong.accounts.twofactor import RECOVERY_CODES
from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import check_text

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
    admin = [r for r in roles if r in ADMIN_ROLES]
    if len(admin) > 1:
        # 三员分立: the system, security and audit administrators are three different people.
        labels = dict(Role.choices)
        message = _(
            "One account cannot hold two of the three administrator roles "
            "(system, security, audit administrator): %(roles)s."
        ) % {"roles": "、".join(str(labels[r]) for r in admin)}
        raise ActionError(message, code="admin_roles_exclusive", field="roles")
    return roles


def _guard_roles(
    actor: User | None, user: User | None, before: Iterable[str], after: Iterable[str]
) -> None:
    """Who may change which roles (三员分立, docs/adr/0011; docs/accounts.md).

    The three administrator roles are given and taken by a security administrator only (or by
    the command line, actor None); nobody changes their own roles.
    """
    if actor is None:
        return
    before, after = set(before), set(after)
    if user is not None and actor.pk == user.pk and before != after:
        raise ActionError(
            _("You cannot change your own roles; ask a security administrator."),
            code="own_roles",
            field="roles",
        )
    if (before ^ after) & set(ADMIN_ROLES) and not actor.has_perm(AccountsPerm.ASSIGN_ROLES):
        raise ActionError(
            _(
                "Only a security administrator can give or take the system, security or "
                "audit administrator role."
            ),
            code="cannot_assign_admin_roles",
            field="roles",
        )


def _set_roles(user: User, roles: list[str]) -> None:
    groups = list(Group.objects.filter(name__in=[group_name(r) for r in roles]))
    # Keep any non-role groups an operator added by hand.
    others = [g for g in user.groups.all() if not g.name.startswith("role:")]
    user.groups.set([*others, *groups])


def _check_password(password: str, user: User | None = None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        message = pgettext("list separator", "; ").join(exc.messages)
        raise ActionError(message, code="weak_password", field=field) from exc


def _store_password(user: User, password: str, *, must_change: bool) -> None:
    """Set the password (already validated), keep the old hash in the history (the last few
    only) and say whether the user must choose another at their next request."""
    if user.pk is not None and user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id")
        stale = list(keep.values_list("pk", flat=True)[history_length() :])
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()
    user.set_password(password)
    user.password_change_required = must_change
    user.password_changed_at = timezone.now()


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
    must_change_password: bool | None = None,
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
    _guard_roles(actor, None, [], roles)
    user = User(
        username=username,
        full_name=check_text(full_name.strip(), field="full_name"),
        phone=phone.strip(),
        title=check_text(title.strip(), field="title"),
        home_division=home_division,
    )
    _check_password(password, user)
    # A password an administrator chose is changed by its owner at the first login; the
    # command line (actor None: demo accounts, the first administrator) chooses for itself.
    if must_change_password is None:
        must_change_password = actor is not None
    _store_password(user, password, must_change=must_change_password)
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
    _guard_roles(actor, user, user.roles, roles)
    before = snapshot(user, USER_FIELDS)
    before["roles"] = sorted(user.roles)
    user.full_name, user.phone = check_text(full_name.strip(), field="full_name"), phone.strip()
    user.title = check_text(title.strip(), field="title")
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
    _store_password(user, password, must_change=actor is not None and actor.pk != user.pk)
    user.save(update_fields=["password", "password_change_required", "password_changed_at"])
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
    _check_password(new_password, user, field="new_password")
    _store_password(user, new_password, must_change=False)
    user.save(update_fields=["password", "password_change_required", "password_changed_at"])
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
    """The usable token with this raw value, or None, with its user's permissions loaded (roles
    and given directly; instead of ModelBackend's two queries). Touches last_used_at at most
    once a minute."""
    if not raw or not raw.startswith("fk_") or len(raw) > 100:
        return None
    # One query for the token, its user, the home division and the user's permissions: read
    # afresh on every request (no cache), so revoking, deactivating or a role change takes
    # effect on the next one.
    found = list(
        ApiToken.objects.usable()
        .select_related("user__home_division")
        # the SQL names tables and columns of the models only, nothing from the request
        .annotate(names=RawSQL(_permission_names_sql(connection.vendor), ()))  # noqa: S611
        .filter(key_hash=hash_token(raw))
        .order_by()[:1]
    )
    if not found:
        return None
    token = found[0]
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    if user.is_active and not user.is_superuser:
        names = token.names or ""  # type: ignore[attr-defined]
        user._perm_cache = set(names.split(",")) if names else set()  # type: ignore[attr-defined]
    return token


@cache
def _permission_names_sql(vendor: str) -> str:
    """A scalar subquery: the "app_label.codename" of every permission the token's user holds,
    through their roles or given directly, comma-joined (NULL for none). Written once as SQL
    (only its text is kept, never its result): building it with the ORM on every request cost
    more Python than the query it saves."""
    q = connection.ops.quote_name
    user_groups = User.groups.through._meta.db_table
    user_permissions = User.user_permissions.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    owner = f"{q(ApiToken._meta.db_table)}.{q('user_id')}"
    joined = "STRING_AGG" if vendor == "postgresql" else "GROUP_CONCAT"
    # model metadata only, no input
    return (
        f"SELECT {joined}(ct.{q('app_label')} || '.' || p.{q('codename')}, ',')"  # noqa: S608
        f" FROM {q(Permission._meta.db_table)} p"
        f" JOIN {q(ContentType._meta.db_table)} ct ON ct.{q('id')} = p.{q('content_type_id')}"
        f" WHERE p.{q('id')} IN ("
        f"SELECT gp.{q('permission_id')} FROM {q(group_permissions)} gp"
        f" JOIN {q(user_groups)} ug ON ug.{q('group_id')} = gp.{q('group_id')}"
        f" WHERE ug.{q('user_id')} = {owner}"
        f" UNION SELECT up.{q('permission_id')} FROM {q(user_permissions)} up"
        f" WHERE up.{q('user_id')} = {owner})"
    )


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


@transaction.atomic
def record_session_end(*, user: User, reason: str) -> None:
    """A session ended by the policy: ``idle`` (30 minutes without a request) or ``absolute``."""
    record(
        actor=user,
        action="user.session_expired",
        obj=user,
        division_path=_audit_path(user),
        changes={"reason": [None, reason]},
    )


# --- the second factor (TOTP; recovery codes as static tokens) -------------------------------


@transaction.atomic
def start_totp_enrolment(*, actor: User) -> TOTPDevice:
    """A new, unconfirmed authenticator key for the actor (any earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def confirm_totp_enrolment(*, actor: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending key with a code from the app: it replaces any earlier key, and a new
    set of recovery codes is made (returned to be shown once). None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).last()
    if device is None or not device.verify_token(code.strip()):
        record(
            actor=actor,
            action="user.2fa_failed",
            obj=actor,
            division_path=_audit_path(actor),
            changes={"step": [None, "enrol"]},
        )
        return None
    TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    record(
        actor=actor,
        action="user.2fa_enrol",
        obj=actor,
        division_path=_audit_path(actor),
        changes={"second_factor": [None, "totp"]},
    )
    return device, codes


@transaction.atomic
def verify_second_factor(*, actor: User, code: str) -> Device | None:
    """Check a code after the password: the authenticator's, or one recovery code (used up).
    Each failure and each recovery code used is audited; django-otp slows repeated failures."""
    code = code.strip().replace(" ", "").lower()
    device: Device | None = None
    totp = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True).first()
    if code.isdigit() and totp is not None and totp.verify_token(code):
        device = totp
    elif not code.isdigit():
        static = StaticDevice.objects.select_for_update().filter(user=actor).first()
        if static is not None and static.verify_token(code):
            device = static
            left = static.token_set.count()
            record(
                actor=actor,
                action="user.2fa_recovery_used",
                obj=actor,
                division_path=_audit_path(actor),
                changes={"recovery_codes_left": [left + 1, left]},
            )
    if device is None:
        record(
            actor=actor,
            action="user.2fa_failed",
            obj=actor,
            division_path=_audit_path(actor),
            changes={"step": [None, "login"]},
        )
    return device


@transaction.atomic
def renew_recovery_codes(*, actor: User) -> list[str]:
    codes = _new_recovery_codes(actor)
    record(
        actor=actor,
        action="user.2fa_recovery_renewed",
        obj=actor,
        division_path=_audit_path(actor),
    )
    return codes


# --- the security administrator: roles and lockouts ---------------------------------------------


@transaction.atomic
def set_roles(*, actor: User | None, user: User, roles: Iterable[str]) -> User:
    """Give a user exactly these roles (the security administrator's page)."""
    user = (
        User.objects.select_for_update(of=("self",)).select_related("home_division").get(pk=user.pk)
    )
    ensure_in_scope(actor, _audit_path(user) or None)
    roles = _check_roles(roles)
    before = sorted(user.roles)
    _guard_roles(actor, user, before, roles)
    if before != sorted(roles):
        _set_roles(user, roles)
        record(
            actor=actor,
            action="user.roles",
            obj=user,
            division_path=_audit_path(user),
            changes={"roles": [before, sorted(roles)]},
        )
    return user


@transaction.atomic
def release_lockout(*, actor: User | None, user: User) -> int:
    """Forget the failed logins recorded for this account (django-axes), ending its lockout.
    Returns how many records went."""
    from axes.models import AccessAttempt

    ensure_in_scope(actor, _audit_path(user) or None)
    count, _kinds = AccessAttempt.objects.filter(username=user.username).delete()
    if count:
        record(
            actor=actor,
            action="user.lockout_released",
            obj=user,
            division_path=_audit_path(user),
            changes={"failed_logins": [count, 0]},
        )
    return count


@transaction.atomic
def reset_second_factor(*, actor: User | None, user: User) -> int:
    """A lost phone: remove the user's authenticator and recovery codes. If their role requires
    a second factor, they enrol again at their next login. Returns how many devices went."""
    ensure_in_scope(actor, _audit_path(user) or None)
    if actor is not None and actor.pk == user.pk:
        raise ActionError(
            _("Ask another security administrator to reset your own second factor."),
            code="own_second_factor",
        )
    totp, _kinds = TOTPDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.filter(user=user).count()
    StaticDevice.objects.filter(user=user).delete()
    if totp or static:
        record(
            actor=actor,
            action="user.2fa_reset",
            obj=user,
            division_path=_audit_path(user),
            changes={"second_factor": ["totp", None]},
        )
    return totp + static
