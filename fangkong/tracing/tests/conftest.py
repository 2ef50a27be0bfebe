"""Fixtures for the tracing tests: a case in 南关区 (华阳社区 第一网格), the health commissions
of 南关区 and of the sibling 昌邑区 (吉林市), their command offices and the province's."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.tracing.tests.factories import tracing_case


@pytest.fixture
def tr(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    t = SimpleNamespace(tree=tree)
    t.case = tracing_case(tree.grid1)
    t.health = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="nanguan_wjw")
    t.other_health = make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION], username="changyi_wjw")
    t.county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan_zh")
    t.other_county = make_user(tree.changyi, roles=[Role.COUNTY_COMMAND], username="changyi_zh")
    t.province = make_user(tree.province, roles=[Role.PROVINCE_COMMAND], username="sheng_zh")
    t.worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    return t
