"""Small factories for screening and observation tests (and the jurisdiction matrix)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from django.utils import timezone

from fangkong.observation import actions as observation_actions
from fangkong.observation.models import CheckIn, Observation
from fangkong.people.actions import register_person
from fangkong.people.idcard import check_character
from fangkong.people.models import Person
from fangkong.regions.models import Division
from fangkong.screening import actions
from fangkong.screening.models import KeyArea, Screening

_numbers = itertools.count(1)


def make_id(n: int | None = None, *, region: str = "220102", sex: str = "M") -> str:
    """A valid resident ID number (GB 11643-1999), different for every ``n``."""
    n = next(_numbers) if n is None else n
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 400)
    sequence = (n % 400) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def hubei(division: Division, *, actor: Any = None) -> KeyArea:
    """湖北省 as a key area from 2019-12-01, declared at ``division``."""
    return actions.declare_key_area(
        actor=actor, division=division, code="42", name="湖北省", start_date=dt.date(2019, 12, 1)
    )


def screening_data(**over: Any) -> dict[str, Any]:
    """The keyword arguments of ``register_screening`` for an unremarkable screening."""
    data: dict[str, Any] = {
        "name": "张伟",
        "doc_number": make_id(),
        "phone": "13804310001",
        "address": "华阳小区1栋2单元301",
        "screened_on": today(),
        "temperature": "36.5",
    }
    data.update(over)
    return data


def screen(grid: Division, *, actor: Any = None, **over: Any) -> Screening:
    return actions.register_screening(actor=actor, grid=grid, **screening_data(**over))


def person(grid: Division, *, name: str = "李娜", doc_number: str | None = None) -> Person:
    found, _created = register_person(
        actor=None,
        grid=grid,
        name=name,
        doc_type="resident_id",
        doc_number=doc_number or make_id(),
        phone="13900001111",
        address="华阳小区3栋",
    )
    return found


def observe(
    grid: Division,
    *,
    name: str = "李娜",
    exposure_days_ago: int = 2,
    started_days_ago: int | None = None,
    who: Person | None = None,
) -> Observation:
    """A person under home observation since ``started_days_ago`` (default: the exposure)."""
    started = exposure_days_ago if started_days_ago is None else started_days_ago
    observation, _created = observation_actions.start_observation(
        actor=None,
        person=who or person(grid, name=name),
        grid=grid,
        last_exposure=days_ago(exposure_days_ago),
        start_date=days_ago(started),
        reason="自湖北返回",
    )
    return observation


def check_in(
    observation: Observation, *, day: dt.date | None = None, temperature: str = "36.6"
) -> CheckIn:
    stored, _created = observation_actions.record_check_in(
        actor=None,
        observation=observation,
        temperature=temperature,
        client_uuid=uuid.uuid4(),
        day=day,
    )
    return stored
