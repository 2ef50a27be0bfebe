"""One parser for what a request carries: ids, whole numbers, dates and paging cursors.

Every list page, API list and export reads its query string through these functions, so every
variant of a bad input is refused the same way (400 with a clear message), never a 500:

- an id is 1 to 19 ASCII decimal digits and at most 2**63 - 1 (``²``, ``１２``, ``-1``, ``2**63``
  are refused; ``str.isdigit()`` accepts the first two and ``int()`` then fails or overflows);
- a date is ``YYYY-MM-DD`` between 1900-01-01 and 2100-12-31, so that a day's bounds, "+14 days"
  or "29 days back" can never leave Python's date range;
- a cursor is the exact text a page handed out (``encode_*``), decoded with the same bounds.

Views raise :class:`BadInput` (an :class:`ActionError`): the API answers it as JSON 400 and the
``BadInputMiddleware`` renders the 400 page with its message. Forms and API schemas use the same
bounds through :class:`DateField` and the annotated types ``ApiId`` and ``ApiDate``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import Field, WithJsonSchema

from fangkong.core.errors import ActionError

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_ID = 2**63 - 1  # PostgreSQL bigint
MAX_CURSOR_TEXT = 150  # codes, paths and usernames used as keys

_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_SIGNED = re.compile(r"-?[0-9]{1,19}", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DATE_CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.([0-9]{1,19})", re.ASCII)
_MOMENT_CURSOR = re.compile(r"(-?[0-9]{1,19})_([0-9]{1,19})", re.ASCII)
# the same shapes for the OpenAPI description of the API's ``after`` parameters
DATE_CURSOR_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\.[0-9]{1,19}$"
MOMENT_CURSOR_PATTERN = r"^-?[0-9]{1,19}_[0-9]{1,19}$"
# what a passage cursor counts microseconds from
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MIN_MOMENT = dt.datetime.combine(MIN_DATE, dt.time.min, tzinfo=dt.UTC)
_MAX_MOMENT = dt.datetime.combine(MAX_DATE, dt.time.max, tzinfo=dt.UTC)


class BadInput(ActionError):
    """A query parameter that cannot be what it names: answered 400 with ``message``."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "bad_input"):
        super().__init__(message, code=code, field=field)


def _clean(raw: str | None) -> str:
    return (raw or "").strip()


def parse_id(raw: str | None, *, field: str) -> int | None:
    """A record id (1 … 2**63 - 1, ASCII digits only); ``None`` when empty."""
    text = _clean(raw)
    if not text:
        return None
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
        raise BadInput(
            _("“%(field)s” must be a record number (digits 0-9 only).") % {"field": field},
            field=field,
        )
    return int(text)


def parse_int(
    raw: str | None, *, field: str, min_value: int = 0, max_value: int = MAX_ID
) -> int | None:
    """A whole number between ``min_value`` and ``max_value``; ``None`` when empty."""
    text = _clean(raw)
    if not text:
        return None
    if not _SIGNED.fullmatch(text) or not min_value <= int(text) <= max_value:
        raise BadInput(
            _("“%(field)s” must be a whole number from %(min)s to %(max)s.")
            % {"field": field, "min": min_value, "max": max_value},
            field=field,
        )
    return int(text)


def date_out_of_bounds(value: dt.date) -> bool:
    return not MIN_DATE <= value <= MAX_DATE


def _date_message(field: str) -> str:
    return _("“%(field)s” must be a date in the form YYYY-MM-DD between %(min)s and %(max)s.") % {
        "field": field,
        "min": MIN_DATE.isoformat(),
        "max": MAX_DATE.isoformat(),
    }


def parse_date(raw: str | None, *, field: str) -> dt.date | None:
    """A day ``YYYY-MM-DD`` between 1900-01-01 and 2100-12-31; ``None`` when empty."""
    text = _clean(raw)
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(_date_message(field), field=field) from None
    if date_out_of_bounds(value):
        raise BadInput(_date_message(field), field=field)
    return value


def check_date(value: dt.date | None, *, field: str) -> dt.date | None:
    """A date parsed elsewhere (a form, a schema), refused outside 1900-2100."""
    if value is not None and date_out_of_bounds(value):
        raise BadInput(_date_message(field), field=field)
    return value


def _bad_cursor(field: str) -> BadInput:
    return BadInput(
        _("“%(field)s” is not a position this list handed out; start again from the first page.")
        % {"field": field},
        field=field,
        code="bad_cursor",
    )


def encode_date_cursor(day: dt.date, pk: int) -> str:
    return f"{day.isoformat()}.{pk}"


def parse_date_cursor(raw: str | None, *, field: str = "after") -> tuple[dt.date, int] | None:
    """A (day, id) key written ``YYYY-MM-DD.id``; ``None`` when empty."""
    text = _clean(raw)
    if not text:
        return None
    match = _DATE_CURSOR.fullmatch(text)
    try:
        if not match:
            raise ValueError
        day, pk = dt.date.fromisoformat(match[1]), int(match[2])
    except ValueError:
        raise _bad_cursor(field) from None
    if date_out_of_bounds(day) or not 1 <= pk <= MAX_ID:
        raise _bad_cursor(field)
    return day, pk


def encode_moment_cursor(moment: dt.datetime, pk: int) -> str:
    micros = (moment - EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}_{pk}"


def parse_moment_cursor(raw: str | None, *, field: str = "after") -> tuple[dt.datetime, int] | None:
    """A (moment, id) key written ``<microseconds since 1970-01-01 UTC>_id``."""
    text = _clean(raw)
    if not text:
        return None
    match = _MOMENT_CURSOR.fullmatch(text)
    if not match:
        raise _bad_cursor(field)
    try:
        moment = EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise _bad_cursor(field) from None
    pk = int(match[2])
    if not _MIN_MOMENT <= moment <= _MAX_MOMENT or not 1 <= pk <= MAX_ID:
        raise _bad_cursor(field)
    return moment, pk


def parse_text_cursor(raw: str | None, *, field: str = "after") -> str | None:
    """A text key (a code, a path, a username): printable, at most 150 characters."""
    text = _clean(raw)
    if not text:
        return None
    if len(text) > MAX_CURSOR_TEXT or not text.isprintable():
        raise _bad_cursor(field)
    return text


# --- the same bounds for forms and API schemas -------------------------------------------------


class DateField(forms.DateField):
    """A form's date, refused outside 1900-01-01 … 2100-12-31 with a clear message."""

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is not None and date_out_of_bounds(value):
            raise ValidationError(
                _("Enter a date between %(min)s and %(max)s.")
                % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
                code="date_bounds",
            )


# The years 1900-2100, for the OpenAPI description (JSON Schema has no bounds for a date).
DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
ApiId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A moment of those years (the bound is checked by ``InputSchema`` on the date in its zone).
ApiDateTime = Annotated[
    dt.datetime,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": r"^(19[0-9]{2}|20[0-9]{2}|2100)-",
            "description": "ISO 8601 with its offset, from 1900 to 2100",
        }
    ),
]
ApiDate = Annotated[
    dt.date,
    Field(ge=MIN_DATE, le=MAX_DATE),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "description": "YYYY-MM-DD, from 1900-01-01 to 2100-12-31",
        }
    ),
]
