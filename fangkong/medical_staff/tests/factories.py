"""Test factories: a designated hospital with an isolation ward, its staff, and a person record
for a staff member."""

from __future__ import annotations

import datetime as dt

from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Facility, Ward
from fangkong.medical.tests.factories import make_clinic
from fangkong.medical_staff import actions
from fangkong.medical_staff.choices import StaffRole
from fangkong.medical_staff.models import StaffMember
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.people.models import Person
from fangkong.regions.models import Division


def make_hospital(division: Division, name: str = "定点医院") -> Facility:
    return make_clinic(division, name=name, kind=FacilityKind.DESIGNATED_HOSPITAL)


def make_ward(facility: Facility, name: str = "隔离病区一病区") -> Ward:
    ward, _created = Ward.objects.get_or_create(
        facility=facility,
        name=name,
        defaults={
            "division_path": facility.division_path,
            "facility_kind": facility.kind,
            "bed_type": BedType.ISOLATION_WARD,
            "capacity": 40,
        },
    )
    return ward


def make_person(grid: Division, name: str, sequence: int) -> Person:
    person, _created = people_actions.register_person(
        actor=None,
        grid=grid,
        name=name,
        doc_type=DocType.RESIDENT_ID,
        doc_number=compose_resident_id("220102", dt.date(1990, 1, 1), sequence),
        address=f"{grid.name}幸福路{sequence}号",
    )
    return person


def make_staff(
    facility: Facility,
    name: str = "护士甲",
    role: str = StaffRole.NURSE,
    person: Person | None = None,
    ward: Ward | None = None,
) -> StaffMember:
    return actions.create_staff(
        actor=None, facility=facility, name=name, role=role, person=person, ward=ward
    )
