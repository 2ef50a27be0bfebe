"""The signals API: lists and filters, one signal, the verdict, rates, a series with a
method's bound, Rt; out of the caller's area 404, bad input 400/422 with a message, never 500."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.notifications.models import Escalation
from fangkong.warning import detection
from fangkong.warning.choices import Indicator, Method, Source, Verdict
from fangkong.warning.models import Signal
from fangkong.warning.tests.signal_factories import DAY, flat_then, make_signal, put_series

API = "/api/warning"


@pytest.fixture
def office(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhb")


@pytest.fixture
def api(office: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(office)


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_list_pages_and_filters_the_area_s_signals(tree: SimpleNamespace, api: Client) -> None:
    new = make_signal(tree.nanguan, method=Method.CUSUM)
    old = make_signal(tree.nanguan, day=DAY - dt.timedelta(days=5), verdict=Verdict.REAL)
    make_signal(tree.changyi)

    body = api.get(f"{API}/signals").json()
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
    assert [s["id"] for s in body["items"]] == [new.pk, old.pk]
    first = body["items"][0]
    assert first["division_code"] == tree.nanguan.code and first["method"] == "CUSUM"
    assert first["verdict"] == "" and first["end"] == DAY.isoformat()

    assert [s["id"] for s in api.get(f"{API}/signals", {"verdict": "open"}).json()["items"]] == [
        new.pk
    ]
    assert [s["id"] for s in api.get(f"{API}/signals", {"method": "C1"}).json()["items"]] == [
        old.pk
    ]
    assert api.get(f"{API}/signals", {"division": tree.changyi.code}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"method": "C9"},
        {"verdict": "perhaps"},
        {"indicator": "x"},
        {"division": "abc$"},
    ],
)
def test_a_bad_filter_answers_400_with_a_message(
    tree: SimpleNamespace, api: Client, query: Any
) -> None:
    response = api.get(f"{API}/signals", query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_input" and body["message"]


@pytest.mark.parametrize("query", [{"start": "2020-02-30"}, {"page": "0"}, {"start": "3000-01-01"}])
def test_a_malformed_value_answers_422(tree: SimpleNamespace, api: Client, query: Any) -> None:
    response = api.get(f"{API}/signals", query)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_one_signal_with_its_alarm_days(tree: SimpleNamespace, api: Client) -> None:
    signal = make_signal(tree.nanguan, days=2)
    body = api.get(f"{API}/signals/{signal.pk}").json()
    assert [a["day"] for a in body["alarm_days"]] == [
        (DAY - dt.timedelta(days=1)).isoformat(),
        DAY.isoformat(),
    ]
    other = make_signal(tree.changyi)
    assert api.get(f"{API}/signals/{other.pk}").status_code == 404
    assert api.get(f"{API}/signals/99999999").status_code == 404
    assert api.get(f"{API}/signals/0").status_code == 422


def test_the_verdict_through_the_api(tree: SimpleNamespace, api: Client) -> None:
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    signal = Signal.objects.get(method=Method.C1)

    response = _post(api, f"{API}/signals/{signal.pk}/verdict", {"verdict": "real"})

    assert response.status_code == 200, response.content
    assert response.json()["verdict"] == "real"
    assert Escalation.objects.get(key=signal.escalation_key).resolved_at is not None
    assert AuditEvent.objects.filter(action="warning.signal_judge").count() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"verdict": "explained"}, 400),
        ({"verdict": "explained", "note": " "}, 400),
        ({"verdict": "sure"}, 422),
        ({}, 422),
        ({"verdict": "real", "extra": 1}, 422),
        ({"verdict": "real", "note": "x" * 301}, 422),
        ({"verdict": "real", "note": "a\x00b"}, 422),
    ],
)
def test_a_bad_verdict_is_refused_and_nothing_is_written(
    tree: SimpleNamespace, api: Client, body: Any, status: int
) -> None:
    signal = make_signal(tree.nanguan)
    response = _post(api, f"{API}/signals/{signal.pk}/verdict", body)
    assert response.status_code == status, response.content
    assert response.json()["message"]
    signal.refresh_from_db()
    assert (
        signal.verdict == ""
        and not AuditEvent.objects.filter(action__startswith="warning.signal").exists()
    )


def test_bad_json_answers_400(tree: SimpleNamespace, api: Client) -> None:
    signal = make_signal(tree.nanguan)
    response = api.post(
        f"{API}/signals/{signal.pk}/verdict", "{bad", content_type="application/json"
    )
    assert response.status_code == 400


def test_another_county_cannot_judge(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    signal = make_signal(tree.nanguan)
    other = client_for(make_user(tree.changyi, roles=[Role.COUNTY_COMMAND]))
    response = _post(other, f"{API}/signals/{signal.pk}/verdict", {"verdict": "real"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    reader = client_for(make_user(tree.nanguan, roles=[Role.ORGANIZATION_DEPT]))
    response = _post(reader, f"{API}/signals/{signal.pk}/verdict", {"verdict": "real"})
    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.verdict == ""


def test_the_rates(tree: SimpleNamespace, api: Client) -> None:
    make_signal(tree.nanguan, verdict=Verdict.FALSE_ALARM)
    make_signal(tree.nanguan, day=DAY - dt.timedelta(days=4), verdict=Verdict.REAL)
    make_signal(tree.nanguan, day=DAY - dt.timedelta(days=8))
    rates = {r["method"]: r for r in api.get(f"{API}/rates").json()}
    assert rates["C1"]["signals"] == 3 and rates["C1"]["judged"] == 2
    assert rates["C1"]["false_alarm_rate"] == 0.5
    assert rates["MPM"]["false_alarm_rate"] is None
    assert api.get(f"{API}/rates", {"start": "2020-03-05", "end": "2020-03-01"}).status_code == 400
    assert api.get(f"{API}/rates", {"division": tree.changyi.code}).status_code == 404


def test_the_series_with_a_method_s_bounds(tree: SimpleNamespace, api: Client) -> None:
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    query = {
        "division": tree.nanguan.code,
        "indicator": "confirmed_local",
        "method": "C1",
        "start": (DAY - dt.timedelta(days=9)).isoformat(),
        "end": DAY.isoformat(),
    }
    body = api.get(f"{API}/series", query).json()
    assert len(body["days"]) == len(body["values"]) == len(body["upper"]) == 10
    assert body["values"][-1] == 30 and body["upper"][-1] == pytest.approx(5.0)
    assert any(a["day"] == DAY.isoformat() and a["method"] == "C1" for a in body["alarms"])
    # a series with nothing in it: zeros, and bounds where the history allows
    empty = api.get(f"{API}/series", {**query, "indicator": "contacts_new"}).json()
    assert set(empty["values"]) == {0} and empty["alarms"] == []


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"indicator": "confirmed_local"}, 422),  # no division
        ({"division": "220102", "indicator": "nope"}, 422),
        ({"division": "220102", "indicator": "confirmed_local", "method": "C7"}, 422),
        ({"division": "220102", "indicator": "confirmed_local", "source": "guess"}, 422),
        ({"division": "220202", "indicator": "confirmed_local"}, 404),  # 昌邑区
        ({"division": "229999", "indicator": "confirmed_local"}, 404),
        ({"division": "22010", "indicator": "confirmed_local", "start": "1990-01-01"}, 404),
        ({"division": "220102", "indicator": "confirmed_local", "start": "1990-01-01"}, 400),
        (
            {
                "division": "220102",
                "indicator": "confirmed_local",
                "start": "2020-03-02",
                "end": "2020-03-01",
            },
            400,
        ),
    ],
)
def test_bad_series_requests(tree: SimpleNamespace, api: Client, query: Any, status: int) -> None:
    response = api.get(f"{API}/series", query)
    assert response.status_code == status, response.content
    assert response.json()["message"]


def test_rt_of_a_division(tree: SimpleNamespace, api: Client) -> None:
    # given 40 days of growing local cases in 南关区
    values = [1 + i // 3 for i in range(40)]
    put_series(tree.nanguan, values, first=DAY, indicator=Indicator.CONFIRMED_LOCAL)
    response = api.get(f"{API}/rt", {"division": tree.nanguan.code})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["basis"] == "report" and body["source"] == Source.COMPUTED
    assert len(body["dates"]) == len(body["mean"]) == len(body["lower"]) > 0
    assert all(
        lo <= m <= hi for lo, m, hi in zip(body["lower"], body["mean"], body["upper"], strict=True)
    )
    assert api.get(f"{API}/rt", {"division": tree.changyi.code}).status_code == 404
    assert api.get(f"{API}/rt").status_code == 422
    nothing = api.get(f"{API}/rt", {"division": tree.nanling.code}).json()
    assert nothing["mean"] == []


def test_the_list_and_a_signal_cost_the_same_queries_for_few_as_for_many(
    tree: SimpleNamespace, api: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signal = make_signal(tree.nanguan, days=1)
    with CaptureQueriesContext(connection) as few:
        api.get(f"{API}/signals")
        api.get(f"{API}/signals/{signal.pk}")
    for i in range(1, 15):
        make_signal(tree.nanguan, day=DAY - dt.timedelta(days=3 * i), days=2)
    bigger = make_signal(tree.nanguan, day=DAY + dt.timedelta(days=10), days=8)
    with CaptureQueriesContext(connection) as many:
        api.get(f"{API}/signals")
        api.get(f"{API}/signals/{bigger.pk}")
    assert len(many) == len(few)
