"""Patient-to-bed allocation (就近收治, nearest admission) as a transportation problem.

Issue #10 (medical treatment): the command office has patients waiting for a bed (each needs a
bed of one type, e.g. an isolation ward or a negative-pressure room, at one of the kinds of
facility allowed for them: designated hospital, makeshift hospital, …) and facilities with free
beds. Admitting each patient at the nearest facility that still has a bed, in the order the
patients come (the baseline, :func:`nearest_free_first`), fills the near facilities with the
first patients and sends the later ones far away. This module computes instead the plan that
places as many patients as the free beds allow and, among such plans, minimises the total
distance travelled: a minimum-cost transportation problem solved exactly with HiGHS
(``scipy.optimize.linprog(method="highs")``) on sparse constraint matrices.

Nobody is silently dropped. Every source (a group of patients) has an arc to an *overflow
sink* of unlimited capacity whose cost per patient exceeds the cost of any path through the
real beds, so the solver places the most patients it can first and only then shortens the
journeys; who ends on the overflow is reported as unplaced with a reason code:

``no_location``
    the patient has no coordinates;
``no_pool``
    no pool of the patient's bed type at a facility kind allowed for them has coordinates
    (whatever its free beds);
``no_free_bed``
    such pools exist, but their free beds are zero or went to other patients.

Distances. Every distance goes through one function, so that a road-network service can take
the place of the great circle: :func:`get_distance_matrix` returns the callable named by the
Django setting ``FANGKONG_DISTANCE_MATRIX`` (a dotted path to a function with the signature of
:func:`distance_matrix`: ``(origins (n, 2), sites (m, 2)) -> ndarray (n, m)`` in km, each row
``(lon, lat)`` in degrees), read when it is called; without the setting it is this module's
:func:`distance_matrix` (haversine on the mean Earth radius). :func:`allocate` calls it once,
on the distinct origins and the distinct facility locations.

Scale. Patients at the same place with the same needs are interchangeable, so they form one
source whose supply is their number (exact, and it turns 10,000 patients from a few hundred
addresses into a few hundred sources). Not every arc is built either: each source starts with
its ``K`` nearest eligible pools, the LP is solved, and the arcs left out are priced with the
LP's duals (reduced cost ``c_ij - u_i - v_j``); any with a negative reduced cost is added and
the LP solved again, until none is left. The result is then the optimum of the problem with
every arc (column generation), at the cost of a few small LPs.

This module is pure: no database access; the callers turn rows into :class:`Waiting` and
:class:`Pool` and the :class:`Allocation` back into admissions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import linprog

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
NEAREST_ARCS = 12  # K: arcs per source in the first LP, before pricing adds the others
DISTANCE_SETTING = "FANGKONG_DISTANCE_MATRIX"
DEFAULT_DISTANCE_MATRIX = "fangkong.treatment.allocation.distance_matrix"

Reason = Literal["no_location", "no_pool", "no_free_bed"]
NO_LOCATION: Reason = "no_location"
NO_POOL: Reason = "no_pool"
NO_FREE_BED: Reason = "no_free_bed"

DistanceMatrix = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --- distances ---------------------------------------------------------------------------------


def great_circle_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Any:
    """Great-circle distance in km between points given in degrees (haversine), broadcast as
    numpy does; a scalar for scalar arguments."""
    lam1, phi1, lam2, phi2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_matrix(origins: ArrayLike, sites: ArrayLike) -> FloatArray:
    """Great-circle km from each origin (rows of ``(lon, lat)``, shape (n, 2)) to each site
    (shape (m, 2)): an array of shape (n, m)."""
    o = np.asarray(origins, dtype=float).reshape(-1, 2)
    s = np.asarray(sites, dtype=float).reshape(-1, 2)
    result: FloatArray = np.asarray(
        great_circle_km(o[:, None, 0], o[:, None, 1], s[None, :, 0], s[None, :, 1]), dtype=float
    ).reshape(len(o), len(s))
    return result


def get_distance_matrix() -> DistanceMatrix:
    """The distance function in use: the one ``settings.FANGKONG_DISTANCE_MATRIX`` names (a
    dotted path), else :func:`distance_matrix`. Read on each call, so a test or a deployment
    can change the setting at any time; works without the setting (and without settings)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    try:
        path = getattr(settings, DISTANCE_SETTING, None)
    except Exception:  # settings not configured: a pure use of the module
        path = None
    if not path or path == DEFAULT_DISTANCE_MATRIX:
        return distance_matrix
    found: DistanceMatrix = import_string(path)
    return found


# --- the transportation problem ----------------------------------------------------------------


@dataclass(frozen=True)
class Transport:
    """The solution of :func:`solve_transportation`.

    ``flows``: ``(i, j, qty)`` with ``qty > 0``, source ``i`` sends ``qty`` units to sink ``j``;
    ``unplaced``: per source, what went to the overflow sink; ``total_cost``: the cost of the
    real arcs only (the overflow's penalty left out); ``status``: ``"optimal"`` or the solver's
    message.
    """

    flows: list[tuple[int, int, int]]
    unplaced: IntArray = field(compare=False)
    total_cost: float
    status: str


@dataclass(frozen=True)
class _LP:
    """One solved LP over a given arc list, with its duals (for pricing)."""

    x: IntArray  # flow on each arc
    overflow: IntArray  # per source
    u: FloatArray  # duals of the source rows (supply = sum of arcs + overflow)
    v: FloatArray  # duals of the sink rows (sum of arcs <= capacity), <= 0
    status: str


def _as_counts(values: ArrayLike, what: str) -> IntArray:
    array = np.asarray(values)
    counts = np.rint(array).astype(np.int64).reshape(-1)
    if np.any(counts < 0) or not np.allclose(counts, array.reshape(-1)):
        raise ValueError(f"{what} must be non-negative integers")
    return counts


def overflow_penalty(costs: FloatArray, sources: int, sinks: int) -> float:
    """Cost per unit of the overflow sink: more than any augmenting path can cost.

    A path that places one more patient alternates forward arcs (cost ≤ max |c|) and backward
    ones (cost ≥ -max |c|) and visits each of at most ``min(sources, sinks)`` sinks once, so it
    costs less than ``2 (min(sources, sinks) + 1) max |c|``: with a larger penalty, placing one
    more patient always pays, and the LP places as many as possible before it minimises cost.
    """
    top = float(np.max(np.abs(costs))) if costs.size else 0.0
    return 1.0 + 2.0 * (min(sources, sinks) + 1) * max(top, 1.0)


def solve_arcs(
    src: IntArray,
    dst: IntArray,
    cost: FloatArray,
    supply: IntArray,
    capacity: IntArray,
    penalty: float,
    *,
    options: dict[str, Any] | None = None,
) -> _LP:
    """min sum c x + penalty * overflow; each source: sum of its arcs + overflow = supply;
    each sink: sum of its arcs <= capacity; x, overflow >= 0. Sparse; integral result.

    ``options``: HiGHS options passed as they are to ``linprog(method="highs")`` (e.g.
    ``{"presolve": False}``); the defaults when None."""
    n, m, a = len(supply), len(capacity), len(src)
    arcs = np.arange(a)
    # Columns: the arcs, then one overflow column per source.
    a_eq = sparse.csr_array(
        (
            np.ones(a + n),
            (np.concatenate([src, np.arange(n)]), np.concatenate([arcs, a + np.arange(n)])),
        ),
        shape=(n, a + n),
    )
    a_ub = sparse.csr_array((np.ones(a), (dst, arcs)), shape=(m, a + n))
    c = np.concatenate([cost, np.full(n, penalty)])
    res = linprog(
        c,
        A_ub=a_ub if m else None,
        b_ub=capacity.astype(float) if m else None,
        A_eq=a_eq,
        b_eq=supply.astype(float),
        bounds=(0, None),
        method="highs",
        options=options,
    )
    if res.status != 0:
        raise RuntimeError(f"transportation LP failed: {res.message}")
    values = np.asarray(res.x)
    rounded = np.rint(values).astype(np.int64)
    # A transportation LP with integral supplies and capacities has integral vertices, and
    # HiGHS returns a vertex (simplex, or interior point then crossover); check all the same.
    if np.max(np.abs(values - rounded), initial=0.0) > 1e-6:
        raise RuntimeError("transportation LP returned a fractional flow")
    x, overflow = rounded[:a], rounded[a:]
    assert np.all(x >= 0) and np.all(overflow >= 0)
    assert np.array_equal(np.bincount(src, x, minlength=n) + overflow, supply)
    assert np.all(np.bincount(dst, x, minlength=m) <= capacity)
    u = np.asarray(res.eqlin.marginals, dtype=float)
    v = np.asarray(res.ineqlin.marginals, dtype=float) if m else np.zeros(0)
    return _LP(x, overflow, u, v, "optimal")


_solve_arcs = solve_arcs  # the former private name, kept for its callers


def solve_transportation(cost: ArrayLike, supply: ArrayLike, capacity: ArrayLike) -> Transport:
    """Ship as much as possible from sources to sinks, then at least total cost.

    ``cost``: (n, m) cost per unit, ``np.inf`` where a source may not ship to a sink;
    ``supply``: (n,) non-negative integers, what each source has (it ships at most that);
    ``capacity``: (m,) non-negative integers, what each sink takes at most. Only the finite arcs
    become variables. What cannot be shipped goes to the overflow sink and is returned as
    ``unplaced``.
    """
    c = np.asarray(cost, dtype=float)
    s = _as_counts(supply, "supply")
    cap = _as_counts(capacity, "capacity")
    if c.shape != (len(s), len(cap)):
        raise ValueError(f"cost has shape {c.shape}, expected {(len(s), len(cap))}")
    if np.any(np.isnan(c)) or np.any(c == -np.inf):
        raise ValueError("cost must be finite or +inf")
    src, dst = np.nonzero(np.isfinite(c))
    arc_cost = c[src, dst]
    if len(s) == 0:
        return Transport([], s, 0.0, "optimal")
    penalty = overflow_penalty(arc_cost, len(s), len(cap))
    lp = _solve_arcs(src, dst, arc_cost, s, cap, penalty)
    used = lp.x > 0
    flows = [
        (int(i), int(j), int(q)) for i, j, q in zip(src[used], dst[used], lp.x[used], strict=True)
    ]
    return Transport(flows, lp.overflow, float(arc_cost @ lp.x), lp.status)


# --- general minimum-cost flow (transshipment nodes) -------------------------------------------


@dataclass(frozen=True)
class Flow:
    """The solution of :func:`min_cost_flow`: the flow on each arc (in the order given) and its
    total cost."""

    flows: IntArray = field(compare=False)
    total_cost: float
    status: str


def min_cost_flow(supplies: Sequence[int], arcs: Sequence[tuple[int, int, int, float]]) -> Flow:
    """Minimum-cost flow on a directed network with transshipment nodes.

    ``supplies[k]``: what node ``k`` puts into the network (negative: what it takes out; zero:
    a transshipment node); they must add up to zero. ``arcs``: ``(tail, head, capacity, cost)``.
    Flow conservation (out - in = supply) holds at every node; raises ``ValueError`` when no
    feasible flow exists. Solved with HiGHS; integral when supplies and capacities are.
    """
    b = _as_supplies(supplies)
    if b.sum() != 0:
        raise ValueError("supplies must add up to zero")
    tails = np.array([a[0] for a in arcs], dtype=np.int64)
    heads = np.array([a[1] for a in arcs], dtype=np.int64)
    caps = np.array([a[2] for a in arcs], dtype=float)
    costs = np.array([a[3] for a in arcs], dtype=float)
    k = len(arcs)
    incidence = sparse.csr_array(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.concatenate([tails, heads]), np.concatenate([np.arange(k), np.arange(k)])),
        ),
        shape=(len(b), k),
    )
    res = linprog(
        costs,
        A_eq=incidence,
        b_eq=b.astype(float),
        bounds=list(zip(np.zeros(k), caps, strict=True)),
        method="highs",
    )
    if res.status == 2:
        raise ValueError(f"no feasible flow: {res.message}")
    if res.status != 0:
        raise RuntimeError(f"minimum-cost flow LP failed: {res.message}")
    flows = np.rint(res.x).astype(np.int64)
    if np.max(np.abs(res.x - flows), initial=0.0) > 1e-6:
        raise RuntimeError("minimum-cost flow LP returned a fractional flow")
    return Flow(flows, float(costs @ flows), "optimal")


def _as_supplies(values: Sequence[int]) -> IntArray:
    array = np.asarray(values)
    counts = np.rint(array).astype(np.int64)
    if not np.allclose(counts, array):
        raise ValueError("supplies must be integers")
    return counts


# --- patients and pools ------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A patient waiting for a bed: where they are (``None``: unknown), the bed type they need
    and the facility kinds that may admit them."""

    key: Hashable
    lon: float | None
    lat: float | None
    bed_type: str
    kinds: frozenset[str]


@dataclass(frozen=True)
class Pool:
    """The free beds of one bed type at one facility (one pool per facility and bed type)."""

    key: Hashable
    facility_kind: str
    bed_type: str
    lon: float | None
    lat: float | None
    free: int


@dataclass(frozen=True)
class Allocation:
    """An admission plan.

    ``assignments``: patient key → pool key; ``unplaced``: patient key → reason code
    (``no_location``, ``no_pool``, ``no_free_bed``); ``total_km``: the plan's total distance;
    ``greedy_total_km`` and ``greedy_placed``: the nearest-free-first baseline's, on the same
    data, to show beside it; ``solve_seconds``: wall-clock of the optimisation (distances
    included, the baseline not); ``rounds``: LPs solved per bed type (pricing rounds).
    """

    assignments: dict[Hashable, Hashable]
    unplaced: dict[Hashable, Reason]
    total_km: float
    greedy_total_km: float
    greedy_placed: int
    solve_seconds: float
    rounds: dict[str, int] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return len(self.assignments)


@dataclass
class _Problem:
    """Patients grouped into sources, pools with coordinates, and the eligible distances."""

    group_of: list[int | None]  # per patient: its source, or None (no location)
    members: list[list[int]]  # per source: its patients (indices), in input order
    group_bed: list[str]
    pools: list[int]  # indices of the pools that have coordinates
    km: FloatArray  # (sources, len(pools)); inf where not eligible


def _located(lon: float | None, lat: float | None) -> bool:
    return lon is not None and lat is not None and math.isfinite(lon) and math.isfinite(lat)


def _problem(patients: Sequence[Waiting], pools: Sequence[Pool]) -> _Problem:
    for pool in pools:
        if pool.free < 0:
            raise ValueError(f"pool {pool.key!r} has {pool.free} free beds")
    index: dict[tuple[float, float, str, frozenset[str]], int] = {}
    group_of: list[int | None] = []
    members: list[list[int]] = []
    for n, p in enumerate(patients):
        if not _located(p.lon, p.lat):
            group_of.append(None)
            continue
        assert p.lon is not None and p.lat is not None
        signature = (float(p.lon), float(p.lat), p.bed_type, frozenset(p.kinds))
        g = index.setdefault(signature, len(members))
        if g == len(members):
            members.append([])
        members[g].append(n)
        group_of.append(g)
    signatures = list(index)
    placed_pools = [k for k, pool in enumerate(pools) if _located(pool.lon, pool.lat)]
    origins = sorted({(s[0], s[1]) for s in signatures})
    sites = sorted({(float(pools[k].lon), float(pools[k].lat)) for k in placed_pools})  # type: ignore[arg-type]
    if origins and sites:
        raw = np.asarray(get_distance_matrix()(np.array(origins), np.array(sites)), dtype=float)
        if raw.shape != (len(origins), len(sites)):
            raise ValueError(f"distance matrix has shape {raw.shape}, expected "
                             f"{(len(origins), len(sites))}")  # fmt: skip
    else:
        raw = np.zeros((len(origins), len(sites)))
    row = {o: i for i, o in enumerate(origins)}
    col = {s: j for j, s in enumerate(sites)}
    pool_col = np.array(
        [col[(float(pools[k].lon), float(pools[k].lat))] for k in placed_pools],  # type: ignore[arg-type]
        dtype=np.int64,
    )
    bed = np.array([pools[k].bed_type for k in placed_pools], dtype=object)
    kind = np.array([pools[k].facility_kind for k in placed_pools], dtype=object)
    km = np.full((len(signatures), len(placed_pools)), np.inf)
    for g, (lon, lat, bed_type, kinds) in enumerate(signatures):
        eligible = (bed == bed_type) & np.isin(kind, list(kinds))
        km[g, eligible] = raw[row[(lon, lat)], pool_col[eligible]]
    return _Problem(group_of, members, [s[2] for s in signatures], placed_pools, km)


def _greedy(problem: _Problem, pools: Sequence[Pool]) -> tuple[dict[int, int], float]:
    """Nearest free first on a prepared problem: patient index → column of problem.pools."""
    free = np.array([pools[k].free for k in problem.pools], dtype=np.int64)
    order = np.argsort(problem.km, axis=1, kind="stable")
    eligible = np.isfinite(problem.km).sum(axis=1)
    cursor = np.zeros(len(problem.members), dtype=np.int64)
    chosen: dict[int, int] = {}
    total = 0.0
    for n, g in enumerate(problem.group_of):
        if g is None:
            continue
        # The group's nearest pools in order; a pool that is full stays full, so the cursor
        # only moves forward.
        while cursor[g] < eligible[g] and free[order[g, cursor[g]]] == 0:
            cursor[g] += 1
        if cursor[g] == eligible[g]:
            continue
        j = int(order[g, cursor[g]])
        free[j] -= 1
        chosen[n] = j
        total += float(problem.km[g, j])
    return chosen, total


def nearest_free_first(
    patients: Sequence[Waiting], pools: Sequence[Pool]
) -> tuple[dict[Hashable, Hashable], float]:
    """The baseline: patients in input order each take the nearest eligible pool that still
    has a free bed. Returns (patient key → pool key, total km); patients it cannot place are
    left out of the mapping."""
    problem = _problem(patients, pools)
    chosen, total = _greedy(problem, pools)
    return {patients[n].key: pools[problem.pools[j]].key for n, j in chosen.items()}, total


def _price(
    problem: _Problem, sources: IntArray, sinks: IntArray, free: IntArray, nearest: int
) -> tuple[list[tuple[int, int, int]], int]:
    """Optimal flows (source, sink, qty) of one bed type's block, by column generation."""
    km = problem.km[np.ix_(sources, sinks)]
    supply = np.array([len(problem.members[g]) for g in sources], dtype=np.int64)
    finite = np.isfinite(km)
    penalty = overflow_penalty(km[finite], len(sources), len(sinks))
    # The first arcs: each source's K nearest eligible pools.
    k = min(nearest, km.shape[1])
    if k < km.shape[1]:
        near = np.argpartition(km, k - 1, axis=1)[:, :k]
    else:
        near = np.broadcast_to(np.arange(km.shape[1]), km.shape)
    included = np.zeros_like(finite)
    np.put_along_axis(included, near, True, axis=1)
    included &= finite
    rounds = 0
    while True:
        rounds += 1
        src, dst = np.nonzero(included)
        lp = _solve_arcs(src, dst, km[src, dst], supply, free, penalty)
        reduced = km - lp.u[:, None] - lp.v[None, :]
        tolerance = 1e-9 * penalty
        entering = finite & ~included & (reduced < -tolerance)
        if not entering.any():
            break
        included |= entering
    used = lp.x > 0
    flows = [
        (int(sources[i]), int(sinks[j]), int(q))
        for i, j, q in zip(src[used], dst[used], lp.x[used], strict=True)
    ]
    return flows, rounds


def allocate(
    patients: Sequence[Waiting], pools: Sequence[Pool], *, nearest: int = NEAREST_ARCS
) -> Allocation:
    """The admission plan that places the most patients, then at the least total distance.

    A patient may go to a pool when the pool has their bed type, its facility kind is among
    theirs, and both have coordinates. Patients with the same place, bed type and kinds form
    one source; each bed type is an independent transportation problem, solved exactly by
    column generation from each source's ``nearest`` closest pools (see the module docstring).
    Within a source, patients take its beds in input order (deterministic). Patients it cannot
    place are in ``unplaced`` with the reason; the nearest-free-first baseline is computed on
    the same distances for comparison.
    """
    started = time.perf_counter()
    problem = _problem(patients, pools)
    free_all = np.array([pools[k].free for k in problem.pools], dtype=np.int64)
    assignments: dict[Hashable, Hashable] = {}
    unplaced: dict[Hashable, Reason] = {}
    total = 0.0
    rounds: dict[str, int] = {}
    taken: dict[int, list[int]] = {}  # source → pool columns, one per bed given
    for bed_type in sorted(set(problem.group_bed)):
        sources = np.array(
            [
                g
                for g, b in enumerate(problem.group_bed)
                if b == bed_type and np.isfinite(problem.km[g]).any()
            ],
            dtype=np.int64,
        )
        sinks = np.nonzero(free_all > 0)[0]
        if len(sources):
            sinks = sinks[np.isfinite(problem.km[np.ix_(sources, sinks)]).any(axis=0)]
        if not len(sources) or not len(sinks):
            continue
        flows, rounds[bed_type] = _price(problem, sources, sinks, free_all[sinks], nearest)
        for source, j, q in sorted(flows):
            taken.setdefault(source, []).extend([j] * q)
            total += q * float(problem.km[source, j])
    given = [0] * len(problem.members)
    for n, g in enumerate(problem.group_of):
        if g is None:
            unplaced[patients[n].key] = NO_LOCATION
            continue
        beds = taken.get(g, [])
        if given[g] < len(beds):
            assignments[patients[n].key] = pools[problem.pools[beds[given[g]]]].key
            given[g] += 1
        elif not np.isfinite(problem.km[g]).any():
            unplaced[patients[n].key] = NO_POOL
        else:
            unplaced[patients[n].key] = NO_FREE_BED
    solve_seconds = time.perf_counter() - started
    greedy, greedy_km = _greedy(problem, pools)
    return Allocation(
        assignments=assignments,
        unplaced=unplaced,
        total_km=total,
        greedy_total_km=greedy_km,
        greedy_placed=len(greedy),
        solve_seconds=solve_seconds,
        rounds=rounds,
    )
