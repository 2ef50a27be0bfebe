"""Sharing a short supply across a level (调配方案): who gets what from which store.

Issue #12: when the requests addressed to a division ask for more than its stores hold, each
demand point (a requested item of a store) gets a share by priority (ICU and designated
hospitals first, then fever clinics, then isolation sites, then communities; ``Priority``) and
by distance. Per item, the tiers are served strictly in order: tier 1 takes what it can of the
stock first, then tier 2 of what is left, and so on. Within a tier, as much as possible is
placed and, among such plans, the total distance (units × km) is the least: the transportation
problem of issue #10 (``fangkong.treatment.allocation.solve_arcs``'s LP, with its overflow
penalty), solved exactly with HiGHS.

Scale (50 items × 100 stores × 2,000 demand points, < 2 s): demands of one item and tier at
the same place are one source of the LP (exact: they are interchangeable); a block whose demand
points can all be served by their nearest store is optimal without an LP; the others (the
items of a tier in LPs of about ``BATCH_ROWS`` rows, block-diagonal) start from each source's
``K`` nearest stores, each store's nearest sources and the arcs of a plan that places the most
(so the first duals are those of distances, not of the overflow's penalty), and add the
left-out arcs the LP's duals price negative, a few per source and round (column generation, as
in #10), so the result is the optimum over every arc. The LP stays in HiGHS (``highspy``)
between rounds: the new arcs are added as columns and each round starts from the last basis.

Demand points or stores without coordinates are not left out: their distance counts as
:data:`UNKNOWN_KM` (served last within their tier) and their flows carry ``km=None``.

Pure: no database; ``requests.propose_plan`` turns request lines and stock into
:class:`Demand` and :class:`Source` and the :class:`Plan` back into plan lines.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np
from numpy.typing import NDArray

from fangkong.treatment.allocation import (
    get_distance_matrix,
    overflow_penalty,
)

NEAREST_ARCS = 8  # K: arcs per source in the first LP, before pricing adds the others
UNKNOWN_KM = 5_000.0  # the distance counted for a point without coordinates (Jilin is ~900 km)
PRIORITIES = (1, 2, 3, 4)
BATCH_ROWS = 200  # demand rows per LP when small blocks are solved together
STORE_COVER = 6.0  # first arcs: each store's nearest rows until they ask this × its stock
ADD_PER_ROW = 4  # pricing: at most this many left-out arcs per row and round (most negative)
WORKERS = 1  # batches of a tier solved at once, in threads (2: no gain measured under load)
HIGHS_OPTIONS: dict[str, bool | int | float | str] = {"presolve": "off", "simplex_strategy": 4}


@dataclass(frozen=True)
class Demand:
    """What a demand point asks for: ``quantity`` of ``item``, its ``priority`` (1 first)."""

    key: Hashable
    item: Hashable
    quantity: int
    priority: int
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Source:
    """What a store can give of an item."""

    key: Hashable
    item: Hashable
    quantity: int
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Flow:
    """``quantity`` of ``item`` from the source ``source`` to the demand ``demand``; ``km`` is
    the distance (None when either end has no coordinates)."""

    demand: Hashable
    source: Hashable
    item: Hashable
    quantity: int
    km: float | None


@dataclass(frozen=True)
class Plan:
    """The proposal: the flows, what stays unmet per demand key (only those short), the total
    distance (units × km, known distances only), the wall-clock and the LPs solved."""

    flows: list[Flow]
    unmet: dict[Hashable, int]
    total_km: float
    solve_seconds: float
    lps: int = 0
    served: dict[Hashable, int] = field(default_factory=dict)


def _located(lon: float | None, lat: float | None) -> bool:
    return lon is not None and lat is not None and math.isfinite(lon) and math.isfinite(lat)


def _check(demands: Sequence[Demand], sources: Sequence[Source]) -> None:
    for d in demands:
        if isinstance(d.quantity, bool) or int(d.quantity) != d.quantity or d.quantity < 0:
            raise ValueError(f"demand {d.key!r}: quantity must be a non-negative integer")
        if d.priority not in PRIORITIES:
            raise ValueError(f"demand {d.key!r}: priority must be 1 to 4")
    for s in sources:
        if isinstance(s.quantity, bool) or int(s.quantity) != s.quantity or s.quantity < 0:
            raise ValueError(f"source {s.key!r}: quantity must be a non-negative integer")


@dataclass
class _Block:
    """One item and tier: grouped demand sources (rows) × the item's stores (columns)."""

    item: Hashable
    rows: list[tuple[int, list[int]]]  # (place index, demand indices in input order)
    supply: NDArray[np.int64]  # per row
    cols: NDArray[np.int64]  # indices into the item's stores
    km: NDArray[np.float64]  # (rows, cols)


def propose(
    demands: Sequence[Demand],
    sources: Sequence[Source],
    *,
    nearest: int = NEAREST_ARCS,
    workers: int = WORKERS,
) -> Plan:
    """The allocation plan: per item, tier by tier, the most placed at the least distance.

    ``workers``: LPs of a tier solved at once, in threads; the plan is the same whatever it is
    (each LP is solved alone, deterministically, and handed out in the same order)."""
    started = time.perf_counter()
    _check(demands, sources)
    # Distances once, between distinct places (demand points and stores).
    places: dict[tuple[float, float], int] = {}
    sites: dict[tuple[float, float], int] = {}
    for d in demands:
        if _located(d.lon, d.lat):
            places.setdefault((float(d.lon), float(d.lat)), len(places))  # type: ignore[arg-type]
    for s in sources:
        if _located(s.lon, s.lat):
            sites.setdefault((float(s.lon), float(s.lat)), len(sites))  # type: ignore[arg-type]
    if places and sites:
        raw = np.asarray(
            get_distance_matrix()(np.array(list(places)), np.array(list(sites))), dtype=float
        )
    else:
        raw = np.zeros((len(places), len(sites)))
    # An unknown place is one more row (and column) at UNKNOWN_KM from everything.
    unknown_row, unknown_col = len(places), len(sites)
    dist = np.full((len(places) + 1, len(sites) + 1), UNKNOWN_KM)
    dist[: len(places), : len(sites)] = raw

    def place_of(d: Demand) -> int:
        if _located(d.lon, d.lat):
            return places[(float(d.lon), float(d.lat))]  # type: ignore[arg-type]
        return unknown_row

    def site_of(s: Source) -> int:
        if _located(s.lon, s.lat):
            return sites[(float(s.lon), float(s.lat))]  # type: ignore[arg-type]
        return unknown_col

    dplace = [place_of(d) for d in demands]
    ssite = [site_of(s) for s in sources]
    by_item_sources: dict[Hashable, list[int]] = defaultdict(list)
    for n, s in enumerate(sources):
        if s.quantity > 0:
            by_item_sources[s.item].append(n)
    left = {n: int(s.quantity) for n, s in enumerate(sources)}
    by_item_tier: dict[tuple[Hashable, int], list[int]] = defaultdict(list)
    for n, d in enumerate(demands):
        if d.quantity > 0:
            by_item_tier[(d.item, d.priority)].append(n)
    given: dict[int, list[tuple[int, int]]] = defaultdict(list)  # demand → (source, qty)
    lps = 0
    for tier in PRIORITIES:
        blocks: list[_Block] = []
        for (item, priority), members in by_item_tier.items():
            if priority != tier:
                continue
            store_ids = [n for n in by_item_sources.get(item, []) if left[n] > 0]
            if not store_ids:
                continue
            grouped: dict[int, list[int]] = {}
            for n in members:
                grouped.setdefault(dplace[n], []).append(n)
            rows = list(grouped.items())
            supply = np.array(
                [sum(int(demands[n].quantity) for n in ns) for _p, ns in rows], dtype=np.int64
            )
            cols = np.array(store_ids, dtype=np.int64)
            km = dist[np.ix_([p for p, _ns in rows], [ssite[int(c)] for c in cols])].astype(float)
            block = _Block(item, rows, supply, cols, km)
            flows = _nearest_if_enough(block, left)
            if flows is None:
                blocks.append(block)
            else:
                _hand_out(block, flows, demands, given, left)
        # The batches of a tier share no item, so no store nor demand: they are solved side by
        # side (HiGHS lets go of the GIL while it solves), then handed out in their order.
        batches = _batches(blocks)
        capacities = [
            np.array([left[int(c)] for b in batch for c in b.cols], dtype=np.int64)
            for batch in batches
        ]
        if len(batches) > 1 and workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                solved = list(
                    pool.map(_solve_blocks, batches, capacities, [nearest] * len(batches))
                )
        else:
            solved = [
                _solve_blocks(b, c, nearest) for b, c in zip(batches, capacities, strict=True)
            ]
        for rounds, flows_of in solved:
            lps += rounds
            for block, flows in flows_of:
                _hand_out(block, flows, demands, given, left)
    flows_out: list[Flow] = []
    served: dict[Hashable, int] = {}
    unmet: dict[Hashable, int] = {}
    total = 0.0
    for n, d in enumerate(demands):
        got = 0
        for source, qty in given.get(n, []):
            s = sources[source]
            known = dplace[n] != unknown_row and ssite[source] != unknown_col
            length: float | None = float(dist[dplace[n], ssite[source]]) if known else None
            flows_out.append(Flow(d.key, s.key, d.item, qty, length))
            total += qty * (length if length is not None else 0.0)
            got += qty
        served[d.key] = served.get(d.key, 0) + got
        if got < d.quantity:
            unmet[d.key] = unmet.get(d.key, 0) + int(d.quantity) - got
    return Plan(flows_out, unmet, total, time.perf_counter() - started, lps, served)


def _batches(blocks: list[_Block]) -> list[list[_Block]]:
    """Small blocks share one LP (block-diagonal: the solver's fixed cost paid once); a large
    one has its own (HiGHS grows faster than linearly with the rows)."""
    batches: list[list[_Block]] = []
    current: list[_Block] = []
    rows = 0
    for block in blocks:
        if current and rows + len(block.rows) > BATCH_ROWS:
            batches.append(current)
            current, rows = [], 0
        current.append(block)
        rows += len(block.rows)
    if current:
        batches.append(current)
    return batches


def _nearest_if_enough(block: _Block, left: dict[int, int]) -> list[tuple[int, int, int]] | None:
    """Every row from its nearest store, if no store is asked for more than it has: then that
    is the optimum (each unit travels its least distance) and no LP is needed."""
    nearest = np.argmin(block.km, axis=1)
    load = np.bincount(nearest, weights=block.supply, minlength=len(block.cols))
    capacity = np.array([left[int(c)] for c in block.cols])
    if np.any(load > capacity):
        return None
    return [(r, int(nearest[r]), int(block.supply[r])) for r in range(len(block.rows))]


def _hand_out(
    block: _Block,
    flows: list[tuple[int, int, int]],
    demands: Sequence[Demand],
    given: dict[int, list[tuple[int, int]]],
    left: dict[int, int],
) -> None:
    """Split each row's flows over its demand points, in input order (deterministic)."""
    per_row: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row, col, qty in sorted(flows):
        if qty > 0:
            per_row[row].append((int(block.cols[col]), qty))
            left[int(block.cols[col])] -= qty
    for row, (_place, members) in enumerate(block.rows):
        pending = list(per_row.get(row, []))
        for n in members:
            need = int(demands[n].quantity)
            while need and pending:
                source, qty = pending[0]
                take = min(need, qty)
                given[n].append((source, take))
                need -= take
                if take == qty:
                    pending.pop(0)
                else:
                    pending[0] = (source, qty - take)


class _Master:
    """The restricted LP of a batch, kept in HiGHS between pricing rounds: the arcs priced in
    are added as columns and the LP is solved again from the last basis (a warm start: a few
    simplex iterations instead of a new solve). The LP is ``solve_arcs``'s of #10: per row,
    arcs + overflow = supply (the overflow costs ``penalty``); per column, arcs <= capacity."""

    def __init__(
        self, supply: NDArray[np.int64], capacity: NDArray[np.int64], penalty: float
    ) -> None:
        n, m = len(supply), len(capacity)
        self.n, self.m = n, m
        self.supply, self.capacity = supply, capacity
        self.src = np.zeros(0, dtype=np.int64)
        self.dst = np.zeros(0, dtype=np.int64)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        for name, value in HIGHS_OPTIONS.items():
            self.highs.setOptionValue(name, value)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, n + m
        lp.col_cost_ = np.full(n, float(penalty))
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, highspy.kHighsInf)
        lp.row_lower_ = np.concatenate([supply.astype(float), np.full(m, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([supply.astype(float), capacity.astype(float)])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, n + m
        lp.a_matrix_.start_ = np.arange(n + 1, dtype=np.int32)
        lp.a_matrix_.index_ = np.arange(n, dtype=np.int32)
        lp.a_matrix_.value_ = np.ones(n)
        self.highs.passModel(lp)

    def add(
        self, src: NDArray[np.int64], dst: NDArray[np.int64], cost: NDArray[np.float64]
    ) -> None:
        """Arcs as new columns: each in its row's supply row and its column's capacity row."""
        a = len(src)
        index = np.empty(2 * a, dtype=np.int32)
        index[0::2], index[1::2] = src, self.n + dst
        self.highs.addCols(
            a,
            cost.astype(float),
            np.zeros(a),
            np.full(a, highspy.kHighsInf),
            2 * a,
            np.arange(0, 2 * a, 2, dtype=np.int32),
            index,
            np.ones(2 * a),
        )
        self.src = np.concatenate([self.src, src])
        self.dst = np.concatenate([self.dst, dst])

    def solve(self) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """The flows on the arcs (in the order added) and the duals of the rows and columns."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"transportation LP failed: {self.highs.modelStatusToString(status)}"
            )
        solution = self.highs.getSolution()
        values = np.asarray(solution.col_value)
        rounded = np.rint(values).astype(np.int64)
        # A transportation LP with integral supplies and capacities has integral vertices and
        # the simplex returns a vertex; checked all the same.
        if np.max(np.abs(values - rounded), initial=0.0) > 1e-6:
            raise RuntimeError("transportation LP returned a fractional flow")
        overflow, x = rounded[: self.n], rounded[self.n :]
        assert np.all(x >= 0) and np.all(overflow >= 0)
        assert np.array_equal(np.bincount(self.src, x, minlength=self.n) + overflow, self.supply)
        assert np.all(np.bincount(self.dst, x, minlength=self.m) <= self.capacity)
        duals = np.asarray(solution.row_dual, dtype=float)
        return x, duals[: self.n], duals[self.n :]


def _feasible_arcs(block: _Block, capacity: NDArray[np.int64]) -> NDArray[np.bool_]:
    """The arcs of an assignment that places as much as can be placed: the north-west corner
    rule, rows taken by their nearest store and stores in their order, so that each row is
    mostly served near it. Every store can reach every row, so with these arcs among the first
    the first LP already places the most: its duals are those of a real distance problem, not
    of the overflow's penalty, and pricing adds only arcs that shorten it."""
    mask = np.zeros(block.km.shape, dtype=bool)
    rows = np.argsort(np.argmin(block.km, axis=1), kind="stable")
    asked = np.cumsum(block.supply[rows])
    held = np.cumsum(capacity)
    placed = min(int(asked[-1]), int(held[-1]))
    # Each stretch [start, end) of the units placed is one row's and one store's.
    starts = np.union1d(np.concatenate([[0], asked]), np.concatenate([[0], held]))
    starts = starts[starts < placed]
    r = np.searchsorted(asked, starts, side="right")
    c = np.searchsorted(held, starts, side="right")
    mask[rows[r], c] = True
    return mask


def _first_arcs(block: _Block, capacity: NDArray[np.int64], nearest: int) -> NDArray[np.bool_]:
    """The first LP's arcs: each row's ``nearest`` stores, each store's nearest rows until they
    ask for STORE_COVER times its stock, and those of a plan that places the most
    (:func:`_feasible_arcs`)."""
    km = block.km
    k = min(nearest, len(block.cols))
    mask = np.zeros(km.shape, dtype=bool)
    if k < len(block.cols):
        near = np.argpartition(km, k - 1, axis=1)[:, :k]
        np.put_along_axis(mask, near, True, axis=1)
    else:
        mask[:] = True
        return mask
    order = np.argsort(km, axis=0, kind="stable")
    asked = np.cumsum(block.supply[order], axis=0)
    before = asked - block.supply[order]
    take = before < STORE_COVER * capacity[None, :]
    rows_, cols_ = order[take], np.nonzero(take)[1]
    mask[rows_, cols_] = True
    mask |= _feasible_arcs(block, capacity)
    return mask


def _solve_blocks(
    blocks: list[_Block], capacity: NDArray[np.int64], nearest: int
) -> tuple[int, list[tuple[_Block, list[tuple[int, int, int]]]]]:
    """One LP for the blocks of a tier (block-diagonal), first arcs (:func:`_first_arcs`),
    then pricing: each row gets its ADD_PER_ROW most negative reduced-cost arcs left out, until
    none is negative (then the LP is the optimum over every arc). ``capacity``: what each
    column (the blocks' stores, in order) still holds. Returns the LPs solved and, per block,
    its flows (row, column, quantity); touches nothing shared (it runs beside the others)."""
    row_base, col_base = [], []
    n_rows = n_cols = 0
    for b in blocks:
        row_base.append(n_rows)
        col_base.append(n_cols)
        n_rows += len(b.rows)
        n_cols += len(b.cols)
    supply = np.concatenate([b.supply for b in blocks])
    penalty = overflow_penalty(
        np.concatenate([b.km.ravel() for b in blocks]),
        max(len(b.rows) for b in blocks),
        max(len(b.cols) for b in blocks),
    )
    included = [
        _first_arcs(b, capacity[c0 : c0 + len(b.cols)], nearest)
        for b, c0 in zip(blocks, col_base, strict=True)
    ]
    master = _Master(supply, capacity, penalty)
    new_masks = included
    rounds = 0
    while True:
        rounds += 1
        src_parts, dst_parts, cost_parts = [], [], []
        for b, mask, r0, c0 in zip(blocks, new_masks, row_base, col_base, strict=True):
            i, j = np.nonzero(mask)
            src_parts.append(i + r0)
            dst_parts.append(j + c0)
            cost_parts.append(b.km[i, j])
        master.add(
            np.concatenate(src_parts).astype(np.int64),
            np.concatenate(dst_parts).astype(np.int64),
            np.concatenate(cost_parts),
        )
        x, u, v = master.solve()
        entering = False
        tolerance = 1e-9 * penalty
        new_masks = []
        for b, mask, r0, c0 in zip(blocks, included, row_base, col_base, strict=True):
            reduced = b.km - u[r0 : r0 + len(b.rows), None] - v[None, c0 : c0 + len(b.cols)]
            reduced[mask] = np.inf
            new = reduced < -tolerance
            if new.any():
                entering = True
                per_row = min(ADD_PER_ROW, reduced.shape[1])
                if per_row < reduced.shape[1]:
                    best = np.argpartition(reduced, per_row - 1, axis=1)[:, :per_row]
                    chosen = np.zeros_like(new)
                    np.put_along_axis(chosen, best, True, axis=1)
                    new &= chosen
                mask |= new
            new_masks.append(new)
        if not entering:
            break
    src, dst = master.src, master.dst
    used = x > 0
    flows_of = []
    for b, r0, c0, rn, cn in zip(
        blocks,
        row_base,
        col_base,
        [len(b.rows) for b in blocks],
        [len(b.cols) for b in blocks],
        strict=True,
    ):
        inside = used & (src >= r0) & (src < r0 + rn) & (dst >= c0) & (dst < c0 + cn)
        flows = [
            (int(i) - r0, int(j) - c0, int(q))
            for i, j, q in zip(src[inside], dst[inside], x[inside], strict=True)
        ]
        flows_of.append((b, flows))
    return rounds, flows_of
