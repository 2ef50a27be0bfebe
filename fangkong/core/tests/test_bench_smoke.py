"""Cheap checks of the gridops benchmark's pure parts (the benchmark itself is not a test: it
runs on its own PostgreSQL database with ``make bench SCENARIO=gridops``)."""

from __future__ import annotations

import datetime as dt

from bench.__main__ import scenario_url
from bench.gridops_data import Scale, observed
from bench.gridops_import import copy_text
from bench.harness import ScenarioResult, SummaryRow, render_markdown


def test_scale_is_the_issue_figures_at_one() -> None:
    full = Scale.of(1)
    assert (full.households, full.people) == (300_000, 1_000_000)
    assert Scale.of(0.02).people == 20_000


def test_every_fifth_person_was_observed_and_three_in_ten_of_those_still_are() -> None:
    flags = [observed(i) for i in range(1, 1001)]
    assert sum(ever for ever, _active in flags) == 200
    assert sum(active for _ever, active in flags) == 60


def test_gridops_has_a_database_of_its_own() -> None:
    url = "postgres://postgres@127.0.0.1:5432/fangkong_bench"
    assert scenario_url(url, "divisions") == url
    assert scenario_url(url, "gridops").endswith("/fangkong_bench_gridops")


def test_copy_text_escapes_what_copy_would_misread() -> None:
    rows = [(1, "a\tb", None, dt.date(2020, 2, 1), '{"x": "\\u4e2d"}')]
    assert copy_text(rows) == b'1\ta\\tb\t\\N\t2020-02-01\t{"x": "\\\\u4e2d"}\n'


def test_summary_table_in_the_markdown() -> None:
    result = ScenarioResult(
        scenario="gridops",
        title="t",
        scale={},
        environment={},
        parameters={},
        summary=[SummaryRow("export", "60,000 rows/s", "≥ 50,000 rows/s", "COPY 300,000/s", True)],
    )
    text = render_markdown(result)
    assert "| export | 60,000 rows/s | ≥ 50,000 rows/s | COPY 300,000/s | pass |" in text
