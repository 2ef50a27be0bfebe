"""The password policy (等保 2.0 level 3): length, character classes, no reuse, expiry.

The two validators are listed in ``AUTH_PASSWORD_VALIDATORS``, so ``validate_password`` (every
action that sets a password calls it) applies them with Django's own. The history itself is
written by the actions (``accounts.actions``), explicitly, beside the new password.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from fangkong.accounts.models import User

CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", lambda c: c.isascii() and c.isdigit()),
)


def character_classes(password: str) -> int:
    """How many of the four classes the password uses: lower case, upper case, digits, others."""
    found = {name for name, test in CLASSES for c in password if test(c)}
    if any(not any(test(c) for _name, test in CLASSES) for c in password):
        found.add("other")
    return len(found)


class LengthValidator(MinimumLengthValidator):
    """Django's minimum length, with our own message (Django's Chinese catalogue lacks the
    wording of Django 5.2)."""

    def get_error_message(self) -> str:
        return _("The password is too short: it must have at least %(count)d characters.") % {
            "count": self.min_length
        }

    def get_help_text(self) -> str:
        return _("At least %(count)d characters.") % {"count": self.min_length}


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, capitals, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "The password must use at least %(count)d of these four kinds of character: "
            "lower-case letters, capital letters, digits, other symbols."
        ) % {"count": self.min_classes}


class HistoryValidator:
    """Not one of the account's last ``count`` passwords: the current one and the ``count - 1``
    before it (kept hashed in ``PasswordHistory``)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        if user.password and user.check_password(password):
            raise ValidationError(self.get_help_text(), code="password_reused")
        for old in user.password_history.order_by("-created_at", "-id")[: self.count - 1]:
            if check_password(password, old.password):
                raise ValidationError(self.get_help_text(), code="password_reused")

    def get_help_text(self) -> str:
        return _("The password must differ from your last %(count)d passwords.") % {
            "count": self.count
        }


def validator_option(name: str, option: str, default: int) -> int:
    """An option of a validator in AUTH_PASSWORD_VALIDATORS (``name``: the end of its path)."""
    entries = cast(list[dict[str, Any]], settings.AUTH_PASSWORD_VALIDATORS)
    for entry in entries:
        if str(entry["NAME"]).endswith(name):
            return int(entry.get("OPTIONS", {}).get(option, default))
    return default


def history_length() -> int:
    """How many earlier passwords to keep: the validator's count, less the current one."""
    return validator_option(".HistoryValidator", "count", 5) - 1


def password_expired(user: User) -> bool:
    """The password is older than FANGKONG_PASSWORD_MAX_AGE_DAYS (0: passwords never expire)."""
    days = int(getattr(settings, "FANGKONG_PASSWORD_MAX_AGE_DAYS", 0) or 0)
    if days <= 0 or user.password_changed_at is None:
        return False
    return timezone.now() - user.password_changed_at > dt.timedelta(days=days)
