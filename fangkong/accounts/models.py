"""Users with a home division, their roles, and machine tokens for the API."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Role, group_name
from fangkong.core.jurisdiction import ScopedQuerySet


class UserQuerySet(ScopedQuerySet["User"]):
    pass


class FangkongUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who logs in. Their home division bounds everything they see and change."""

    scope_path_field = "home_division__path"

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    home_division = models.ForeignKey(
        "regions.Division",
        verbose_name=_("home division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    title = models.CharField(_("position"), max_length=50, blank=True)
    # Set when an administrator chose the password (a new account, a reset): the user must
    # change it before doing anything else (docs/accounts.md, password policy).
    password_change_required = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    objects = FangkongUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("manage_users", _("Can manage users in own jurisdiction")),
            ("assign_roles", _("Can assign roles to users in own jurisdiction")),
            ("manage_security", _("Can release lockouts and view the security policy")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def home_division_path(self) -> str | None:
        division = self.home_division
        return division.path if division is not None else None

    @property
    def roles(self) -> list[str]:
        names = [g.name for g in self.groups.all()]
        return [n.removeprefix("role:") for n in names if n.startswith("role:")]

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(r, r)) for r in self.roles]

    def has_role(self, role: str) -> bool:
        return self.groups.filter(name=group_name(role)).exists()


class PasswordHistory(models.Model):
    """A password an account had (its hash only), so that the last few are not used again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(ScopedQuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at=None, user__is_active=True).filter(
            models.Q(expires_at=None) | models.Q(expires_at__gt=now)
        )


TOKEN_PREFIX = "fk_"  # noqa: S105 - a label, not a secret


def hash_token(raw: str) -> str:
    """Tokens are 256-bit random values, so one SHA-256 is enough (no brute force possible)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A bearer token for a machine (hospital system, checkpoint terminal). Stored hashed; the
    raw value is shown once at creation. Acts as its user, with the user's roles and scope."""

    scope_path_field = "user__home_division__path"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        permissions = [("manage_tokens", _("Can create and revoke API tokens"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
