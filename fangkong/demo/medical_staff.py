"""Demo medical staff (医护人员) of one designated hospital: about a dozen doctors, nurses and
technicians, a roster in which one nurse reaches her 14th day in the isolation ward this week
(so she is due for rotation), and one family care request, for that nurse's child, sent to a
grid of the demo city. Names are made up, in the style of the other demo stories.

It goes through the medical staff actions like a user's clicks, as the system (``actor=None``),
once: nothing happens if the hospital has staff already."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from fangkong.medical.choices import BedType
from fangkong.medical.models import Facility, Ward
from fangkong.medical_staff import actions
from fangkong.medical_staff.choices import FamilyCareKind, ShiftKind, StaffRole
from fangkong.medical_staff.models import StaffMember
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

# (name, role, specialty)
STAFF = [
    ("王立新", StaffRole.DOCTOR, "呼吸与危重症医学科"),
    ("陈海燕", StaffRole.DOCTOR, "感染科"),
    ("刘建国", StaffRole.DOCTOR, "重症医学科"),
    ("赵春雷", StaffRole.DOCTOR, "感染科"),
    ("孙秀英", StaffRole.NURSE, "感染科护理"),  # due for rotation this week (the story)
    ("杨丽娟", StaffRole.NURSE, "重症护理"),
    ("黄敏", StaffRole.NURSE, "感染科护理"),
    ("周静", StaffRole.NURSE, "呼吸科护理"),
    ("吴艳", StaffRole.NURSE, "重症护理"),
    ("徐涛", StaffRole.TECHNICIAN, "医学影像"),
    ("朱娜", StaffRole.TECHNICIAN, "检验科"),
    ("高磊", StaffRole.OTHER, "院感防控"),
]
DUE_NURSE = "孙秀英"
CHILD = "孙小雨"
FAMILY_GRID = "220102001001001"  # 华阳社区第1网格 (the demo grid worker's)
SHIFTS = (ShiftKind.DAY, ShiftKind.EVENING, ShiftKind.NIGHT)


def _ward(hospital: Facility) -> Ward:
    ward = Ward.objects.filter(facility=hospital, active=True).order_by("id").first()
    if ward is not None:
        return ward
    ward, _created = Ward.objects.get_or_create(
        facility=hospital,
        name="隔离病区一病区",
        defaults={
            "division_path": hospital.division_path,
            "facility_kind": hospital.kind,
            "bed_type": BedType.ISOLATION_WARD,
            "capacity": 40,
        },
    )
    return ward


def _family_grid(hospital: Facility) -> Division | None:
    grid = Division.objects.filter(code=FAMILY_GRID, level=Level.GRID, active=True).first()
    if grid is None:  # another tree: any active grid of the hospital's city
        city = hospital.division_path.split("/")[:2]
        grid = (
            Division.objects.filter(
                path__startswith="/".join(city) + "/", level=Level.GRID, active=True
            )
            .order_by("path")
            .first()
        )
    return grid


@transaction.atomic
def load(hospital: Facility, *, today: dt.date | None = None) -> int:
    """The hospital's staff, two weeks of roster around today and one family care request.
    Returns how many staff members were added (0 when the hospital has staff already)."""
    if StaffMember.objects.filter(facility=hospital).exists():
        return 0
    today = today or timezone.localdate()
    ward = _ward(hospital)
    grid = _family_grid(hospital)
    nurse_person = child = None
    if grid is not None:
        address = f"{grid.name}幸福街12号"
        nurse_person, _created = people_actions.register_person(
            actor=None,
            grid=grid,
            name=DUE_NURSE,
            doc_type=DocType.RESIDENT_ID,
            doc_number=compose_resident_id("220102", dt.date(1988, 5, 12), 122),
            phone="13904310512",
            address=address,
        )
        child, _created = people_actions.register_person(
            actor=None,
            grid=grid,
            name=CHILD,
            doc_type=DocType.RESIDENT_ID,
            doc_number=compose_resident_id("220102", dt.date(2013, 9, 1), 124),
            address=address,
        )
    staff = []
    for i, (name, role, specialty) in enumerate(STAFF):
        staff.append(
            actions.create_staff(
                actor=None,
                facility=hospital,
                name=name,
                role=role,
                specialty=specialty,
                ward=ward if role in (StaffRole.DOCTOR, StaffRole.NURSE) else None,
                phone=f"1390431{i:04d}",
                person=nurse_person if name == DUE_NURSE else None,
            )
        )
    # the roster: the due nurse has been in the ward for 11 days and stays until her 14th
    # (in 3 days); the others in teams of four, a week in the ward, a week elsewhere
    start = today - dt.timedelta(days=10)
    end = today + dt.timedelta(days=3)
    planned = []
    for i, member in enumerate(staff):
        for n in range((end - start).days + 1):
            day = start + dt.timedelta(days=n)
            if member.name == DUE_NURSE:
                planned.append(actions.PlannedShift(member, day, ShiftKind.DAY, ward))
                continue
            if (n + i) % 4 == 3:  # a day off in four
                continue
            in_ward = member.ward_id is not None and (n // 7 + i) % 2 == 0
            kind = SHIFTS[(n + i) % len(SHIFTS)]
            planned.append(actions.PlannedShift(member, day, kind, ward if in_ward else None))
    actions.save_roster(actor=None, facility=hospital, start=start, end=end, shifts=planned)
    if grid is not None and child is not None:
        nurse = next(m for m in staff if m.name == DUE_NURSE)
        actions.request_family_care(
            actor=None,
            staff=nurse,
            grid=grid,
            kind=FamilyCareKind.CHILDCARE,
            description="爱人也在一线，孩子（小学二年级）在家上网课，需每日看护和送午饭。",
            family_doc_number=child.doc_number,
            today=today,
        )
    return len(staff)
