"""The screening rules (rules.py), one table row per rule and its edges, with the reasons.

No database: the rules are a pure function of the facts and the key areas. The day of the
screening is fixed at 2020-02-01; Hubei (42) and Wuhan (4201) are key areas from 2019-12-01,
Hangzhou (3301) was one from 2020-01-20 to 2020-01-25.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from fangkong.people.choices import Symptom
from fangkong.screening.choices import Contact, Outcome
from fangkong.screening.rules import TEXTS, Area, Facts, Place, Reason, assess

DAY = dt.date(2020, 2, 1)
AREAS = [
    Area("42", "湖北省", dt.date(2019, 12, 1)),
    Area("4201", "武汉市", dt.date(2019, 12, 1)),
    Area("3301", "杭州市", dt.date(2020, 1, 20), dt.date(2020, 1, 25)),
]


def ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


def facts(**over: object) -> Facts:
    values: dict[str, object] = {"screened_on": DAY, "temperature": Decimal("36.5")}
    values.update(over)
    return Facts(**values)  # type: ignore[arg-type]


def arrival(code: str, days: int, name: str = "") -> Place:
    return Place(code, name, ago(days))


HOME, CLINIC, NONE = Outcome.HOME_OBSERVATION, Outcome.FEVER_CLINIC, Outcome.NO_RISK

# (name, facts, outcome, reason codes in order, last exposure)
TABLE = [
    ("nothing at all", facts(), NONE, ["no_fever", "no_risk"], None),
    ("37.2 is no fever", facts(temperature=Decimal("37.2")), NONE, ["no_fever", "no_risk"], None),
    ("37.3 is a fever", facts(temperature=Decimal("37.3")), CLINIC, ["fever", "refer_fever"], None),
    (
        "symptoms alone",
        facts(symptoms=[Symptom.DRY_COUGH]),
        NONE,
        ["no_fever", "symptoms", "symptoms_only"],
        None,
    ),
    (
        "arrived from Hubei 7 days ago",
        facts(arrival=arrival("42", 7, "湖北省")),
        HOME,
        ["no_fever", "arrival_key_area", "observe"],
        ago(7),
    ),
    (
        "arrived 13 days ago: still inside the 14 days",
        facts(arrival=arrival("420100000000", 13)),
        HOME,
        ["no_fever", "arrival_key_area", "observe"],
        ago(13),
    ),
    (
        "arrived 14 days ago: the 14 days are over",
        facts(arrival=arrival("42", 14)),
        NONE,
        ["no_fever", "key_area_over", "no_risk"],
        None,
    ),
    (
        "arrived from Beijing",
        facts(arrival=arrival("11", 3, "北京市")),
        NONE,
        ["no_fever", "no_risk"],
        None,
    ),
    (
        "arrived from abroad (no code)",
        facts(arrival=arrival("", 3, "日本东京")),
        NONE,
        ["no_fever", "no_risk"],
        None,
    ),
    (
        "arrived from Hangzhou while it was a key area",
        facts(arrival=arrival("330106", 8)),
        HOME,
        ["no_fever", "arrival_key_area", "observe"],
        ago(8),
    ),
    (
        "arrived from Hangzhou after it stopped being one",
        facts(arrival=arrival("3301", 5)),
        NONE,
        ["no_fever", "no_risk"],
        None,
    ),
    (
        "travelled through Wuhan, arrived from Beijing",
        facts(arrival=arrival("11", 2), travel=[Place("4201", "武汉市", ago(6))]),
        HOME,
        ["no_fever", "travel_key_area", "observe"],
        ago(6),
    ),
    (
        "contact with a confirmed case 3 days ago",
        facts(contact=Contact.CONFIRMED, contact_date=ago(3)),
        HOME,
        ["no_fever", "contact", "observe"],
        ago(3),
    ),
    (
        "contact with a suspected case 15 days ago",
        facts(contact=Contact.SUSPECTED, contact_date=ago(15)),
        NONE,
        ["no_fever", "contact_over", "no_risk"],
        None,
    ),
    (
        "contact with a person from a key area",
        facts(contact=Contact.KEY_AREA, contact_date=ago(1)),
        HOME,
        ["no_fever", "contact", "observe"],
        ago(1),
    ),
    (
        "contact with a fever patient is no exposure by itself",
        facts(contact=Contact.FEVER, contact_date=ago(1)),
        NONE,
        ["no_fever", "contact_fever_patient", "no_risk"],
        None,
    ),
    (
        "fever and arrival from Hubei",
        facts(temperature=Decimal("38.2"), arrival=arrival("42", 4)),
        CLINIC,
        ["fever", "arrival_key_area", "refer_with_link"],
        ago(4),
    ),
    (
        "symptoms and contact with a confirmed case",
        facts(symptoms=[Symptom.FATIGUE], contact=Contact.CONFIRMED, contact_date=ago(2)),
        CLINIC,
        ["no_fever", "symptoms", "contact", "refer_with_link"],
        ago(2),
    ),
    (
        "fever, old exposure only: fever alone",
        facts(temperature=Decimal("37.5"), arrival=arrival("42", 20)),
        CLINIC,
        ["fever", "key_area_over", "refer_fever"],
        None,
    ),
    (
        "the last of several exposures counts",
        facts(arrival=arrival("42", 10), contact=Contact.CONFIRMED, contact_date=ago(2)),
        HOME,
        ["no_fever", "arrival_key_area", "contact", "observe"],
        ago(2),
    ),
    (
        "no temperature yet (the form's preview)",
        facts(temperature=None),
        NONE,
        ["no_temperature", "no_risk"],
        None,
    ),
]


@pytest.mark.parametrize(
    ("facts_", "outcome", "codes", "last"),
    [pytest.param(f, o, c, last, id=name) for name, f, o, c, last in TABLE],
)
def test_rules(facts_: Facts, outcome: Outcome, codes: list[str], last: dt.date | None) -> None:
    # when the rules assess the facts
    result = assess(facts_, AREAS)
    # then the outcome, its reasons (in order) and the last exposure are as the table says
    assert result.outcome == outcome
    assert [r.code for r in result.reasons] == codes
    assert result.last_exposure == last
    if outcome == HOME:
        assert last is not None
        assert result.observe_until == last + dt.timedelta(days=14)
    else:
        assert result.observe_until is None


def test_the_most_specific_key_area_is_named() -> None:
    # given someone from Wuchang (420106), inside both Hubei (42) and Wuhan (4201)
    result = assess(facts(arrival=arrival("420106", 3, "武昌区")), AREAS)
    # then the reason names Wuhan, the place as given, the date and the days
    reason = result.reasons[1]
    assert reason.params == {
        "place": "武昌区",
        "area": "武汉市",
        "date": "2020-01-29",
        "days": 3,
        "since": "2019-12-01",
    }


def test_a_key_area_declared_later_does_not_reach_back() -> None:
    # given Hubei a key area only from 2020-01-30, and someone who arrived on 2020-01-25
    late = [Area("42", "湖北省", dt.date(2020, 1, 30))]
    # then that arrival is no exposure
    assert assess(facts(arrival=arrival("42", 7)), late).outcome == NONE


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_reason_renders_in_every_language(language: str) -> None:
    # given one reason of each kind, with the parameters the rules give it
    params = {
        "temperature": "38.0",
        "symptoms": [Symptom.FEVER, Symptom.DRY_COUGH],
        "place": "武汉市",
        "area": "湖北省",
        "date": "2020-01-20",
        "days": 5,
        "since": "2019-12-01",
        "contact": Contact.CONFIRMED,
        "last": "2020-01-20",
        "until": "2020-02-03",
    }
    with translation.override(language):
        for code in TEXTS:
            # when it is shown, then it is text with every placeholder filled
            text = str(Reason(code, params))
            assert text and "%(" not in text


def test_a_stored_reason_survives_a_round_trip_and_an_unknown_code_is_harmless() -> None:
    reason = Reason("contact", {"contact": "confirmed", "date": "2020-01-30", "days": 2})
    assert Reason.from_dict(reason.as_dict()) == reason
    assert str(Reason.from_dict({"code": "gone", "params": {}}))  # rendered, not a crash
