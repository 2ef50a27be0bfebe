"""Issue #10: the patient-to-bed allocation (就近收治) of a province-wide wave, timed, with the
total distance of the optimal plan beside nearest-free-first in the same run.

Data (seeded, generated here; the solver is pure, so nothing is read from the database), at
``--scale 1``: 10,000 waiting patients at a few hundred origins (streets, villages) clustered
around the 9 city seats of Jilin (most around 长春), each needing one of 4 bed types
(``isolation_ward``, ``negative_pressure``, ``icu``, ``observation``) at the facility kinds
allowed for it; 500 facilities around the same seats (designated hospitals, makeshift hospitals,
isolation hotels) with one pool of free beds per bed type they have. Free beds exceed demand by
10% for three bed types and fall 5% short of it for ``icu``, so the overflow is exercised.
Patients come in a random order (the order nearest-free-first serves them in).

Measured:

1. ``fangkong.treatment.allocation.allocate`` end to end (grouping, the distance matrix, the
   LPs with pricing; the baseline it also computes is not in its time): median of ``--runs``
   (at least 3) after one warm-up, target < 2 s;
2. beside it, the same problem solved with every eligible arc from the start (no pricing): the
   same optimum, and what pricing saves;
3. the plan's total distance against nearest-free-first's (the ratio), and how many each placed.

Run with the others (``python -m bench --scenario allocation``) or on its own, without a
database: ``python -m bench.scenarios.allocation [--scale 0.1]``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.harness import (
    Runs,
    ScenarioResult,
    SummaryRow,
    environment,
    load_average,
    utc_stamp,
    write_results,
)
from bench.scenarios import Context

NAME = "allocation"
DESCRIPTION = "patient-to-bed allocation: optimal plan vs nearest free first (#10)"
TARGET_S = 2.0
PATIENTS = 10_000
FACILITIES = 500
ORIGINS = 300
BED_TYPES = ("isolation_ward", "negative_pressure", "icu", "observation")
SHORT_TYPE = "icu"  # free beds below demand for this one: overflow happens
SURPLUS = 1.10
SHORTFALL = 0.95

# The 9 city seats of Jilin (lon, lat) and a weight for how many patients and facilities are
# around each (the 2022 wave was heaviest in 长春 and 吉林市).
SEATS: dict[str, tuple[float, float, float]] = {
    "长春市": (125.3245, 43.8868, 0.40),
    "吉林市": (126.5496, 43.8379, 0.25),
    "四平市": (124.3505, 43.1664, 0.07),
    "辽源市": (125.1437, 42.8880, 0.04),
    "通化市": (125.9399, 41.7284, 0.05),
    "白山市": (126.4236, 41.9398, 0.03),
    "松原市": (124.8250, 45.1411, 0.06),
    "白城市": (122.8389, 45.6196, 0.04),
    "延吉市": (129.5089, 42.8913, 0.06),
}
# Bed type: share of the patients, and the facility kinds that may admit them.
NEEDS: dict[str, tuple[float, list[frozenset[str]]]] = {
    "isolation_ward": (
        0.55,
        [
            frozenset({"designated_hospital", "makeshift_hospital"}),
            frozenset({"makeshift_hospital"}),
        ],
    ),
    "negative_pressure": (0.10, [frozenset({"designated_hospital"})]),
    "icu": (0.08, [frozenset({"designated_hospital"})]),
    "observation": (
        0.27,
        [
            frozenset({"makeshift_hospital", "isolation_hotel"}),
            frozenset({"isolation_hotel"}),
        ],
    ),
}
# Facility kind: share of the facilities, and the bed types it has.
KINDS: dict[str, tuple[float, tuple[str, ...]]] = {
    "designated_hospital": (0.3, ("isolation_ward", "negative_pressure", "icu")),
    "makeshift_hospital": (0.3, ("isolation_ward", "observation")),
    "isolation_hotel": (0.4, ("observation",)),
}


@dataclass
class Instance:
    patients: list[Any]
    pools: list[Any]
    demand: dict[str, int]
    free: dict[str, int]
    origins: int


def around_seats(rng: np.random.Generator, n: int, spread: float) -> np.ndarray:
    """``n`` (lon, lat) points scattered around the seats by their weights."""
    names = list(SEATS)
    weights = np.array([SEATS[s][2] for s in names])
    seat = rng.choice(len(names), size=n, p=weights / weights.sum())
    centre = np.array([SEATS[names[k]][:2] for k in seat])
    return centre + rng.normal(0.0, spread, size=(n, 2)) * np.array([1.3, 1.0])


def build(seed: int, scale: float) -> Instance:
    from fangkong.treatment.allocation import Pool, Waiting

    rng = np.random.default_rng(seed)
    n_patients = max(100, round(PATIENTS * scale))
    n_facilities = max(20, round(FACILITIES * scale))
    n_origins = max(20, round(ORIGINS * min(1.0, scale * 4)))
    origins = around_seats(rng, n_origins, 0.12)
    popularity = rng.lognormal(0.0, 1.0, size=n_origins)  # a few streets hold many
    popularity /= popularity.sum()
    types = list(NEEDS)
    shares = np.array([NEEDS[t][0] for t in types])
    patients = []
    for i in range(n_patients):
        o = int(rng.choice(n_origins, p=popularity))
        bed = types[int(rng.choice(len(types), p=shares / shares.sum()))]
        options = NEEDS[bed][1]
        kinds = options[int(rng.integers(len(options)))]
        patients.append(
            Waiting(i, float(origins[o, 0]), float(origins[o, 1]), bed, kinds)
        )  # fmt: skip
    demand = Counter(p.bed_type for p in patients)
    sites = around_seats(rng, n_facilities, 0.10)
    kind_names = list(KINDS)
    kind_shares = np.array([KINDS[k][0] for k in kind_names])
    facility_kind = [
        kind_names[int(k)] for k in rng.choice(len(kind_names), n_facilities, p=kind_shares)
    ]
    pools: list[Any] = []
    free: dict[str, int] = {}
    for bed in BED_TYPES:
        having = [f for f in range(n_facilities) if bed in KINDS[facility_kind[f]][1]]
        total = int(demand[bed] * (SHORTFALL if bed == SHORT_TYPE else SURPLUS))
        free[bed] = total
        beds = rng.multinomial(total, rng.dirichlet(np.ones(len(having))))
        pools += [
            Pool(
                f"F{f:03d}/{bed}",
                facility_kind[f],
                bed,
                float(sites[f, 0]),
                float(sites[f, 1]),
                int(b),
            )
            for f, b in zip(having, beds, strict=True)
        ]
    return Instance(patients, pools, dict(demand), free, n_origins)


def measure(instance: Instance, runs: int) -> tuple[list[SummaryRow], dict[str, Any]]:
    from fangkong.treatment.allocation import allocate

    allocate(instance.patients, instance.pools)  # warm-up (imports, caches)
    seconds: list[float] = []
    plan = None
    for _ in range(max(3, runs)):
        start = time.perf_counter()
        plan = allocate(instance.patients, instance.pools)
        seconds.append(time.perf_counter() - start)
    assert plan is not None
    timed = Runs.of(seconds)
    start = time.perf_counter()
    every = allocate(instance.patients, instance.pools, nearest=len(instance.pools))
    every_s = time.perf_counter() - start
    n = len(instance.patients)
    reasons = Counter(plan.unplaced.values())
    ratio = plan.greedy_total_km / plan.total_km if plan.total_km else float("nan")
    same = plan.placed == every.placed and abs(plan.total_km - every.total_km) <= 1e-6 * max(
        1.0, every.total_km
    )
    groups = len({(p.lon, p.lat, p.bed_type, p.kinds) for p in instance.patients})
    rows = [
        SummaryRow(
            f"allocate: {n:,} patients, {len(instance.pools):,} pools",
            f"{timed.median:.3f} s (median of {timed.n}, {min(seconds):.3f}–{max(seconds):.3f})",
            f"< {TARGET_S:g} s",
            f"every eligible arc from the start (no pricing): {every_s:.3f} s,"
            f" {'the same' if same else 'a DIFFERENT'} optimum ({every.total_km:,.1f} km)",
            timed.median < TARGET_S,
            notes=f"{groups:,} sources (place, bed type, kinds) from {instance.origins} origins;"
            " LPs per bed type (first one + pricing rounds): "
            + ", ".join(f"{k} {v}" for k, v in sorted(plan.rounds.items())),
            samples={"seconds": seconds, "every_arc_seconds": [every_s]},
        ),
        SummaryRow(
            "total distance: optimal plan vs nearest free first",
            f"{plan.total_km:,.0f} km vs {plan.greedy_total_km:,.0f} km:"
            f" nearest free first travels {ratio:.2f}× the optimum",
            notes=f"mean {plan.total_km / max(1, plan.placed):.1f} km per placed patient vs"
            f" {plan.greedy_total_km / max(1, plan.greedy_placed):.1f} km",
        ),
        SummaryRow(
            "placed",
            f"optimal {plan.placed:,} of {n:,}; nearest free first {plan.greedy_placed:,}",
            notes="unplaced: "
            + (", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items())) or "none")
            + "; demand / free beds by type: "
            + ", ".join(
                f"{b} {instance.demand.get(b, 0):,}/{instance.free[b]:,}" for b in BED_TYPES
            ),
        ),
    ]
    extra = {
        "total_km": plan.total_km,
        "greedy_total_km": plan.greedy_total_km,
        "ratio": ratio,
        "placed": plan.placed,
        "greedy_placed": plan.greedy_placed,
        "unplaced": dict(reasons),
        "rounds": plan.rounds,
        "every_arc_total_km": every.total_km,
        "sources": groups,
    }
    return rows, extra


def run(ctx: Context) -> ScenarioResult:
    from django.utils import timezone

    started = timezone.now()
    load_at_start = load_average()
    build_start = time.perf_counter()
    instance = build(ctx.seed, ctx.scale)
    ctx.setup.steps.append(
        _step("generate patients and pools", time.perf_counter() - build_start, "numpy, seeded")
    )
    rows, extra = measure(instance, ctx.runs)
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    text = (
        f"{len(instance.patients):,} waiting patients at {instance.origins} origins around the 9"
        f" city seats of Jilin, {len({p.key.split('/')[0] for p in instance.pools}):,}"
        f" facilities, {len(instance.pools):,} pools of 4 bed types; free beds 110% of demand,"
        f" {SHORT_TYPE} 95% (--scale {ctx.scale:g}, seed {ctx.seed})."
    )
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — patient-to-bed allocation, optimal vs nearest free first (issue #10)",
        scale={
            "patients": len(instance.patients),
            "pools": len(instance.pools),
            "origins": instance.origins,
            "factor": ctx.scale,
        },
        scale_text=text,
        environment=env,
        parameters={"seed": ctx.seed, "scale": ctx.scale, "runs": max(3, ctx.runs), "warmup": 1},
        setup=ctx.setup.steps,
        notes=[
            "The solver is pure (no database): the data are generated in memory and the same"
            " instance is solved in every run. Distances are great-circle km (the default of"
            " FANGKONG_DISTANCE_MATRIX).",
            "Time of allocate includes grouping, the distance matrix and every LP; the"
            " nearest-free-first baseline it also computes (for the comparison) is not in it.",
        ],
        summary=rows,
        extra=extra,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )


def _step(name: str, seconds: float, detail: str) -> Any:
    from bench.harness import SetupStep

    return SetupStep(name, seconds, detail)


def main(argv: list[str] | None = None) -> int:
    """Run this scenario alone, without a database (the solver needs none)."""
    from bench.__main__ import TRY_RESULTS_DIR
    from bench.harness import RESULTS_DIR

    parser = argparse.ArgumentParser(prog="python -m bench.scenarios.allocation")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    full = args.scale == 1
    directory = args.results_dir or (RESULTS_DIR if full else TRY_RESULTS_DIR)
    ctx = Context(repeat=1, warmup=1, grids=0, seed=args.seed, reused_database=False)
    ctx.scale, ctx.runs = args.scale, args.runs
    result = run(ctx)
    result.full_scale = full
    json_path, md_path = write_results(result, directory, stamp=utc_stamp())
    for row in result.summary:
        print(f"{row.operation}: {row.measured} (target {row.target}) {row.verdict}")
        print(f"  {row.limit if row.limit != '—' else ''} {row.notes}".rstrip())
    print(f"→ {json_path}\n→ {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
