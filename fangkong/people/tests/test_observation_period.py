"""One observation period, the same dates and words everywhere (people/period.py): the
new-screening outcome, the screening, the observation list and page, the personal check-in link,
the person's history, the API and the export all give the start, the last day under observation
and the release date (解除观察日) = last exposure + 14 days."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.observation import links
from fangkong.observation.models import Observation
from fangkong.people.period import ObservationPeriod, release_date
from fangkong.screening.tests.factories import days_ago, hubei, make_id, screen, today

pytestmark = pytest.mark.django_db

WORDS = ("观察开始日", "最后观察日", "解除观察日")


def dates(html: str) -> dict[str, str]:
    """The period's dates on a page, by part (start / last-day / release)."""
    return dict(re.findall(r'data-period="([\w-]+)" data-date="([\d-]+)"', html))


@pytest.fixture
def world(tree: SimpleNamespace, make_user: Callable[..., User]) -> SimpleNamespace:
    """A grid worker, and 赵敏 who arrived from Hubei three days ago, screened today."""
    hubei(tree.province)
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    screening = screen(
        tree.grid1,
        actor=worker,
        name="赵敏",
        arrival_date=days_ago(3),
        origin_code="4201",
        origin_name="武汉市",
    )
    observation = Observation.objects.get(source_screening=screening)
    client = Client()
    client.force_login(worker)
    arrival = days_ago(3)
    expected = {
        "start": today().isoformat(),
        "last-day": (arrival + dt.timedelta(days=13)).isoformat(),
        "release": (arrival + dt.timedelta(days=14)).isoformat(),
    }
    return SimpleNamespace(
        tree=tree, screening=screening, observation=observation, client=client, expected=expected
    )


def test_the_period_is_fourteen_days_from_the_last_exposure() -> None:
    period = ObservationPeriod.from_exposure(dt.date(2020, 1, 20), start=dt.date(2020, 1, 22))
    assert period.release == release_date(dt.date(2020, 1, 20)) == dt.date(2020, 2, 3)
    assert period.last_day == dt.date(2020, 2, 2)
    assert period.days_observed == 12  # found two days after the exposure
    assert period.day_number(dt.date(2020, 1, 22)) == 1


def test_every_page_shows_the_same_three_dates_with_the_same_words(world: SimpleNamespace) -> None:
    o = world.observation
    assert (o.start_date.isoformat(), o.end_date.isoformat()) == (
        world.expected["start"],
        world.expected["release"],
    )
    pages = {
        "screening": reverse("screening:detail", args=[world.screening.pk]),
        "observation": o.get_absolute_url(),
        "personal link": reverse("observation:personal", args=[links.make_token(o)]),
    }
    for name, url in pages.items():
        client = Client() if name == "personal link" else world.client
        html = client.get(url).content.decode()
        # then each full page names the three dates with the same words and the same values
        assert dates(html) | {"last-exposure": ""} == world.expected | {"last-exposure": ""}, name
        for word in WORDS:
            assert word in html, (name, word)
        assert "14 天" in html, name
        # and none of the ambiguous forms of before
        assert "共 " not in html and "至 " + world.expected["release"] not in html, name

    # and the lists, and the grid's daily report once the release date has come, give the same
    # dates in one line
    listing = world.client.get(reverse("observation:list")).content.decode()
    assert dates(listing) == world.expected
    assert "解除观察" in listing


def test_the_new_screening_outcome_shows_the_period_before_saving(
    world: SimpleNamespace,
) -> None:
    data = {
        "grid": world.tree.grid1.code,
        "doc_type": "resident_id",
        "doc_number": make_id(),
        "name": "赵敏",
        "phone": "13904310099",
        "address": "华阳小区5栋1单元202",
        "household_size": "3",
        "screened_on": today().isoformat(),
        "temperature": "36.8",
        "contact": "none",
        "arrival_date": days_ago(3).isoformat(),
        "origin_code": "42",
        "origin_name": "湖北省",
    }
    html = world.client.post(
        reverse("screening:preview"), data, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert dates(html) == world.expected, html
    for word in WORDS:
        assert word in html


def test_the_api_and_the_export_name_the_same_dates(
    world: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    o = world.observation
    body: dict[str, Any] = world.client.get(f"/api/observations/{o.pk}").json()
    assert (body["start_date"], body["last_day"], body["release_date"]) == (
        world.expected["start"],
        world.expected["last-day"],
        world.expected["release"],
    )
    assert body["end_date"] == body["release_date"]  # kept for existing clients

    secretary = Client()
    secretary.force_login(make_user(world.tree.huayang, roles=[Role.VILLAGE_SECRETARY]))
    answer = secretary.get(reverse("bulk:export", args=["observations", "csv"]))
    assert answer.status_code == 200, answer.content.decode()[:500]
    raw = b"".join(answer).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(raw)))
    row = dict(zip(header, rows[0], strict=True))
    assert (row["观察开始日"], row["最后观察日"], row["解除观察日"]) == (
        world.expected["start"],
        world.expected["last-day"],
        world.expected["release"],
    )


def test_the_grid_daily_report_lists_who_may_be_released_with_the_period(
    world: SimpleNamespace,
) -> None:
    # given an observation whose release date has come
    o = world.observation
    Observation.objects.filter(pk=o.pk).update(
        start_date=days_ago(14), last_exposure=days_ago(14), end_date=today()
    )
    html = world.client.get(reverse("zeroreport:grid", args=[world.tree.grid1.code]))
    page = html.content.decode()
    assert 'id="release-due"' in page
    assert dates(page) == {
        "start": days_ago(14).isoformat(),
        "last-day": days_ago(1).isoformat(),
        "release": today().isoformat(),
    }
    assert "解除观察" in page
