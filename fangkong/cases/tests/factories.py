"""Test factories for cases: a person in a grid and a case of theirs reported by a clinic.

``make_case`` writes the rows directly (the facts a test starts from); tests of the case's own
course go through ``cases/actions.py``."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from fangkong.cases.choices import NATIONAL_REPORT_HOURS, Category, Method, Result, SampleType
from fangkong.cases.models import Case, Sample
from fangkong.medical.tests.factories import make_clinic
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.people.models import Person
from fangkong.regions.models import Division

_serial = itertools.count(1)


def county_of(division: Division) -> Division:
    """The county-level division (level 3) above or at ``division``."""
    code = division.path.strip("/").split("/")
    return Division.objects.get(path="/".join(code[:3]) + "/")


def make_person(
    grid: Division, name: str = "", birth: dt.date = dt.date(1980, 1, 1), **extra: Any
) -> Person:
    n = next(_serial)
    doc = compose_resident_id(grid.code[:6], birth + dt.timedelta(days=n // 1000), n % 1000)
    person, _created = people_actions.register_person(
        actor=None,
        grid=grid,
        name=name or f"病例{n}",
        doc_type=DocType.RESIDENT_ID,
        doc_number=doc,
        phone=extra.pop("phone", f"139{n:08d}"),
        address=extra.pop("address", f"{grid.name}{n}号"),
    )
    return person


def make_case(
    grid: Division,
    *,
    person: Person | None = None,
    category: str = Category.CONFIRMED,
    onset: dt.date | None = None,
    diagnosed_at: dt.datetime | None = None,
    clinic_division: Division | None = None,
    reported: bool = True,
    **extra: Any,
) -> Case:
    """A case of a person living in ``grid`` (created when not given), reported by a fever
    clinic of the grid's county (or of ``clinic_division``)."""
    person = person or make_person(grid)
    county = county_of(grid)
    clinic = make_clinic(clinic_division or county)
    diagnosed_at = diagnosed_at or timezone.now() - dt.timedelta(hours=3)
    if onset is None and category != Category.ASYMPTOMATIC:
        onset = diagnosed_at.date() - dt.timedelta(days=2)
    n = next(_serial)
    case = Case.objects.create(
        number=extra.pop("number", f"T{n:08d}"),
        person=person,
        address=person.address or grid.name,
        address_division=grid,
        division_path=grid.path,
        county=county,
        category=category,
        onset_date=onset,
        diagnosed_at=diagnosed_at,
        isolated_at=diagnosed_at,
        reporting_facility=clinic,
        reporting_path=clinic.division_path,
        reporting_doctor="李医生",
        responsible_facility=clinic,
        report_due_at=diagnosed_at + dt.timedelta(hours=NATIONAL_REPORT_HOURS),
        national_reported_at=diagnosed_at + dt.timedelta(minutes=40) if reported else None,
        confirmed_at=diagnosed_at if category == Category.CONFIRMED else None,
        **extra,
    )
    return case


def add_sample(
    case: Case, result: str = Result.POSITIVE, *, at: dt.datetime | None = None, number: str = ""
) -> Sample:
    n = next(_serial)
    at = at or case.diagnosed_at - dt.timedelta(hours=1)
    return Sample.objects.create(
        number=number or f"S{n:010d}",
        person=case.person,
        case=case,
        division_path=case.division_path,
        reporting_path=case.reporting_path,
        treating_path=case.treating_path,
        sample_type=SampleType.THROAT_SWAB,
        sampled_at=at,
        laboratory="吉林市疾控中心实验室",
        method=Method.PCR,
        result=result,
        result_at=at + dt.timedelta(hours=6) if result != Result.PENDING else None,
    )
