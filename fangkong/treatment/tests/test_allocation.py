"""The patient-to-bed allocation solver (就近收治): exact optimum, overflow reported, baseline."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from fangkong.treatment.allocation import (
    Pool,
    Waiting,
    allocate,
    distance_matrix,
    get_distance_matrix,
    great_circle_km,
    min_cost_flow,
    nearest_free_first,
    solve_transportation,
)

CHANGCHUN = (125.3245, 43.8868)
JILIN_CITY = (126.5496, 43.8379)
HOSPITAL = frozenset({"designated_hospital"})
ANY_KIND = frozenset({"designated_hospital", "makeshift_hospital"})


def line_km(origins: Any, sites: Any) -> np.ndarray:
    """A distance of the test: |lon difference| (points on a line, exact numbers)."""
    o = np.asarray(origins, dtype=float).reshape(-1, 2)
    s = np.asarray(sites, dtype=float).reshape(-1, 2)
    return np.abs(o[:, None, 0] - s[None, :, 0])


@pytest.fixture
def on_a_line(settings: Any) -> None:
    settings.FANGKONG_DISTANCE_MATRIX = f"{__name__}.line_km"


# --- distances ---------------------------------------------------------------------------------


def test_changchun_to_jilin_city_is_about_98_km() -> None:
    # given 长春 and 吉林市; by hand: Δlat = -0.0489°, Δlon = 1.2251°, mean lat 43.86°:
    # north 0.0489 × 111.195 = 5.44 km, east 1.2251 × cos 43.86° × 111.195 = 98.21 km,
    # √(5.44² + 98.21²) = 98.36 km
    # when
    km = great_circle_km(*CHANGCHUN, *JILIN_CITY)
    # then
    assert 98 <= km <= 100
    assert km == pytest.approx(98.36, abs=0.05)
    assert great_circle_km(*CHANGCHUN, *CHANGCHUN) == 0


def test_distance_matrix_is_origins_by_sites_and_symmetric() -> None:
    # given two origins and three sites
    origins = np.array([CHANGCHUN, JILIN_CITY])
    sites = np.array([JILIN_CITY, CHANGCHUN, (126.0, 44.0)])
    # when
    km = distance_matrix(origins, sites)
    # then
    assert km.shape == (2, 3)
    assert km[0, 1] == 0 and km[1, 0] == 0
    assert km[0, 0] == pytest.approx(km[1, 1])


def test_the_distance_function_comes_from_the_setting(settings: Any) -> None:
    # given no setting, then a setting naming another function
    del settings.FANGKONG_DISTANCE_MATRIX
    assert get_distance_matrix() is distance_matrix
    # when
    settings.FANGKONG_DISTANCE_MATRIX = f"{__name__}.line_km"
    # then
    assert get_distance_matrix() is line_km


# --- minimum-cost flow: the textbook example ---------------------------------------------------


def test_bradley_hax_magnanti_figure_8_1_costs_150() -> None:
    """Bradley, Hax and Magnanti, *Applied Mathematical Programming* (Addison-Wesley 1977),
    chapter 8 "Network Models", Figure 8.1: the minimum-cost flow network with node 1 supplying
    20 units, nodes 4 and 5 demanding 5 and 15, nodes 2 and 3 transshipment nodes; optimal cost
    150.

    The data (nodes renumbered from 0: book node k is k - 1; arcs as (tail, head, capacity,
    cost)) are as transcribed in Google OR-Tools' sample
    ``ortools/graph/samples/simple_min_cost_flow_program.py``, whose docstring cites this
    figure, and in its "Minimum Cost Flows" guide; they were not checked against the PDF
    (web.mit.edu/15.053/www/AMP-Chapter-08.pdf) itself, which the search tools did not hold.
    """
    # given
    supplies = [20, 0, 0, -5, -15]
    arcs = [
        (0, 1, 15, 4),
        (0, 2, 8, 4),
        (1, 2, 20, 2),
        (1, 3, 4, 2),
        (1, 4, 10, 6),
        (2, 3, 15, 1),
        (2, 4, 4, 3),
        (3, 4, 20, 2),
        (4, 2, 5, 3),
    ]
    # when
    flow = min_cost_flow(supplies, arcs)
    # then
    assert flow.total_cost == 150
    assert flow.flows.dtype.kind == "i"
    net = np.zeros(5, dtype=np.int64)
    for (tail, head, capacity, _cost), x in zip(arcs, flow.flows, strict=True):
        assert 0 <= x <= capacity
        net[tail] += x
        net[head] -= x
    assert net.tolist() == supplies


def test_min_cost_flow_refuses_an_infeasible_network() -> None:
    # given a demand of 5 behind an arc of capacity 3
    # when / then
    with pytest.raises(ValueError, match="no feasible flow"):
        min_cost_flow([5, -5], [(0, 1, 3, 1.0)])


# --- the transportation problem ----------------------------------------------------------------


def test_transportation_places_the_most_then_the_cheapest() -> None:
    # given source 0 (2 units) that may only use sink 0 (1 bed), source 1 (3 units) that may
    # use sink 0 at cost 2 or sink 1 at cost 3
    cost = np.array([[1.0, np.inf], [2.0, 3.0]])
    # when
    result = solve_transportation(cost, [2, 3], [1, 10])
    # then the cheap sink 0 goes to source 0, the only one that can use it
    assert result.flows == [(0, 0, 1), (1, 1, 3)]
    assert result.unplaced.tolist() == [1, 0]
    assert result.total_cost == 10.0
    assert result.status == "optimal"


def test_transportation_prefers_a_far_placement_to_leaving_someone_out() -> None:
    # given one bed near source 0 and a far one that only source 1 cannot use
    cost = np.array([[1.0, 1000.0], [1.0, np.inf]])
    # when
    result = solve_transportation(cost, [1, 1], [1, 1])
    # then both are placed, source 0 far away
    assert sorted(result.flows) == [(0, 1, 1), (1, 0, 1)]
    assert result.unplaced.tolist() == [0, 0]
    assert result.total_cost == 1001.0


# --- allocate: reasons -------------------------------------------------------------------------


def test_demand_beyond_the_free_beds_is_reported_exactly_as_no_free_bed() -> None:
    # given 7 patients needing an ICU bed and 2 + 3 free ICU beds
    patients = [Waiting(f"p{i}", 125.3, 43.9, "icu", HOSPITAL) for i in range(7)]
    pools = [
        Pool("a", "designated_hospital", "icu", 125.31, 43.9, 2),
        Pool("b", "designated_hospital", "icu", 125.5, 43.9, 3),
        Pool("c", "designated_hospital", "isolation_ward", 125.3, 43.9, 50),
    ]
    # when
    plan = allocate(patients, pools)
    # then the first five (input order) are placed, the excess of two is reported
    assert plan.assignments == {"p0": "a", "p1": "a", "p2": "b", "p3": "b", "p4": "b"}
    assert plan.unplaced == {"p5": "no_free_bed", "p6": "no_free_bed"}
    assert plan.placed == 5


def test_no_pool_and_no_location_are_told_apart_from_no_free_bed() -> None:
    # given a patient without coordinates, one whose bed type exists only at a makeshift
    # hospital they may not go to, one whose only eligible pool has no coordinates, and one
    # whose only eligible pool is full
    patients = [
        Waiting("lost", None, None, "icu", HOSPITAL),
        Waiting("kind", 125.3, 43.9, "negative_pressure", HOSPITAL),
        Waiting("unmapped", 125.3, 43.9, "observation", ANY_KIND),
        Waiting("full", 125.3, 43.9, "icu", HOSPITAL),
    ]
    pools = [
        Pool("m", "makeshift_hospital", "negative_pressure", 125.3, 43.9, 10),
        Pool("x", "designated_hospital", "observation", None, None, 10),
        Pool("h", "designated_hospital", "icu", 125.4, 43.9, 0),
    ]
    # when
    plan = allocate(patients, pools)
    # then
    assert plan.assignments == {}
    assert plan.unplaced == {
        "lost": "no_location",
        "kind": "no_pool",
        "unmapped": "no_pool",
        "full": "no_free_bed",
    }
    assert (plan.total_km, plan.greedy_total_km, plan.greedy_placed) == (0.0, 0.0, 0)


def test_nothing_to_do_is_an_empty_plan() -> None:
    # given no patients / when
    plan = allocate([], [Pool("a", "designated_hospital", "icu", 125.0, 43.0, 3)])
    # then
    assert (plan.assignments, plan.unplaced, plan.total_km) == ({}, {}, 0.0)


# --- allocate: optimal against the baseline ----------------------------------------------------


def test_greedy_is_strictly_worse_on_a_small_line(on_a_line: None) -> None:
    # given, on a line (distance = |x difference|): patient A at x=1 comes first, B at x=-1;
    # one bed at P (x=0) and one at Q (x=3)
    patients = [
        Waiting("A", 1.0, 0.0, "icu", HOSPITAL),
        Waiting("B", -1.0, 0.0, "icu", HOSPITAL),
    ]
    pools = [
        Pool("P", "designated_hospital", "icu", 0.0, 0.0, 1),
        Pool("Q", "designated_hospital", "icu", 3.0, 0.0, 1),
    ]
    # when
    plan = allocate(patients, pools)
    greedy, greedy_km = nearest_free_first(patients, pools)
    # then nearest-free-first: A → P (1), B → Q (4) = 5; optimal: A → Q (2), B → P (1) = 3
    assert greedy == {"A": "P", "B": "Q"} and greedy_km == 5.0
    assert plan.assignments == {"A": "Q", "B": "P"}
    assert plan.total_km == 3.0
    assert (plan.greedy_total_km, plan.greedy_placed) == (5.0, 2)


def random_instance(
    seed: int, *, patients: int = 60, origins: int = 20, pools: int = 15
) -> tuple[list[Waiting], list[Pool]]:
    """Patients from a few origins around 长春, two bed types, two facility kinds."""
    rng = np.random.default_rng(seed)
    spots = np.column_stack([rng.uniform(124.5, 126.5, origins), rng.uniform(43.3, 44.5, origins)])
    kinds = [HOSPITAL, ANY_KIND]
    beds = ["icu", "isolation_ward"]
    waiting = [
        Waiting(
            f"p{i}",
            float(spots[o, 0]),
            float(spots[o, 1]),
            beds[int(rng.integers(2))],
            kinds[int(rng.integers(2))],
        )
        for i, o in enumerate(rng.integers(origins, size=patients))
    ]
    pool_list = [
        Pool(
            f"f{j}",
            ["designated_hospital", "makeshift_hospital"][int(rng.integers(2))],
            beds[j % 2],
            float(rng.uniform(124.5, 126.5)),
            float(rng.uniform(43.3, 44.5)),
            int(rng.integers(0, 8)),
        )
        for j in range(pools)
    ]
    return waiting, pool_list


def km(a: Waiting | Pool, b: Pool) -> float:
    assert a.lon is not None and a.lat is not None and b.lon is not None and b.lat is not None
    return float(great_circle_km(a.lon, a.lat, b.lon, b.lat))


def total_km(patients: list[Waiting], pools: list[Pool], assignments: dict[Any, Any]) -> float:
    where = {p.key: p for p in pools}
    return sum(km(p, where[assignments[p.key]]) for p in patients if p.key in assignments)


def test_pricing_reaches_the_optimum_with_every_arc() -> None:
    # given 60 patients from 20 origins, 15 pools, 2 bed types
    patients, pools = random_instance(2020)
    # when the plan starts from each source's 2 nearest pools (pricing must add the rest it
    # needs), and again with every arc from the start
    priced = allocate(patients, pools, nearest=2)
    every_arc = allocate(patients, pools, nearest=len(pools))
    # then the same placed count and the same total distance
    assert priced.placed == every_arc.placed
    assert priced.unplaced == every_arc.unplaced
    assert priced.total_km == pytest.approx(every_arc.total_km, rel=1e-9)
    assert max(priced.rounds.values()) > 1  # pricing did add arcs
    # and the all-arcs plan is the transportation optimum of the full cost matrix
    groups: dict[tuple[Any, ...], Waiting] = {}
    supply: dict[tuple[Any, ...], int] = {}
    for p in patients:
        signature = (p.lon, p.lat, p.bed_type, p.kinds)
        groups.setdefault(signature, p)
        supply[signature] = supply.get(signature, 0) + 1
    cost = np.full((len(groups), len(pools)), np.inf)
    for g, first in enumerate(groups.values()):
        for j, pool in enumerate(pools):
            if pool.bed_type == first.bed_type and pool.facility_kind in first.kinds:
                cost[g, j] = km(first, pool)
    direct = solve_transportation(cost, list(supply.values()), [p.free for p in pools])
    assert direct.total_cost == pytest.approx(every_arc.total_km, rel=1e-9)
    assert int(direct.unplaced.sum()) == len(every_arc.unplaced)
    assert total_km(patients, pools, priced.assignments) == pytest.approx(priced.total_km)


@pytest.mark.parametrize("seed", range(8))
def test_optimal_places_as_many_and_travels_no_more_than_greedy(seed: int) -> None:
    # given a random instance
    patients, pools = random_instance(seed, patients=80, origins=25, pools=12)
    # when
    plan = allocate(patients, pools)
    # then no fewer placed and no more km than nearest-free-first, and no bed used twice over
    assert plan.placed >= plan.greedy_placed
    if plan.placed == plan.greedy_placed:
        assert plan.total_km <= plan.greedy_total_km + 1e-6
    used: dict[Any, int] = {}
    for pool_key in plan.assignments.values():
        used[pool_key] = used.get(pool_key, 0) + 1
    assert all(used[p.key] <= p.free for p in pools if p.key in used)
    assert len(plan.assignments) + len(plan.unplaced) == len(patients)
    assert math.isfinite(plan.solve_seconds)
