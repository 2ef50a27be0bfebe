"""Validators shared by several domains (phones, text); each raises ActionError with a clear
message."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError

# Characters no name, address or note may hold (a form, the API, an import): control characters
# but tab and line breaks (C0, DEL, C1), the Arabic letter mark, zero-width characters (U+200B-D),
# left-to-right and right-to-left marks, embeddings and overrides (U+200E-F, U+202A-E: "U+202E"
# turns "photo_gpj.exe" into "photo_exe.jpg"), the word joiner and invisible operators
# (U+2060-4), isolates and deprecated format characters (U+2066-F), the BOM (U+FEFF),
# interlinear annotations (U+FFF9-B) and lone surrogates (which PostgreSQL cannot store).
# Single-line fields fold tab and line breaks into a space (``" ".join(text.split())``).
FORBIDDEN_CHARACTERS = (  # as regular-expression escapes: for Python and for the OpenAPI pattern
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
FORBIDDEN_RE = re.compile(f"[{FORBIDDEN_CHARACTERS}\ud800-\udfff]")
# The same rule for the OpenAPI description (JSON text cannot carry a lone surrogate anyway).
TEXT_PATTERN = f"^[^{FORBIDDEN_CHARACTERS}]*$"


def forbidden_character_message(value: str) -> str | None:
    """Why ``value`` is refused (naming the first invisible or control character), or None."""
    match = FORBIDDEN_RE.search(value or "")
    if match is None:
        return None
    return _(
        "Remove the invisible or control character U+%(code)04X at position %(position)s "
        "(copied text often carries one)."
    ) % {"code": ord(match.group()), "position": match.start() + 1}


def check_text(value: str, *, field: str) -> str:
    """``value`` unchanged, or ActionError (``bad_character``) when it holds a character of
    ``FORBIDDEN_CHARACTERS``. For every name, address and note: prose keeps its line breaks."""
    message = forbidden_character_message(value)
    if message is not None:
        raise ActionError(message, code="bad_character", field=field)
    return value


def clean_line(value: Any, *, field: str, limit: int, required: str | None = None) -> str:
    """One line of text from a form or the API: runs of whitespace (line breaks included)
    become one space, forbidden characters are refused (``check_text``), ``required`` is the
    message when it is empty, and more than ``limit`` characters is refused with the count."""
    return _limited(
        check_text(" ".join(str(value or "").split()), field=field),
        field=field,
        limit=limit,
        required=required,
    )


def clean_prose(value: Any, *, field: str, limit: int, required: str | None = None) -> str:
    """Like ``clean_line`` for prose: only the ends are stripped, line breaks are kept."""
    return _limited(
        check_text(str(value or "").strip(), field=field),
        field=field,
        limit=limit,
        required=required,
    )


def _limited(text: str, *, field: str, limit: int, required: str | None) -> str:
    if required and not text:
        raise ActionError(required, code=f"{field}_required", field=field)
    if len(text) > limit:
        raise ActionError(
            _("This text cannot be longer than %(max)s characters (it has %(n)s).")
            % {"max": limit, "n": len(text)},
            code=f"{field}_too_long",
            field=field,
        )
    return text


def clean_phone(phone: str, *, field: str = "phone", required: bool = True) -> str:
    """A mainland mobile (11 digits starting with 1) or a landline with area code (0…)."""
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not phone and not required:
        return ""
    digits = phone.isascii() and phone.isdigit()  # not "１３８…" nor "²"
    mobile = len(phone) == 11 and digits and phone.startswith("1")
    landline = 7 <= len(phone) <= 12 and digits and phone.startswith("0")
    if not (mobile or landline):
        raise ActionError(
            _("Enter an 11-digit mobile number or a landline number with its area code."),
            code="bad_phone",
            field=field,
        )
    return phone
