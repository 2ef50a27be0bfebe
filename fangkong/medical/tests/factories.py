"""Test factories for facilities: a fever clinic or a designated hospital in a division, a ward
of beds of one type, an expert, a day's bed summary."""

from __future__ import annotations

import datetime as dt

from fangkong.medical import actions
from fangkong.medical.choices import FacilityKind, FacilityLevel
from fangkong.medical.models import BedDay, Expert, Facility, Ward
from fangkong.regions.models import Division


def make_clinic(
    division: Division, name: str = "发热门诊", kind: str = FacilityKind.FEVER_CLINIC
) -> Facility:
    facility, _created = Facility.objects.get_or_create(
        division=division,
        name=name,
        defaults={"kind": kind, "division_path": division.path, "address": f"{division.name}医院"},
    )
    return facility


def make_hospital(
    division: Division,
    name: str = "定点医院",
    kind: str = FacilityKind.DESIGNATED_HOSPITAL,
    level: str = FacilityLevel.TERTIARY,
) -> Facility:
    """A designated (or makeshift) hospital: it holds isolation-ward, negative-pressure and ICU
    beds."""
    facility, _created = Facility.objects.get_or_create(
        division=division,
        name=name,
        defaults={
            "kind": kind,
            "division_path": division.path,
            "address": f"{division.name}人民大街1号",
            "level": level,
            "contact_name": "王主任",
            "phone": "043188888888",
        },
    )
    return facility


def make_ward(
    facility: Facility,
    bed_type: str,
    capacity: int,
    name: str | None = None,
    out_of_service: int = 0,
) -> Ward:
    """A ward opened through ``create_ward`` (its path and kind copied from the facility)."""
    return actions.create_ward(
        actor=None,
        facility=facility,
        name=name or f"{bed_type}-{Ward.objects.filter(facility=facility).count() + 1}病区",
        bed_type=bed_type,
        capacity=capacity,
        out_of_service=out_of_service,
    )


def fill_ward(ward: Ward, occupied: int = 0, reserved: int = 0) -> Ward:
    """Beds taken the way the treatment app takes them: reserved, then occupied on arrival."""
    for _n in range(occupied + reserved):
        assert actions.reserve_bed(ward.pk), "no free bed to reserve"
    for _n in range(occupied):
        actions.occupy_reserved(ward.pk)
    ward.refresh_from_db()
    return ward


def make_expert(facility: Facility, name: str = "李专家", since: dt.date | None = None) -> Expert:
    return actions.add_expert(
        actor=None,
        facility=facility,
        name=name,
        specialty="重症医学",
        home_hospital="吉林大学第一医院",
        since=since,
    )


def make_bed_day(
    city: Division,
    day: dt.date,
    bed_type: str,
    *,
    capacity: int,
    occupied: int,
    reserved: int = 0,
    out_of_service: int = 0,
) -> BedDay:
    """A nightly summary written by hand (what ``snapshot_beds`` stores for a past day)."""
    return BedDay.objects.create(
        day=day,
        division=city,
        division_path=city.path,
        bed_type=bed_type,
        capacity=capacity,
        occupied=occupied,
        reserved=reserved,
        out_of_service=out_of_service,
        free=max(0, capacity - occupied - reserved - out_of_service),
    )
