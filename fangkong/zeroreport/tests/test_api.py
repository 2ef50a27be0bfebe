"""The zero-reporting API: answers, and bad input answered with a clear JSON error."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.zeroreport import actions
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    return SimpleNamespace(
        worker=make_user(tree.grid1, roles=["grid_worker"]),
        county=make_user(tree.nanguan, roles=["county_command"]),
    )


def _c(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _post(c: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return c.post(url, data, content_type="application/json")


def test_grid_day_live_and_confirm(tree: SimpleNamespace, users: SimpleNamespace) -> None:
    f.screening(tree.grid1, timezone.localdate())
    c = _c(users.worker)
    url = f"/api/zero/grids/{tree.grid1.code}"

    got = c.get(url).json()
    assert got["live"]["screened"] == 1 and got["zero_report_allowed"] and got["state"] is None

    done = _post(c, f"{url}/confirm", {"zero_report": True, "note": "无异常"})
    assert done.status_code == 200, done.content
    assert done.json()["zero_report"] and done.json()["figures"]["screened"] == 1
    again = c.get(url).json()
    assert again["state"]["confirmed"] and len(again["history"]) == 1


def test_confirm_refusals_are_json_errors_that_write_nothing(
    tree: SimpleNamespace, users: SimpleNamespace
) -> None:
    c = _c(users.worker)
    url = f"/api/zero/grids/{tree.grid1.code}/confirm"
    today = timezone.localdate()
    f.screening(tree.grid1, today, "38.0")
    audit = AuditEvent.objects.count()
    cases = [
        ({"zero_report": True}, 400, "abnormal"),
        ({"zero_report": False, "day": "2020-02-30"}, 422, None),
        ({"zero_report": False, "day": "yesterday"}, 422, None),
        ({"zero_report": False, "day": (today + dt.timedelta(days=1)).isoformat()}, 400, None),
        ({"zero_report": False, "day": "2020-02-01"}, 400, "day_too_old"),
        ({"zero_report": "maybe"}, 422, None),
        ({"zero_report": False, "note": 5}, 422, None),
        ({"zero_report": False, "note": "x" * 301}, 422, None),
        ({"zero_report": False, "extra": 1}, 422, None),
        ({}, 422, None),
        ("not json", 400, "bad_json"),
        ([1, 2], 422, None),
    ]
    for body, status, code in cases:
        r = _post(c, url, body)
        assert r.status_code == status, (body, r.content)
        assert r.json()["message"], body
        if code:
            assert r.json()["code"] == code, body
    assert not GridDay.objects.exists()
    assert AuditEvent.objects.count() == audit


def test_out_of_scope_and_unknown_answer_404(tree: SimpleNamespace, users: SimpleNamespace) -> None:
    c = _c(users.worker)
    for url in (
        f"/api/zero/grids/{tree.grid2.code}",
        f"/api/zero/grids/{tree.other_grid.code}",
        "/api/zero/grids/229999999999999",
        "/api/zero/grids/abc",
        f"/api/zero/grids/{tree.huayang.code}",  # not a grid
        f"/api/zero/divisions/{tree.huayang.code}",
        f"/api/zero/divisions/{tree.changyi.code}/dashboard",
    ):
        r = c.get(url)
        assert r.status_code == 404, url
        assert r.json()["code"] == "not_found"
    r = _post(c, f"/api/zero/grids/{tree.grid2.code}/confirm", {"zero_report": True})
    assert r.status_code == 404 and not GridDay.objects.exists()


def test_rollup_and_dashboard(tree: SimpleNamespace, users: SimpleNamespace) -> None:
    today = timezone.localdate()
    f.screening(tree.grid2, today)
    actions.confirm_day(actor=users.worker, grid=tree.grid1, zero_report=True)
    actions.refresh_grid_days(day=today)
    c = _c(users.county)

    r = c.get(f"/api/zero/divisions/{tree.nanling.code}").json()
    assert r["total"]["grids"] == 2 and r["total"]["confirmed"] == 1
    assert r["children"][0]["code"] == tree.huayang.code
    assert r["children"][0]["figures"]["screened"] == 1
    assert [g["code"] for g in r["unconfirmed"]] == [tree.grid2.code]

    d = c.get(f"/api/zero/divisions/{tree.nanguan.code}/dashboard?figure=screened").json()
    assert d["children"][0]["screened"] == 1 and len(d["series"]["days"]) == 30
    assert d["series"]["values"]["screened"][-1] == 1

    done = c.post(f"/api/zero/divisions/{tree.nanguan.code}/refresh")
    assert done.status_code == 200 and done.json()["grids"] == 2


def test_bad_query_parameters(tree: SimpleNamespace, users: SimpleNamespace) -> None:
    c = _c(users.county)
    base = f"/api/zero/divisions/{tree.nanguan.code}"
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for url, status in (
        (f"{base}?day=2020-13-01", 422),
        (f"{base}?day={future}", 400),
        (f"{base}?limit=0", 422),
        (f"{base}?limit=abc", 422),
        (f"{base}?after=%27%3B--", 422),
        (f"{base}/dashboard?figure=nope", 422),
        (f"{base}/dashboard?day={future}", 400),
    ):
        r = c.get(url)
        assert r.status_code == status, (url, r.content)
        assert r.json()["message"]


def test_anonymous_gets_401(tree: SimpleNamespace) -> None:
    r = Client().get(f"/api/zero/grids/{tree.grid1.code}")
    assert r.status_code == 401
