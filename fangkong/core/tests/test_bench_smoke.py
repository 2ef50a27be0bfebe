"""Cheap checks of the benchmark's parts (the benchmark itself is not a test: it runs on its own
PostgreSQL database with ``make bench``), and of the README figures it generates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bench import readme
from bench.__main__ import TRY_RESULTS_DIR, parse_args, scenario_url
from bench.gridops_data import Scale, observed
from bench.gridops_import import copy_text
from bench.harness import RESULTS_DIR, ScenarioResult, SummaryRow, render_markdown
from conftest import database_vendor
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import person


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


# --- the README's figures ----------------------------------------------------------------------


def test_the_readme_figures_are_those_the_committed_results_give() -> None:
    # The README quoted figures by hand and they drifted from bench/results/. Now each scenario
    # has a generated block: after a new result, `python -m bench.readme` (make bench) rewrites it.
    text = readme.README.read_text(encoding="utf-8")

    assert set(readme.blocks(text)) >= {"divisions", "gridops"}
    assert readme.update(text, RESULTS_DIR, readme.README.parent) == text, (
        "README.md's benchmark figures differ from bench/results/: run `python -m bench.readme`"
    )


def result_file(directory: Path, stamp: str, **over: Any) -> Path:
    data: dict[str, Any] = {
        "scenario": "tiny",
        "started_at": "2026-12-01T08:30:00+00:00",
        "scale_text": "3 rows.",
        "parameters": {"scale": 1.0},
        "environment": {"cpu_count": 2, "postgresql": "PostgreSQL 15.20 (Debian)"},
        "measurements": [],
        "summary": [
            {"operation": "import", "measured": "9 rows/s", "target": "≥ 10 rows/s", "met": False},
            {"operation": "export", "measured": "60 rows/s", "target": "≥ 50 rows/s", "met": True},
        ],
    }
    data.update(over)
    path = directory / f"{stamp}-tiny.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_readme_quotes_the_newest_full_scale_run_and_never_a_try(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    result_file(results, "20261201T083000Z")
    result_file(results, "20261202T083000Z", parameters={"scale": 0.02}, full_scale=False)
    (results / "latest-tiny.md").write_text("Every sample … `20261202T083000Z-tiny.json`.")
    page = tmp_path / "README.md"
    page.write_text(
        "Intro.\n\n<!-- bench:tiny begin -->\nhand-typed 12,984 rows/s\n<!-- bench:tiny end -->\n"
    )

    assert readme.main(["--readme", str(page), "--results-dir", str(results), "--check"]) == 1
    assert readme.main(["--readme", str(page), "--results-dir", str(results)]) == 0

    text = page.read_text()
    assert "hand-typed" not in text and text.startswith("Intro.\n\n<!-- bench:tiny begin")
    assert "1 December 2026, 08:30 UTC, 2 CPUs, PostgreSQL 15.20" in text
    assert "[results/20261201T083000Z-tiny.json](results/20261201T083000Z-tiny.json)" in text
    assert "latest-tiny.md" not in text  # it names the try, not the run quoted
    assert "(that run kept no samples)" in text
    assert "| import | 9 rows/s | ≥ 10 rows/s | **miss** |" in text
    assert "| export | 60 rows/s | ≥ 50 rows/s | pass |" in text
    assert "Targets met: 1 of 2." in text
    assert readme.main(["--readme", str(page), "--results-dir", str(results), "--check"]) == 0


def test_a_run_below_full_scale_does_not_write_over_the_committed_results() -> None:
    assert parse_args([]).results_dir == RESULTS_DIR
    assert parse_args(["--scale", "0.02"]).results_dir == TRY_RESULTS_DIR
    assert parse_args(["--grids", "100"]).results_dir == TRY_RESULTS_DIR
    assert parse_args(["--scale", "0.02", "--results-dir", "x"]).results_dir == Path("x")
    assert parse_args([]).runs == 3


# --- the import, run several times -------------------------------------------------------------


@pytest.fixture
def var_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    yield settings.VAR_DIR


@pytest.mark.skipif(database_vendor() != "postgresql", reason="the limit is PostgreSQL's COPY")
@pytest.mark.django_db(transaction=True)  # the COPY limit commits, as in the benchmark
def test_the_import_and_its_copy_limit_are_each_timed_three_times(
    tree: SimpleNamespace, make_user: Callable[..., User], var_dir: Path
) -> None:
    # COPY alone swung from 21,500 to 37,800 rows/s between two runs: a single run says little.
    from bench.gridops_import import measure
    from bench.scenarios import Context
    from bench.scenarios.gridops import Out, State

    for i in range(5):
        person(tree.grid1, name=f"李{i}")
    user = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    ctx = Context(repeat=1, warmup=0, grids=0, seed=1, reused_database=False, runs=3)
    state = State(ctx, Scale.of(0.02), user, "", tree.changchun, timezone.localdate())
    out = Out()

    measure(state, out)

    csv_row, xlsx_row = out.summary
    assert len(csv_row.samples["import_seconds"]) == 3
    assert len(csv_row.samples["copy_seconds"]) == 3
    assert len(csv_row.samples["validate_seconds"]) == 3
    assert csv_row.samples["rows"] == 5
    assert "median of 3 runs" in csv_row.measured and "median of 3 runs" in csv_row.limit
    assert len(xlsx_row.samples["import_seconds"]) == 3
    assert "median of 3 runs" in xlsx_row.measured
    assert not Screening.objects.filter(client_uuid__isnull=False).exists()  # cleaned up


@pytest.mark.skipif(
    database_vendor() != "postgresql", reason="the ledger is generated inside PostgreSQL"
)
@pytest.mark.django_db(transaction=True)  # the concurrent issues commit on their own connections
def test_the_supplies_scenario_runs_at_a_tiny_scale(tree: SimpleNamespace) -> None:
    # The issue's figures are 10 million movements, 100 threads and 2,000 demand points; at
    # --scale 0.0002 the same steps run over 2,000 movements, 10 threads and 20 points.
    from bench import supplies_data
    from bench.scenarios import Context
    from bench.scenarios.supplies import Out, build_supplies, measure_all, state_for

    ctx = Context(repeat=1, warmup=0, grids=0, seed=1, reused_database=False, runs=1)
    ctx.scale = 0.0002
    scale = supplies_data.Scale.of(ctx.scale)
    build_supplies(ctx.setup, tree.province, scale, ctx.seed)
    state = state_for(ctx, tree.province, scale)
    out = Out()

    measure_all(state, out)

    assert supplies_data.check_ledger() == (0, 0)  # never negative, balances = ledger sums
    rows = {row.operation.split(" (")[0]: row for row in out.summary}
    assert "0 differences" in rows["nightly reconciliation"].measured
    concurrent = next(r for r in out.summary if "concurrent issues" in r.operation)
    assert concurrent.met, concurrent.notes  # 5 of 10 booked, 5 refused, balance 0
    assert len(out.measurements) == 3  # stock everywhere, days of supply, low supply
    assert all(m.raw is not None for m in out.measurements)
