"""Fixtures for the care tests: people in 华阳社区's grids, party members, and the users who
work with care requests (a grid worker, the village secretary, the township, a sibling)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind
from fangkong.care.models import CareRequest
from fangkong.care.tests.factories import add_party_member, add_person
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind


@pytest.fixture
def care(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    """华阳社区: two people in 第一网格 (one household), one in 第二网格; party members who work
    each grid, one of 恒安社区 and one in the sibling 东市场社区; and the users."""
    c = SimpleNamespace(tree=tree, grid1=tree.grid1, grid2=tree.grid2, other_grid=tree.other_grid)
    c.hengan_grid = region_actions.create_grid(actor=None, village=tree.hengan, name="恒安一格")
    c.grandma = add_person(tree.grid1, "李桂英", "华阳街1号")
    c.grandson = add_person(tree.grid1, "李浩然", "华阳街1号")
    c.neighbour = add_person(tree.grid2, "王淑珍", "华阳街9号")
    c.hengan_person = add_person(c.hengan_grid, "赵玉兰", "恒安路3号")
    c.other_person = add_person(tree.other_grid, "吴建国", "东市场1号")
    c.member1 = add_party_member(tree.huayang, "张志强", "13900000001", tree.grid1)
    c.member2 = add_party_member(tree.huayang, "刘海燕", "13900000002", tree.grid2)
    c.hengan_member = add_party_member(tree.hengan, "陈立新", "13900000003", c.hengan_grid)
    c.other_member = add_party_member(tree.dongshi, "孙春雷", "13900000004", tree.other_grid)
    c.worker_staff = region_actions.create_staff(
        actor=None,
        village=tree.huayang,
        name="周敏",
        phone="13900000005",
        kind=StaffKind.GRID_WORKER,
    )
    c.worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    c.secretary = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="shuji")
    c.township = make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND], username="jiedao")
    # a street-office member who works care requests across the street's communities
    c.street_care = make_user(tree.nanling, roles=[Role.VILLAGE_SECRETARY], username="jiedao_bf")
    c.county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhihui")
    c.sibling = make_user(tree.dongshi, roles=[Role.VILLAGE_SECRETARY], username="dongshi_shuji")
    c.checkpoint = make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")
    return c


@pytest.fixture
def new_request(care: SimpleNamespace) -> Callable[..., CareRequest]:
    """Record a request (as the system) in 第一网格 for 李桂英, unless told otherwise."""

    def make(**kwargs: Any) -> CareRequest:
        kwargs.setdefault("grid", care.grid1)
        if "household" not in kwargs:
            kwargs.setdefault("person", care.grandma)
        kwargs.setdefault("kind", CareKind.FOOD)
        kwargs.setdefault("description", "家中居家观察，需代购米面油和蔬菜。")
        return care_actions.create_care_request(actor=kwargs.pop("actor", None), **kwargs)

    return make
