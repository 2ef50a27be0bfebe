"""Fixtures for the investigation tests: a case in 南关区 (华阳社区 第一网格) diagnosed and
isolated on 2020-01-22 10:00 with onset 2020-01-20, a case in 昌邑区 (东市场社区), and the
health commission users of both counties and of the province."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.people.choices import Sex
from fangkong.people.models import Person

DIAGNOSED = dt.datetime(2020, 1, 22, 10, 0)


def at(day: dt.date | dt.datetime, hour: int = 0, minute: int = 0) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return timezone.make_aware(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def inv(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    s = SimpleNamespace(tree=tree)
    person = make_person(tree.grid1, name="王建华", birth=dt.date(1974, 6, 1))
    Person.objects.filter(pk=person.pk).update(sex=Sex.MALE)
    person.refresh_from_db()
    s.person = person
    s.case = make_case(
        tree.grid1, person=person, onset=dt.date(2020, 1, 20), diagnosed_at=at(DIAGNOSED)
    )
    s.other_case = make_case(
        tree.other_grid, onset=dt.date(2020, 1, 19), diagnosed_at=at(DIAGNOSED)
    )
    s.nanguan = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION], full_name="李调查")
    s.changyi = make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION])
    s.province = make_user(tree.province, roles=[Role.HEALTH_COMMISSION])
    s.county_command = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    return s
