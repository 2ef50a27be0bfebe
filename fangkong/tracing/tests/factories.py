"""Test factories for tracing: identities of contacts, a case whose dates make its contacts
close ones, and contacts added through the action."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from fangkong.cases.models import Case
from fangkong.cases.tests.factories import make_case
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.regions.models import Division
from fangkong.tracing import actions
from fangkong.tracing.choices import Relation
from fangkong.tracing.models import Contact

_serial = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def identity(area: str = "220102") -> str:
    """A valid resident ID number, new each call."""
    n = next(_serial)
    return compose_resident_id(
        area, dt.date(1985, 1, 1) + dt.timedelta(days=n // 900), 100 + n % 800
    )


def tracing_case(grid: Division, **extra: Any) -> Case:
    """A confirmed case living in ``grid``: onset 3 days ago, diagnosed and isolated yesterday
    10:00; an unprotected exposure 4 to 2 days ago makes a close contact."""
    diagnosed = timezone.make_aware(
        dt.datetime.combine(days_ago(1), dt.time(10, 0)), timezone.get_current_timezone()
    )
    extra.setdefault("onset", days_ago(3))
    return make_case(grid, diagnosed_at=diagnosed, **extra)


def contact_of(case: Case, residence: Division, *, actor: Any = None, **fields: Any) -> Contact:
    """A close contact of ``case`` living in ``residence``, added through the action."""
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"密接{n}",
        "doc_type": DocType.RESIDENT_ID,
        "doc_number": identity(),
        "phone": f"1380000{n:04d}",
        "address": f"{residence.name}{n}号",
        "relation": Relation.HOUSEHOLD,
        "first_exposure": days_ago(4),
        "last_exposure": days_ago(2),
        "protected": False,
    }
    values.update(fields)
    return actions.add_contact(actor=actor, case=case, residence=residence, **values)
