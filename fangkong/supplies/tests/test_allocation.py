"""The allocation plan's solver on cases small enough to check by hand: strict priority tiers,
the least distance within a tier, unmet demand reported per demand point."""

from __future__ import annotations

import numpy as np
import pytest

from fangkong.supplies.allocation import UNKNOWN_KM, Demand, Source, propose
from fangkong.treatment.allocation import distance_matrix, solve_transportation

# Points on the equator: 1° of longitude is ~111.2 km, so distances compare like longitudes.
HOSPITAL, CLINIC, COMMUNITY = 1, 2, 4


def _flows(plan: object) -> dict[tuple[object, object], int]:
    return {(f.demand, f.source): f.quantity for f in plan.flows}  # type: ignore[attr-defined]


def test_the_hospital_is_served_before_the_community_even_if_farther() -> None:
    # given 100 masks at a store, a community next door and a hospital far away, each asking 80
    demands = [
        Demand("community", "n95", 80, COMMUNITY, 0.01, 0.0),
        Demand("hospital", "n95", 80, HOSPITAL, 2.0, 0.0),
    ]
    sources = [Source("city", "n95", 100, 0.0, 0.0)]
    # when the plan is proposed
    plan = propose(demands, sources)
    # then the hospital gets all it asked, the community the 20 left, 60 unmet
    assert _flows(plan) == {("hospital", "city"): 80, ("community", "city"): 20}
    assert plan.unmet == {"community": 60}


def test_within_a_tier_the_total_distance_is_the_least() -> None:
    # given two stores (A at 0°, B at 10°) and two hospitals (at 1° and 9°) asking 50 each;
    # A holds 50, B 50: the nearest store of each has just enough
    demands = [
        Demand("west", "n95", 50, HOSPITAL, 1.0, 0.0),
        Demand("east", "n95", 50, HOSPITAL, 9.0, 0.0),
    ]
    sources = [Source("A", "n95", 50, 0.0, 0.0), Source("B", "n95", 50, 10.0, 0.0)]
    plan = propose(demands, sources)
    assert _flows(plan) == {("west", "A"): 50, ("east", "B"): 50}
    assert plan.unmet == {}
    assert plan.total_km == pytest.approx(100 * 111.19, rel=1e-3)


def test_a_shortage_at_the_nearest_store_is_made_up_from_the_next_at_the_least_cost() -> None:
    # given A (0°) with 60 and B (10°) with 100; hospitals at 1° (asks 50) and 2° (asks 50).
    # Both are nearest to A; the one at 2° is nearer to B, so it takes the overflow from B…
    # cost: west 50×1 + east 10×2 + east 40×8 = 390°, against 50×9 + 10×1 + ... for the other way
    demands = [
        Demand("west", "n95", 50, HOSPITAL, 1.0, 0.0),
        Demand("east", "n95", 50, HOSPITAL, 2.0, 0.0),
    ]
    sources = [Source("A", "n95", 60, 0.0, 0.0), Source("B", "n95", 100, 10.0, 0.0)]
    plan = propose(demands, sources)
    # then A's 60 go to west (50) and east (10), B sends east the other 40 (a split is fine
    # when it is the least total distance: 50·1 + 10·2 + 40·8 = 390 degrees)
    assert _flows(plan) == {("west", "A"): 50, ("east", "A"): 10, ("east", "B"): 40}
    assert plan.total_km == pytest.approx(390 * 111.19, rel=1e-3)
    assert plan.lps >= 1


def test_as_much_as_possible_is_placed_before_distance_counts() -> None:
    # given the clinic's nearest store empty of gloves and a far one holding some
    demands = [Demand("clinic", "gloves", 30, CLINIC, 0.0, 0.0)]
    sources = [Source("near", "gloves", 0, 0.1, 0.0), Source("far", "gloves", 20, 5.0, 0.0)]
    plan = propose(demands, sources)
    assert _flows(plan) == {("clinic", "far"): 20}
    assert plan.unmet == {"clinic": 10}


def test_items_are_shared_independently_and_an_item_nobody_holds_is_unmet() -> None:
    demands = [
        Demand(("h", "n95"), "n95", 10, HOSPITAL, 0.0, 0.0),
        Demand(("h", "vent"), "ventilator", 2, HOSPITAL, 0.0, 0.0),
    ]
    sources = [Source("s", "n95", 100, 1.0, 0.0), Source("s-gown", "gown", 100, 1.0, 0.0)]
    plan = propose(demands, sources)
    assert _flows(plan) == {(("h", "n95"), "s"): 10}
    assert plan.unmet == {("h", "vent"): 2}


def test_demand_points_at_the_same_place_share_in_input_order() -> None:
    # two requests of the same fever clinic tier at the same place and only 15 to give
    demands = [
        Demand("first", "n95", 10, CLINIC, 3.0, 1.0),
        Demand("second", "n95", 10, CLINIC, 3.0, 1.0),
    ]
    plan = propose(demands, [Source("s", "n95", 15, 3.0, 1.0)])
    assert _flows(plan) == {("first", "s"): 10, ("second", "s"): 5}
    assert plan.unmet == {"second": 5}


def test_a_point_without_coordinates_is_served_last_in_its_tier_but_served() -> None:
    demands = [
        Demand("unknown", "n95", 10, HOSPITAL, None, None),
        Demand("known", "n95", 10, HOSPITAL, 0.5, 0.0),
        Demand("community", "n95", 10, COMMUNITY, 0.1, 0.0),
    ]
    plan = propose(demands, [Source("s", "n95", 20, 0.0, 0.0)])
    assert _flows(plan) == {("known", "s"): 10, ("unknown", "s"): 10}
    assert plan.unmet == {"community": 10}
    unknown = next(f for f in plan.flows if f.demand == "unknown")
    assert unknown.km is None
    assert UNKNOWN_KM > 1000


def test_pricing_finds_arcs_beyond_the_nearest_ones() -> None:
    # given 12 stores and a hospital whose 8 nearest stores are empty-ish; with K=2 the first LP
    # sees only two arcs per point, and pricing must bring in the others
    demands = [Demand(f"h{i}", "n95", 10, HOSPITAL, float(i), 0.0) for i in range(6)]
    sources = [Source(f"s{j}", "n95", 5 if j < 6 else 100, float(j), 0.1) for j in range(12)]
    plan = propose(demands, sources, nearest=2)
    full = propose(demands, sources, nearest=50)
    assert sum(f.quantity for f in plan.flows) == 60
    assert plan.total_km == pytest.approx(full.total_km)
    assert plan.unmet == {}


@pytest.mark.parametrize("bad", [-1, 2.5])
def test_a_bad_quantity_is_a_programming_error(bad: float) -> None:
    with pytest.raises(ValueError):
        propose([Demand("d", "n95", bad, HOSPITAL, 0.0, 0.0)], [])  # type: ignore[arg-type]


def _random_case(seed: int, items: int, points: int, stores: int, shortage: float) -> tuple:
    rng = np.random.default_rng(seed)
    where = rng.uniform(0.0, 3.0, size=(points + stores, 2))
    demands = [
        Demand((p, i), f"item{i}", int(rng.integers(1, 60)), HOSPITAL, *where[p])
        for p in range(points)
        for i in range(items)
    ]
    asked = sum(d.quantity for d in demands) / items
    sources = [
        Source((s, i), f"item{i}", int(asked * shortage / stores * rng.uniform(0.2, 1.8)), *w)
        for s, w in enumerate(where[points:])
        for i in range(items)
    ]
    return demands, sources


def _dense_optimum(demands: list[Demand], sources: list[Source]) -> tuple[int, float]:
    """Units placed and km of each item's problem with every arc, solved on its own."""
    placed, km = 0, 0.0
    for item in sorted({str(d.item) for d in demands}):
        rows = [d for d in demands if d.item == item]
        cols = [s for s in sources if s.item == item and s.quantity > 0]
        cost = distance_matrix(
            np.array([(d.lon, d.lat) for d in rows], dtype=float),
            np.array([(s.lon, s.lat) for s in cols], dtype=float),
        )
        plan = solve_transportation(cost, [d.quantity for d in rows], [s.quantity for s in cols])
        placed += sum(q for _i, _j, q in plan.flows)
        km += plan.total_cost
    return placed, km


@pytest.mark.parametrize(("seed", "shortage"), [(1, 0.6), (2, 1.0), (3, 1.7)])
def test_the_plan_is_the_optimum_over_every_arc_short_or_not(seed: int, shortage: float) -> None:
    # given 3 items asked by 150 hospitals (every item and place in the same batch of LPs) from
    # 30 stores holding 0.6, 1.0 or 1.7 times what is asked: the first LPs see 2 arcs per point
    demands, sources = _random_case(seed, items=3, points=150, stores=30, shortage=shortage)
    # when the plan is proposed
    plan = propose(demands, sources, nearest=2)
    # then it places as much and travels as little as each item's problem with every arc
    placed, km = _dense_optimum(demands, sources)
    assert sum(f.quantity for f in plan.flows) == placed
    assert plan.total_km == pytest.approx(km, rel=1e-9)
    # and no store gives more than it holds, no point gets more than it asked
    given: dict[object, int] = {}
    for f in plan.flows:
        given[f.source] = given.get(f.source, 0) + f.quantity
    assert all(given.get(s.key, 0) <= s.quantity for s in sources)
    assert all(plan.served[d.key] + plan.unmet.get(d.key, 0) == d.quantity for d in demands)


def test_the_same_input_gives_the_same_plan_with_or_without_threads() -> None:
    # given 4 items short at 150 points: four LPs per tier, solved side by side or in turn
    demands, sources = _random_case(4, items=4, points=150, stores=20, shortage=0.8)
    first = propose(demands, sources, nearest=2, workers=2)
    again = propose(demands, sources, nearest=2, workers=2)
    alone = propose(demands, sources, nearest=2, workers=1)
    assert first.flows == again.flows == alone.flows
    assert first.unmet == again.unmet == alone.unmet
    assert first.lps == alone.lps > 4
