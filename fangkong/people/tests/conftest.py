"""Fixtures of the person registry's tests: people made through the registry's own action.

The ``tree`` fixture (root conftest.py) gives 吉林省 › 长春市 › 南关区 › 南岭街道 › 华阳社区 with
grids 第一网格 (``grid1``) and 第二网格 (``grid2``), and a second subtree 吉林市 › … › 东市场社区
with its own 第一网格 (``other_grid``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Max

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.people import actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.people.models import Household, Person, PersonMove

# 南关区 (220102), born 1985-03-07, sequence 123: a man
ZHANG_ID = "220102198503071237"
# 南关区, born 1990-12-31, sequence 124: a woman
LI_ID = "220102199012311245"


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


def audit_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


def everything() -> tuple[Any, ...]:
    """Every row a person write can touch: compare before and after to prove nothing moved."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(Household.objects.order_by("pk").values()),
        list(PersonMove.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


_numbers = itertools.count(1)


def new_id(area: str = "220102", sex: str = "M") -> str:
    """A fresh valid resident ID number (a different birth date each call)."""
    n = next(_numbers)
    sequence = (2 * n + (1 if sex == "M" else 0)) % 1000
    return compose_resident_id(area, dt.date(1950, 1, 1) + dt.timedelta(days=n), sequence)


@pytest.fixture
def make_person(tree: Any) -> Callable[..., Person]:
    def make(
        name: str = "张伟",
        grid: Any = None,
        doc_number: str | None = None,
        doc_type: str = DocType.RESIDENT_ID,
        **extra: Any,
    ) -> Person:
        person, created = actions.register_person(
            actor=None,
            grid=grid or tree.grid1,
            name=name,
            doc_type=doc_type,
            doc_number=doc_number or new_id(),
            **extra,
        )
        assert created
        return person

    return make


@pytest.fixture
def worker(tree: Any, make_user: Callable[..., User]) -> User:
    """The grid worker (网格员) of 华阳社区 第一网格: their jurisdiction is that one grid."""
    return make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def secretary(tree: Any, make_user: Callable[..., User]) -> User:
    """The secretary of 华阳社区: both its grids."""
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")


@pytest.fixture
def other_worker(tree: Any, make_user: Callable[..., User]) -> User:
    """The grid worker of 东市场社区 第一网格, in the other subtree (吉林市)."""
    return make_user(tree.other_grid, roles=[Role.GRID_WORKER], username="dongshi")


@pytest.fixture
def county(tree: Any, make_user: Callable[..., User]) -> User:
    """南关区's command office: sees and changes people, but not their full numbers."""
    return make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan")
