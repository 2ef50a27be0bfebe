"""Checks of the facts a screening or a check-in records; each raises ActionError with a clear
message and the form field it belongs to. The temperature and symptoms are checked by
:mod:`fangkong.people.health`, shared with the other modules."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.people.idcard import PROVINCES

CODE_LENGTHS = (2, 4, 6, 9, 12)  # province, prefecture, county, township, village


def clean_past_date(
    value: dt.date | None,
    *,
    field: str,
    label: str,
    required: bool = False,
    not_after: dt.date | None = None,
) -> dt.date | None:
    """A date that is not in the future (nor after ``not_after``, e.g. the screening date)."""
    if value is None:
        if required:
            raise ActionError(
                _("Enter the %(label)s.") % {"label": label}, code="date_required", field=field
            )
        return None
    today = timezone.localdate()
    if value > today:
        raise ActionError(
            _("The %(label)s (%(date)s) is in the future.")
            % {"label": label, "date": value.isoformat()},
            code="future_date",
            field=field,
        )
    if not_after is not None and value > not_after:
        raise ActionError(
            _("The %(label)s (%(date)s) is after the screening date.")
            % {"label": label, "date": value.isoformat()},
            code="date_after_screening",
            field=field,
        )
    if value.year < 2019:
        raise ActionError(
            _("The %(label)s (%(date)s) is too long ago.")
            % {"label": label, "date": value.isoformat()},
            code="date_too_old",
            field=field,
        )
    return value


def clean_place_code(value: str | None, *, field: str, required: bool = False) -> str:
    """A national division code or prefix: 2, 4, 6, 9 or 12 digits of a known province."""
    code = (value or "").strip()
    if not code:
        if required:
            raise ActionError(_("Enter a division code."), code="code_required", field=field)
        return ""
    if not (code.isascii() and code.isdigit()) or len(code) not in CODE_LENGTHS:
        raise ActionError(
            _("A division code has 2, 4, 6, 9 or 12 digits (42 湖北省, 4201 武汉市)."),
            code="bad_division_code",
            field=field,
        )
    if code[:2] not in PROVINCES:
        raise ActionError(
            _("The code starts with %(code)s, which is no province.") % {"code": code[:2]},
            code="unknown_province",
            field=field,
        )
    return code


def clean_uuid(value: Any, *, field: str = "client_uuid") -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError, TypeError):
        raise ActionError(
            _("The client UUID is malformed (expected e.g. 0f8b6c2e-…-…)."),
            code="bad_uuid",
            field=field,
        ) from None
