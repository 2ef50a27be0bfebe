"""A grid worker cannot report "nothing abnormal" (零报告) on a day with something abnormal, for
EACH abnormal figure, as the user meets it: the grid page does not offer the zero report, a
forged one is refused with a message, and the API refuses it too; nothing is written. The figures
that are not abnormal (people under observation who checked in, open care requests, screenings
without fever) do not stand in the way."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.zeroreport.choices import Figure
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db

# What blocks a zero report: a fever, a missed check-in, a flagged traveller not handled yet.
BLOCKING = {Figure.FEVER_FOUND, Figure.CHECK_INS_MISSED, Figure.PASSAGES_PENDING}


def fever_at_a_screening(t: SimpleNamespace, today: dt.date) -> None:
    f.screening(t.grid1, today, "38.5")


def fever_at_a_check_in(t: SimpleNamespace, today: dt.date) -> None:
    obs = f.observation(t.grid1, today - dt.timedelta(days=2))
    f.check_in(obs, today - dt.timedelta(days=1))
    f.check_in(obs, today, "37.3")  # the threshold itself is a fever


def a_missed_check_in(t: SimpleNamespace, today: dt.date) -> None:
    f.observation(t.grid1, today - dt.timedelta(days=2))  # nothing for yesterday


def a_flagged_traveller_handed_over(t: SimpleNamespace, today: dt.date) -> None:
    f.handover(t.grid1, t.nanguan, timezone.now())


def a_flagged_traveller_handled_today(t: SimpleNamespace, today: dt.date) -> None:
    f.handled(f.handover(t.grid1, t.nanguan, timezone.now()), timezone.now())


def under_observation_and_checked_in(t: SimpleNamespace, today: dt.date) -> None:
    obs = f.observation(t.grid1, today - dt.timedelta(days=2))
    f.check_in(obs, today - dt.timedelta(days=1))
    f.check_in(obs, today)


def an_open_care_request(t: SimpleNamespace, today: dt.date) -> None:
    f.care(t.grid1, today)


def a_screening_without_fever(t: SimpleNamespace, today: dt.date) -> None:
    f.screening(t.grid1, today, "37.2")


CASES: list[tuple[Callable[[SimpleNamespace, dt.date], None], Figure]] = [
    (fever_at_a_screening, Figure.FEVER_FOUND),
    (fever_at_a_check_in, Figure.FEVER_FOUND),
    (a_missed_check_in, Figure.CHECK_INS_MISSED),
    (a_flagged_traveller_handed_over, Figure.PASSAGES_PENDING),
    (a_flagged_traveller_handled_today, Figure.PASSAGES_HANDLED),
    (under_observation_and_checked_in, Figure.OBSERVATIONS_ACTIVE),
    (an_open_care_request, Figure.CARE_OPEN),
    (a_screening_without_fever, Figure.SCREENED),
]


def test_every_figure_has_a_case() -> None:
    # a new figure must be decided here: does it block a zero report or not?
    assert {figure for _given, figure in CASES} == set(Figure)


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> Client:
    client = Client()
    client.force_login(make_user(tree.grid1, roles=["grid_worker"], full_name="王网格"))
    return client


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("given", "figure"), CASES, ids=[given.__name__ for given, _figure in CASES]
)
def test_a_zero_report_is_refused_for_each_abnormal_figure_on_the_page_and_the_api(
    tree: SimpleNamespace,
    worker: Client,
    given: Callable[[SimpleNamespace, dt.date], None],
    figure: Figure,
) -> None:
    # given a day in the worker's grid with this figure above zero, and nothing else abnormal
    today = timezone.localdate()
    given(tree, today)
    api = f"/api/zero/grids/{tree.grid1.code}"
    live = worker.get(api).json()
    assert live["live"][figure] >= 1, live["live"]
    others = {k: v for k, v in live["live"].items() if k in BLOCKING and k != figure and v}
    assert not others, others
    blocked = figure in BLOCKING
    audit_before = AuditEvent.objects.filter(action__startswith="grid_day").count()

    # when the worker opens the day's page and sends a zero report, on the page and the API
    page = worker.get(reverse("zeroreport:grid", args=[tree.grid1.code])).content.decode()
    form = worker.post(
        reverse("zeroreport:confirm", args=[tree.grid1.code]),
        {"day": today.isoformat(), "zero_report": "on", "note": ""},
    )
    answer = post_json(worker, f"{api}/confirm", {"zero_report": True})

    if blocked:
        # then the page offers only "confirm the figures", both refusals say why, and nothing
        # is written or audited
        assert 'id="zero-report"' not in page and 'id="confirm-figures"' in page
        assert live["zero_report_allowed"] is False
        assert form.status_code == 400
        assert "只有当日无异常时才能提交零报告" in form.content.decode()
        assert answer.status_code == 400 and answer.json()["code"] == "abnormal"
        assert answer.json()["field"] == "zero_report"
        assert not GridDay.objects.exists()
        assert AuditEvent.objects.filter(action__startswith="grid_day").count() == audit_before
    else:
        # then the zero report is offered and taken, by both
        assert 'id="zero-report"' in page and live["zero_report_allowed"] is True
        assert form.status_code == 302
        assert answer.status_code == 200 and answer.json()["zero_report"] is True
        row = GridDay.objects.get(grid=tree.grid1, day=today)
        assert row.zero_report and getattr(row, figure) >= 1
        assert AuditEvent.objects.filter(action="grid_day.zero_report").count() == 2
