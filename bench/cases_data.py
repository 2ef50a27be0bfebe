"""The synthetic epidemic of the ``cases`` benchmark (issue #9): setup, not measured.

On the real Jilin tree (every village gets one grid, as ``regions.actions.create_grid`` names
them), at ``--scale 1``:

- one fever clinic per county and one laboratory per prefecture (``medical.Facility``);
- 100,000 cases (``cases.Case``) over the counties, 30% of them in one county (the bench county,
  as Changchun's districts carried the 2022 wave), each with its person, its clinic visit and
  one or two samples; categories 60% confirmed, 25% asymptomatic, 10% suspected, 5% excluded,
  diagnosed over the last 60 days, most reported to the national system within 2 h;
- 100,000 more people with nothing against them (the green ones of the health-colour look-up);
- 2,000,000 contacts (``tracing.Contact``), 20 a case: 1 in 10 a secondary contact of another
  contact of the same case, 1 in 25 a general one, 1 in 20 living in another county (handed
  over, with its ``tracing.Handover``), their tracing status following their exposure dates;
- one cluster of 10,000 nodes in the bench county: 500 cases, each with 19 contacts, of which
  up to three became the next generation's cases (``Contact.became_case``), generation after
  generation two days apart, like a ternary tree six generations deep, sharing a few workplaces.

Everything is generated inside PostgreSQL (INSERT … SELECT over generate_series, ID numbers with
their check character computed by a SQL function of the benchmark's own), except the cluster's
contacts, which are COPYed from Python. A marker table (``bench_cases``) records scale, seed
and day, so a rerun with ``--keep-db`` on the same day reuses the data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.harness import SetupLog
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

MARKER_TABLE = "bench_cases"
GRIDS_TABLE = "bench_cases_grids"
# 朝阳区, 长春市: the county holding 30% of the cases and the cluster.
BENCH_COUNTY = "220104000000"
BENCH_COUNTY_SHARE = 3  # in 10
CONTACTS_PER_CLUSTER_CASE = 19
CLUSTER_BRANCHING = 3
CLUSTER_WORKPLACES = ("吉林某食品加工厂", "长春某物流园", "某农贸市场")


@dataclass(frozen=True)
class Scale:
    factor: float
    cases: int
    contacts: int
    cluster_nodes: int
    others: int  # people with no case and no contact record
    import_rows: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            factor=factor,
            cases=max(1_000, round(100_000 * factor)),
            contacts=max(20_000, round(2_000_000 * factor)),
            cluster_nodes=max(400, round(10_000 * factor)),
            others=max(1_000, round(100_000 * factor)),
            import_rows=max(1_000, round(100_000 * factor)),
        )

    @property
    def cluster_cases(self) -> int:
        return max(2, self.cluster_nodes // (CONTACTS_PER_CLUSTER_CASE + 1))

    @property
    def cluster_contacts(self) -> int:
        return self.cluster_cases * CONTACTS_PER_CLUSTER_CASE

    @property
    def main_cases(self) -> int:
        return self.cases - self.cluster_cases

    @property
    def main_contacts(self) -> int:
        return self.contacts - self.cluster_contacts


def today() -> dt.date:
    return timezone.localdate()


def run(statement: str, params: dict[str, Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def scalar(statement: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None


# --- the cluster: a ternary tree of cases over generations ---------------------------------------


def generation(index: int) -> int:
    """Generation of the cluster's ``index``-th case (0: the index case) in the ternary tree
    where case i's children are cases 3i+1 … 3i+3."""
    depth = 0
    while index > 0:
        index = (index - 1) // CLUSTER_BRANCHING
        depth += 1
    return depth


def child_case(index: int, k: int, n_cases: int) -> int | None:
    """The cluster case (index) that the ``k``-th contact of case ``index`` became, if any."""
    if k >= CLUSTER_BRANCHING:
        return None
    child = CLUSTER_BRANCHING * index + 1 + k
    return child if child < n_cases else None


# --- SQL -----------------------------------------------------------------------------------------

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_sql(first17: str) -> str:
    """SQL of a resident ID number from the SQL of its first 17 digits (a column, evaluated
    17 times, so pass a column of a subquery): the check character of people.idcard, inline (a
    SQL function doing the same costs ten times as much per row)."""
    total = " + ".join(f"substr({first17}, {i}, 1)::int * {w}" for i, w in enumerate(WEIGHTS, 1))
    return f"{first17} || substr('10X98765432', ({total}) %% 11 + 1, 1)"


# Grids of the province, numbered: the bench county's first (1 … k), then all others.
GRIDS_SQL = f"""
DROP TABLE IF EXISTS {GRIDS_TABLE};
CREATE TABLE {GRIDS_TABLE} AS
SELECT row_number() OVER (ORDER BY c.code <> %(bench)s, g.code)::int AS n,
       g.id AS grid_id, g.path AS grid_path, g.parent_id AS village_id,
       c.id AS county_id, c.path AS county_path, substr(c.code, 1, 6) AS area,
       c.code = %(bench)s AS bench
  FROM regions_division g
  JOIN regions_division c
    ON c.level = 3 AND c.path = split_part(g.path, '/', 1) || '/' || split_part(g.path, '/', 2)
                                || '/' || split_part(g.path, '/', 3) || '/'
 WHERE g.level = 6;
CREATE UNIQUE INDEX ON {GRIDS_TABLE} (n);
CREATE UNIQUE INDEX ON {GRIDS_TABLE} (grid_id);
ANALYZE {GRIDS_TABLE};
"""

FACILITIES_SQL = """
INSERT INTO medical_facility (name, kind, division_id, division_path, address, phone,
                              longitude, latitude, active, created_at)
SELECT c.name || '人民医院发热门诊', 'fever_clinic', c.id, c.path, c.name || '中心街1号',
       '0431-8' || lpad(c.id::text, 7, '0'), NULL::numeric, NULL::numeric, true, now()
  FROM regions_division c WHERE c.level = 3 AND c.active
UNION ALL
SELECT p.name || '疾病预防控制中心实验室', 'laboratory', p.id, p.path, '', '', NULL, NULL, true,
       now()
  FROM regions_division p WHERE p.level = 2 AND p.active
"""

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯"
    "于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬斌宇浩凯鹏"

# People 1 … cases (the case people, placed as their case), then the others (uniform).
PEOPLE_SQL = f"""
INSERT INTO people_person (id, name, doc_type, doc_number, sex, birth_date, phone, address,
                           household_id, grid_id, division_path, status, status_since,
                           moved_out_at, created_at, updated_at)
SELECT p.i, substr(%(surnames)s, 1 + p.i %% char_length(%(surnames)s), 1)
            || substr(%(given)s, 1 + (p.i / 7) %% char_length(%(given)s), 1)
            || CASE WHEN p.i %% 3 = 0 THEN ''
                    ELSE substr(%(given)s, 1 + (p.i / 131) %% char_length(%(given)s), 1) END,
       'resident_id', {resident_id_sql("f.first17")},
       CASE WHEN p.i %% 500 %% 2 = 1 THEN 'M' ELSE 'F' END, p.birth,
       '13' || lpad((p.i * 7919 %% 1000000000)::text, 9, '0'),
       '幸福路' || (p.i %% 300 + 1) || '号' || (p.i %% 6 + 1) || '单元',
       NULL, g.grid_id, g.grid_path,
       CASE WHEN p.i <= %(cases)s THEN 'case' ELSE 'normal' END, NULL, NULL, now(), now()
  FROM (SELECT i, date '1950-01-01' + ((i / 500) * 37 %% 20000)::int AS birth,
               CASE WHEN i > %(cases)s - %(cluster)s AND i <= %(cases)s
                         THEN 1 + (i * 7919) %% %(bench_grids)s
                    WHEN i <= %(cases)s AND i %% 10 < %(share)s
                         THEN 1 + (i * 7919) %% %(bench_grids)s
                    ELSE 1 + (i * 7919) %% %(grids)s END AS n
          FROM generate_series(1, %(people)s) i) p
  JOIN {GRIDS_TABLE} g ON g.n = p.n
 CROSS JOIN LATERAL (
    SELECT g.area || to_char(p.birth, 'YYYYMMDD') || lpad((p.i %% 500)::text, 3, '0') AS first17
 ) f
"""

CASES_SQL = f"""
INSERT INTO cases_case (id, number, person_id, occupation, address, workplace,
    address_division_id, division_path, county_id, category, severity, outcome, onset_date,
    diagnosed_at, confirmed_at, excluded_at, isolated_at, discharged_on, died_on, import_status,
    origin, reporting_facility_id, reporting_path, reporting_doctor, responsible_facility_id,
    report_due_at, national_reported_at, note, created_by_id, created_at, updated_at)
SELECT c.i, 'BK' || lpad(c.i::text, 9, '0'), p.id,
       (ARRAY['worker','farmer','retired','student','office','service','food','medical',
              'housework','other'])[1 + c.i %% 10],
       p.address,
       CASE WHEN c.cluster THEN (%(workplaces)s::text[])[1 + c.i %% 3]
            ELSE '单位' || (c.i %% 5000) END,
       p.grid_id, p.division_path, g.county_id, c.category,
       CASE WHEN c.category = 'confirmed'
            THEN (ARRAY['mild','ordinary','ordinary','ordinary','severe','critical'])[1 + c.i %% 6]
            ELSE '' END,
       CASE WHEN c.category = 'excluded' THEN 'closed'
            WHEN c.category = 'confirmed' AND c.day < %(today)s - 21 THEN
                 CASE WHEN c.i %% 500 = 0 THEN 'died' ELSE 'discharged' END
            WHEN c.category = 'confirmed' THEN 'admitted'
            ELSE 'isolated' END,
       CASE WHEN c.category IN ('confirmed', 'suspected') THEN c.day - (c.i %% 5) END,
       c.at,
       CASE WHEN c.category = 'confirmed' THEN c.at + interval '6 hours' END,
       CASE WHEN c.category = 'excluded' THEN c.at + interval '30 hours' END,
       c.at,
       CASE WHEN c.category = 'confirmed' AND c.day < %(today)s - 21 AND c.i %% 500 <> 0
            THEN c.day + 18 END,
       CASE WHEN c.category = 'confirmed' AND c.day < %(today)s - 21 AND c.i %% 500 = 0
            THEN c.day + 9 END,
       CASE WHEN c.cluster OR c.i %% 40 <> 0 THEN 'local'
            WHEN c.i %% 80 = 0 THEN 'abroad' ELSE 'other_province' END,
       CASE WHEN c.cluster OR c.i %% 40 <> 0 THEN ''
            WHEN c.i %% 80 = 0 THEN '俄罗斯' ELSE '上海市' END,
       f.id, f.division_path, '李医生', f.id,
       c.at + interval '2 hours',
       CASE WHEN c.i %% 97 = 0 THEN NULL ELSE c.at + (c.i %% 150) * interval '1 minute' END,
       '', NULL, c.at, c.at
  FROM (SELECT i, i > %(cases)s - %(cluster)s AS cluster,
               CASE WHEN i > %(cases)s - %(cluster)s THEN 'confirmed'
                    WHEN i %% 20 = 0 THEN 'excluded'
                    WHEN i %% 20 < 3 THEN 'suspected'
                    WHEN i %% 20 < 8 THEN 'asymptomatic'
                    ELSE 'confirmed' END AS category,
               d.day,
               (d.day + time '08:00' + (i %% 600) * interval '1 minute') AT TIME ZONE %(tz)s
                   AS at
          FROM generate_series(1, %(cases)s) i
          CROSS JOIN LATERAL (
              SELECT CASE WHEN i > %(cases)s - %(cluster)s
                          THEN %(today)s::date - 24
                               + 2 * floor(ln(2 * (i - (%(cases)s - %(cluster)s + 1)) + 1)
                                           / ln(3) + 1e-9)::int
                          ELSE %(today)s::date - (i %% 60) END AS day) d) c
  JOIN people_person p ON p.id = c.i
  JOIN {GRIDS_TABLE} g ON g.grid_id = p.grid_id
  JOIN medical_facility f ON f.division_id = g.county_id AND f.kind = 'fever_clinic'
"""

VISITS_SQL = """
INSERT INTO cases_clinicvisit (facility_id, division_path, person_id, visited_at, temperature,
    symptoms, epi_history, referral_screening_id, referral_observation_id, decision, doctor,
    decided_at, decision_note, case_id, observation_id, created_by_id, created_at)
SELECT c.reporting_facility_id, c.reporting_path, c.person_id,
       c.diagnosed_at - interval '3 hours', 37.3 + (c.id %% 17) / 10.0,
       '["fever", "dry_cough"]'::jsonb, '发病前14天内有病例接触史', NULL, NULL, 'suspected',
       '李医生', c.diagnosed_at, '', c.id, NULL, NULL, c.diagnosed_at - interval '3 hours'
  FROM cases_case c
"""

SAMPLES_SQL = """
INSERT INTO cases_sample (number, person_id, case_id, division_path, reporting_path,
    sample_type, sampled_at, laboratory, method, result, ct_orf1ab, ct_n, result_at,
    created_by_id, created_at)
SELECT 'S' || lpad(c.id::text, 9, '0') || '-' || k, c.person_id, c.id, c.division_path,
       c.reporting_path,
       'throat_swab', c.diagnosed_at - interval '2 hours' + (k - 1) * interval '26 hours',
       '省疾控中心实验室', 'pcr',
       CASE WHEN k = 1 AND c.category IN ('confirmed', 'asymptomatic') THEN 'positive'
            WHEN c.category = 'suspected' THEN 'pending'
            ELSE 'negative' END,
       CASE WHEN k = 1 AND c.category IN ('confirmed', 'asymptomatic')
            THEN 20 + (c.id %% 150) / 10.0 END,
       CASE WHEN k = 1 AND c.category IN ('confirmed', 'asymptomatic')
            THEN 21 + (c.id %% 140) / 10.0 END,
       CASE WHEN c.category <> 'suspected'
            THEN c.diagnosed_at + (k - 1) * interval '26 hours' END,
       NULL, c.diagnosed_at
  FROM cases_case c
 CROSS JOIN generate_series(1, 2) k
 WHERE k = 1 OR c.category = 'excluded' OR c.outcome = 'discharged'
"""

# Contacts of the cases outside the cluster: contact i belongs to case 1 + (i-1) mod n, its
# "round" (i-1) div n; round 9, 19, … is a secondary contact of the round-8 contact of the
# same case (id i - n). IDs: area of where they live, seq 500-999 (people use 0-499).
CONTACTS_SQL = f"""
INSERT INTO tracing_contact (id, case_id, source_contact_id, division_path, kind, kind_reason,
    name, doc_type, doc_number, phone, address, residence_id, relation, first_exposure,
    last_exposure, protected, observe_until, status, person_id, observation_id, became_case_id,
    note, created_by_id, created_at, updated_at)
SELECT x.i, x.case_id,
       CASE WHEN x.kind = 'secondary' THEN x.i - %(n)s END,
       c.division_path, x.kind,
       CASE x.kind WHEN 'close' THEN '发病前2天起无防护接触'
                   WHEN 'secondary' THEN '密接者的接触者' ELSE '有防护接触' END,
       substr(%(surnames)s, 1 + x.i %% char_length(%(surnames)s), 1)
           || substr(%(given)s, 1 + (x.i / 11) %% char_length(%(given)s), 1)
           || substr(%(given)s, 1 + (x.i / 37) %% char_length(%(given)s), 1),
       'resident_id',
       {resident_id_sql("f.first17")},
       '15' || lpad((x.i::bigint * 104729 %% 1000000000)::text, 9, '0'),
       '和平街' || (x.i %% 200 + 1) || '号', r.grid_id,
       (ARRAY['household','workplace','transport','social','medical','other'])[1 + x.i %% 6],
       e.last - (x.i %% 3), e.last, x.kind = 'general',
       CASE WHEN x.kind <> 'general' THEN e.last + 14 END,
       CASE WHEN x.kind = 'general' THEN 'not_traced'
            WHEN x.away AND r.county_id <> home.county_id THEN 'handed_over'
            WHEN x.i %% 211 = 0 THEN 'lost'
            WHEN c.diagnosed_at > now() - interval '1 day' THEN
                 CASE WHEN x.i %% 2 = 0 THEN 'to_find' ELSE 'found' END
            WHEN e.last + 14 < %(today)s THEN 'released'
            ELSE 'observing' END,
       NULL, NULL, NULL, '', NULL, c.diagnosed_at + (x.i %% 240) * interval '1 minute',
       c.diagnosed_at + (x.i %% 240) * interval '1 minute'
  FROM (SELECT i, 1 + (i - 1) %% %(n)s AS case_id,
               CASE WHEN ((i - 1) / %(n)s) %% 10 = 9 THEN 'secondary'
                    WHEN i %% 25 = 0 THEN 'general' ELSE 'close' END AS kind,
               i %% 20 = 1 AS away
          FROM generate_series(1, %(contacts)s) i) x
  JOIN cases_case c ON c.id = x.case_id
  JOIN {GRIDS_TABLE} home ON home.grid_id = c.address_division_id
  JOIN {GRIDS_TABLE} r
    ON r.n = CASE WHEN x.away THEN 1 + (x.i::bigint * 104729) %% %(grids)s ELSE home.n END
 CROSS JOIN LATERAL (
    SELECT LEAST((c.diagnosed_at AT TIME ZONE %(tz)s)::date,
                 (c.diagnosed_at AT TIME ZONE %(tz)s)::date - (x.i %% 4) + 1) AS last) e
 CROSS JOIN LATERAL (
    SELECT r.area || to_char(date '1950-01-01' + ((x.i / 500) * 37 %% 20000)::int, 'YYYYMMDD')
           || lpad((500 + x.i %% 500)::text, 3, '0') AS first17) f
"""

# A contact living in another county is handed over to it (协查): its state follows the
# contact's exposure, as the receiving county would have worked it.
HANDOVERS_SQL = f"""
INSERT INTO tracing_handover (contact_id, from_division_id, from_path, to_division_id, to_path,
    state, sent_at, accept_due_at, accepted_at, accepted_by_id, escalated_at, escalated_to_id,
    person_id, observation_id, note, updated_at)
SELECT t.id, fc.county_id, fc.county_path, tc.county_id, tc.county_path,
       CASE WHEN t.id %% 97 = 0 THEN 'sent' WHEN t.id %% 89 = 0 THEN 'not_found'
            WHEN t.last_exposure + 14 < %(today)s THEN 'released' ELSE 'observing' END,
       t.created_at, t.created_at + interval '2 hours',
       CASE WHEN t.id %% 97 <> 0 THEN t.created_at + interval '40 minutes' END,
       NULL, NULL, NULL, NULL, NULL, '', t.created_at
  FROM tracing_contact t
  JOIN cases_case c ON c.id = t.case_id
  JOIN {GRIDS_TABLE} fc ON fc.grid_id = c.address_division_id
  JOIN {GRIDS_TABLE} tc ON tc.grid_id = t.residence_id
 WHERE t.status = 'handed_over' AND tc.county_id <> fc.county_id
"""


def sql_params(scale: Scale) -> dict[str, Any]:
    return {
        "today": today(),
        "tz": timezone.get_current_timezone_name(),
        "cases": scale.cases,
        "cluster": scale.cluster_cases,
        "people": scale.cases + scale.others,
        "share": BENCH_COUNTY_SHARE,
        "surnames": SURNAMES,
        "given": GIVEN,
        "workplaces": list(CLUSTER_WORKPLACES),
    }


# --- the marker ----------------------------------------------------------------------------------


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
    run(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (factor float8, seed int, built_for date,"
        " built_at timestamptz, setup jsonb)"
    )
    run(f"DELETE FROM {MARKER_TABLE}")
    run(
        f"INSERT INTO {MARKER_TABLE} VALUES (%(f)s, %(s)s, %(d)s, now(), %(j)s)",
        {
            "f": scale.factor,
            "s": seed,
            "d": today(),
            "j": json.dumps([asdict(s) for s in setup.steps]),
        },
    )


def data_present(scale: Scale, seed: int) -> bool:
    found = marker()
    return (
        found is not None
        and found["factor"] == scale.factor
        and found["seed"] == seed
        and found["built_for"] == today()
    )


# --- building --------------------------------------------------------------------------------


def bench_county() -> Division:
    found = Division.objects.filter(code=BENCH_COUNTY, level=Level.COUNTY).first()
    if found is None:
        raise SystemExit(f"the bench county {BENCH_COUNTY} is not in the division tree")
    return found


def add_grids() -> int:
    """One grid ("第1网格") under every active village of the province."""
    from bench.scenarios.divisions import GridRow, insert_grids
    from fangkong.regions.pinyin import pinyin_keys

    name = "第1网格"
    keys = pinyin_keys(name)
    villages = (
        Division.objects.filter(level=Level.VILLAGE, active=True)
        .order_by("code")
        .values_list("id", "code", "path")
    )
    rows = [
        GridRow(f"{code}001", name, pk, f"{path}{code}001/", *keys) for pk, code, path in villages
    ]
    return insert_grids(rows)


def cluster_contact_lines(scale: Scale, first_id: int) -> tuple[list[str], int]:
    """COPY lines of the cluster's contacts: case j's k-th contact became case 3j+1+k."""
    first_case = scale.cases - scale.cluster_cases + 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.division_path, (c.diagnosed_at AT TIME ZONE %s)::date, c.created_at,"
            " p.id, p.name, p.doc_number, p.grid_id"
            " FROM cases_case c JOIN people_person p ON p.id = c.person_id"
            " WHERE c.id >= %s ORDER BY c.id",
            [timezone.get_current_timezone_name(), first_case],
        )
        cases = cursor.fetchall()
    n = len(cases)
    day = today()
    lines: list[str] = []
    pk = first_id
    for j, (case_id, path, diagnosed, created, _pid, _name, _doc, grid_id) in enumerate(cases):
        for k in range(CONTACTS_PER_CLUSTER_CASE):
            child = child_case(j, k, n)
            if child is not None:
                _cid, _p, child_day, _c, person_id, name, doc, child_grid = cases[child]
                last = min(diagnosed, child_day - dt.timedelta(days=1))
                status, person, became, residence = (
                    "became_case",
                    str(person_id),
                    str(_cid),
                    child_grid,
                )
            else:
                last = diagnosed - dt.timedelta(days=k % 3)
                name = f"聚{j % 50}密{k}"
                doc = f"CL{case_id:09d}{k:03d}"
                released = last + dt.timedelta(days=14) < day
                status = "released" if released else "observing"
                person, became, residence = "\\N", "\\N", grid_id
            first = last - dt.timedelta(days=2)
            relation = ("household", "workplace", "workplace", "social")[k % 4]
            lines.append(
                f"{pk}\t{case_id}\t\\N\t{path}\tclose\t发病前2天起无防护接触\t{name}\t"
                f"{'resident_id' if child is not None else 'other'}\t{doc}\t\t\t{residence}\t"
                f"{relation}\t{first.isoformat()}\t{last.isoformat()}\tf\t"
                f"{(last + dt.timedelta(days=14)).isoformat()}\t{status}\t{person}\t\\N\t"
                f"{became}\t\t\\N\t{created.isoformat()}\t{created.isoformat()}\n"
            )
            pk += 1
    return lines, pk - first_id


CONTACT_COLUMNS = [
    "id", "case_id", "source_contact_id", "division_path", "kind", "kind_reason", "name",
    "doc_type", "doc_number", "phone", "address", "residence_id", "relation", "first_exposure",
    "last_exposure", "protected", "observe_until", "status", "person_id", "observation_id",
    "became_case_id", "note", "created_by_id", "created_at", "updated_at",
]  # fmt: skip


def copy_lines(table: str, columns: list[str], lines: list[str]) -> None:
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


def reset_sequence(table: str) -> None:
    run(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
        f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )


def build(setup: SetupLog, scale: Scale, seed: int) -> None:
    """Everything, from an empty migrated database (``seed`` is recorded; the data are a
    deterministic function of the scale)."""
    from bench.scenarios.divisions import load_tree
    from fangkong.regions.actions import recount_divisions

    if not Division.objects.exists():
        load_tree(setup)
    bench_county()
    with setup.step("grids", "COPY, one per village") as step, transaction.atomic():
        step.detail += f": {add_grids():,} grids"
    with setup.step("recount divisions", "actions.recount_divisions"):
        recount_divisions()
    params = sql_params(scale)
    with setup.step("grid table", f"{GRIDS_TABLE}: grids numbered, bench county first") as step:
        run(GRIDS_SQL, {"bench": BENCH_COUNTY})
        grids = int(scalar(f"SELECT count(*) FROM {GRIDS_TABLE}"))
        bench_grids = int(scalar(f"SELECT count(*) FROM {GRIDS_TABLE} WHERE bench"))
        step.detail += f": {grids:,} grids, {bench_grids:,} in the bench county"
    params.update(grids=grids, bench_grids=bench_grids)
    steps = [
        ("facilities", "INSERT … SELECT: a fever clinic per county, a lab per prefecture",
         FACILITIES_SQL, params),
        ("people", "INSERT … SELECT, resident IDs by a SQL function", PEOPLE_SQL, params),
        ("cases", "INSERT … SELECT", CASES_SQL, params),
        ("clinic visits", "INSERT … SELECT, one per case", VISITS_SQL, params),
        ("samples", "INSERT … SELECT", SAMPLES_SQL, params),
        ("contacts", "INSERT … SELECT",
         CONTACTS_SQL, {**params, "n": scale.main_cases, "contacts": scale.main_contacts}),
    ]  # fmt: skip
    # Foreign keys are right by construction: their per-row deferred checks (triggers) are off
    # while loading, as pg_restore does (the benchmark's own database; the role is superuser).
    run("SET session_replication_role = replica")
    for name, detail, statement, values in steps:
        with setup.step(name, detail) as step, transaction.atomic():
            step.detail += f": {run(statement, values):,} rows"
    with setup.step("cluster contacts", "COPY from Python, generations linked") as step:
        with transaction.atomic():
            lines, count = cluster_contact_lines(scale, scale.main_contacts + 1)
            copy_lines("tracing_contact", CONTACT_COLUMNS, lines)
        step.detail += f": {count:,} rows, {scale.cluster_cases:,} cases"
    with setup.step("hand-overs", "INSERT … SELECT") as step, transaction.atomic():
        step.detail += f": {run(HANDOVERS_SQL, params):,} rows"
    run("SET session_replication_role = DEFAULT")
    for table in ("people_person", "cases_case", "tracing_contact"):
        reset_sequence(table)
    with setup.step("analyze", "VACUUM ANALYZE"):
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    write_marker(scale, seed, setup)


def cluster_index_case() -> int:
    """The id of the cluster's index case (the first of the cluster's cases)."""
    found = marker()
    factor = found["factor"] if found else 1.0
    scale = Scale.of(factor)
    return scale.cases - scale.cluster_cases + 1
