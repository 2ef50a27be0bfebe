"""The benchmark harness (bench/) on tiny data, so it cannot rot unnoticed between runs.

No timing is asserted anywhere: benchmarks never gate the tests on a wall-clock number.
"""

from __future__ import annotations

import json

import pytest

from bench.harness import (
    Measurement,
    Runs,
    ScenarioResult,
    SetupStep,
    Stats,
    SummaryRow,
    percentile,
    write_results,
)
from bench.scenarios.divisions import SEARCH_QUERIES, plan_grids
from fangkong.regions import selectors


def test_percentiles_interpolate_between_closest_ranks():
    samples = [4.0, 1.0, 3.0, 2.0]

    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 50) == 2.5
    assert percentile(samples, 95) == pytest.approx(3.85)
    assert percentile(samples, 100) == 4.0
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_stats_and_measurement_verdicts():
    stats = Stats.of([10.0, 20.0, 30.0])
    raw = Stats.of([5.0, 10.0, 15.0])

    met = Measurement("op", "subject", stats, target_ms=100.0, raw=raw)
    missed = Measurement("op", "subject", stats, target_ms=25.0)
    untargeted = Measurement("op", "subject", stats)

    assert (stats.n, stats.p50, stats.max, stats.min, stats.mean) == (3, 20.0, 30.0, 10.0, 20.0)
    assert met.met is True and met.ratio == 2.0
    assert missed.met is False and missed.ratio is None
    assert untargeted.met is None


def test_results_are_written_as_json_and_a_markdown_table(tmp_path):
    result = ScenarioResult(
        scenario="tiny",
        title="tiny scenario",
        scale={"rows": 3},
        scale_text="3 rows",
        environment={"cpu_count": 1, "postgresql": "PostgreSQL 15", "git_commit": "abc"},
        parameters={"repeat": 3, "warmup": 1},
        setup=[SetupStep("load", 0.5, "3 rows")],
        measurements=[
            Measurement(
                "search", "all", Stats.of([1.0, 2.0, 3.0]), target_ms=50.0, raw=Stats.of([1.0])
            ),
            Measurement("page", "吉林省", Stats.of([80.0, 90.0]), target_ms=60.0),
        ],
        findings=["a finding"],
    )

    json_path, md_path = write_results(result, tmp_path, stamp="20200129T000000Z")

    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert json_path.name == "20200129T000000Z-tiny.json"
    assert data["scale"] == {"rows": 3}
    assert data["environment"]["cpu_count"] == 1
    assert [m["met"] for m in data["measurements"]] == [True, False]
    assert data["measurements"][0]["ratio_p50"] == 2.0
    markdown = md_path.read_text(encoding="utf-8")
    assert md_path.name == "latest-tiny.md"
    assert "| operation | p50 | p95 | max | target | met? | raw SQL p50/p95 | ratio |" in markdown
    row = "| search — all | 2.00 | 2.90 | 3.00 | p95 < 50.0 | yes | 1.00 / 1.00 | 2.00× |"
    assert row in markdown
    assert "| page — 吉林省 |" in markdown and "**NO**" in markdown
    assert "a finding" in markdown
    assert not list(tmp_path.glob("*.tmp"))


def test_every_timed_sample_is_kept_in_the_json(tmp_path):
    # The markdown says every sample is in the JSON: each latency in the order it was timed,
    # its raw-SQL twin's, and the seconds of every run behind a summary row.
    result = ScenarioResult(
        scenario="tiny",
        title="tiny",
        scale={},
        environment={},
        parameters={},
        measurements=[
            Measurement("op", "s", Stats.of([3.0, 1.0, 2.0]), raw=Stats.of([0.5, 0.25])),
        ],
        summary=[
            SummaryRow("import", "x rows/s", samples={"rows": 10, "import_seconds": [1.5, 1.0]})
        ],
    )

    json_path, md_path = write_results(result, tmp_path, stamp="20200129T000000Z")

    data = json.loads(json_path.read_text(encoding="utf-8"))
    measurement = data["measurements"][0]
    assert measurement["samples"] == [3.0, 1.0, 2.0]
    assert measurement["raw"]["samples"] == [0.5, 0.25]
    assert data["summary"][0]["samples"] == {"rows": 10, "import_seconds": [1.5, 1.0]}
    assert '"samples": [3.0, 1.0, 2.0]' in json_path.read_text(encoding="utf-8")  # one line
    assert "Every sample the harness timed" in md_path.read_text(encoding="utf-8")


def test_runs_are_reported_as_the_median_with_the_slowest_and_fastest():
    runs = Runs.of([5.0, 4.0, 10.0])

    assert (runs.n, runs.median) == (3, 5.0)
    assert runs.rate(100_000) == 20_000
    assert runs.rates(100_000) == "20,000 rows/s (median of 3 runs, 10,000–25,000; 5.00 s)"
    assert Runs.of([2.0]).rates(10, "req/s") == "5 req/s (one run; 2.00 s)"
    with pytest.raises(ValueError):
        Runs.of([])


def test_grids_get_village_codes_paths_and_pinyin_keys():
    villages = [
        (1, "220102001001", "22/2201/220102/220102001/220102001001/", "华阳社区"),
        (2, "220102001002", "22/2201/220102/220102001/220102001002/", "恒安村"),
    ]

    rows = plan_grids(villages, 30, seed=1)

    assert len(rows) == 30
    assert rows == plan_grids(villages, 30, seed=1)
    first = next(r for r in rows if r.parent_id == 1)
    assert first.code == "220102001001001"
    assert first.name == "第1网格"
    assert first.path == "22/2201/220102/220102001/220102001001/220102001001001/"
    assert (first.pinyin, first.initials) == ("diwangge", "dwg")
    assert len({r.code for r in rows}) == 30


def test_the_benchmark_search_queries_run_on_this_database(tree, make_user):
    user = make_user(tree.province)

    pages = {q: selectors.search(user, q, size=50) for q in SEARCH_QUERIES}

    assert [d.name for d in pages["南关"].items] == ["南关区"]
    assert [d.name for d in pages["nanguan"].items] == ["南关区"]
    assert [d.code for d in pages["220102001"].items][:2] == ["220102001000", "220102001001"]
    assert "长春市" in [d.name for d in pages["2201"].items]
    assert "吉林市" in [d.name for d in pages["22"].items]
    assert [d.name for d in pages["第12网格"].items] == []
