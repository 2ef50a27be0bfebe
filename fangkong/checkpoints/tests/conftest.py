"""Fixtures of the checkpoint tests, on the root conftest's ``tree``:

吉林省 › 长春市 › 南关区 › 南岭街道 › 华阳社区 (第一网格, 第二网格), 恒安社区
       › 吉林市 › 昌邑区 › 兴华街道 › 东市场社区 (第一网格)
       + here: 长春市 › 宽城区, a third county that has nothing to do with any passage.

The checkpoint 南关区城乡结合部卡口 is run by 南关区; its staff (``staff``) register passages
there, by hand or through a terminal token acting as them (``terminal``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from conftest import add_division
from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints import actions
from fangkong.checkpoints.choices import SiteKind
from fangkong.checkpoints.models import Checkpoint
from fangkong.people.idcard import check_character
from fangkong.regions.choices import Level

NANGUAN_LON_LAT = (Decimal("125.392100"), Decimal("43.776400"))


def resident_id(address: str = "220102", birth: str = "19800101", sequence: str = "123") -> str:
    """A valid 18-character resident ID number (the check character computed)."""
    first17 = f"{address}{birth}{sequence}"
    return first17 + check_character(first17)


def person(**overrides: Any) -> dict[str, Any]:
    """One person on board, as the API takes it: healthy, from 长春市, going to 第一网格."""
    body: dict[str, Any] = {
        "name": "张伟",
        "doc_type": "resident_id",
        "doc_number": resident_id(),
        "phone": "13804310001",
        "temperature": 36.5,
        "origin_code": "220100",
        "origin_name": "长春市",
        "destination": "220102001001001",
    }
    body.update(overrides)
    return body


def passage(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "plate": "吉A12345",
        "direction": "in",
        "passed_at": (timezone.now() - dt.timedelta(minutes=10)).isoformat(),
        "people": [person()],
    }
    body.update(overrides)
    return body


def machine(raw: str) -> Client:
    """A terminal: a bearer token, no cookies, CSRF enforced as for a real client."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


def post_json(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(url, data=data, content_type="application/json")


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


def audit_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


@pytest.fixture
def t(tree: SimpleNamespace) -> SimpleNamespace:
    """The tree plus 宽城区, a third county."""
    tree.kuancheng = add_division("220103", "宽城区", Level.COUNTY, tree.changchun)
    return tree


@pytest.fixture
def checkpoint(t: SimpleNamespace) -> Checkpoint:
    lon, lat = NANGUAN_LON_LAT
    return actions.create_checkpoint(
        actor=None,
        division=t.nanguan,
        name="南关区城乡结合部卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=lon,
        latitude=lat,
    )


@pytest.fixture
def other_checkpoint(t: SimpleNamespace) -> Checkpoint:
    """A checkpoint of 昌邑区 (吉林市): another jurisdiction."""
    return actions.create_checkpoint(
        actor=None,
        division=t.changyi,
        name="昌邑区省道卡口",
        kind=SiteKind.URBAN_FRINGE,
        longitude=Decimal("126.574"),
        latitude=Decimal("43.882"),
    )


@pytest.fixture
def staff(t: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(t.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")


@pytest.fixture
def terminal(staff: User, checkpoint: Checkpoint) -> Client:
    """南关区's checkpoint terminal: a token of its staff, bound to ``checkpoint``."""
    token, raw = account_actions.create_token(actor=None, user=staff, name="卡口终端1")
    actions.bind_tokens(actor=None, checkpoint=checkpoint, tokens=[token.pk])
    return machine(raw)


@pytest.fixture
def command(t: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """南关区's command office."""
    return make_user(t.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan")


@pytest.fixture
def worker(t: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """The grid worker of 华阳社区 第一网格."""
    return make_user(t.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def web(client_for: Callable[[User | None], Client]) -> Callable[[User | None], Client]:
    return client_for
