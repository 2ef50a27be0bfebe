"""Benchmark scenarios: one module each, run by ``python -m bench --scenario NAME``.

A scenario module defines ``NAME``, ``DESCRIPTION`` and ``run(ctx: Context) -> ScenarioResult``.
It builds the data it needs (through the project's own importers and actions wherever they are
fast enough, in bulk where they are not, and says which), times its operations with
:mod:`bench.harness`, and measures the physical limit beside each one in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.harness import SetupLog

# name → module; later issues add theirs here (e.g. "screening" for issue #3).
SCENARIOS: dict[str, str] = {
    "divisions": "bench.scenarios.divisions",
    "gridops": "bench.scenarios.gridops",
    "cases": "bench.scenarios.cases",
    "allocation": "bench.scenarios.allocation",
    "beds": "bench.scenarios.beds",
    "command": "bench.scenarios.command",
    "supplies": "bench.scenarios.supplies",
    "warning": "bench.scenarios.warning",
}

# Scenarios whose data cannot share a database with the others get their own: the database
# BENCH_DATABASE_URL names, with ``_<name>`` appended (gridops adds its own grids and people).
OWN_DATABASE = {"gridops", "cases", "beds", "command", "supplies", "warning"}


@dataclass
class Context:
    """What ``python -m bench`` hands a scenario."""

    repeat: int
    warmup: int
    grids: int
    seed: int
    reused_database: bool
    setup: SetupLog = field(default_factory=SetupLog)
    scale: float = 1.0
    database_url: str = ""
    # End-to-end runs of each throughput measured as a whole (imports, exports): the median of
    # them is reported, with min and max.
    runs: int = 3
