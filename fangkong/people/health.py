"""The health checks every module shares, on the terms of :mod:`fangkong.people.choices`: what
a temperature may be, what a fever is, which symptoms exist. Screening, observation, the
checkpoints and the screening import all check through these, so a temperature is refused or
called a fever the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.people.choices import FEVER_AT, TEMPERATURE_MAX, TEMPERATURE_MIN, Symptom

TENTH = Decimal("0.1")


def clean_temperature(value: Any, *, field: str = "temperature") -> Decimal:
    """A body temperature in ℃ with one decimal, 35.0–42.0; anything else is refused with a
    message saying so (``bad_temperature`` when it is no number, ``temperature_out_of_range``
    when it is one outside the bounds, however large: 1E+308 is refused, not a fever)."""
    try:
        raw = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raw = None
    if raw is None or not raw.is_finite():
        raise ActionError(
            _("Enter the temperature in ℃, for example 36.5."), code="bad_temperature", field=field
        )
    try:
        temperature = raw.quantize(TENTH)
    except InvalidOperation:  # too many digits to round: far outside the bounds
        temperature = None
    if temperature is None or not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        raise ActionError(
            _("The temperature must be between %(low)s and %(high)s ℃; %(value)s is not.")
            % {"low": TEMPERATURE_MIN, "high": TEMPERATURE_MAX, "value": str(raw)[:20]},
            code="temperature_out_of_range",
            field=field,
        )
    return temperature


def is_fever(temperature: Decimal | None) -> bool:
    """At or above 37.3 ℃ (``FEVER_AT``); no temperature is no fever."""
    return temperature is not None and temperature >= FEVER_AT


def clean_symptoms(values: Iterable[str] | None, *, field: str = "symptoms") -> list[str]:
    """Symptoms from the fixed list, each once, in the list's order."""
    given = set(values or ())
    unknown = given - set(Symptom.values)
    if unknown:
        raise ActionError(
            _("Unknown symptom: %(value)s.") % {"value": ", ".join(sorted(unknown))},
            code="bad_symptom",
            field=field,
        )
    return [s for s in Symptom.values if s in given]
