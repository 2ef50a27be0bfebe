"""The demo loader of the medical staff app (fangkong/demo/medical_staff.py)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.demo.medical_staff import load
from fangkong.medical_staff import selectors
from fangkong.medical_staff.models import FamilyCare
from fangkong.medical_staff.tests.factories import make_hospital


def test_the_demo_has_one_nurse_due_and_her_childs_care_request(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    hospital = make_hospital(tree.nanguan, "长春市传染病医院（定点医院）")
    assert load(hospital) == 12
    assert load(hospital) == 0  # once
    province = make_user(tree.province, roles=[Role.PROVINCE_COMMAND])
    due = selectors.due_for_rotation(province, timezone.localdate())
    assert [d.staff.name for d in due] == ["孙秀英"]
    child = FamilyCare.objects.get().care.person
    assert child is not None and child.name == "孙小雨"
