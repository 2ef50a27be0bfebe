"""Fixtures: a designated hospital of 南关区 with an isolation ward, a nurse linked to her
person record in 第一网格, a doctor without one, and the users."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.medical_staff.choices import StaffRole
from fangkong.medical_staff.tests.factories import (
    make_hospital,
    make_person,
    make_staff,
    make_ward,
)


@pytest.fixture
def ms(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    m = SimpleNamespace(tree=tree)
    m.hospital = make_hospital(tree.nanguan, "南关区定点医院")
    m.ward = make_ward(m.hospital)
    m.other_hospital = make_hospital(tree.changyi, "昌邑区定点医院")
    m.other_ward = make_ward(m.other_hospital, "昌邑隔离病区")
    m.nurse_person = make_person(tree.grid1, "林晓雯", 11)
    m.nurse = make_staff(m.hospital, "林晓雯", StaffRole.NURSE, m.nurse_person, m.ward)
    m.doctor = make_staff(m.hospital, "周正阳", StaffRole.DOCTOR)
    m.sibling_staff = make_staff(m.other_hospital, "吴春燕")
    m.clinic = make_user(tree.nanguan, roles=[Role.CLINIC_STAFF], username="yiyuan")
    m.county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhihui")
    m.sibling = make_user(tree.changyi, roles=[Role.CLINIC_STAFF], username="changyi")
    m.grid_worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    return m
