"""Shared test fixtures: a small real-shaped division tree, users at each level, clients.

The tree mirrors real Jilin codes (吉林省 › 长春市 › 南关区 › 南岭街道 › 华阳社区 › 网格) plus a
sibling subtree (吉林市 › 昌邑区 …) for out-of-jurisdiction checks. It is built through the same
actions the application uses, on the real database (SQLite, or PostgreSQL via DATABASE_URL).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import Kind, Level
from fangkong.regions.models import Division
from fangkong.regions.pinyin import pinyin_keys

TEST_PASSWORD = "Test-Passw0rd-2020"


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # Tests serve static files through the finders; no collectstatic manifest needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",  # fast hashing for fixtures only
        *settings.PASSWORD_HASHERS,
    ]
    # Fixtures log administrators in with force_login: the second factor is tested where it is
    # the subject (fangkong/accounts/tests/test_two_factor.py), which turns this back on.
    settings.FANGKONG_REQUIRE_2FA = False
    # The OpenAPI description stays readable without a login in tests (schemathesis, the
    # matrix's PUBLIC entry); test_account_policy.py checks the production setting.
    settings.FANGKONG_PUBLIC_API_DOCS = True
    # Throttle counts in memory, emptied before each test (below), so that one test's failures
    # never refuse another's requests; test_throttle.py also runs them on the database table.
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


# Tests speak of "an hour ago", "ten minutes ago" or "in two hours" as today, in Asia/Shanghai.
# Near local midnight such a moment falls on the day before or after, and a test of today's list
# fails for no fault of the code. A test that runs between 21:00 and 04:00 local time runs on the
# clock of that day's noon (time-machine, ticking on from there): the suite's result does not
# depend on when CI starts it. Chromium keeps its own clock but reads dates from the pages. A
# test that starts other processes (a real worker) cannot move their clocks: it is marked
# ``real_clock`` and runs on the machine's.
QUIET_HOURS = (4, 21)  # local hours whose "an hour either way" stays on the same day


@pytest.fixture(autouse=True)
def _clear_of_midnight(request: pytest.FixtureRequest) -> Iterator[None]:
    import datetime as dt

    import time_machine
    from django.utils import timezone

    local = timezone.localtime()
    if QUIET_HOURS[0] <= local.hour < QUIET_HOURS[1] or request.node.get_closest_marker(
        "real_clock"
    ):
        yield
        return
    noon = timezone.make_aware(dt.datetime.combine(local.date(), dt.time(12)))
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_throttles() -> None:
    from django.core.cache import caches

    caches["throttle"].clear()


def add_division(
    code: str, name: str, level: int, parent: Division | None, kind: str = Kind.STATISTICAL
) -> Division:
    """Insert one statistical division (what `import-divisions` does, one row at a time)."""
    short = code
    full, initials = pinyin_keys(name)
    return Division.objects.create(
        code=short.ljust(12, "0"),
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        path=f"{parent.path if parent else ''}{short}/",
        pinyin=full,
        initials=initials,
    )


@pytest.fixture
def tree(db: Any) -> SimpleNamespace:
    t = SimpleNamespace()
    t.province = add_division("22", "吉林省", Level.PROVINCE, None)
    t.changchun = add_division("2201", "长春市", Level.PREFECTURE, t.province)
    t.nanguan = add_division("220102", "南关区", Level.COUNTY, t.changchun)
    t.nanling = add_division("220102001", "南岭街道", Level.TOWNSHIP, t.nanguan)
    t.huayang = add_division("220102001001", "华阳社区", Level.VILLAGE, t.nanling)
    t.hengan = add_division("220102001002", "恒安社区", Level.VILLAGE, t.nanling)
    t.jilin_city = add_division("2202", "吉林市", Level.PREFECTURE, t.province)
    t.changyi = add_division("220202", "昌邑区", Level.COUNTY, t.jilin_city)
    t.xinghua = add_division("220202001", "兴华街道", Level.TOWNSHIP, t.changyi)
    t.dongshi = add_division("220202001001", "东市场社区", Level.VILLAGE, t.xinghua)
    region_actions.recount_divisions()
    t.grid1 = region_actions.create_grid(actor=None, village=t.huayang, name="第一网格")
    t.grid2 = region_actions.create_grid(actor=None, village=t.huayang, name="第二网格")
    t.other_grid = region_actions.create_grid(actor=None, village=t.dongshi, name="第一网格")
    for name in vars(t):
        getattr(t, name).refresh_from_db()
    return t


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        division: Division | None,
        roles: Iterable[str] = (Role.SYSADMIN,),
        username: str | None = None,
        **extra: Any,
    ) -> User:
        name = username or f"user{next(counter)}"
        if division is None:
            user = User.objects.create_user(username=name, password=TEST_PASSWORD, **extra)
            return user
        return account_actions.create_user(
            actor=None,
            username=name,
            password=TEST_PASSWORD,
            home_division=division,
            roles=list(roles),
            full_name=extra.get("full_name", name),
        )

    return make


ALL_ROLES = [r.value for r in Role]


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def database_vendor() -> str:
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
