"""The data of the ``warning`` benchmark (issue #13), on PostgreSQL, over the real Jilin tree with
its grids (``bench.scenarios.divisions``):

- the records of an epidemic's day and the 59 days before it, in every source table the
  indicators read, spread over the grids of the whole province: 60,000 cases (1,000 a day, one
  in seven an asymptomatic infection, one in twenty imported), a person each; 300,000
  fever-clinic visits (5,000 a day) at a clinic of every county; 600,000 checkpoint passages
  (10,000 a day, one in thirty with a flagged traveller) at 300 checkpoints; 200,000 close
  contacts (3,300 a day); every grid's day (``zeroreport.GridDay``) for the last two days, with
  fevers in 3 % of the grids and missed check-ins in 5 %; four wards of a designated hospital
  in every county; 300 open low-supply alerts;
- a year of county series for detection: every county, every event indicator, 365 days of
  ``IndicatorDay`` (source imported, so that the computation of today replaces none of them),
  counts drawn from a seasonal Poisson with an outbreak here and there.

Generated inside PostgreSQL (INSERT … SELECT over generate_series); facilities, wards,
checkpoints and alerts through ``bulk_create``. Rows are consistent enough for the aggregates
(every foreign key points at a real row); they are not a story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from fangkong.checkpoints.models import Checkpoint
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Facility, Ward
from fangkong.notifications.models import Escalation
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning.choices import STOCK_INDICATORS, Indicator

DAYS = 60
CASES_PER_DAY = 1_000
VISITS_PER_DAY = 5_000
PASSAGES_PER_DAY = 10_000
CONTACTS_PER_DAY = 3_300
CHECKPOINTS = 300
LOW_ALERTS = 300
HISTORY_DAYS = 365


@dataclass(frozen=True)
class Scale:
    factor: float

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(min(1.0, max(0.001, factor)))

    def n(self, count: int) -> int:
        return max(1, round(count * self.factor))


def execute(statement: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def scalar(statement: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None


def today() -> dt.date:
    return timezone.localdate()


RESET = [
    "warning_alarm", "warning_signal", "warning_indicatorday", "tracing_contact",
    "cases_clinicvisit", "cases_case", "people_person", "checkpoints_passage",
    "checkpoints_checkpoint", "zeroreport_gridday", "medical_ward", "medical_facility",
    "notifications_escalation",
]  # fmt: skip


def reset() -> None:
    execute(f"TRUNCATE {', '.join(RESET)} CASCADE")


def grid_table() -> int:
    """A table of the active grids numbered 1…n with their county's id."""
    execute("DROP TABLE IF EXISTS bench_w_grid")
    execute(
        """CREATE TABLE bench_w_grid AS
        SELECT row_number() OVER (ORDER BY g.id) AS n, g.id, g.path, c.id AS county_id,
               c.path AS county_path
        FROM regions_division g
        JOIN regions_division c ON c.path = substring(g.path from '^[^/]+/[^/]+/[^/]+/')
        WHERE g.level = 6 AND g.active"""
    )
    execute("CREATE UNIQUE INDEX ON bench_w_grid (n)")
    execute("ANALYZE bench_w_grid")
    return int(scalar("SELECT count(*) FROM bench_w_grid"))


def facilities() -> int:
    """A fever clinic and a designated hospital (four wards) in every county."""
    counties = list(Division.objects.filter(level=Level.COUNTY))
    made = []
    for county in counties:
        for kind, name in (
            (FacilityKind.FEVER_CLINIC, "发热门诊"),
            (FacilityKind.DESIGNATED_HOSPITAL, "定点医院"),
        ):
            made.append(
                Facility(
                    name=f"{county.name}{name}", kind=kind, division=county,
                    division_path=county.path, address=county.name,
                )
            )  # fmt: skip
    Facility.objects.bulk_create(made, batch_size=1000)
    wards = []
    for facility in Facility.objects.filter(kind=FacilityKind.DESIGNATED_HOSPITAL):
        for i, bed_type in enumerate(
            (BedType.ISOLATION_WARD, BedType.NEGATIVE_PRESSURE, BedType.ICU, BedType.ISOLATION_WARD)
        ):
            wards.append(
                Ward(
                    facility=facility, division_path=facility.division_path,
                    facility_kind=facility.kind, name=f"{i + 1}病区", bed_type=bed_type,
                    capacity=40, occupied=10 + 5 * i,
                )
            )  # fmt: skip
    Ward.objects.bulk_create(wards, batch_size=1000)
    return len(made)


def checkpoints(scale: Scale) -> int:
    counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
    rows = [
        Checkpoint(
            name=f"卡口{i}", kind="urban_fringe", longitude=125, latitude=43,
            division=counties[i % len(counties)], division_path=counties[i % len(counties)].path,
        )
        for i in range(scale.n(CHECKPOINTS))
    ]  # fmt: skip
    Checkpoint.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def alerts(scale: Scale) -> int:
    counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
    now = timezone.now()
    rows = [
        Escalation(
            division=counties[i % len(counties)], division_path=counties[i % len(counties)].path,
            reached=counties[i % len(counties)], kind="alert", title="物资低于警戒线",
            key=f"supplies:low:{i}:1:", opened_at=now, escalated_at=now,
        )
        for i in range(scale.n(LOW_ALERTS))
    ]  # fmt: skip
    Escalation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def day_start_sql() -> str:
    """The local midnight of today, as SQL (the records' times are offsets from it)."""
    return f"('{today().isoformat()}'::date::timestamp AT TIME ZONE 'Asia/Shanghai')"


def people_and_cases(scale: Scale, grids: int) -> int:
    n = scale.n(CASES_PER_DAY * DAYS)
    per_day = max(1, n // DAYS)
    t0 = day_start_sql()
    execute(
        f"""INSERT INTO people_person (name, doc_type, doc_number, sex, phone, address,
            division_path, status, created_at, updated_at, grid_id)
        SELECT '病例' || i, 'resident_id', 'BW' || lpad(i::text, 16, '0'), 'M', '', '',
               g.path, 'normal', now(), now(), g.id
        FROM generate_series(1, %s) i JOIN bench_w_grid g ON g.n = (i * 7919) %% {grids} + 1""",
        [n],
    )
    execute(
        f"""INSERT INTO cases_case (number, occupation, address, workplace, division_path,
            category, severity, outcome, onset_date, diagnosed_at, confirmed_at, import_status,
            origin, reporting_path, reporting_doctor, report_due_at, note, created_at,
            updated_at, address_division_id, county_id, person_id, reporting_facility_id,
            responsible_facility_id, treating_path)
        SELECT 'BC' || lpad(i::text, 10, '0'), 'other', '', '', p.division_path,
               CASE WHEN i %% 7 = 0 THEN 'asymptomatic' ELSE 'confirmed' END, 'mild',
               'admitted',
               CASE WHEN i %% 7 = 0 THEN NULL
                    ELSE (({t0} - ((i / {per_day}) || ' days')::interval) AT TIME ZONE
                          'Asia/Shanghai')::date - (i %% 5) END,
               {t0} - ((i / {per_day}) || ' days')::interval + ((i %% 20) || ' minutes')::interval,
               CASE WHEN i %% 7 = 0 THEN NULL
                    ELSE {t0} - ((i / {per_day}) || ' days')::interval
                         + ((i %% 20) || ' minutes')::interval END,
               CASE WHEN i %% 20 = 0 THEN 'other_province' ELSE 'local' END, '', f.division_path,
               '医生', {t0}, '', now(), now(), g.id, g.county_id, p.id, f.id, f.id, ''
        FROM generate_series(1, %s) i
        JOIN people_person p ON p.doc_number = 'BW' || lpad(i::text, 16, '0')
        JOIN bench_w_grid g ON g.id = p.grid_id
        JOIN medical_facility f ON f.division_id = g.county_id AND f.kind = 'fever_clinic'""",
        [n],
    )
    return n


def visits(scale: Scale, grids: int) -> int:
    n = scale.n(VISITS_PER_DAY * DAYS)
    per_day = max(1, n // DAYS)
    t0 = day_start_sql()
    cases = int(scalar("SELECT count(*) FROM people_person"))
    execute(
        f"""INSERT INTO cases_clinicvisit (division_path, visited_at, temperature, symptoms,
            epi_history, decision, doctor, decision_note, created_at, facility_id, person_id)
        SELECT f.division_path,
               {t0} - ((i / {per_day}) || ' days')::interval + ((i %% 600) || ' seconds')::interval,
               37.8, '[]', '', 'no_risk', '', '', now(), f.id, p.id
        FROM generate_series(1, %s) i
        JOIN people_person p ON p.doc_number = 'BW' || lpad(((i %% {cases}) + 1)::text, 16, '0')
        JOIN bench_w_grid g ON g.id = p.grid_id
        JOIN medical_facility f ON f.division_id = g.county_id AND f.kind = 'fever_clinic'""",
        [n],
    )
    return n


def passages(scale: Scale) -> int:
    n = scale.n(PASSAGES_PER_DAY * DAYS)
    per_day = max(1, n // DAYS)
    t0 = day_start_sql()
    execute(
        f"""INSERT INTO checkpoints_passage (uuid, division_path, plate, direction, passed_at,
            n_people, n_flagged, source, created_at, checkpoint_id)
        SELECT gen_random_uuid(), c.division_path, '', 'in',
               {t0} - ((i / {per_day}) || ' days')::interval + ((i %% 800) || ' seconds')::interval,
               1 + i %% 4, CASE WHEN i %% 30 = 0 THEN 1 ELSE 0 END, 'api', now(), c.id
        FROM generate_series(1, %s) i
        JOIN (SELECT id, division_path, row_number() OVER (ORDER BY id) - 1 AS k
              FROM checkpoints_checkpoint) c
          ON c.k = i %% (SELECT count(*) FROM checkpoints_checkpoint)""",
        [n],
    )
    return n


def contacts(scale: Scale) -> int:
    n = scale.n(CONTACTS_PER_DAY * DAYS)
    per_day = max(1, n // DAYS)
    t0 = day_start_sql()
    cases = int(scalar("SELECT count(*) FROM cases_case"))
    execute(
        f"""INSERT INTO tracing_contact (division_path, kind, kind_reason, name, doc_type,
            doc_number, phone, address, relation, first_exposure, last_exposure, protected,
            status, created_at, updated_at, case_id, residence_id, note)
        SELECT c.division_path, 'close', '', '密接', 'resident_id', 'BK' || lpad(i::text, 16, '0'),
               '', '', 'household', current_date - 5, current_date - 2, false, 'observing',
               {t0} - ((i / {per_day}) || ' days')::interval + ((i %% 900) || ' seconds')::interval,
               now(), c.id, c.address_division_id, ''
        FROM generate_series(1, %s) i
        JOIN cases_case c ON c.number = 'BC' || lpad(((i %% {cases}) + 1)::text, 10, '0')""",
        [n],
    )
    return n


def grid_days() -> int:
    return execute(
        """INSERT INTO zeroreport_gridday (division_path, day, screened, fever_found,
            observations_active, check_ins_missed, care_open, computed_at, confirmed_late,
            zero_report, note, grid_id, passages_pending, passages_handled)
        SELECT g.path, d.day, 50, CASE WHEN (g.n * 31 + d.k) % 33 = 0 THEN 1 ELSE 0 END, 2,
               CASE WHEN (g.n * 17 + d.k) % 20 = 0 THEN 1 ELSE 0 END, 0, now(), false, false,
               '', g.id, 0, 0
        FROM bench_w_grid g
        CROSS JOIN (SELECT current_date - k AS day, k FROM generate_series(0, 1) k) d"""
    )


def history(seed: int) -> int:
    """365 days of every event indicator for every county (source imported): a weekly and
    seasonal Poisson, and an outbreak in one county in ten, written by COPY."""
    from fangkong.warning.indicators import write_rows

    rng = np.random.default_rng(seed)
    counties = list(Division.objects.filter(level=Level.COUNTY).values_list("pk", "path"))
    indicators = [i for i in Indicator.values if i not in STOCK_INDICATORS]
    end = today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=HISTORY_DAYS - 1)
    t = np.arange(HISTORY_DAYS)
    now = timezone.now()
    rows = []
    for k, (pk, path) in enumerate(counties):
        for j, indicator in enumerate(indicators):
            base = 0.5 + 2 * ((k + j) % 5)
            mean = base * (1 + 0.3 * np.sin(2 * np.pi * t / 365)) * (1 + 0.2 * (t % 7 < 5))
            if k % 10 == j % 10:
                mean = mean + 20 * np.exp(-(((t - (100 + 20 * j)) / 6.0) ** 2))
            values = rng.poisson(mean)
            for i in np.nonzero(values)[0]:
                rows.append((pk, path, start + dt.timedelta(days=int(i)), indicator, "imported",
                             int(values[i]), None, False, now))  # fmt: skip
    with transaction.atomic():
        write_rows(rows)
    return len(rows)


def analyze() -> None:
    for table in RESET:
        execute(f"ANALYZE {table}")
