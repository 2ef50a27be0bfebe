"""The signal pages through the test client: the list with its filters and empty state, a
signal with its chart data and the verdict form, another county's 404, the rates, a series, the
parameters page, and bad query strings answered 400."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.notifications.models import Escalation
from fangkong.warning import detection
from fangkong.warning.choices import Indicator, Method, Verdict
from fangkong.warning.models import Parameters, Signal
from fangkong.warning.tests.signal_factories import DAY, flat_then, make_signal

LIST = reverse("warning:signals")


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-signal="(\d+)"', html)]


@pytest.fixture
def office(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="quzhb")


@pytest.fixture
def browser(office: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(office)


def test_the_list_shows_the_area_s_signals_newest_first_with_filters(
    tree: SimpleNamespace, browser: Client
) -> None:
    old = make_signal(tree.nanguan, day=DAY - dt.timedelta(days=10), verdict=Verdict.REAL)
    new = make_signal(tree.nanguan, method=Method.CUSUM)
    imported = make_signal(tree.nanguan, day=DAY - dt.timedelta(days=3), indicator="clinic_visits")
    elsewhere = make_signal(tree.changyi)

    html = browser.get(LIST).content.decode()
    assert _ids(html) == [new.pk, imported.pk, old.pk]
    assert elsewhere.pk not in _ids(html)

    assert _ids(browser.get(LIST, {"verdict": "open"}).content.decode()) == [new.pk, imported.pk]
    assert _ids(browser.get(LIST, {"verdict": "given"}).content.decode()) == [old.pk]
    assert _ids(browser.get(LIST, {"method": "CUSUM"}).content.decode()) == [new.pk]
    assert _ids(browser.get(LIST, {"indicator": "clinic_visits"}).content.decode()) == [imported.pk]
    window = {"start": (DAY - dt.timedelta(days=5)).isoformat(), "end": DAY.isoformat()}
    assert _ids(browser.get(LIST, window).content.decode()) == [new.pk, imported.pk]
    assert _ids(browser.get(LIST, {"division": tree.nanling.code}).content.decode()) == []


def test_an_empty_list_says_so(tree: SimpleNamespace, browser: Client) -> None:
    html = browser.get(LIST).content.decode()
    assert gettext("No signal in your area: the methods have raised no alarm.") in html
    html = browser.get(LIST, {"method": "C2"}).content.decode()
    assert gettext("No signal matches these filters.") in html


@pytest.mark.parametrize(
    "query",
    [
        {"method": "C9"},
        {"verdict": "maybe"},
        {"indicator": "beds"},
        {"start": "2020-02-30"},
        {"page": "０"},
        {"division": "22'--"},
    ],
)
def test_a_bad_filter_answers_400(tree: SimpleNamespace, browser: Client, query: Any) -> None:
    assert browser.get(LIST, query).status_code == 400


def test_a_division_outside_the_area_answers_404(tree: SimpleNamespace, browser: Client) -> None:
    assert browser.get(LIST, {"division": tree.changyi.code}).status_code == 404


def test_the_list_costs_the_same_queries_for_few_signals_as_for_many(
    tree: SimpleNamespace, browser: Client, django_assert_max_num_queries: Any
) -> None:
    make_signal(tree.nanguan)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        browser.get(LIST)
    for i in range(1, 20):
        make_signal(tree.nanguan, day=DAY - dt.timedelta(days=2 * i), verdict=Verdict.REAL)
    with CaptureQueriesContext(connection) as many:
        browser.get(LIST)
    assert len(many) == len(few)


def test_the_signal_page_draws_the_series_and_the_leader_gives_the_verdict(
    tree: SimpleNamespace, browser: Client
) -> None:
    # given a signal detection raised on a spike in 南关区
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    signal = Signal.objects.get(method=Method.C1)
    url = reverse("warning:signal", args=[signal.pk])

    # when the county command office opens it
    response = browser.get(url)
    html = response.content.decode()

    # then the chart's data is there for the static script (no inline script), with the
    # method's bound and the alarm day
    assert response.status_code == 200
    assert 'src="/static/warning/signal.js"' in html
    data = json.loads(
        re.search(r'<script id="warning-chart-data" type="application/json">(.*?)</script>', html)[
            1
        ]  # type: ignore[index]
    )
    i = data["days"].index(DAY.isoformat())
    assert data["values"][i] == 30 and data["upper"][i] == pytest.approx(5.0)
    assert {"day": DAY.isoformat(), "method": "C1"}.items() <= data["alarms"][0].items()
    assert re.findall(r"<script(?![^>]*(src=|application/json))", html) == []
    assert "data-verdict-form" in html

    # when they say it was explained, without saying how
    bad = browser.post(
        reverse("warning:signal_verdict", args=[signal.pk]), {"verdict": "explained"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors["note"]

    # and then with the note
    done = browser.post(
        reverse("warning:signal_verdict", args=[signal.pk]),
        {"verdict": "explained", "note": "养老院集中核酸检测"},
    )
    assert done.status_code == 302 and done["Location"] == url
    signal.refresh_from_db()
    assert (signal.verdict, signal.verdict_note) == (Verdict.EXPLAINED, "养老院集中核酸检测")
    assert Escalation.objects.get(key=signal.escalation_key).resolved_at is not None
    html = browser.get(url).content.decode()
    assert "养老院集中核酸检测" in html and 'data-verdict="explained"' in html


def test_another_county_gets_404_on_the_signal_and_cannot_judge_it(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    signal = make_signal(tree.nanguan)
    other = client_for(make_user(tree.changyi, roles=[Role.COUNTY_COMMAND]))
    assert other.get(reverse("warning:signal", args=[signal.pk])).status_code == 404
    answer = other.post(
        reverse("warning:signal_verdict", args=[signal.pk]), {"verdict": "false_alarm"}
    )
    assert answer.status_code == 404
    signal.refresh_from_db()
    assert signal.verdict == ""


def test_a_reader_sees_the_signal_without_the_form_and_cannot_post(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    signal = make_signal(tree.nanguan)
    reader = client_for(make_user(tree.nanguan, roles=[Role.ORGANIZATION_DEPT]))
    html = reader.get(reverse("warning:signal", args=[signal.pk])).content.decode()
    assert "data-verdict-form" not in html
    answer = reader.post(reverse("warning:signal_verdict", args=[signal.pk]), {"verdict": "real"})
    assert answer.status_code == 403


def test_the_rates_page_shows_each_method(tree: SimpleNamespace, browser: Client) -> None:
    make_signal(tree.nanguan, verdict=Verdict.FALSE_ALARM)
    make_signal(tree.nanguan, day=DAY - dt.timedelta(days=3), verdict=Verdict.REAL)
    html = browser.get(reverse("warning:rates")).content.decode()
    row = html[html.index('data-method="C1"') :]
    row = row[: row.index("</tr>")]
    assert 'data-col="rate">50.0%' in row
    assert browser.get(reverse("warning:rates"), {"start": "2020-3-1"}).status_code == 400
    assert (
        browser.get(
            reverse("warning:rates"), {"start": "2020-03-02", "end": "2020-03-01"}
        ).status_code
        == 400
    )


def test_the_series_page_shows_a_series_with_the_chosen_method(
    tree: SimpleNamespace, browser: Client
) -> None:
    flat_then(tree.nanguan, [30])
    detection.run_day(DAY)
    query = {
        "division": tree.nanguan.code,
        "indicator": Indicator.CONFIRMED_LOCAL,
        "method": "C2",
        "start": (DAY - dt.timedelta(days=20)).isoformat(),
        "end": DAY.isoformat(),
    }
    response = browser.get(reverse("warning:series"), query)
    assert response.status_code == 200
    assert response.context["chart"]["method"] == "C2"
    assert len(response.context["chart"]["days"]) == 21
    assert f'data-alarm="{DAY.isoformat()}-C1"' in response.content.decode()
    too_long = {**query, "start": "2010-01-01"}
    assert browser.get(reverse("warning:series"), too_long).status_code == 400
    elsewhere = {**query, "division": tree.changyi.code}
    assert browser.get(reverse("warning:series"), elsewhere).status_code == 404


def test_the_province_sets_its_parameters_on_the_page(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    province = client_for(make_user(tree.province, roles=[Role.PROVINCE_COMMAND]))
    url = reverse("warning:parameters")
    assert "data-parameters-form" in province.get(url).content.decode()
    data = {
        "si_mean": "6.5",
        "si_sd": "3.2",
        "ears_alpha": "0.01",
        "ears_baseline": "7",
        "ears_min_sigma": "0",
        "percentile": "80",
        "cusum_k": "0.5",
        "cusum_h": "4",
    }
    bad = province.post(url, {**data, "ears_alpha": "0.7"})
    assert bad.status_code == 200 and bad.context["form"].errors["ears_alpha"]
    assert not Parameters.objects.exists()
    assert province.post(url, data).status_code == 302
    row = Parameters.objects.get(division=tree.province)
    assert (row.si_mean, row.ears_alpha) == (6.5, 0.01)


def test_a_county_reads_the_parameters_but_cannot_change_them(
    tree: SimpleNamespace, browser: Client
) -> None:
    html = browser.get(reverse("warning:parameters")).content.decode()
    assert "data-parameters" in html and "data-parameters-form" not in html
    assert browser.post(reverse("warning:parameters"), {"si_mean": "6"}).status_code == 403
