"""The rules of tracing (DESIGN.md section 4) as pure functions: who is a close contact and
until when they are observed. ``tracing/actions.py`` calls them; the pages show their reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.tracing.choices import (
    CONTACT_OBSERVATION_DAYS,
    CONTACT_WINDOW_DAYS,
    ContactKind,
)


@dataclass(frozen=True)
class Classification:
    kind: ContactKind
    reason: str
    observe_until: dt.date | None


def classify_contact(
    *,
    infection_date: dt.date,
    isolated_on: dt.date | None,
    first_exposure: dt.date,
    last_exposure: dt.date,
    protected: bool,
    secondary: bool,
    today: dt.date,
) -> Classification:
    """What an exposure makes of a contact.

    ``infection_date`` is the case's onset (or, for an asymptomatic infection, its sample
    date); ``isolated_on`` the day the case was isolated (nobody meets them unprotected after);
    ``secondary`` whether the person met a close contact rather than the case. Refuses
    exposures in the wrong order, in the future, or after the case's isolation."""
    if last_exposure < first_exposure:
        raise ActionError(
            _("The last exposure is before the first."),
            code="exposure_order",
            field="last_exposure",
        )
    if last_exposure > today:
        raise ActionError(
            _("The last exposure cannot be in the future."),
            code="exposure_future",
            field="last_exposure",
        )
    # nobody meets the case after its isolation: a contact of the case may not be exposed
    # beyond that day (a secondary contact met the close contact, who is not isolated then)
    beyond = first_exposure if secondary else last_exposure
    if isolated_on is not None and beyond > isolated_on:
        raise ActionError(
            _("The exposure (%(day)s) is after the case was isolated (%(isolated)s).")
            % {"day": beyond.isoformat(), "isolated": isolated_on.isoformat()},
            code="exposure_after_isolation",
            field="first_exposure" if beyond == first_exposure else "last_exposure",
        )
    until = last_exposure + dt.timedelta(days=CONTACT_OBSERVATION_DAYS)
    if secondary:
        return Classification(ContactKind.SECONDARY, _("met a close contact of the case"), until)
    window_start = infection_date - dt.timedelta(days=CONTACT_WINDOW_DAYS)
    if last_exposure < window_start:
        return Classification(
            ContactKind.GENERAL,
            _("last exposure before %(start)s, two days before the onset or sample date")
            % {"start": window_start.isoformat()},
            None,
        )
    if protected:
        return Classification(ContactKind.GENERAL, _("protected during the exposure"), None)
    return Classification(
        ContactKind.CLOSE,
        _("unprotected close contact from %(start)s (two days before the onset or sample date)")
        % {"start": window_start.isoformat()},
        until,
    )
