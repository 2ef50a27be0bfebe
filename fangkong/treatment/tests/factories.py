"""Test factories for admission and transfer: facilities with coordinates, wards through
``medical.actions.create_ward``, and suspected cases reported at a fever clinic through
``cases.actions.report_case`` (isolated on the spot, waiting for a bed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from fangkong.cases import actions as case_actions
from fangkong.cases.choices import Category, Result
from fangkong.cases.models import Case
from fangkong.cases.tests.factories import add_sample, make_person
from fangkong.medical.actions import create_ward
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Facility, Ward
from fangkong.medical.tests.factories import make_clinic
from fangkong.regions.models import Division

# 长春市南关区 and thereabouts (lon, lat)
NANGUAN = (Decimal("125.350000"), Decimal("43.870000"))


def place(
    division: Division,
    name: str,
    kind: str = FacilityKind.FEVER_CLINIC,
    *,
    lon: Decimal | str | None = None,
    lat: Decimal | str | None = None,
) -> Facility:
    """A facility of ``kind`` in ``division`` at (lon, lat)."""
    facility = make_clinic(division, name=name, kind=kind)
    if lon is not None and lat is not None:
        Facility.objects.filter(pk=facility.pk).update(
            longitude=Decimal(str(lon)), latitude=Decimal(str(lat))
        )
        facility.refresh_from_db()
    return facility


def ward(
    facility: Facility,
    name: str = "一病区",
    bed_type: str = BedType.ISOLATION_WARD,
    capacity: int = 10,
) -> Ward:
    return create_ward(
        actor=None, facility=facility, name=name, bed_type=bed_type, capacity=capacity
    )


def suspected_case(grid: Division, clinic: Facility) -> Case:
    """A suspected case living in ``grid``, reported (and isolated on the spot) by ``clinic``."""
    person = make_person(grid)
    return case_actions.report_case(
        actor=None,
        person=person,
        facility=clinic,
        category=Category.SUSPECTED,
        address=person.address or grid.name,
        address_division=grid,
        diagnosed_at=timezone.now() - dt.timedelta(hours=1),
        reporting_doctor="王医生",
        onset_date=timezone.localdate() - dt.timedelta(days=2),
    )


def confirm(case: Case, severity: str = "ordinary") -> Case:
    """A positive result (sampled two days ago), then confirmation."""
    add_sample(case, Result.POSITIVE, at=timezone.now() - dt.timedelta(days=2))
    return case_actions.confirm_case(actor=None, case=case, severity=severity)


def ready_for_discharge(case: Case) -> None:
    """Two negative results sampled more than 24 h apart (the other criteria are the doctor's)."""
    add_sample(case, Result.NEGATIVE, at=timezone.now() - dt.timedelta(hours=30))
    add_sample(case, Result.NEGATIVE, at=timezone.now() - dt.timedelta(hours=2))


def counts(w: Ward) -> tuple[int, int]:
    """The ward's (occupied, reserved) as stored."""
    w.refresh_from_db()
    return (w.occupied, w.reserved)
