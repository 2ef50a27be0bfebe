"""Fixtures: the leading group of 南关区 with a leader, a deputy and a working group, and the
users (the county's command office, the sibling county's, a grid worker, the organization
department)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.command.tests.factories import make_group, make_member


@pytest.fixture
def cmd(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    c = SimpleNamespace(tree=tree)
    c.group = make_group(tree.nanguan)
    c.leader = make_member(c.group, "李建国", "区委书记", "leader", phone="13900000001")
    c.deputy = make_member(c.group, "王晓梅", "区长", "deputy", phone="13900000002")
    c.county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhihui")
    c.sibling = make_user(tree.changyi, roles=[Role.COUNTY_COMMAND], username="changyi")
    c.grid_worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    c.org = make_user(tree.nanguan, roles=[Role.ORGANIZATION_DEPT], username="zuzhibu")
    return c
