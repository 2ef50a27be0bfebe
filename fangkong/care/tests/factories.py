"""Small factories for the care tests: valid resident IDs, people in a grid, party members."""

from __future__ import annotations

import datetime as dt
import itertools

from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import check_character
from fangkong.people.models import Person
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridStaff

_numbers = itertools.count(1)


def resident_id(birth: dt.date = dt.date(1950, 3, 1), sequence: int | None = None) -> str:
    """A valid 南关区 resident ID number, different on every call."""
    n = next(_numbers) if sequence is None else sequence
    first17 = f"220102{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def add_person(grid: Division, name: str, address: str = "华阳街1号") -> Person:
    person, _created = people_actions.register_person(
        actor=None,
        grid=grid,
        name=name,
        doc_type=DocType.RESIDENT_ID,
        doc_number=resident_id(),
        address=address,
    )
    return person


def add_party_member(
    village: Division, name: str, phone: str, grid: Division | None = None
) -> GridStaff:
    staff = region_actions.create_staff(
        actor=None,
        village=village,
        name=name,
        phone=phone,
        kind=StaffKind.PARTY_MEMBER,
        party_organisation=f"{village.name}党委",
    )
    if grid is not None:
        region_actions.assign_staff(actor=None, grid=grid, staff=staff)
    return staff
