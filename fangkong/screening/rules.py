"""The screening outcome, decided in one place (DESIGN.md section 4), with the reasons.

:func:`assess` is a pure function of the facts of one screening and the key areas that hold
where it was made. In order:

1. fever (≥ 37.3 ℃) or symptoms, together with a key-area or case link in the last 14 days
   → referral to a fever clinic;
2. fever alone → referral to a fever clinic;
3. a key-area or case link in the last 14 days (arrival from or travel through a key area
   while it was one; contact with a confirmed or suspected case or with a person from a key
   area) → home medical observation, 14 days from the last exposure;
4. otherwise → no risk.

Each reason is a code and its parameters (:class:`Reason`), stored with the screening and
rendered in the reader's language when shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from fangkong.people.choices import OBSERVATION_DAYS, Symptom
from fangkong.people.health import is_fever
from fangkong.people.period import ObservationPeriod, release_date
from fangkong.screening.choices import Contact, Outcome

TEXTS: dict[str, Promise] = {
    "fever": _("Temperature %(temperature)s ℃ is a fever (37.3 ℃ or above)."),
    "no_fever": _("Temperature %(temperature)s ℃ is normal."),
    "no_temperature": _("Enter the temperature to assess fever."),
    "symptoms": _("Symptoms: %(symptoms)s."),
    "arrival_key_area": _(
        "Arrived from %(place)s on %(date)s, %(days)s days ago; %(area)s is a key area since "
        "%(since)s."
    ),
    "travel_key_area": _(
        "Was in %(place)s on %(date)s, %(days)s days ago; %(area)s is a key area since %(since)s."
    ),
    "key_area_over": _(
        "Was in %(place)s (key area %(area)s) on %(date)s, %(days)s days ago: more than 14 days."
    ),
    "contact": _("Contact with %(contact)s on %(date)s, %(days)s days ago."),
    "contact_over": _(
        "Contact with %(contact)s on %(date)s, %(days)s days ago: more than 14 days."
    ),
    "contact_fever_patient": _(
        "Contact with a fever patient on %(date)s: no observation by itself; watch for symptoms."
    ),
    "refer_with_link": _(
        "Fever or symptoms together with a key-area or case link: refer to a fever clinic."
    ),
    "refer_fever": _("Fever: refer to a fever clinic."),
    "observe": _(
        "Home medical observation for 14 days from the last exposure (%(last)s); release from "
        "observation on %(until)s."
    ),
    "symptoms_only": _(
        "Symptoms without fever and without a key-area or case link: no rule applies; advise a "
        "doctor's visit if they get worse."
    ),
    "no_risk": _("No fever, no key-area travel and no contact with a case in the last 14 days."),
}


@dataclass(frozen=True)
class Reason:
    """One reason for an outcome: a message code and its parameters (JSON-safe)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        params = dict(self.params)
        comma = pgettext("enumeration comma", ", ")
        if "symptoms" in params:
            labels = dict(Symptom.choices)
            params["symptoms"] = comma.join(str(labels.get(s, s)) for s in params["symptoms"])
        if "contact" in params:
            params["contact"] = str(dict(Contact.choices).get(params["contact"], params["contact"]))
        return str(TEXTS[self.code]) % params if params else str(TEXTS[self.code])

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        code = data.get("code", "")
        return cls(code if code in TEXTS else "no_risk", dict(data.get("params") or {}))


@dataclass(frozen=True)
class Place:
    """Where someone was: a division code (empty outside China), a name and a date."""

    code: str
    name: str
    date: dt.date


@dataclass(frozen=True)
class Area:
    """A key area as the rules see it (``KeyArea`` rows, or plain values in tests)."""

    code: str
    name: str
    start_date: dt.date
    end_date: dt.date | None = None

    def covers(self, place_code: str, day: dt.date) -> bool:
        if not place_code or not place_code.ljust(12, "0").startswith(self.code):
            return False
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class Facts:
    screened_on: dt.date
    temperature: Decimal | None = None
    symptoms: Sequence[str] = ()
    arrival: Place | None = None
    travel: Sequence[Place] = ()
    contact: str = Contact.NONE
    contact_date: dt.date | None = None


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    reasons: list[Reason]
    last_exposure: dt.date | None = None
    # The screening day: a home observation starts then (observation.actions.start_observation).
    start: dt.date | None = None

    @property
    def observe_until(self) -> dt.date | None:
        """The release date (解除观察日) of the home observation; see people/period.py."""
        if self.outcome != Outcome.HOME_OBSERVATION or self.last_exposure is None:
            return None
        return release_date(self.last_exposure)

    @property
    def period(self) -> ObservationPeriod | None:
        """The observation period the outcome starts (start, last day, release date)."""
        if self.observe_until is None or self.last_exposure is None or self.start is None:
            return None
        return ObservationPeriod.from_exposure(self.last_exposure, start=self.start)

    @property
    def texts(self) -> list[str]:
        return [str(r) for r in self.reasons]


def _area_for(place: Place, areas: Iterable[Area]) -> Area | None:
    """The most specific key area covering the place on that day."""
    found = [a for a in areas if a.covers(place.code, place.date)]
    return max(found, key=lambda a: len(a.code)) if found else None


def _exposures(
    facts: Facts, areas: Sequence[Area]
) -> tuple[list[tuple[dt.date, Reason]], list[Reason]]:
    """(exposures within 14 days as (date, reason), reasons for older ones)."""
    recent: list[tuple[dt.date, Reason]] = []
    old: list[Reason] = []
    places = [("arrival_key_area", facts.arrival)] if facts.arrival else []
    places += [("travel_key_area", p) for p in facts.travel]
    for code, place in places:
        assert place is not None
        area = _area_for(place, areas)
        if area is None:
            continue
        days = (facts.screened_on - place.date).days
        params = {
            "place": place.name or area.name,
            "area": area.name,
            "date": place.date.isoformat(),
            "days": days,
            "since": area.start_date.isoformat(),
        }
        if days < OBSERVATION_DAYS:
            recent.append((place.date, Reason(code, params)))
        else:
            del params["since"]
            old.append(Reason("key_area_over", params))
    if facts.contact != Contact.NONE and facts.contact_date is not None:
        days = (facts.screened_on - facts.contact_date).days
        params = {"contact": facts.contact, "date": facts.contact_date.isoformat(), "days": days}
        if facts.contact == Contact.FEVER:
            old.append(Reason("contact_fever_patient", {"date": params["date"]}))
        elif days < OBSERVATION_DAYS:
            recent.append((facts.contact_date, Reason("contact", params)))
        else:
            old.append(Reason("contact_over", params))
    return recent, old


def assess(facts: Facts, areas: Sequence[Area]) -> Assessment:
    """The outcome of a screening and why (see the module docstring for the rules)."""
    reasons: list[Reason] = []
    fever = is_fever(facts.temperature)
    if facts.temperature is None:
        reasons.append(Reason("no_temperature"))
    else:
        code = "fever" if fever else "no_fever"
        reasons.append(Reason(code, {"temperature": str(facts.temperature)}))
    symptoms = [s for s in facts.symptoms if s in Symptom.values]
    if symptoms:
        reasons.append(Reason("symptoms", {"symptoms": symptoms}))
    recent, old = _exposures(facts, areas)
    reasons += [r for _day, r in recent] + old
    if (fever or symptoms) and recent:
        reasons.append(Reason("refer_with_link"))
        last = max(day for day, _r in recent)
        return Assessment(Outcome.FEVER_CLINIC, reasons, last_exposure=last)
    if fever:
        reasons.append(Reason("refer_fever"))
        return Assessment(Outcome.FEVER_CLINIC, reasons)
    if recent:
        last = max(day for day, _r in recent)
        until = release_date(last)
        reasons.append(Reason("observe", {"last": last.isoformat(), "until": until.isoformat()}))
        return Assessment(
            Outcome.HOME_OBSERVATION, reasons, last_exposure=last, start=facts.screened_on
        )
    reasons.append(Reason("symptoms_only" if symptoms else "no_risk"))
    return Assessment(Outcome.NO_RISK, reasons)
