"""The synthetic prefecture of the gridops benchmark (issue #3): setup, not measured.

A real prefecture of the imported Jilin tree (吉林市 2202: its real counties, townships and
villages) gets about three grids per village, named and coded as ``regions.actions.create_grid``
names them ("第n网格", village code + 3 digits). Then, at ``--scale 1``:

- 300,000 households and about 1,000,000 people with valid resident ID numbers
  (``people.idcard`` check characters via the demo's ``PopulationGenerator``: names, ages, sexes
  and mobile numbers as the demo makes them; the area code is the grid's own county, some
  elsewhere in Jilin or another province), written with PostgreSQL COPY;
- 3,000,000 screenings (three per person, ten days apart, over the last 30 days), mostly no risk,
  with the outcome, reasons and temperatures the rules would give; a fever referral now and then;
- 200,000 observations (every fifth person), 30% of them active today, each with 14 daily
  check-ins (2,800,000), so today is open for check-ins on 60,000 observations;
- GridDay rows for every grid and the last 30 days, through
  ``fangkong.zeroreport.actions.refresh_grid_days`` when it exists (timed per day), otherwise
  through one set-based INSERT here.

Screenings, observations and check-ins are generated inside PostgreSQL (INSERT … SELECT over
the people), which is what makes 6 million rows take a minute rather than ten. A marker table
(``bench_gridops``) records the scale, the seed and the day the data was built for, so a rerun
with ``--keep-db`` on the same day reuses it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import import_module
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from bench.harness import SetupLog
from fangkong.demo.population import PopulationGenerator, addresses
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.models import Household, Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

PREFECTURE = "220200000000"  # 吉林市 (2202)
FALLBACK_AREA = "220202"  # 昌邑区: ID area code for people of the development zones (22027x)
MARKER_TABLE = "bench_gridops"
SCREENINGS_PER_PERSON = 3
SCREENING_DAYS = 30
OBSERVE_EVERY = 5  # every fifth person has been under observation
ACTIVE_SHARE = 3  # … and 3 in 10 of those still are
CHECK_IN_DAYS = 14
GRIDDAY_DAYS = 30
# Household sizes for 1,000,000 people in 300,000 households (mean 3.34).
HOUSEHOLD_SIZES = {1: 0.07, 2: 0.18, 3: 0.28, 4: 0.28, 5: 0.19}


@dataclass(frozen=True)
class Scale:
    factor: float
    households: int
    people: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            factor=factor,
            households=max(200, round(300_000 * factor)),
            people=max(600, round(1_000_000 * factor)),
        )


def today() -> dt.date:
    return timezone.localdate()


# --- COPY helpers ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """One value in COPY text format (our data has no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def copy_lines(model: type[Model], columns: Sequence[str], lines: Iterable[str]) -> None:
    """COPY tab-separated ``lines`` (each ending in a newline) into ``model``'s table."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for n, line in enumerate(lines, 1):
            buffer.write(line)
            if n % 20_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def reset_sequence(model: type[Model]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )


def run(statement: str, params: dict[str, Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


# --- the marker --------------------------------------------------------------------------------


def marker() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT factor, seed, built_for, people, setup FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    return {
        "factor": row[0],
        "seed": row[1],
        "built_for": row[2],
        "people": row[3],
        "setup": json.loads(row[4]) if isinstance(row[4], str) else (row[4] or []),
    }


def write_marker(scale: Scale, seed: int, people: int, setup: SetupLog) -> None:
    """Record what was built, and how long each step took (shown again when it is reused)."""
    run(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (factor float8, seed int, built_for date,"
        " people int, built_at timestamptz, setup jsonb)"
    )
    run(f"DELETE FROM {MARKER_TABLE}")
    steps = [asdict(s) for s in setup.steps]
    run(
        f"INSERT INTO {MARKER_TABLE} VALUES (%(f)s, %(s)s, %(d)s, %(p)s, now(), %(j)s)",
        {"f": scale.factor, "s": seed, "d": today(), "p": people, "j": json.dumps(steps)},
    )


def data_present(scale: Scale, seed: int) -> bool:
    found = marker()
    return (
        found is not None
        and found["factor"] == scale.factor
        and found["seed"] == seed
        and found["built_for"] == today()
    )


# --- the tree and its grids ----------------------------------------------------------------------


def prefecture() -> Division:
    return Division.objects.get(code=PREFECTURE)


def add_grids(seed: int) -> int:
    from bench.scenarios.divisions import GridRow, insert_grids
    from fangkong.regions.pinyin import pinyin_keys

    rng = random.Random(seed)
    villages = (
        Division.objects.filter(
            level=Level.VILLAGE, active=True, path__startswith=prefecture().path
        )
        .order_by("code")
        .values_list("id", "code", "path")
    )
    keys: dict[str, tuple[str, str]] = {}
    rows = []
    for pk, code, path in villages:
        for number in range(1, rng.choice((2, 3, 3, 3, 4)) + 1):
            name = f"第{number}网格"
            if name not in keys:
                keys[name] = pinyin_keys(name)
            grid_code = f"{code}{number:03d}"
            rows.append(GridRow(grid_code, name, pk, f"{path}{grid_code}/", *keys[name]))
    return insert_grids(rows)


# --- people --------------------------------------------------------------------------------------


def observed(person_id: int) -> tuple[bool, bool]:
    """(ever under observation, under observation today) of a person, by id: the SQL below
    applies the same rule."""
    ever = person_id % OBSERVE_EVERY == 0
    return ever, ever and (person_id // OBSERVE_EVERY) % 10 < ACTIVE_SHARE


def add_people(scale: Scale, seed: int) -> tuple[int, int]:
    """Households and people over every grid of the prefecture; returns their counts."""
    rng = random.Random(seed)
    day = today()
    now = timezone.now()
    grids = list(
        Division.objects.filter(level=Level.GRID, path__startswith=prefecture().path)
        .select_related("parent")
        .order_by("code")
    )
    # Households per grid: equal shares with ±50% jitter, summing to the scale's total.
    weights = [0.5 + rng.random() for _ in grids]
    total_w = sum(weights)
    per_grid = [int(scale.households * w / total_w) for w in weights]
    for i in range(scale.households - sum(per_grid)):
        per_grid[i % len(grids)] += 1
    used: set[str] = set()
    generators: dict[str, PopulationGenerator] = {}
    sizes, shares = zip(*HOUSEHOLD_SIZES.items(), strict=True)
    hh_lines: list[str] = []
    person_lines: list[str] = []
    hh_id = person_id = 0
    stamp = _text(now)
    for grid, n_households in zip(grids, per_grid, strict=True):
        county = grid.path.split("/")[2]
        area = county if int(county[4:]) < 70 else FALLBACK_AREA
        gen = generators.get(area)
        if gen is None:
            gen = generators[area] = PopulationGenerator(
                random.Random(f"{seed}-{area}"), today=day, home_county=area, used=used
            )
        doors = addresses(grid.parent, int(grid.code[-3:]))  # type: ignore[arg-type]
        for size in rng.choices(sizes, weights=shares, k=n_households):
            hh_id += 1
            address = next(doors)
            hh_lines.append(f"{hh_id}\t{grid.pk}\t{grid.path}\t{address}\t{stamp}\n")
            for sex, age, surname in gen._members(size):
                person_id += 1
                r = gen.resident(sex, age, surname)
                _ever, active = observed(person_id)
                status = PersonStatus.HOME_OBSERVATION if active else PersonStatus.NORMAL
                person_lines.append(
                    f"{person_id}\t{r.name}\t{DocType.RESIDENT_ID.value}\t{r.doc_number}\t{sex}\t"
                    f"{r.birth_date.isoformat()}\t{r.phone}\t{address}\t{hh_id}\t{grid.pk}\t"
                    f"{grid.path}\t{status}\t{stamp if active else chr(92) + 'N'}\t"
                    f"{stamp}\t{stamp}\n"
                )
    copy_lines(Household, ["id", "grid_id", "division_path", "address", "created_at"], hh_lines)
    person_columns = [
        "id", "name", "doc_type", "doc_number", "sex", "birth_date", "phone", "address",
        "household_id", "grid_id", "division_path", "status", "status_since", "created_at",
        "updated_at",
    ]  # fmt: skip
    copy_lines(Person, person_columns, person_lines)
    reset_sequence(Household)
    reset_sequence(Person)
    return hh_id, person_id


# --- screenings, observations, check-ins (set-based, inside PostgreSQL) -----------------------

SCREENINGS_SQL = """
WITH sizes AS (SELECT household_id, count(*)::int AS n FROM people_person GROUP BY 1)
INSERT INTO screening_screening (
    person_id, grid_id, division_path, screened_on, phone, address, arrival_date, origin_code,
    origin_name, travel, transport, transport_number, contact, contact_date, temperature,
    symptoms, measures, household_size, outcome, reasons, last_exposure, client_uuid,
    created_by_id, created_at)
SELECT p.id, p.grid_id, p.division_path, s.day, p.phone, p.address,
       NULL, '', '', '[]'::jsonb, '', '',
       CASE WHEN s.kind = 'observe' THEN 'confirmed' ELSE 'none' END,
       CASE WHEN s.kind = 'observe' THEN s.day - 2 END,
       s.temperature,
       CASE WHEN s.kind = 'fever' THEN '["fever", "dry_cough"]'::jsonb ELSE '[]'::jsonb END,
       '', coalesce(z.n, 1),
       CASE s.kind WHEN 'observe' THEN 'home_observation' WHEN 'fever' THEN 'fever_clinic'
            ELSE 'no_risk' END,
       CASE s.kind
         WHEN 'observe' THEN jsonb_build_array(
            jsonb_build_object('code', 'no_fever', 'params',
                               jsonb_build_object('temperature', s.temperature::text)),
            jsonb_build_object('code', 'contact', 'params', jsonb_build_object(
                'contact', 'confirmed', 'date', (s.day - 2)::text, 'days', 2)),
            jsonb_build_object('code', 'observe', 'params', jsonb_build_object(
                'last', (s.day - 2)::text, 'until', (s.day + 12)::text)))
         WHEN 'fever' THEN jsonb_build_array(
            jsonb_build_object('code', 'fever', 'params',
                               jsonb_build_object('temperature', s.temperature::text)),
            jsonb_build_object('code', 'symptoms', 'params',
                               jsonb_build_object('symptoms', '["fever", "dry_cough"]'::jsonb)),
            jsonb_build_object('code', 'refer_fever', 'params', '{}'::jsonb))
         ELSE jsonb_build_array(
            jsonb_build_object('code', 'no_fever', 'params',
                               jsonb_build_object('temperature', s.temperature::text)),
            jsonb_build_object('code', 'no_risk', 'params', '{}'::jsonb))
       END,
       CASE WHEN s.kind = 'observe' THEN s.day - 2 END,
       NULL, NULL,
       (s.day + time '08:30' + (p.id %% 540) * interval '1 minute') AT TIME ZONE %(tz)s
  FROM generate_series(0, %(per_person)s - 1) g
 CROSS JOIN people_person p
 LEFT JOIN sizes z ON z.household_id = p.household_id
 CROSS JOIN LATERAL (
    SELECT (%(today)s::date - ((p.id + g * 10) %% %(days)s)::int) AS day,
           CASE WHEN p.id %% %(every)s = 0 AND g = 0 THEN 'observe'
                WHEN p.id %% 499 = 1 AND g = 1 THEN 'fever'
                ELSE 'none' END AS kind,
           CASE WHEN p.id %% 499 = 1 AND g = 1 THEN 38.1
                ELSE 36.0 + ((p.id * 13 + g) %% 12) / 10.0 END::numeric(3, 1) AS temperature
 ) s
"""

OBSERVATIONS_SQL = """
INSERT INTO observation_observation (
    person_id, grid_id, division_path, kind, reason, source_screening_id, last_exposure,
    start_date, end_date, status, ended_on, end_note, link_nonce, last_check_in_on,
    last_temperature, created_by_id, created_at, updated_at)
SELECT p.id, p.grid_id, p.division_path,
       CASE WHEN p.id %% 50 = 0 THEN 'centralized' ELSE 'home' END,
       '密切接触者', NULL, o.exposure, o.start, o.finish,
       CASE WHEN o.active THEN 'active' ELSE 'released' END,
       CASE WHEN o.active THEN NULL ELSE o.finish END,
       '', substr(md5(p.id::text || %(seed)s::text), 1, 32),
       o.start + %(days)s - 1, 36.5,
       NULL, (o.start + time '10:00') AT TIME ZONE %(tz)s, now()
  FROM people_person p
 CROSS JOIN LATERAL (
    SELECT (p.id / %(every)s) %% 10 < %(active)s AS active,
           CASE WHEN (p.id / %(every)s) %% 10 < %(active)s THEN %(today)s::date - %(days)s
                ELSE %(today)s::date - %(days)s - 1 - ((p.id / %(every)s) %% 30)::int END AS start
 ) a
 CROSS JOIN LATERAL (
    SELECT a.active, a.start,
           CASE WHEN a.active THEN %(today)s::date - 1 - ((p.id / %(every)s) %% 13)::int
                ELSE a.start END AS exposure,
           CASE WHEN a.active THEN %(today)s::date + 13 - ((p.id / %(every)s) %% 13)::int
                ELSE a.start + %(days)s END AS finish
 ) o
 WHERE p.id %% %(every)s = 0
"""

CHECK_INS_SQL = """
INSERT INTO observation_checkin (
    observation_id, division_path, day, temperature, symptoms, note, source, client_uuid,
    created_by_id, created_at)
SELECT o.id, o.division_path, o.start_date + d::int,
       CASE WHEN (o.id * 7 + d) %% 997 = 0 THEN 37.6
            ELSE 36.1 + ((o.id + d) %% 9) / 10.0 END::numeric(3, 1),
       CASE WHEN (o.id * 7 + d) %% 997 = 0 THEN '["fever"]'::jsonb ELSE '[]'::jsonb END,
       '', CASE WHEN d %% 3 = 0 THEN 'self' ELSE 'worker' END, gen_random_uuid(), NULL,
       (o.start_date + d::int + time '09:00' + (o.id %% 300) * interval '1 minute')
           AT TIME ZONE %(tz)s
  FROM observation_observation o
 CROSS JOIN generate_series(0, %(days)s - 1) d
"""

GRIDDAY_SQL = """
INSERT INTO zeroreport_gridday (
    grid_id, division_path, day, screened, fever_found, observations_active, check_ins_missed,
    passages_received, care_open, computed_at, confirmed_at, confirmed_by_id, confirmed_late,
    zero_report, note)
SELECT g.id, g.path, d.day,
       coalesce(s.screened, 0), coalesce(s.fever, 0), coalesce(o.active, 0), 0, 0, 0, now(),
       CASE WHEN d.day < %(today)s THEN (d.day + time '18:00') AT TIME ZONE %(tz)s END, NULL,
       false, d.day < %(today)s AND coalesce(s.fever, 0) = 0, ''
  FROM regions_division g
 CROSS JOIN (SELECT (%(today)s::date - i::int) AS day FROM generate_series(0, %(n)s - 1) i) d
  LEFT JOIN (SELECT grid_id, screened_on, count(*) AS screened,
                    count(*) FILTER (WHERE temperature >= 37.3) AS fever
               FROM screening_screening GROUP BY 1, 2) s
         ON s.grid_id = g.id AND s.screened_on = d.day
  LEFT JOIN (SELECT o.grid_id, x.day, count(*) AS active
               FROM observation_observation o
               JOIN (SELECT (%(today)s::date - i::int) AS day
                       FROM generate_series(0, %(n)s - 1) i) x
                 ON x.day BETWEEN o.start_date AND o.end_date - 1
              GROUP BY 1, 2) o
         ON o.grid_id = g.id AND o.day = d.day
 WHERE g.level = 6 AND g.path LIKE %(prefix)s
"""


def sql_params(seed: int) -> dict[str, Any]:
    return {
        "today": today(),
        "tz": timezone.get_current_timezone_name(),
        "per_person": SCREENINGS_PER_PERSON,
        "days": SCREENING_DAYS,
        "every": OBSERVE_EVERY,
        "active": ACTIVE_SHARE,
        "seed": seed,
    }


def refresh_function() -> Any:
    """``fangkong.zeroreport.actions.refresh_grid_days`` when the module provides it."""
    try:
        module = import_module("fangkong.zeroreport.actions")
    except ImportError:
        return None
    return getattr(module, "refresh_grid_days", None)


def add_grid_days(setup: SetupLog) -> str:
    """GridDay rows for the last 30 days: the real refresh when it exists, else SQL here."""
    refresh = refresh_function()
    area = prefecture()
    if refresh is not None:
        with setup.step("grid days", "zeroreport.actions.refresh_grid_days × 30 days") as step:
            for back in range(GRIDDAY_DAYS):
                refresh(day=today() - dt.timedelta(days=back), under=area)
            step.detail += f": {_count('zeroreport_gridday'):,} rows"
        return "refresh_grid_days"
    with setup.step("grid days", "set-based INSERT (zeroreport.actions not available)") as step:
        params = {**sql_params(0), "n": GRIDDAY_DAYS, "prefix": area.path + "%"}
        step.detail += f": {run(GRIDDAY_SQL, params):,} rows"
    return "sql"


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def build(setup: SetupLog, scale: Scale, seed: int) -> None:
    """Everything, from an empty migrated database."""
    from bench.scenarios.divisions import load_tree
    from fangkong.regions.actions import recount_divisions

    if not Division.objects.exists():
        load_tree(setup)
    with (
        setup.step("grids", f"COPY, 2-4 per village of {PREFECTURE}") as step,
        transaction.atomic(),
    ):
        step.detail += f": {add_grids(seed):,} grids"
    with setup.step("recount divisions", "actions.recount_divisions"):
        recount_divisions()
    with setup.step("people", "PopulationGenerator + COPY") as step, transaction.atomic():
        households, people = add_people(scale, seed)
        step.detail += f": {households:,} households, {people:,} people"
    params = sql_params(seed)
    with setup.step("screenings", "INSERT … SELECT") as step, transaction.atomic():
        step.detail += f": {run(SCREENINGS_SQL, params):,} rows"
    with setup.step("observations", "INSERT … SELECT") as step, transaction.atomic():
        step.detail += f": {run(OBSERVATIONS_SQL, params):,} rows"
    with (
        setup.step("check-ins", "INSERT … SELECT, gen_random_uuid()") as step,
        transaction.atomic(),
    ):
        step.detail += f": {run(CHECK_INS_SQL, {**params, 'days': CHECK_IN_DAYS}):,} rows"
    with setup.step("analyze", "VACUUM ANALYZE"):
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    add_grid_days(setup)
    with setup.step("analyze grid days", "ANALYZE zeroreport_gridday"), connection.cursor() as c:
        c.execute("ANALYZE zeroreport_gridday")
    write_marker(scale, seed, people, setup)
