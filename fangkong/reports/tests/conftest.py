"""Fixtures: users of each level down the 南关区 chain (华阳社区, 恒安社区, 南岭街道, 南关区,
长春市, 吉林省) and of the sibling chain (东市场社区, 昌邑区)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role


@pytest.fixture
def rpt(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    r = SimpleNamespace(tree=tree)
    r.huayang = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")
    r.hengan = make_user(tree.hengan, roles=[Role.VILLAGE_SECRETARY], username="hengan")
    r.dongshi = make_user(tree.dongshi, roles=[Role.VILLAGE_SECRETARY], username="dongshi")
    r.nanling = make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND], username="nanling")
    r.nanguan = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan")
    r.changyi = make_user(tree.changyi, roles=[Role.COUNTY_COMMAND], username="changyi")
    r.changchun = make_user(tree.changchun, roles=[Role.CITY_COMMAND], username="changchun")
    r.province = make_user(tree.province, roles=[Role.PROVINCE_COMMAND], username="sheng")
    r.grid_worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    return r
