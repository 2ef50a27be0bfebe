"""Issue #10: free beds by type for every city of the province (集中资源), at 2,000 facilities and
200,000 patient stays, each beside its physical limit in the same run.

Data (seeded, generated here), at ``--scale 1``, on the real Jilin tree (loaded through the
real importer, as the ``divisions`` scenario does):

- 2,000 facilities (``medical.Facility``) over the counties of the 9 cities, weighted by city
  (most around 长春 and 吉林市), each county with at least one fever clinic: 50% fever clinics,
  15% designated hospitals, 5% makeshift hospitals, 30% centralized isolation sites, with
  longitude and latitude scattered around the city seats;
- their wards (``medical.Ward``), of the bed types ``medical.choices.BED_TYPES_BY_KIND`` allows:
  a fever clinic's observation beds and isolation rooms (4-40), a designated hospital's
  isolation wards (30-120 beds), negative-pressure wards and ICUs (6-30), a makeshift
  hospital's halls (200-1,500 beds, as in 2022), an isolation site's buildings (30-200 rooms);
  about 2% of them closed, a few beds out of service;
- 200,000 patient stays (``treatment.Stay``) over the last 60 days, each with its order
  (``treatment.Order``, arrived) and its case (``cases.Case``, with its person): 15% open, the
  rest ended (discharged, a few died or excluded); 10% of the cases were transferred (an ended
  stay, then a second one elsewhere with a transfer order); plus 1,000 open admission orders of
  waiting cases, each holding a reserved bed. The wards' ``occupied`` and ``reserved`` are set
  from the open stays and orders, so the nightly check finds nothing wrong;
- 30 days of ``medical.BedDay``, rebuilt from the stays by
  ``treatment.actions.rebuild_bed_days`` (the project's own action).

Facilities and wards are COPYed from Python; the stays, orders and cases are planned in numpy,
COPYed into two staging tables and expanded inside PostgreSQL (INSERT … SELECT), foreign keys
checked. A marker table (``bench_beds``) records scale, seed and day, so a rerun with
``--keep-db`` on the same day reuses the data.

Measured as a province user (``--scale 0.05`` to try):

1. ``medical.selectors.beds_by_division(user)``: the board's table, free beds by type per city;
2. ``GET /api/beds`` (Django test client, API token);
3. ``medical.selectors.bed_trend(user, days=30)`` (and ``GET /api/beds/trend?days=30``);

each alternating, in the same rounds, with the physical limit: the hand-written ``GROUP BY`` on
a psycopg cursor (``SELECT substr(division_path, 1, 8), bed_type, sum(capacity - occupied -
reserved - out_of_service) FROM medical_ward WHERE active GROUP BY 1, 2``) and the selector's
own statements run raw. p50/p95/p99 of at least ``MIN_REPEAT`` timed runs;

4. the nightly check ``treatment.actions.check_bed_counts()`` once, beside its two counting
   statements and the ward scan run raw.

Nothing here asserts a time.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from bench.harness import (
    Measurement,
    RawSQL,
    ScenarioResult,
    SetupLog,
    SetupStep,
    Stats,
    SummaryRow,
    environment,
    fmt_ms,
    load_average,
    percentile,
    time_interleaved,
)
from bench.scenarios import Context
from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.medical.choices import BED_TYPES_BY_KIND
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

NAME = "beds"
DESCRIPTION = "free beds by type per city: board, API, trend, nightly check (#10)"
PROVINCE_USER = "bench-beds-province"
MARKER_TABLE = "bench_beds"
CASES_TABLE = "bench_beds_cases"
STAYS_TABLE = "bench_beds_stays"

TARGET_MS = 100.0
MIN_REPEAT = 500  # timed runs of each cheap read at least, so that p99 means something
TREND_DAYS = 30
HISTORY_DAYS = 60
OPEN_SHARE = 0.15
TRANSFER_SHARE = 0.10
WAITING_SHARE = 0.005  # open admission orders, of the stays' number

# Hand-written: the board's figure without the ORM (the physical limit).
FLOOR_SQL = (
    "SELECT substr(division_path, 1, 8), bed_type,"
    " sum(capacity - occupied - reserved - out_of_service)"
    " FROM medical_ward WHERE active GROUP BY 1, 2"
)
# What the nightly check reads, without the ORM and without its row locks.
CHECK_SQL = [
    "SELECT ward_id, count(*) FROM treatment_stay WHERE ended_at IS NULL GROUP BY 1",
    "SELECT ward_id, count(*) FROM treatment_order WHERE state IN ('requested', 'accepted')"
    " GROUP BY 1",
    "SELECT id, occupied, reserved FROM medical_ward ORDER BY id",
]

# City code: (seat longitude, latitude, weight of facilities around it).
CITY_SEATS: dict[str, tuple[float, float, float]] = {
    "2201": (125.3245, 43.8868, 0.34),  # 长春市
    "2202": (126.5496, 43.8379, 0.18),  # 吉林市
    "2203": (124.3505, 43.1664, 0.09),  # 四平市
    "2204": (125.1437, 42.8880, 0.05),  # 辽源市
    "2205": (125.9399, 41.7284, 0.08),  # 通化市
    "2206": (126.4236, 41.9398, 0.05),  # 白山市
    "2207": (124.8250, 45.1411, 0.08),  # 松原市
    "2208": (122.8389, 45.6196, 0.06),  # 白城市
    "2224": (129.5089, 42.8913, 0.07),  # 延边朝鲜族自治州 (延吉市)
}


@dataclass(frozen=True)
class WardSpec:
    bed_type: str
    label: str
    least: int  # wards of this type per facility
    most: int
    low: int  # beds per ward
    high: int


# Facility kind: share of the facilities (after one fever clinic per county), name, wards.
KINDS: dict[str, tuple[float, str, tuple[WardSpec, ...]]] = {
    "fever_clinic": (
        0.50,
        "发热门诊",
        (
            WardSpec("isolation_ward", "留观病房", 1, 1, 8, 40),
            WardSpec("observation", "隔离观察室", 1, 1, 4, 20),
        ),
    ),
    "designated_hospital": (
        0.15,
        "定点医院",
        (
            WardSpec("isolation_ward", "隔离病区", 2, 4, 30, 120),
            WardSpec("negative_pressure", "负压病区", 1, 2, 6, 30),
            WardSpec("icu", "重症监护室", 1, 2, 6, 20),
        ),
    ),
    "makeshift_hospital": (
        0.05,
        "方舱医院",
        (WardSpec("isolation_ward", "舱", 1, 2, 200, 1500),),
    ),
    "isolation_site": (
        0.30,
        "集中隔离点",
        (WardSpec("observation", "隔离楼", 1, 2, 30, 200),),
    ),
}
RANK = {"observation": 0, "isolation_ward": 1, "negative_pressure": 2, "icu": 3}
LEVELS = {
    "fever_clinic": ("secondary", "primary"),
    "designated_hospital": ("tertiary", "secondary"),
}


@dataclass(frozen=True)
class Scale:
    factor: float
    facilities: int
    stays: int
    waiting: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            factor=factor,
            facilities=max(150, round(2_000 * factor)),
            stays=max(2_000, round(200_000 * factor)),
            waiting=max(20, round(200_000 * WAITING_SHARE * factor)),
        )


# --- small helpers -------------------------------------------------------------------------------


def run_sql(statement: str, params: dict[str, Any] | list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def scalar(statement: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None


def copy_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> int:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    return len(rows)


def reset_sequence(table: str) -> None:
    run_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
        f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )


def p99(stats: Stats) -> float:
    return percentile(stats.samples, 99)


def figures(stats: Stats) -> str:
    return f"p50 {fmt_ms(stats.p50)} / p95 {fmt_ms(stats.p95)} / p99 {fmt_ms(p99(stats))} ms"


# --- the marker --------------------------------------------------------------------------------


def marker() -> dict[str, Any] | None:
    if scalar("SELECT to_regclass(%s)", [MARKER_TABLE]) is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT factor, seed, built_for, setup FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    setup = json.loads(row[3]) if isinstance(row[3], str) else (row[3] or [])
    return {"factor": row[0], "seed": row[1], "built_for": row[2], "setup": setup}


def write_marker(scale: Scale, seed: int, setup: SetupLog) -> None:
    run_sql(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (factor float8, seed int, built_for date,"
        " built_at timestamptz, setup jsonb)"
    )
    run_sql(f"DELETE FROM {MARKER_TABLE}")
    run_sql(
        f"INSERT INTO {MARKER_TABLE} VALUES (%(f)s, %(s)s, %(d)s, now(), %(j)s)",
        {
            "f": scale.factor,
            "s": seed,
            "d": timezone.localdate(),
            "j": json.dumps([asdict(s) for s in setup.steps]),
        },
    )


def data_present(scale: Scale, seed: int) -> bool:
    found = marker()
    return (
        found is not None
        and found["factor"] == scale.factor
        and found["seed"] == seed
        and found["built_for"] == timezone.localdate()
    )


# --- facilities and wards ----------------------------------------------------------------------


@dataclass
class County:
    id: int
    code: str
    name: str
    path: str
    city: str
    lon: float
    lat: float
    villages: list[int]


@dataclass
class Planned:
    """What the stays are planned from: facilities and wards by index (ids = index + 1)."""

    counties: list[County]
    facility_county: list[int]
    facility_kind: list[str]
    fever_by_county: dict[int, list[int]]
    ward_facility: np.ndarray
    ward_type: list[str]
    ward_capacity: np.ndarray
    ward_broken: np.ndarray
    ward_active: np.ndarray


def counties_of_cities() -> list[County]:
    """The active counties of the 9 cities, each with its villages (where patients live)."""
    found = list(
        Division.objects.filter(level=Level.COUNTY, active=True)
        .order_by("code")
        .values_list("id", "code", "name", "path")
    )
    by_path: dict[str, County] = {}
    for pk, code, name, path in found:
        city = path.split("/")[1]
        if city in CITY_SEATS:
            by_path[path] = County(pk, code, name, path, city, 0.0, 0.0, [])
    for pk, path in Division.objects.filter(level=Level.VILLAGE, active=True).values_list(
        "id", "path"
    ):
        county = by_path.get("/".join(path.split("/")[:3]) + "/")
        if county is not None:
            county.villages.append(pk)
    counties = list(by_path.values())
    if len({c.city for c in counties}) != len(CITY_SEATS):
        raise SystemExit("the division tree lacks counties of some of the 9 cities of Jilin")
    for county in counties:
        if not county.villages:
            county.villages.append(county.id)
    return counties


def plan_facilities(
    rng: np.random.Generator, scale: Scale
) -> tuple[Planned, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Facility rows and ward rows (ids 1 … n), and what the stays are planned from."""
    counties = counties_of_cities()
    for county in counties:  # a county's centre, near its city's seat
        seat_lon, seat_lat, _w = CITY_SEATS[county.city]
        county.lon = seat_lon + float(rng.normal(0, 0.35)) * 1.3
        county.lat = seat_lat + float(rng.normal(0, 0.35))
    cities = list(CITY_SEATS)
    weights = np.array([CITY_SEATS[c][2] for c in cities])
    by_city: dict[str, list[int]] = {c: [] for c in cities}
    for index, county in enumerate(counties):
        by_city[county.city].append(index)
    kinds = list(KINDS)
    shares = np.array([KINDS[k][0] for k in kinds])
    facility_county = list(range(len(counties)))  # one fever clinic per county first
    facility_kind = ["fever_clinic"] * len(counties)
    rest = scale.facilities - len(counties)
    for city_index, kind_index in zip(
        rng.choice(len(cities), size=rest, p=weights / weights.sum()),
        rng.choice(len(kinds), size=rest, p=shares / shares.sum()),
        strict=True,
    ):
        members = by_city[cities[int(city_index)]]
        facility_county.append(members[int(rng.integers(len(members)))])
        facility_kind.append(kinds[int(kind_index)])
    today = timezone.localdate()
    now = timezone.now()
    numbers: dict[tuple[int, str], int] = {}
    facilities: list[tuple[Any, ...]] = []
    fever_by_county: dict[int, list[int]] = {}
    ward_rows: list[tuple[Any, ...]] = []
    ward_facility: list[int] = []
    ward_type: list[str] = []
    ward_capacity: list[int] = []
    ward_broken: list[int] = []
    ward_active: list[bool] = []
    opened = now - dt.timedelta(days=HISTORY_DAYS + 30)
    for index, (c, kind) in enumerate(zip(facility_county, facility_kind, strict=True)):
        county = counties[c]
        _share, label, specs = KINDS[kind]
        n = numbers[(c, kind)] = numbers.get((c, kind), 0) + 1
        lon = county.lon + float(rng.normal(0, 0.04)) * 1.3
        lat = county.lat + float(rng.normal(0, 0.04))
        grades = LEVELS.get(kind)
        level = grades[int(rng.integers(len(grades)))] if grades else "none"
        facilities.append(
            (
                index + 1,
                f"{county.name}第{n}{label}",
                kind,
                county.id,
                county.path,
                f"{county.name}健康路{index % 300 + 1}号",
                f"0431-8{index:07d}",
                round(lon, 6),
                round(lat, 6),
                True,
                level,
                "张主任",
                today - dt.timedelta(days=HISTORY_DAYS + 30),
                None,
                opened,
            )
        )
        if kind == "fever_clinic":
            fever_by_county.setdefault(c, []).append(index)
        for spec in specs:
            if spec.bed_type not in BED_TYPES_BY_KIND[kind]:
                raise SystemExit(f"{kind} may not hold {spec.bed_type} beds")
            for k in range(1, int(rng.integers(spec.least, spec.most + 1)) + 1):
                capacity = int(rng.integers(spec.low, spec.high + 1))
                broken = int(capacity * rng.uniform(0, 0.04)) if rng.random() < 0.3 else 0
                active = bool(rng.random() >= 0.02)
                ward_rows.append(
                    (
                        len(ward_rows) + 1,
                        index + 1,
                        county.path,
                        kind,
                        f"{spec.label}{k}",
                        spec.bed_type,
                        capacity,
                        0,
                        0,
                        broken,
                        active,
                        opened,
                        opened,
                    )
                )
                ward_facility.append(index)
                ward_type.append(spec.bed_type)
                ward_capacity.append(capacity)
                ward_broken.append(broken)
                ward_active.append(active)
    planned = Planned(
        counties,
        facility_county,
        facility_kind,
        fever_by_county,
        np.array(ward_facility),
        ward_type,
        np.array(ward_capacity),
        np.array(ward_broken),
        np.array(ward_active),
    )
    return planned, facilities, ward_rows


FACILITY_COLUMNS = [
    "id", "name", "kind", "division_id", "division_path", "address", "phone", "longitude",
    "latitude", "active", "level", "contact_name", "opened_on", "closed_on", "created_at",
]  # fmt: skip
WARD_COLUMNS = [
    "id", "facility_id", "division_path", "facility_kind", "name", "bed_type", "capacity",
    "occupied", "reserved", "out_of_service", "active", "created_at", "updated_at",
]  # fmt: skip


# --- stays, orders, cases ------------------------------------------------------------------------

CASE_COLUMNS = [
    "id", "village_id", "county_id", "reporting_facility_id", "responsible_facility_id",
    "category", "severity", "outcome", "diagnosed_at", "confirmed_at", "excluded_at",
    "discharged_on", "died_on",
]  # fmt: skip
STAY_COLUMNS = [
    "id", "case_id", "ward_id", "from_facility_id", "kind", "state", "transport", "ordered_at",
    "answered_at", "arrived_at", "started_at", "ended_at", "end",
]  # fmt: skip


def plan_stays(
    rng: np.random.Generator, planned: Planned, scale: Scale
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, int]]:
    """Rows of the two staging tables: one per case, one per stay or open order."""
    n = scale.stays
    n_open = round(n * OPEN_SHARE)
    n_pairs = round(n * TRANSFER_SHARE)
    usable = planned.ward_capacity - planned.ward_broken
    active = np.flatnonzero(planned.ward_active)
    # Open stays and waiting orders fill 5-35% of each open ward: never over capacity.
    slots = np.floor(usable[active] * rng.uniform(0.05, 0.35, size=active.size)).astype(int)
    pool = np.repeat(active, slots)
    if pool.size < n_open + scale.waiting:
        raise SystemExit(f"{pool.size:,} bed slots for {n_open + scale.waiting:,} open stays")
    rng.shuffle(pool)
    open_wards = pool[:n_open]
    waiting_wards = pool[n_open : n_open + scale.waiting]
    weights = usable / usable.sum()
    ended_wards = rng.choice(usable.size, size=n - n_open, p=weights)
    ward = np.concatenate([open_wards, ended_wards])
    is_open = np.zeros(n, dtype=bool)
    is_open[:n_open] = True
    order = rng.permutation(n)  # stays in random order: ids do not reveal open ones
    ward, is_open = ward[order], is_open[order]
    day = 86_400.0
    now = timezone.now().replace(microsecond=0)
    start_ago = np.where(
        is_open, rng.uniform(0.05, 18, size=n) * day, rng.uniform(6, HISTORY_DAYS, size=n) * day
    )
    length = rng.uniform(4, 21, size=n) * day
    end_ago = np.where(is_open, np.nan, np.maximum(start_ago - length, 3600.0))
    # Transfers: stay a (ended, "transferred") then stay b of the same case elsewhere.
    ended_ix = np.flatnonzero(~is_open)
    firsts = rng.choice(ended_ix, size=n_pairs, replace=False)
    others = np.setdiff1d(np.arange(n), firsts)
    seconds = rng.choice(others, size=n_pairs, replace=False)
    follows = np.full(n, -1)
    follows[seconds] = firsts
    end_ago[firsts] = start_ago[seconds]
    start_ago[firsts] = start_ago[seconds] + rng.uniform(2, 10, size=n_pairs) * day
    ends = rng.choice(["discharged", "died", "excluded"], size=n, p=[0.975, 0.01, 0.015]).astype(
        object
    )
    ends[firsts] = "transferred"
    # One case per stay, but a transfer's second stay goes on with its first stay's case.
    case_of = np.full(n, -1)
    own = follows < 0
    case_of[own] = np.arange(int(own.sum()))
    case_of[seconds] = case_of[firsts]
    n_cases = int(own.sum())
    stays: list[tuple[Any, ...]] = []
    first_of: dict[int, int] = {}
    last_of: dict[int, int] = {}
    for i in range(n):
        c = int(case_of[i])
        if c not in first_of or start_ago[i] > start_ago[first_of[c]]:
            first_of[c] = i
        if c not in last_of or start_ago[i] < start_ago[last_of[c]]:
            last_of[c] = i
    case_county: dict[int, int] = {}
    for c, i in first_of.items():
        case_county[c] = planned.facility_county[int(planned.ward_facility[ward[i]])]

    def at(seconds_ago: float) -> dt.datetime:
        return now - dt.timedelta(seconds=float(seconds_ago))

    fever = planned.fever_by_county
    reporting: dict[int, int] = {}
    for c, at_county in case_county.items():
        clinics = fever[at_county]
        reporting[c] = clinics[c % len(clinics)]
    for i in range(n):
        c = int(case_of[i])
        w = int(ward[i])
        started = at(start_ago[i])
        prior = int(follows[i])
        if prior >= 0:
            kind = (
                "transfer_up"
                if RANK[planned.ward_type[w]] >= RANK[planned.ward_type[int(ward[prior])]]
                else "transfer_down"
            )
            source = int(planned.ward_facility[ward[prior]])
        else:
            kind, source = "admission", reporting[c]
        ordered = started - dt.timedelta(hours=float(rng.uniform(1, 6)))
        stays.append(
            (
                i + 1,
                c + 1,
                w + 1,
                source + 1,
                kind,
                "arrived",
                "arrived",
                ordered,
                ordered + dt.timedelta(minutes=30),
                started,
                started,
                None if is_open[i] else at(end_ago[i]),
                "" if is_open[i] else str(ends[i]),
            )
        )
    # Waiting cases: an open admission order each, holding a reserved bed.
    waiting_case = {}
    for k, w in enumerate(waiting_wards):
        c = n_cases + k
        facility = int(planned.ward_facility[w])
        at_county = planned.facility_county[facility]
        case_county[c] = at_county
        clinics = fever[at_county]
        reporting[c] = clinics[c % len(clinics)]
        ordered = now - dt.timedelta(hours=float(rng.uniform(0.1, 6)))
        accepted = k % 5 < 2
        stays.append(
            (
                n + k + 1,
                c + 1,
                int(w) + 1,
                reporting[c] + 1,
                "admission",
                "accepted" if accepted else "requested",
                "dispatched" if accepted else "requested",
                ordered,
                ordered + dt.timedelta(minutes=20) if accepted else None,
                None,
                None,
                None,
                "",
            )
        )
        waiting_case[c] = w
    tz = timezone.get_current_timezone()
    cases: list[tuple[Any, ...]] = []
    for c in range(n_cases + scale.waiting):
        county = planned.counties[case_county[c]]
        village = county.villages[(c * 7919) % len(county.villages)]
        if c in waiting_case:
            bed_type, last_open, end, last_ended = (
                planned.ward_type[int(waiting_case[c])], True, "", None
            )  # fmt: skip
            first_order = stays[n + c - n_cases][7]
            responsible = reporting[c]
        else:
            last = last_of[c]
            first = first_of[c]
            bed_type = planned.ward_type[int(ward[last])]
            last_open = bool(is_open[last])
            end = "" if last_open else str(ends[last])
            last_ended = None if last_open else at(end_ago[last])
            first_order = stays[first][7]
            responsible = int(planned.ward_facility[ward[last]])
        diagnosed = first_order - dt.timedelta(hours=float(2 + (c % 19)))
        category = "asymptomatic" if bed_type == "observation" else "confirmed"
        if end == "excluded":
            category = "excluded"
        severity = {
            "icu": "critical",
            "negative_pressure": "severe",
            "isolation_ward": "ordinary" if c % 3 else "mild",
        }.get(bed_type, "")
        if category != "confirmed":
            severity = ""
        outcome = {
            "": "admitted" if category == "confirmed" else "isolated",
            "discharged": "discharged",
            "died": "died",
            "excluded": "closed",
        }[end]
        cases.append(
            (
                c + 1,
                village,
                county.id,
                reporting[c] + 1,
                responsible + 1,
                category,
                severity,
                outcome,
                diagnosed,
                diagnosed + dt.timedelta(hours=6) if category == "confirmed" else None,
                last_ended if category == "excluded" else None,
                last_ended.astimezone(tz).date() if last_ended and end == "discharged" else None,
                last_ended.astimezone(tz).date() if last_ended and end == "died" else None,
            )
        )
    counts = {
        "stays": n,
        "open_stays": int(is_open.sum()),
        "transfers": n_pairs,
        "waiting_orders": scale.waiting,
        "cases": len(cases),
    }
    return cases, stays, counts


STAGING_SQL = f"""
DROP TABLE IF EXISTS {CASES_TABLE}, {STAYS_TABLE};
CREATE TABLE {CASES_TABLE} (id int PRIMARY KEY, village_id int, county_id int,
    reporting_facility_id int, responsible_facility_id int, category text, severity text,
    outcome text, diagnosed_at timestamptz, confirmed_at timestamptz, excluded_at timestamptz,
    discharged_on date, died_on date);
CREATE TABLE {STAYS_TABLE} (id int PRIMARY KEY, case_id int, ward_id int, from_facility_id int,
    kind text, state text, transport text, ordered_at timestamptz, answered_at timestamptz,
    arrived_at timestamptz, started_at timestamptz, ended_at timestamptz, "end" text);
"""

PEOPLE_SQL = """
INSERT INTO people_person (id, name, doc_type, doc_number, sex, birth_date, phone, address,
                           household_id, grid_id, division_path, status, status_since,
                           moved_out_at, created_at, updated_at)
SELECT c.id, substr(%(surnames)s, 1 + c.id %% char_length(%(surnames)s), 1)
            || substr(%(given)s, 1 + (c.id / 7) %% char_length(%(given)s), 1)
            || CASE WHEN c.id %% 3 = 0 THEN ''
                    ELSE substr(%(given)s, 1 + (c.id / 131) %% char_length(%(given)s), 1) END,
       'resident_id', {resident_id},
       CASE WHEN c.id %% 2 = 1 THEN 'M' ELSE 'F' END, c.birth,
       '13' || lpad((c.id * 7919 %% 1000000000)::text, 9, '0'),
       '幸福路' || (c.id %% 300 + 1) || '号' || (c.id %% 6 + 1) || '单元',
       NULL, v.id, v.path, 'case', c.diagnosed_at, NULL, c.diagnosed_at, c.diagnosed_at
  FROM (SELECT s.*, date '1940-01-01' + ((s.id / 1000) * 97 %% 25000)::int AS birth
          FROM {cases} s) c
  JOIN regions_division v ON v.id = c.village_id
 CROSS JOIN LATERAL (
    SELECT substr(v.code, 1, 6) || to_char(c.birth, 'YYYYMMDD')
           || lpad((c.id %% 1000)::text, 3, '0') AS first17
 ) f
"""

CASES_SQL = f"""
INSERT INTO cases_case (id, number, person_id, occupation, address, workplace,
    address_division_id, division_path, county_id, category, severity, outcome, onset_date,
    diagnosed_at, confirmed_at, excluded_at, isolated_at, discharged_on, died_on, import_status,
    origin, reporting_facility_id, reporting_path, reporting_doctor, responsible_facility_id,
    report_due_at, national_reported_at, note, created_by_id, created_at, updated_at)
SELECT c.id, 'BD' || lpad(c.id::text, 9, '0'), c.id,
       (ARRAY['worker','farmer','retired','student','office','service','food','medical',
              'housework','other'])[1 + c.id %% 10],
       p.address, '单位' || (c.id %% 5000), p.grid_id, p.division_path, c.county_id, c.category,
       c.severity, c.outcome,
       CASE WHEN c.category = 'confirmed' THEN (c.diagnosed_at AT TIME ZONE %(tz)s)::date - 2 END,
       c.diagnosed_at, c.confirmed_at, c.excluded_at, c.diagnosed_at, c.discharged_on,
       c.died_on, 'local', '', f.id, f.division_path, '李医生', c.responsible_facility_id,
       c.diagnosed_at + interval '2 hours', c.diagnosed_at + interval '1 hour', '', NULL,
       c.diagnosed_at, c.diagnosed_at
  FROM {CASES_TABLE} c
  JOIN people_person p ON p.id = c.id
  JOIN medical_facility f ON f.id = c.reporting_facility_id
"""

ORDERS_SQL = f"""
INSERT INTO treatment_order (id, case_id, kind, state, transport, bed_type, division_path,
    from_facility_id, from_path, to_facility_id, to_path, ward_id, distance_km, note, refusal,
    plan_id, ordered_by_id, ordered_at, answered_by_id, answered_at, arrived_at, updated_at)
SELECT s.id, s.case_id, s.kind, s.state, s.transport, w.bed_type, c.division_path,
       s.from_facility_id, coalesce(ff.division_path, ''), w.facility_id, w.division_path, w.id,
       NULL, '', '', NULL, NULL, s.ordered_at, NULL, s.answered_at, s.arrived_at,
       coalesce(s.arrived_at, s.answered_at, s.ordered_at)
  FROM {STAYS_TABLE} s
  JOIN medical_ward w ON w.id = s.ward_id
  JOIN cases_case c ON c.id = s.case_id
  LEFT JOIN medical_facility ff ON ff.id = s.from_facility_id
"""

STAYS_SQL = f"""
INSERT INTO treatment_stay (id, case_id, facility_id, ward_id, division_path, case_path,
                            order_id, started_at, ended_at, "end")
SELECT s.id, s.case_id, w.facility_id, w.id, w.division_path, c.division_path, s.id,
       s.started_at, s.ended_at, s."end"
  FROM {STAYS_TABLE} s
  JOIN medical_ward w ON w.id = s.ward_id
  JOIN cases_case c ON c.id = s.case_id
 WHERE s.started_at IS NOT NULL
"""

# The counters the treatment actions keep, set once from what they count (as the nightly
# check's repair would, ward by ward).
COUNTERS_SQL = """
UPDATE medical_ward w
   SET occupied = coalesce(s.n, 0), reserved = coalesce(o.n, 0)
  FROM medical_ward x
  LEFT JOIN (SELECT ward_id, count(*) AS n FROM treatment_stay
              WHERE ended_at IS NULL GROUP BY 1) s ON s.ward_id = x.id
  LEFT JOIN (SELECT ward_id, count(*) AS n FROM treatment_order
              WHERE state IN ('requested', 'accepted') GROUP BY 1) o ON o.ward_id = x.id
 WHERE w.id = x.id
"""


def build(setup: SetupLog, scale: Scale, seed: int) -> dict[str, int]:
    from bench.cases_data import GIVEN, SURNAMES, resident_id_sql
    from bench.scenarios.divisions import load_tree
    from fangkong.treatment.actions import rebuild_bed_days

    if not Division.objects.exists():
        load_tree(setup)
    rng = np.random.default_rng(seed)
    with setup.step("facilities and wards", "planned in Python, COPY") as step:
        planned, facilities, wards = plan_facilities(rng, scale)
        with transaction.atomic():
            copy_rows("medical_facility", FACILITY_COLUMNS, facilities)
            copy_rows("medical_ward", WARD_COLUMNS, wards)
        for table in ("medical_facility", "medical_ward"):
            reset_sequence(table)
        step.detail += f": {len(facilities):,} facilities, {len(wards):,} wards"
    with setup.step("plan stays", "numpy, seeded; COPY into two staging tables") as step:
        cases, stays, counts = plan_stays(rng, planned, scale)
        run_sql(STAGING_SQL)
        with transaction.atomic():
            copy_rows(CASES_TABLE, CASE_COLUMNS, cases)
            copy_rows(STAYS_TABLE, STAY_COLUMNS, stays)
        step.detail += f": {len(cases):,} cases, {len(stays):,} stays and orders"
    people_sql = PEOPLE_SQL.format(resident_id=resident_id_sql("f.first17"), cases=CASES_TABLE)
    params = {"surnames": SURNAMES, "given": GIVEN, "tz": timezone.get_current_timezone_name()}
    steps = [
        ("people", "INSERT … SELECT, one per case", people_sql, params),
        ("cases", "INSERT … SELECT", CASES_SQL, params),
        ("orders", "INSERT … SELECT: each stay's, and the waiting ones", ORDERS_SQL, None),
        ("stays", "INSERT … SELECT", STAYS_SQL, None),
        ("ward counters", "UPDATE from the open stays and orders", COUNTERS_SQL, None),
    ]
    for name, detail, statement, values in steps:
        with setup.step(name, detail + ", foreign keys checked") as step, transaction.atomic():
            step.detail += f": {run_sql(statement, values):,} rows"
    for table in ("people_person", "cases_case", "treatment_order", "treatment_stay"):
        reset_sequence(table)
    run_sql(f"DROP TABLE {CASES_TABLE}, {STAYS_TABLE}")
    with setup.step("analyze", "VACUUM ANALYZE"):
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    with setup.step(
        f"{TREND_DAYS} days of BedDay", "treatment.actions.rebuild_bed_days, from the stays"
    ) as step:
        step.detail += f": {rebuild_bed_days(days=TREND_DAYS):,} rows"
    write_marker(scale, seed, setup)
    return counts


def prepare(ctx: Context, scale: Scale) -> dict[str, int]:
    """Build the data, or reuse them (``--keep-db``, same scale, seed and day)."""
    if ctx.reused_database and data_present(scale, ctx.seed):
        found = marker() or {}
        ctx.setup.steps.append(
            SetupStep("reused database", 0.0, "--keep-db: setup of an earlier run, not timed")
        )
        ctx.setup.steps += [SetupStep(**s) for s in found.get("setup", [])]
        return {}
    if scalar("SELECT count(*) FROM medical_facility"):
        raise SystemExit("The database holds other facilities; run without --keep-db.")
    return build(ctx.setup, scale, ctx.seed)


def bench_user(home: Division) -> User:
    user = User.objects.filter(username=PROVINCE_USER).first()
    if user is None:
        user = account_actions.create_user(
            actor=None,
            username=PROVINCE_USER,
            password=uuid.uuid4().hex + "Aa1!",
            home_division=home,
            roles=[Role.PROVINCE_COMMAND, Role.HEALTH_COMMISSION],
            full_name="基准测试",
        )
    return User.objects.select_related("home_division").get(pk=user.pk)


# --- measurements ------------------------------------------------------------------------------


def floor() -> list[tuple[Any, ...]]:
    """The hand-written GROUP BY on the driver's cursor: no ORM, no objects."""
    with connection.connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL.encode())
        return cursor.fetchall()


def free_by_city_floor() -> dict[str, int]:
    out: dict[str, int] = {}
    for city, _t, free in floor():
        out[city] = out.get(city, 0) + int(free)
    return out


def measure_board(
    user: User, token: str, repeat: int, warmup: int
) -> tuple[list[Measurement], list[SummaryRow], list[str], dict[str, Any]]:
    from fangkong.medical.selectors import beds_by_division

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get("/api/beds")
    if response.status_code != 200:
        raise SystemExit(f"GET /api/beds answered {response.status_code}: {response.content!r}")
    board = beds_by_division(user)
    findings: list[str] = []
    shown = {r.division.path: r.all_types.free for r in board.rows if r.division is not None}
    limit = free_by_city_floor()
    same = all(shown.get(city, 0) == free for city, free in limit.items())
    findings.append(
        f"beds_by_division gives {len(board.rows)} rows (the province's children: 9 cities and"
        f" {len(board.rows) - 9} management zones) with {board.total.all_types.free:,} free beds"
        f" of {board.total.all_types.capacity:,}; free beds per city"
        f" {'equal' if same else 'DIFFER from'} the hand-written GROUP BY."
    )
    twin = RawSQL.twin(lambda: beds_by_division(user))
    fns: dict[str, Callable[[], object]] = {
        "selector": lambda: beds_by_division(user),
        "api": lambda: api.get("/api/beds"),
        "twin": twin,
        "floor": floor,
    }
    samples = time_interleaved(fns, warmup=warmup, repeat=repeat)
    stats = {k: Stats.of(v) for k, v in samples.items()}
    floor_stats, twin_stats = stats["floor"], stats["twin"]
    plan = RawSQL([FLOOR_SQL]).explain()[0]
    twin_plans = twin.explain()
    measurements = [
        Measurement(
            "beds by city: medical.selectors.beds_by_division",
            "province user",
            stats["selector"],
            target_ms=TARGET_MS,
            raw=floor_stats,
            raw_label="hand-written GROUP BY",
            sql=twin.statements,
            notes=f"{len(twin.statements)} statements",
            extra={"p99": p99(stats["selector"]), "plans": twin_plans},
        ),
        Measurement(
            "beds by city: GET /api/beds",
            "province user, API token, test client in-process",
            stats["api"],
            target_ms=TARGET_MS,
            raw=floor_stats,
            raw_label="hand-written GROUP BY",
            extra={"p99": p99(stats["api"]), "bytes": len(response.content)},
        ),
        Measurement(
            "beds by city: the selector's statements, raw",
            "province user",
            twin_stats,
            raw=floor_stats,
            raw_label="hand-written GROUP BY",
            sql=twin.statements,
            extra={"p99": p99(twin_stats)},
        ),
        Measurement(
            "beds by city: hand-written GROUP BY (physical limit)",
            "",
            floor_stats,
            sql=[FLOOR_SQL],
            extra={"p99": p99(floor_stats), "plan": plan},
        ),
    ]
    limit_text = f"hand-written GROUP BY {figures(floor_stats)}"
    summary = [
        SummaryRow(
            "(a) free beds by type per city: beds_by_division(province user)",
            figures(stats["selector"]),
            f"p95 < {TARGET_MS:g} ms",
            limit_text,
            stats["selector"].p95 < TARGET_MS,
            notes=f"{stats['selector'].p50 / floor_stats.p50:.1f}× the hand-written GROUP BY at"
            f" p50; its {len(twin.statements)} statements run raw: {figures(twin_stats)}"
            f" ({stats['selector'].p50 / twin_stats.p50:.2f}× them).",
            samples={k: list(v.samples) for k, v in stats.items()},
        ),
        SummaryRow(
            "(b) GET /api/beds (province user, API token)",
            figures(stats["api"]),
            f"p95 < {TARGET_MS:g} ms",
            limit_text,
            stats["api"].p95 < TARGET_MS,
            notes=f"Django test client in-process (no network); {len(response.content):,} bytes"
            f" of JSON; {stats['api'].p50 / floor_stats.p50:.1f}× the hand-written GROUP BY"
            " at p50.",
        ),
    ]
    extra = {"free_by_city": limit, "board_matches_floor": same, "floor_plan": plan}
    return measurements, summary, findings, extra


def measure_trend(
    user: User, token: str, repeat: int, warmup: int
) -> tuple[list[Measurement], list[SummaryRow], list[str]]:
    from fangkong.medical.models import BedDay
    from fangkong.medical.selectors import bed_trend

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/beds/trend?days={TREND_DAYS}"
    response = api.get(url)
    trend = bed_trend(user, days=TREND_DAYS)
    statuses: dict[str, int] = {}
    for city in trend.cities:
        statuses[city.projection.status] = statuses.get(city.projection.status, 0) + 1
    findings = [
        f"bed_trend(days={TREND_DAYS}) gives {len(trend.cities)} city × bed type series of"
        f" {max((len(c.days) for c in trend.cities), default=0)} days"
        f" ({BedDay.objects.count():,} BedDay rows in the table); run-out: "
        + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
        + f". GET {url} answered {response.status_code}."
    ]
    twin = RawSQL.twin(lambda: bed_trend(user, days=TREND_DAYS))
    fns: dict[str, Callable[[], object]] = {
        "selector": lambda: bed_trend(user, days=TREND_DAYS),
        "twin": twin,
    }
    if response.status_code == 200:
        fns["api"] = lambda: api.get(url)
    samples = time_interleaved(fns, warmup=warmup, repeat=repeat)
    stats = {k: Stats.of(v) for k, v in samples.items()}
    measurements = [
        Measurement(
            f"bed trend: medical.selectors.bed_trend(days={TREND_DAYS})",
            "province user",
            stats["selector"],
            raw=stats["twin"],
            raw_label="its statements, raw",
            sql=twin.statements,
            extra={"p99": p99(stats["selector"]), "plans": twin.explain()},
        )
    ]
    summary = [
        SummaryRow(
            f"(c) bed trend: bed_trend(province user, days={TREND_DAYS})",
            figures(stats["selector"]),
            "—",
            f"its {len(twin.statements)} statements raw {figures(stats['twin'])}",
            None,
            notes=f"{stats['selector'].p50 / stats['twin'].p50:.1f}× its own SQL at p50;"
            f" {len(trend.cities)} series, BedDay rebuilt by rebuild_bed_days.",
            samples={k: list(v.samples) for k, v in stats.items()},
        )
    ]
    if "api" in stats:
        measurements.append(
            Measurement(
                f"bed trend: GET {url}",
                "province user, API token, test client in-process",
                stats["api"],
                raw=stats["twin"],
                raw_label="bed_trend's statements, raw",
                extra={"p99": p99(stats["api"]), "bytes": len(response.content)},
            )
        )
        summary.append(
            SummaryRow(
                f"(c′) GET {url}",
                figures(stats["api"]),
                "—",
                f"bed_trend's statements raw {figures(stats['twin'])}",
                None,
                notes=f"{len(response.content):,} bytes of JSON.",
            )
        )
    return measurements, summary, findings


def measure_check() -> tuple[list[SummaryRow], list[str], dict[str, Any]]:
    from fangkong.treatment.actions import check_bed_counts

    with connection.cursor() as cursor:  # the raw reads first, then the check itself
        start = time.perf_counter()
        for statement in CHECK_SQL:
            cursor.execute(statement)
            cursor.fetchall()
        raw_s = time.perf_counter() - start
    start = time.perf_counter()
    result = check_bed_counts()
    seconds = time.perf_counter() - start
    wrong = len(result.wrong)
    findings = [
        f"The nightly check read {result.wards:,} wards and found"
        f" {'nothing wrong' if not wrong else f'{wrong:,} WRONG'}; it wrote"
        f" {result.snapshot_rows} BedDay rows for today."
    ]
    row = SummaryRow(
        "(d) nightly check: treatment.actions.check_bed_counts() once",
        f"{seconds * 1000:,.0f} ms ({result.wards:,} wards, {wrong} wrong)",
        "—",
        f"its two counts and the ward scan, raw: {raw_s * 1000:,.0f} ms",
        None,
        notes="Includes its snapshot of today's beds (snapshot_beds) and the row locks on every"
        " ward (SELECT … FOR UPDATE); one run.",
        samples={"seconds": [seconds], "raw_seconds": [raw_s]},
    )
    extra = {"check_seconds": seconds, "check_raw_seconds": raw_s, "wrong": result.wrong[:20]}
    return [row], findings, extra


def scale_of(counts: dict[str, int], scale: Scale) -> tuple[dict[str, Any], str]:
    with connection.cursor() as cursor:
        found: dict[str, int] = {}
        for table in (
            "medical_facility", "medical_ward", "treatment_stay", "treatment_order",
            "cases_case", "medical_bedday",
        ):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table] = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM treatment_stay WHERE ended_at IS NULL")
        open_stays = int(cursor.fetchone()[0])
        cursor.execute("SELECT sum(capacity), sum(occupied), sum(reserved) FROM medical_ward")
        capacity, occupied, reserved = (int(v or 0) for v in cursor.fetchone())
        cursor.execute("SELECT kind, count(*) FROM medical_facility GROUP BY 1 ORDER BY 1")
        kinds = dict(cursor.fetchall())
    text = (
        f"The real Jilin tree; {found['medical_facility']:,} facilities over the counties of the"
        " 9 cities ("
        + ", ".join(f"{k} {v:,}" for k, v in kinds.items())
        + f") with {found['medical_ward']:,} wards and {capacity:,} beds;"
        f" {found['treatment_stay']:,} patient stays ({open_stays:,} open, {occupied:,} beds"
        f" occupied) with their orders and {found['cases_case']:,} cases;"
        f" {found['treatment_order'] - found['treatment_stay']:,} open admission orders"
        f" ({reserved:,} beds reserved); {found['medical_bedday']:,} BedDay rows"
        f" (--scale {scale.factor:g})."
    )
    data = {
        **found,
        **counts,
        "beds": capacity,
        "occupied": occupied,
        "reserved": reserved,
        "facility_kinds": kinds,
        "factor": scale.factor,
    }
    return data, text


NOTES = [
    "Data: facilities and wards planned in Python and COPYed; stays, orders, cases and people"
    " planned in numpy, COPYed into staging tables and expanded by INSERT … SELECT with foreign"
    " keys checked; the wards' counters set from the open stays and orders; 30 days of BedDay"
    " rebuilt from the stays by treatment.actions.rebuild_bed_days. People live in the villages"
    " of the facility's county (this database has no grids).",
    "The province user (bench-beds-province) has the province command and health commission"
    " roles at the province; its API token is created with accounts.actions.create_token.",
    "Physical limit: the hand-written GROUP BY (" + FLOOR_SQL + ") on the driver's cursor,"
    " alternating with the selector, the API and the selector's own statements run raw in"
    " every round.",
    "The API is timed through Django's test client in-process (no network, no gunicorn), as the"
    " other scenarios time their API lists; p99 comes from the same samples.",
]


def run(ctx: Context) -> ScenarioResult:
    started = timezone.now()
    scale = Scale.of(ctx.scale)
    counts = prepare(ctx, scale)
    province = Division.objects.get(level=Level.PROVINCE)
    user = bench_user(province)
    _token, token = account_actions.create_token(actor=None, user=user, name="benchmark")
    repeat = max(ctx.repeat, MIN_REPEAT)
    load_at_start = load_average()
    print(f"  measuring the board ({repeat} rounds) …", flush=True)
    measurements, summary, findings, extra = measure_board(user, token, repeat, ctx.warmup)
    print(f"  measuring the trend ({repeat} rounds) …", flush=True)
    m2, s2, f2 = measure_trend(user, token, repeat, ctx.warmup)
    print("  the nightly check …", flush=True)
    s3, f3, e3 = measure_check()
    measurements += m2
    summary += [*s2, *s3]
    findings += [*f2, *f3]
    extra.update(e3)
    data_scale, text = scale_of(counts, scale)
    connections.close_all()
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — free beds by type per city: board, API, trend, nightly check (issue #10)",
        scale=data_scale,
        scale_text=text,
        environment=env,
        parameters={
            "repeat": repeat,
            "warmup": ctx.warmup,
            "seed": ctx.seed,
            "scale": ctx.scale,
            "trend_days": TREND_DAYS,
            "user": f"{PROVINCE_USER} (province command + health commission)",
            "settings": settings.SETTINGS_MODULE,
        },
        setup=ctx.setup.steps,
        measurements=measurements,
        findings=findings,
        notes=list(NOTES),
        summary=summary,
        extra={**extra, "p99": {m.operation: m.extra.get("p99") for m in measurements}},
        started_at=started.isoformat(timespec="seconds"),
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )
