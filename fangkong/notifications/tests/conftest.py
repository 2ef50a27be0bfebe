"""Fixtures: a user with a few notifications, and another user."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role


@pytest.fixture
def people(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    p = SimpleNamespace(tree=tree)
    p.me = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="cunshuji")
    p.other = make_user(tree.huayang, roles=[Role.GRID_WORKER], username="wanggeyuan")
    return p
