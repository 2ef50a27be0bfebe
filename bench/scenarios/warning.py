"""Issue #13: every indicator for every division of the province for a day, the aberration
methods and Rt for every county over a year, and the command screen's data, each beside a floor
measured in the same run.

Data (``bench/warning_data.py``): the real Jilin tree with its grids as the ``divisions``
scenario builds it (~133,000 divisions), 60 days of records in every source table the
indicators read (1,000 cases, 5,000 clinic visits, 10,000 passages, 3,300 close contacts a day;
every grid's day; wards and low-supply alerts), and a year of county series.

Measured:

1. ``warning.indicators.compute_day(today)`` for the whole province (target < 30 s), beside
   its aggregates run raw (the same GROUP BY statements, nothing else: the floor), and the
   Python roll-up and the write apart;
2. EARS C1, C2, C3 (``methods.detect``) and Rt (``cori.estimate_r``, parametric SI 7.5/3.4,
   weekly windows) for every county over 365 days, on series fetched by one query (target
   < 10 s), beside the fetch alone; and ``detection.run_range`` over the same year once, end to
   end (alarms recorded, signals grouped, no escalations);
3. ``warning.screen.screen_data`` for the province (target p95 < 300 ms), when it exists.

Nothing here asserts a time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from django.utils import timezone

from bench import warning_data as data
from bench.harness import (
    Measurement,
    RawSQL,
    ScenarioResult,
    Stats,
    SummaryRow,
    environment,
    fmt_ms,
    load_average,
    percentile,
    time_interleaved,
)
from bench.scenarios import Context
from bench.scenarios.divisions import BENCH_USERNAME
from bench.scenarios.divisions import build as build_tree
from fangkong.accounts.models import User
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning import indicators
from fangkong.warning.choices import STOCK_INDICATORS, Indicator, Source
from fangkong.warning.models import IndicatorDay

NAME = "warning"
DESCRIPTION = "indicators for the whole province, C1-C3 and Rt per county, command screen (#13)"
COMPUTE_TARGET_S = 30.0
DETECT_TARGET_S = 10.0
SCREEN_TARGET_MS = 300.0
MIN_REPEAT = 20

NOTES = [
    "compute_day runs one aggregate per source table grouped by the records' division path"
    " (the grid's for records on grids), adds each group to every ancestor in Python, deletes"
    " the day's computed rows and writes the new ones by COPY; the floor is the same aggregate"
    " statements run raw, so the difference is the roll-up, the ids of the divisions and the"
    " write.",
    "The detection figure runs methods.detect (C1, C2, C3) on every event indicator of every"
    " county and cori.estimate_r on every county's confirmed cases (local and imported) over"
    " 365 days, on dense arrays built from one query; detection.run_range is the same methods"
    " end to end (alarms and signals written).",
]


def prepare(ctx: Context) -> dict[str, Any]:
    build_tree(ctx)
    scale = data.Scale.of(ctx.scale)
    counts: dict[str, Any] = {}
    setup = ctx.setup
    with setup.step("reset", "TRUNCATE the source tables and the indicators"):
        data.reset()
    with setup.step("grids", "bench_w_grid: the grids numbered, with their county") as step:
        grids = data.grid_table()
        step.detail += f": {grids:,} grids"
    with setup.step("facilities", "a clinic and a hospital (4 wards) per county, bulk_create"):
        counts["facilities"] = data.facilities()
    with setup.step("checkpoints", "bulk_create"):
        counts["checkpoints"] = data.checkpoints(scale)
    with setup.step("alerts", "open low-supply escalations, bulk_create"):
        counts["alerts"] = data.alerts(scale)
    with setup.step("cases", "people and cases, INSERT … SELECT") as step:
        counts["cases"] = data.people_and_cases(scale, grids)
        step.detail += f": {counts['cases']:,}"
    with setup.step("visits", "fever-clinic visits, INSERT … SELECT") as step:
        counts["visits"] = data.visits(scale, grids)
        step.detail += f": {counts['visits']:,}"
    with setup.step("passages", "checkpoint passages, INSERT … SELECT") as step:
        counts["passages"] = data.passages(scale)
        step.detail += f": {counts['passages']:,}"
    with setup.step("contacts", "close contacts, INSERT … SELECT") as step:
        counts["contacts"] = data.contacts(scale)
        step.detail += f": {counts['contacts']:,}"
    with setup.step("grid days", "every grid's last two days, INSERT … SELECT") as step:
        counts["grid_days"] = data.grid_days()
        step.detail += f": {counts['grid_days']:,}"
    with setup.step("history", "365 days of county series, COPY") as step:
        counts["history_rows"] = data.history(ctx.seed)
        step.detail += f": {counts['history_rows']:,} rows"
    with setup.step("analyze", "ANALYZE the tables"):
        data.analyze()
    counts["divisions"] = Division.objects.count()
    return counts


def measure_compute(ctx: Context, out: dict[str, Any]) -> None:
    today = data.today()
    runs = max(3, ctx.runs)
    seconds, aggregate = [], []
    written = 0
    for _ in range(runs):
        start = time.perf_counter()
        written = indicators.compute_day(today)
        seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        by_path = indicators.aggregate_day(today)
        aggregate.append(time.perf_counter() - start)
    raw = RawSQL.twin(lambda: indicators.aggregate_day(today))
    floor = []
    for _ in range(runs):
        start = time.perf_counter()
        raw()
        floor.append(time.perf_counter() - start)
    median = percentile(seconds, 50)
    out["summary"].append(
        SummaryRow(
            "every indicator for every division of the province for a day"
            " (warning.indicators.compute_day)",
            f"{median:.2f} s (median of {runs}, {min(seconds):.2f}–{max(seconds):.2f});"
            f" {written:,} values for {len(by_path):,} divisions of"
            f" {out['counts']['divisions']:,}",
            f"< {COMPUTE_TARGET_S:g} s",
            f"its {len(raw.statements)} aggregate statements raw: "
            f"{percentile(floor, 50):.2f} s; aggregates and roll-up (no write): "
            f"{percentile(aggregate, 50):.2f} s",
            median < COMPUTE_TARGET_S,
            samples={"seconds": seconds, "floor_seconds": floor, "aggregate_seconds": aggregate},
        )
    )
    out["extra"]["compute_sql"] = raw.statements
    out["extra"]["compute_plans"] = raw.explain()


def _fetch(start: dt.date, end: dt.date) -> dict[tuple[int, str], np.ndarray]:
    """Every county's series (imported, the year's history) in one query, dense."""
    days = (end - start).days + 1
    out: dict[tuple[int, str], np.ndarray] = defaultdict(lambda: np.zeros(days))
    rows = (
        IndicatorDay.objects.filter(
            source=Source.IMPORTED,
            day__gte=start,
            day__lte=end,
            division__level=Level.COUNTY,
        )
        .order_by()
        .values_list("division_id", "indicator", "day", "value")
    )
    for pk, indicator, day, value in rows.iterator(chunk_size=20000):
        out[(pk, indicator)][(day - start).days] = value
    return dict(out)


def measure_detection(ctx: Context, out: dict[str, Any]) -> None:
    from fangkong.warning import cori, methods

    end = data.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=data.HISTORY_DAYS - 1)
    params = methods.DEFAULTS
    events = [i for i in Indicator.values if i not in STOCK_INDICATORS]
    runs = max(3, ctx.runs)
    seconds, fetch = [], []
    alarms = estimates = series = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        by_series = _fetch(start, end)
        t1 = time.perf_counter()
        alarms = estimates = 0
        for (_pk, indicator), counts in by_series.items():
            if indicator not in events:
                continue
            for method in ("C1", "C2", "C3"):
                found = methods.detect(method, cast(Sequence[float], counts), params)
                alarms += len([b for b in found if b.alarm])
        si = cori.parametric_si(params.si_mean, params.si_sd, data.HISTORY_DAYS)
        for (pk, indicator), counts in by_series.items():
            if indicator != Indicator.CONFIRMED_LOCAL:
                continue
            imported = by_series.get((pk, Indicator.CONFIRMED_IMPORTED))
            if imported is None:
                imported = np.zeros(len(counts))
            estimates += len(cori.estimate_r(counts, imported, si))
        seconds.append(time.perf_counter() - t0)
        fetch.append(t1 - t0)
        series = len(by_series)
    median = percentile(seconds, 50)
    out["summary"].append(
        SummaryRow(
            "EARS C1-C3 and Rt for every county over 365 days (methods.detect, cori.estimate_r"
            " on series fetched by one query)",
            f"{median:.2f} s (median of {runs}, {min(seconds):.2f}–{max(seconds):.2f});"
            f" {series:,} series, {alarms:,} alarms, {estimates:,} Rt windows",
            f"< {DETECT_TARGET_S:g} s",
            f"the fetch alone: {percentile(fetch, 50):.2f} s",
            median < DETECT_TARGET_S,
            samples={"seconds": seconds, "fetch_seconds": fetch},
        )
    )
    try:
        from fangkong.warning import detection
    except ImportError:  # pragma: no cover - the detection part not there
        return
    t0 = time.perf_counter()
    recorded = detection.run_range(start, end, alert=False)
    took = time.perf_counter() - t0
    out["summary"].append(
        SummaryRow(
            "detection.run_range over 365 days, every division down to the county, end to end"
            " (alarms recorded, signals grouped, no escalation)",
            f"{took:.2f} s (one run); {recorded:,} alarms recorded",
            "—",
            "—",
            None,
            samples={"seconds": [took]},
        )
    )


def measure_screen(ctx: Context, out: dict[str, Any]) -> None:
    try:
        from fangkong.warning import screen
    except ImportError:  # pragma: no cover - the screen part not there
        out["findings"].append("warning.screen is not there: the screen was not measured.")
        return
    user = User.objects.select_related("home_division").get(username=BENCH_USERNAME)
    province = Division.objects.get(level=Level.PROVINCE)
    today = data.today()

    def fn() -> object:
        return screen.screen_data(user, province, today)

    raw = RawSQL.twin(fn)
    samples = time_interleaved(
        {"orm": fn, "raw": raw}, warmup=ctx.warmup, repeat=max(ctx.repeat, MIN_REPEAT)
    )
    m = Measurement(
        "the command screen's data for the province (warning.screen.screen_data)",
        f"{len(raw.statements)} statements",
        Stats.of(samples["orm"]),
        target_ms=SCREEN_TARGET_MS,
        raw=Stats.of(samples["raw"]),
        sql=raw.statements,
    )
    out["measurements"].append(m)
    out["summary"].append(
        SummaryRow(
            m.operation,
            f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
            f"p95 < {SCREEN_TARGET_MS:g} ms",
            f"its statements raw: p50 {fmt_ms(m.raw.p50 if m.raw else None)} / p95"
            f" {fmt_ms(m.raw.p95 if m.raw else None)} ms",
            m.met,
        )
    )


def run(ctx: Context) -> ScenarioResult:
    started = timezone.now()
    counts = prepare(ctx)
    out: dict[str, Any] = {
        "summary": [], "measurements": [], "findings": [], "extra": {}, "counts": counts,
    }  # fmt: skip
    load_at_start = load_average()
    measure_compute(ctx, out)
    measure_detection(ctx, out)
    measure_screen(ctx, out)
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    scale = {"factor": ctx.scale, **counts}
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — indicators, aberration detection and Rt, command screen (issue #13)",
        scale=scale,
        scale_text=", ".join(f"{k} {v:,}" for k, v in counts.items()),
        environment=env,
        parameters={
            "repeat": max(ctx.repeat, MIN_REPEAT),
            "warmup": ctx.warmup,
            "runs": ctx.runs,
            "grids": ctx.grids,
            "seed": ctx.seed,
            "scale": ctx.scale,
        },
        setup=ctx.setup.steps,
        measurements=out["measurements"],
        findings=out["findings"],
        notes=NOTES,
        summary=out["summary"],
        extra=out["extra"],
        started_at=started.isoformat(timespec="seconds"),
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )
