"""Validators shared by several domains (phones); each raises ActionError with a clear message."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError


def clean_phone(phone: str, *, field: str = "phone", required: bool = True) -> str:
    """A mainland mobile (11 digits starting with 1) or a landline with area code (0…)."""
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not phone and not required:
        return ""
    mobile = len(phone) == 11 and phone.isdigit() and phone.startswith("1")
    landline = 7 <= len(phone) <= 12 and phone.isdigit() and phone.startswith("0")
    if not (mobile or landline):
        raise ActionError(
            _("Enter an 11-digit mobile number or a landline number with its area code."),
            code="bad_phone",
            field=field,
        )
    return phone
