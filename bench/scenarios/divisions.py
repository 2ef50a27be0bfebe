"""Issue #2: the home page's children-with-counts and the division search, on the real Jilin tree
plus 120,000 grids.

Data: the five Jilin CSV files go through the real importer and action
(``read_division_files`` + ``import_divisions``), the two management zones through
``ensure_management_zones``; grids are bulk-inserted with the codes, paths and pinyin keys
``create_grid`` would give them (``create_grid`` one by one, with its audit row and counter
updates, would take minutes for 120,000), then ``recount_divisions`` sets the counters.

Measured, each beside the same statement run directly through psycopg (the physical limit):

(a) home page counts: ``selectors.children_page`` for a province-level user, on the province and
    every prefecture-level division; beside it the live ``GROUP BY`` over the path prefix a
    newcomer would write instead of the counters, and the whole page through the test client.
(b) search: ``selectors.search`` over a mix of realistic queries (Chinese names, pinyin, codes).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Max
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from bench.harness import (
    Measurement,
    RawSQL,
    ScenarioResult,
    SetupLog,
    SetupStep,
    Stats,
    capture_queries,
    environment,
    fmt_ms,
    load_average,
    time_interleaved,
)
from bench.scenarios import Context
from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.regions import selectors
from fangkong.regions.actions import (
    MAX_GRIDS_PER_VILLAGE,
    ensure_management_zones,
    import_divisions,
    recount_divisions,
)
from fangkong.regions.choices import Kind, Level
from fangkong.regions.importer import read_division_files
from fangkong.regions.models import Division
from fangkong.regions.pinyin import pinyin_keys
from fangkong.regions.views import PAGE

NAME = "divisions"
DESCRIPTION = "home page counts and division search on the Jilin tree plus grids (issue #2)"
JILIN_DIR = Path(__file__).resolve().parents[2] / "fangkong/regions/data/divisions/jilin"

HOME_TARGET_MS = 100.0  # children with counts, province and any prefecture
SEARCH_TARGET_MS = 50.0  # p95 over the query mix
BENCH_USERNAME = "bench-province"

# What people type into the search box: 2-3 characters of real names, pinyin (initials or full)
# and code prefixes. Grid names are "第N网格" as villages number them.
SEARCH_CHINESE = [
    "南关", "长春", "朝阳", "第3网格", "第12网格", "红旗", "胜利", "新村", "幸福", "光明",
    "民主", "前进", "太平", "永安", "东风", "向阳", "建设", "和平", "兴隆", "双阳",
    "二道", "农安", "榆树", "敦化", "延吉", "珲春", "白山", "通化", "四平", "三家子",
    "华阳社区", "南岭街道", "公主岭", "梅河口", "西大甸",
]  # fmt: skip
SEARCH_PINYIN = [
    "ccs", "jls", "nanguan", "changchun", "chaoyang", "hongqi", "yj", "thx", "sp", "dwg",
]  # fmt: skip
SEARCH_CODES = [
    "22", "2201", "220102", "220102001", "2224", "222401", "220581", "2208", "220882201", "2206",
]  # fmt: skip
SEARCH_QUERIES = [*SEARCH_CHINESE, *SEARCH_PINYIN, *SEARCH_CODES]


NOTES = [
    "Grids are written with PostgreSQL COPY (codes, paths and pinyin keys as create_grid gives"
    " them, no audit rows); everything else goes through the importer and actions, and"
    " recount_divisions sets the counters the home page reads.",
    "home page counts = selectors.children_page(user, division, size=50) for a province-level"
    " user, evaluated; its raw twin is the same SELECT through a psycopg cursor. The live GROUP"
    " BY rows are hand-written SQL (what a newcomer would write instead of counters); their raw"
    " column and ratio compare them with the counters query run raw.",
    "search = selectors.search(user, q, size=50) over every division, each query of the mix"
    " timed separately; the mix row pools all samples. On PostgreSQL it relies on migration"
    " regions 0002 (GIN over the characters of the name, pinyin prefix index) and on code"
    " prefixes being given as a range (selectors.search_filter).",
    "Single runs on a shared machine are noisy: see the load average above; the JSON keeps"
    " per-query figures and the plans of the slowest search queries.",
]


def query_kind(query: str) -> str:
    if selectors.CODE_RE.match(query):
        return "code prefix"
    if selectors.PINYIN_RE.match(query):
        return "pinyin"
    return "Chinese name"


# --- data ----------------------------------------------------------------------------------


def load_tree(setup: SetupLog) -> None:
    """The real Jilin tree through the real importer and actions."""
    with setup.step("read division files", "importer.read_division_files") as step:
        parsed = read_division_files(JILIN_DIR)
        step.detail += f": {len(parsed.rows):,} rows"
    with setup.step("import divisions", "actions.import_divisions (incl. its recount)") as step:
        report = import_divisions(actor=None, parsed=parsed)
        step.detail += f": {report.total_created:,} created"
    with setup.step("management zones", "actions.ensure_management_zones") as step:
        step.detail += f": {ensure_management_zones(actor=None)} created"


class GridRow(NamedTuple):
    code: str
    name: str
    parent_id: int
    path: str
    pinyin: str
    initials: str


def plan_grids(
    villages: Sequence[tuple[int, str, str, str]], total: int, *, seed: int
) -> list[GridRow]:
    """``total`` grids over ``villages`` (id, code, path, name), as ``create_grid`` names them.

    Grids fall on villages at random (seeded), communities (社区) twice as often as rural
    villages, which have fewer and larger grids. Numbers run 1..n in each village, so the code
    is the village code plus 3 digits and the name is "第n网格"; pinyin keys are computed once
    per distinct name.
    """
    if not villages or total <= 0:
        return []
    rng = random.Random(seed)
    weights = [2.0 if "社区" in name else 1.0 for _pk, _code, _path, name in villages]
    per_village = Counter(rng.choices(range(len(villages)), weights=weights, k=total))
    crowded = max(per_village.values())
    if crowded > MAX_GRIDS_PER_VILLAGE:
        raise SystemExit(f"{total:,} grids put {crowded} in one village (at most 999)")
    keys: dict[str, tuple[str, str]] = {}
    rows: list[GridRow] = []
    for index, (pk, code, path, _name) in enumerate(villages):
        for number in range(1, per_village[index] + 1):
            name = f"第{number}网格"
            if name not in keys:
                keys[name] = pinyin_keys(name)
            grid_code = f"{code}{number:03d}"
            rows.append(GridRow(grid_code, name, pk, f"{path}{grid_code}/", *keys[name]))
    return rows


def insert_grids(rows: Sequence[GridRow]) -> int:
    """PostgreSQL COPY of the grid rows into the division table.

    Every other column gets the value a new ``Division`` would get (its field defaults and
    auto_now timestamps, read from a prototype instance), so a field added to the model later
    is filled the same way here, or fails loudly if it has no default.
    """
    prototype = Division(level=Level.GRID, kind=Kind.GRID)
    fields = [f for f in Division._meta.concrete_fields if not f.primary_key]
    per_row = {f.attname: f for f in fields if f.attname in GridRow._fields}
    constant = {
        f.column: f.get_db_prep_save(f.pre_save(prototype, True), connection)
        for f in fields
        if f.attname not in per_row
    }
    columns = [*(per_row[name].column for name in GridRow._fields), *constant]
    tail = tuple(constant.values())
    table = connection.ops.quote_name(Division._meta.db_table)
    statement = f"COPY {table} ({', '.join(map(connection.ops.quote_name, columns))}) FROM STDIN"
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row((*row, *tail))
    return len(rows)


def add_grids(total: int, *, seed: int) -> int:
    villages = list(
        Division.objects.filter(level=Level.VILLAGE, active=True)
        .order_by("code")
        .values_list("id", "code", "path", "name")
    )
    return insert_grids(plan_grids(villages, total, seed=seed))


def data_present(grids: int) -> bool:
    """Whether a reused database already holds this scenario's data at this scale."""
    return (
        Division.objects.filter(level=Level.GRID).count() == grids
        and Division.objects.filter(level=Level.VILLAGE).count() > 10_000
        and User.objects.filter(username=BENCH_USERNAME).exists()
    )


def build(ctx: Context) -> None:
    setup = ctx.setup
    if ctx.reused_database and data_present(ctx.grids):
        setup.steps.append(SetupStep("reused database", 0.0, "--keep-db: setup not timed"))
        return
    if Division.objects.exists():
        raise SystemExit("The kept database holds other data; run without --keep-db to rebuild it.")
    load_tree(setup)
    with setup.step("add grids", "COPY, pinyin keys cached by name") as step:
        step.detail += f": {add_grids(ctx.grids, seed=ctx.seed):,} grids"
    with setup.step("recount divisions", "actions.recount_divisions") as step:
        step.detail += f": {recount_divisions():,} rows changed"
    with (
        setup.step("analyze", "ANALYZE regions_division (as autovacuum would)"),
        connection.cursor() as cursor,
    ):
        cursor.execute("ANALYZE regions_division")
    with setup.step("bench user", "accounts.actions.create_user at the province"):
        account_actions.create_user(
            actor=None,
            username=BENCH_USERNAME,
            password=secrets.token_urlsafe(24),
            home_division=Division.objects.get(level=Level.PROVINCE),
            roles=[Role.PROVINCE_COMMAND],
            full_name="基准测试",
        )


def scale() -> tuple[dict[str, Any], str]:
    by_level = dict(Division.objects.values_list("level").annotate(n=Count("id")).order_by("level"))
    grids_per_village = (
        Division.objects.filter(level=Level.VILLAGE).aggregate(m=Max("n_grids"))["m"] or 0
    )
    zones = Division.objects.filter(kind=Kind.ZONE).count()
    total = sum(by_level.values())
    counts = {Level(level).label: n for level, n in by_level.items()}
    data = {
        "divisions_by_level": {str(k): v for k, v in counts.items()},
        "management_zones": zones,
        "total_divisions": total,
        "grids": by_level.get(Level.GRID, 0),
        "max_grids_per_village": grids_per_village,
        "source": "fangkong/regions/data/divisions/jilin (real), grids synthetic",
    }
    text = (
        f"the real Jilin tree — {by_level.get(1, 0)} province,"
        f" {by_level.get(2, 0)} prefecture-level"
        f" (incl. {zones} management zones), {by_level.get(3, 0):,} county-level,"
        f" {by_level.get(4, 0):,} townships/streets, {by_level.get(5, 0):,} villages/communities"
        f" — plus {by_level.get(6, 0):,} synthetic grids (up to {grids_per_village} per village):"
        f" {total:,} divisions in all."
    )
    return data, text


# --- (a) home page counts ----------------------------------------------------------------


COUNTER_COLUMNS = [
    "n_children", "n_prefectures", "n_counties", "n_townships", "n_villages", "n_grids",
]  # fmt: skip

LIVE_COUNTS_SQL = """
WITH counts AS (
    SELECT split_part(substr(d.path, %(cut)s), '/', 1) AS child,
           count(*) FILTER (WHERE d.level = %(grandchild_level)s) AS n_children,
           count(*) FILTER (WHERE d.level = 2) AS n_prefectures,
           count(*) FILTER (WHERE d.level = 3) AS n_counties,
           count(*) FILTER (WHERE d.level = 4) AS n_townships,
           count(*) FILTER (WHERE d.level = 5) AS n_villages,
           count(*) FILTER (WHERE d.level = 6) AS n_grids
      FROM regions_division d
     WHERE d.path LIKE %(prefix)s AND d.level > %(child_level)s AND d.active
     GROUP BY 1
)
SELECT c.id, c.code, c.name,
       coalesce(k.n_children, 0), coalesce(k.n_prefectures, 0), coalesce(k.n_counties, 0),
       coalesce(k.n_townships, 0), coalesce(k.n_villages, 0), coalesce(k.n_grids, 0)
  FROM regions_division c
  LEFT JOIN counts k ON c.path = %(path)s || k.child || '/'
 WHERE c.parent_id = %(parent)s AND c.active AND c.path LIKE %(scope)s
 ORDER BY c.code
 LIMIT %(limit)s
"""


def live_counts_params(division: Division, scope: str, size: int) -> dict[str, Any]:
    """The children of ``division`` with their descendants counted now, by path prefix."""
    return {
        "cut": len(division.path) + 1,
        "grandchild_level": division.level + 2,
        "child_level": division.level + 1,
        "prefix": division.path.replace("_", "\\_").replace("%", "\\%") + "%",
        "path": division.path,
        "parent": division.pk,
        "scope": scope + "%",
        "limit": size + 1,
    }


def live_counts(division: Division, scope: str, size: int) -> list[tuple[Any, ...]]:
    with connection.connection.cursor() as cursor:
        cursor.execute(LIVE_COUNTS_SQL, live_counts_params(division, scope, size))
        return list(cursor.fetchall())


def home_measurements(ctx: Context, user: User, findings: list[str]) -> list[Measurement]:
    province = Division.objects.get(level=Level.PROVINCE)
    subjects = [province, *Division.objects.filter(parent=province, active=True).order_by("code")]
    scope = user.home_division_path or ""
    client = Client()
    client.force_login(user)
    counters_rows: list[Measurement] = []
    live_rows: list[Measurement] = []
    page_rows: list[Measurement] = []
    mismatches: list[str] = []
    for division in subjects:
        subject = f"{division.name} ({division.n_children} children)"

        def orm(division: Division = division) -> selectors.Page:
            return selectors.children_page(user, division, size=PAGE)

        def live(division: Division = division) -> list[tuple[Any, ...]]:
            return live_counts(division, scope, PAGE)

        url = division.get_absolute_url()

        def page(url: str = url) -> HttpResponseBase:
            return client.get(url)

        orm()  # loads the user's home division once, as the view's request does
        first, captured = capture_queries(orm)
        raw = RawSQL.of(captured)
        assert isinstance(first, selectors.Page)
        counters = [
            (d.id, d.code, d.name, *(getattr(d, c) for c in COUNTER_COLUMNS)) for d in first.items
        ]
        counted = live()[: len(first.items)]
        if counters != counted:
            mismatches.append(division.name)
        response, page_queries = capture_queries(page)
        assert isinstance(response, HttpResponseBase)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        samples = time_interleaved(
            {"orm": orm, "raw": raw, "live": live, "page": page},
            warmup=ctx.warmup,
            repeat=ctx.repeat,
        )
        raw_stats = Stats.of(samples["raw"])
        counters_rows.append(
            Measurement(
                "home page counts: selectors.children_page",
                subject,
                Stats.of(samples["orm"]),
                target_ms=HOME_TARGET_MS,
                raw=raw_stats,
                sql=raw.statements,
                extra={"division": division.code, "rows": len(first.items)},
            )
        )
        live_rows.append(
            Measurement(
                "home page counts, live GROUP BY instead of counters (raw SQL)",
                subject,
                Stats.of(samples["live"]),
                raw=raw_stats,
                raw_label="counters, raw SQL",
                sql=[LIVE_COUNTS_SQL.strip()],
                notes="its raw SQL column and ratio: the counters query run raw",
                extra={"division": division.code},
            )
        )
        page_rows.append(
            Measurement(
                f"home page: GET {url}",
                subject,
                Stats.of(samples["page"]),
                notes="Django test client, logged in, whole response rendered",
                extra={
                    "division": division.code,
                    "queries": len(page_queries),
                    "bytes": len(getattr(response, "content", b"")),
                },
            )
        )
    province_counters, province_live = counters_rows[0], live_rows[0]
    assert province_counters.raw is not None
    worst = max(counters_rows, key=lambda m: m.stats.p95)
    findings.append(
        f"Home page counts: the worst p95 is {fmt_ms(worst.stats.p95)} ms ({worst.subject})"
        f" against {fmt_ms(HOME_TARGET_MS)} ms. Counting live instead (one GROUP BY over the"
        f" path prefix) takes {fmt_ms(province_live.stats.p50)} ms at p50 for the province, where"
        f" the stored counters read raw take {fmt_ms(province_counters.raw.p50)} ms, and it grows"
        " with the subtree while the counters do not."
    )
    findings.append(
        "The division page runs "
        + ", ".join(sorted({str(m.extra["queries"]) for m in page_rows}))
        + " queries per request (test client, session in the database)."
    )
    if mismatches:
        findings.append(
            "**Counters disagree with a live count** for the children of: " + ", ".join(mismatches)
        )
    else:
        findings.append(
            "The stored counters equal a live count of descendants for every child shown"
            f" on the {len(subjects)} pages measured."
        )
    return [*counters_rows, *live_rows, *page_rows]


# --- (b) search ----------------------------------------------------------------------------


def search_measurements(ctx: Context, user: User, findings: list[str]) -> list[Measurement]:
    per_query: dict[str, dict[str, Any]] = {}
    orm_by_kind: dict[str, list[float]] = {}
    raw_by_kind: dict[str, list[float]] = {}
    raws: dict[str, RawSQL] = {}
    for query in SEARCH_QUERIES:

        def orm(query: str = query) -> selectors.Page:
            return selectors.search(user, query, size=PAGE)

        first, captured = capture_queries(orm)
        assert isinstance(first, selectors.Page)
        raw = raws[query] = RawSQL.of(captured)
        samples = time_interleaved({"orm": orm, "raw": raw}, warmup=ctx.warmup, repeat=ctx.repeat)
        kind = query_kind(query)
        orm_by_kind.setdefault(kind, []).extend(samples["orm"])
        raw_by_kind.setdefault(kind, []).extend(samples["raw"])
        stats, raw_stats = Stats.of(samples["orm"]), Stats.of(samples["raw"])
        per_query[query] = {
            "kind": kind,
            "rows": len(first.items),
            "more": first.next_after is not None,
            "orm": stats,
            "raw": raw_stats,
            "sql": raw.statements,
        }
    all_orm = [s for v in orm_by_kind.values() for s in v]
    all_raw = [s for v in raw_by_kind.values() for s in v]
    details = {
        q: {
            "kind": d["kind"],
            "rows": d["rows"],
            "more": d["more"],
            "p50": d["orm"].p50,
            "p95": d["orm"].p95,
            "max": d["orm"].max,
            "raw_p50": d["raw"].p50,
            "raw_p95": d["raw"].p95,
            "samples": d["orm"].samples,
            "raw_samples": d["raw"].samples,
        }
        for q, d in per_query.items()
    }
    slowest = sorted(per_query, key=lambda q: per_query[q]["orm"].p50, reverse=True)[:3]
    plans = {q: raws[q].explain()[0] for q in slowest}
    results = [
        Measurement(
            f"search: selectors.search, {len(SEARCH_QUERIES)}-query mix",
            "all queries",
            Stats.of(all_orm),
            target_ms=SEARCH_TARGET_MS,
            raw=Stats.of(all_raw),
            notes=f"each query {ctx.repeat}×; page size {PAGE}",
            extra={"queries": details, "plans_of_slowest": plans},
        )
    ]
    for kind, kind_samples in orm_by_kind.items():
        queries = [q for q in SEARCH_QUERIES if query_kind(q) == kind]
        results.append(
            Measurement(
                "search: selectors.search",
                f"{kind} ({len(queries)} queries)",
                Stats.of(kind_samples),
                target_ms=SEARCH_TARGET_MS,
                raw=Stats.of(raw_by_kind[kind]),
                extra={"queries": queries},
            )
        )
    findings.append(
        "Slowest search queries (p50 ORM / raw, ms): "
        + "; ".join(
            f"{q} {fmt_ms(per_query[q]['orm'].p50)} / {fmt_ms(per_query[q]['raw'].p50)}"
            f" ({per_query[q]['rows']} rows)"
            for q in slowest
        )
        + ". Their EXPLAIN ANALYZE plans are in the JSON."
    )
    return results


# --- the scenario ----------------------------------------------------------------------------


def run(ctx: Context) -> ScenarioResult:
    started = timezone.now()
    build(ctx)
    user = User.objects.select_related("home_division").get(username=BENCH_USERNAME)
    data, text = scale()
    findings: list[str] = []
    measurements: list[Measurement] = []
    load_at_start = load_average()
    steps: list[tuple[str, Callable[[Context, User, list[str]], list[Measurement]]]] = [
        ("home page counts", home_measurements),
        ("search", search_measurements),
    ]
    for label, measure in steps:
        print(f"  measuring {label} …", flush=True)
        measurements.extend(measure(ctx, user, findings))
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — home page counts and search (issue #2)",
        scale=data,
        scale_text=text,
        environment=env,
        parameters={
            "repeat": ctx.repeat,
            "warmup": ctx.warmup,
            "grids": ctx.grids,
            "seed": ctx.seed,
            "page_size": PAGE,
            "search_queries": SEARCH_QUERIES,
            "user": f"{BENCH_USERNAME} (province command office, home 吉林省)",
        },
        setup=ctx.setup.steps,
        measurements=measurements,
        findings=findings,
        notes=NOTES,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )
