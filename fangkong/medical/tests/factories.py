"""Test factories for facilities: a fever clinic in a division."""

from __future__ import annotations

from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
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
