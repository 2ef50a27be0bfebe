"""Issue #11: the daily supervision report and directives on the real Jilin tree plus 120,000
grids, each figure beside a floor measured in the same run.

Data: the tree and the grids as the ``divisions`` scenario builds them (its ``build``); 14 days
of ``zeroreport.GridDay`` rows for every grid (INSERT … SELECT, seeded figures), which the
report's figures are computed from; 1,000 village secretaries (``accounts.actions.create_user``,
with a fast password hasher in this process only: the benchmark never logs in by password) and,
every run, an API token each (``accounts.actions.create_token``). A marker-free reuse: with
``--keep-db`` the tree, grid days and users are kept when they are there; the reports,
directives and notifications of an earlier run are truncated first.

Measured (``--scale`` takes that share of the 11 cities for the roll-up and of the 1,000 users):

1. completeness of a day across the five levels (``reports.selectors.completeness``) once that
   day's reports exist, beside its own SELECT run raw;
2. the roll-up through five levels of yesterday's reports: the villages submit
   (``reports.actions.submit_report``, timed as a throughput), then level by level the parent
   approves (``approve``) and submits its own, up to the province. The roll-up proper is
   ``reports.selectors.rollup_day(day)``: every division from the village up computed from the
   records at once, beside one GROUP BY over the village reports' figures by path prefix (and
   one over the grid days, what it reads); informational beside it, ``rollup(parent, day)``
   for every township, county, city and the province one after the other (what each parent's
   page computes for itself);
3. 1,000 submissions in one minute before the deadline, against gunicorn (2 workers) as
   docs/deployment.md runs it: each from a distinct village user with its own token
   (``POST /api/reports/mine/submit``), spread over 60 s, then the same 1,000 (another day) all
   at once; then 100 of them resent (each must answer 409). Floor: ``GET /api/me`` (the
   token's authentication and nothing else), all at once;
4. the province summary: ``reports.summary.summary_data`` + ``render_docx``, and ``render_pdf``
   (LibreOffice);
5. a directive from the province to every village (``command.directives.issue_directive``,
   recipients and notifications), beside INSERT … SELECT of the same recipient rows; then its
   recipients × state matrix (``command.selectors.matrix``) with a third acknowledged and a
   third done, beside its statements run raw.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from bench.command_load import Call, LoadResult, run_load
from bench.harness import (
    Measurement,
    RawSQL,
    Runs,
    ScenarioResult,
    SetupStep,
    Stats,
    SummaryRow,
    capture_queries,
    environment,
    fmt_ms,
    load_average,
    percentile,
    time_interleaved,
)
from bench.scenarios import Context
from bench.scenarios.divisions import BENCH_USERNAME
from bench.scenarios.divisions import build as build_tree
from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

NAME = "command"
DESCRIPTION = "daily report roll-up, completeness, submission burst, summary, directive (#11)"
USER_PREFIX = "bench-cmd-v"
USERS = 1000
GRID_DAYS = 14
LOAD_WINDOW = 60.0  # seconds: "1,000 submissions arriving in the same minute"
LOAD_THREADS = 64
RESEND = 100

COMPLETENESS_TARGET_MS = 300.0
ROLLUP_TARGET_S = 2.0
SUBMIT_P99_TARGET_MS = 500.0
SUMMARY_TARGET_S = 5.0
DIRECTIVE_TARGET_S = 5.0
MATRIX_TARGET_MS = 300.0
MIN_REPEAT = 100

RESET_TABLES = [
    "reports_arrangement",
    "reports_problem",
    "reports_dailyreport",
    "reports_expectedday",
    "command_directive",
    "notifications_notification",
]

GRIDDAY_SQL = """
INSERT INTO zeroreport_gridday (
    grid_id, division_path, day, screened, fever_found, observations_active, check_ins_missed,
    passages_pending, passages_handled, care_open, computed_at, confirmed_at, confirmed_by_id,
    confirmed_late, zero_report, note)
SELECT g.id, g.path, %(today)s::date - d.i, 20 + ((g.id * 7 + d.i * 13 + %(seed)s) %% 60),
       CASE WHEN (g.id + d.i) %% 97 = 0 THEN 1 ELSE 0 END, g.id %% 5, (g.id + d.i) %% 3,
       0, 0, 0, now(), NULL, NULL, false, false, ''
  FROM regions_division g CROSS JOIN generate_series(0, %(days)s - 1) AS d(i)
 WHERE g.level = 6
"""


class Unavailable(Exception):
    """A measurement that cannot be made here (a tool missing, another part not there)."""


@dataclass
class Out:
    summary: list[SummaryRow] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class State:
    ctx: Context
    province: Division
    user: User
    today: dt.date
    cities: list[Division]
    users: list[User] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def scalar(statement: str, params: Any = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None


def execute(statement: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def seconds_of(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def p99(stats: Stats) -> float:
    return percentile(stats.samples, 99)


# --- data --------------------------------------------------------------------------------------


def add_grid_days(state: State) -> None:
    first = state.today - dt.timedelta(days=GRID_DAYS - 1)
    grids = Division.objects.filter(level=Level.GRID).count()
    have = scalar(
        "SELECT count(*) FROM zeroreport_gridday WHERE day BETWEEN %s AND %s", [first, state.today]
    )
    if have == grids * GRID_DAYS:
        state.ctx.setup.steps.append(SetupStep("grid days", 0.0, f"reused: {have:,} rows"))
        return
    with state.ctx.setup.step("grid days", f"INSERT … SELECT, {GRID_DAYS} days") as step:
        execute("DELETE FROM zeroreport_gridday")
        rows = execute(
            GRIDDAY_SQL, {"today": state.today, "days": GRID_DAYS, "seed": state.ctx.seed % 97}
        )
        execute("ANALYZE zeroreport_gridday")
        step.detail += f": {rows:,} rows"


def village_users(state: State, n: int) -> list[User]:
    """``n`` village secretaries, on villages spread over the whole province."""
    villages = list(
        Division.objects.filter(level=Level.VILLAGE, active=True).order_by("code").only("pk")
    )
    chosen = villages[:: max(1, len(villages) // n)][:n]
    existing = {u.username: u for u in User.objects.filter(username__startswith=USER_PREFIX)}
    missing = [(i, v) for i, v in enumerate(chosen) if f"{USER_PREFIX}{i:04d}" not in existing]
    if missing:
        with (
            state.ctx.setup.step("village users", "accounts.actions.create_user") as step,
            # The benchmark never logs in by password: a fast hasher for the setup only.
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        ):
            for i, village in missing:
                existing[f"{USER_PREFIX}{i:04d}"] = account_actions.create_user(
                    actor=None,
                    username=f"{USER_PREFIX}{i:04d}",
                    password=f"Bx9!{secrets.token_urlsafe(18)}",  # four kinds of characters
                    home_division=village,
                    roles=[Role.VILLAGE_SECRETARY],
                    full_name="村书记",
                )
            step.detail += f": {len(missing):,} created"
    return [existing[f"{USER_PREFIX}{i:04d}"] for i in range(len(chosen))]


def reset() -> None:
    """Forget the reports, directives and notifications of an earlier run (--keep-db)."""
    execute(f"TRUNCATE {', '.join(RESET_TABLES)} CASCADE")
    execute("UPDATE accounts_apitoken SET revoked_at = now() WHERE revoked_at IS NULL")


def prepare(ctx: Context) -> State:
    build_tree(ctx)
    province = Division.objects.get(level=Level.PROVINCE)
    cities = list(Division.objects.filter(level=Level.PREFECTURE, active=True).order_by("code"))
    keep = len(cities) if ctx.scale >= 1 else max(1, round(len(cities) * ctx.scale))
    state = State(
        ctx=ctx,
        province=province,
        user=User.objects.select_related("home_division").get(username=BENCH_USERNAME),
        today=timezone.localdate(),
        cities=cities[:keep],
    )
    add_grid_days(state)
    with ctx.setup.step("reset", "TRUNCATE the reports, directives, notifications; revoke tokens"):
        reset()
    state.users = village_users(state, max(20, round(USERS * ctx.scale)))
    with ctx.setup.step("tokens", "accounts.actions.create_token, one per village user") as step:
        state.tokens = [
            account_actions.create_token(actor=None, user=u, name="benchmark")[1]
            for u in state.users
        ]
        step.detail += f": {len(state.tokens):,}"
    return state


# --- 2. the five-level chain and the roll-up ---------------------------------------------------


def describe(statement: str) -> str:
    verb = statement.split(" ", 1)[0]
    table = next(
        (
            word.strip('"')
            for before, word in zip(statement.split(), statement.split()[1:], strict=False)
            if before in ("FROM", "INTO", "UPDATE")
        ),
        "",
    )
    return f"{verb} {table}".strip()


@dataclass
class Profile:
    """What one call cost: its wall-clock ms, and each statement's ms and description."""

    total_ms: float
    statements: list[tuple[float, str]]

    @property
    def sql_ms(self) -> float:
        return sum(ms for ms, _what in self.statements)

    def text(self, top: int = 3) -> str:
        slowest = sorted(self.statements, reverse=True)[:top]
        return (
            f"{self.total_ms:.1f} ms, of which {len(self.statements)} statements"
            f" {self.sql_ms:.1f} ms (slowest: "
            + ", ".join(f"{what} {ms:.1f} ms" for ms, what in slowest)
            + ")"
        )


def profiled(fn: Callable[[], object]) -> tuple[object, Profile]:
    """Call ``fn`` once, timing it and each statement it sends (the rest is Python)."""
    timed: list[tuple[float, str]] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            timed.append(((time.perf_counter() - start) * 1000, describe(sql)))

    start = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        result = fn()
    return result, Profile((time.perf_counter() - start) * 1000, timed)


def chain_divisions(state: State) -> dict[int, list[Division]]:
    """The active divisions of the chosen cities' subtrees (and the province when every city
    is chosen), by level."""
    out: dict[int, list[Division]] = {}
    for city in state.cities:
        for d in Division.objects.filter(
            path__startswith=city.path, active=True, level__lte=Level.VILLAGE
        ).order_by("path"):
            out.setdefault(d.level, []).append(d)
    if len(state.cities) == Division.objects.filter(level=Level.PREFECTURE, active=True).count():
        out[Level.PROVINCE] = [state.province]
    return out


def measure_chain(state: State, out: Out) -> tuple[dt.date, list[Division]]:
    from fangkong.reports.actions import approve, submit_report
    from fangkong.reports.models import DailyReport

    day = state.today - dt.timedelta(days=1)
    levels = chain_divisions(state)
    stages: dict[str, dict[str, Any]] = {}
    chain_seconds = 0.0
    for level in sorted(levels, reverse=True):
        divisions = levels[level]
        label = str(Level(level).label)
        moment = timezone.now()
        first_division = divisions[0]

        def first_submit(d: Division = first_division, at: dt.datetime = moment) -> DailyReport:
            return submit_report(actor=None, division=d, day=day, at=at)

        first, _profile = profiled(first_submit)
        assert isinstance(first, DailyReport)
        reports = [first]
        if len(divisions) > 2:  # a second one, past the day's first (which creates its rows)
            second, profile = profiled(
                partial(submit_report, actor=None, division=divisions[1], day=day, at=moment)
            )
            assert isinstance(second, DailyReport)
            reports.append(second)
            out.findings.append(f"One {Level(level).label} submission: {profile.text()}.")
        print(f"    submit {len(divisions):,} at level {level} …", flush=True)
        start = time.perf_counter()
        for d in divisions[len(reports) :]:
            reports.append(submit_report(actor=None, division=d, day=day, at=moment))
        submit_s = time.perf_counter() - start
        approve_s = 0.0
        if level != Level.PROVINCE:
            start = time.perf_counter()
            for r in reports:
                approve(actor=None, report=r, at=moment)
            approve_s = time.perf_counter() - start
        chain_seconds += submit_s + approve_s
        stages[label] = {
            "level": level,
            "reports": len(divisions),
            "submit_s": round(submit_s, 3),
            "approve_s": round(approve_s, 3),
            "submit_ms_each": round(1000 * submit_s / max(len(divisions) - 1, 1), 2),
            "approve_ms_each": round(1000 * approve_s / len(divisions), 2),
            "first_submit_statements": [what for _ms, what in _profile.statements],
        }
    villages = stages[str(Level(Level.VILLAGE).label)]
    total = sum(s["reports"] for s in stages.values())
    out.summary.append(
        SummaryRow(
            "villages submit (reports.actions.submit_report, one after the other)",
            f"{(villages['reports'] - 1) / max(villages['submit_s'], 1e-9):,.0f} reports/s"
            f" ({villages['submit_ms_each']:.1f} ms each; {villages['reports']:,} in"
            f" {villages['submit_s']:.1f} s)",
            "— (informational)",
            f"{len(villages['first_submit_statements'])} statements per submission",
            None,
            notes="Statements of one village submission: "
            + "; ".join(villages["first_submit_statements"])
            + ".",
            samples={"stages": stages},
        )
    )
    parts = ", ".join(
        f"{name} {s['reports']:,}: submit {s['submit_s']:.1f} s"
        + (f" + approve {s['approve_s']:.1f} s" if s["approve_s"] else "")
        for name, s in stages.items()
    )
    out.summary.append(
        SummaryRow(
            f"five-level chain, submit and approve ({total:,} reports)",
            f"{chain_seconds:.1f} s",
            "— (informational)",
            "—",
            None,
            notes=f"{parts}. Each parent submits once its children are approved; its figures are"
            " computed from the records (reports.figures.compute) at submission.",
        )
    )
    out.extra["chain"] = stages
    parents = [d for level, ds in levels.items() if level < Level.VILLAGE for d in ds]
    return day, parents


def floor_reports_sql() -> str:
    from fangkong.reports.figures import KEYS

    sums = ", ".join(f"sum((r.figures ->> '{k}')::bigint)" for k in KEYS)
    return (
        f"SELECT left(r.division_path, n.len), {sums} FROM reports_dailyreport r"
        " CROSS JOIN unnest(%(lens)s::int[]) AS n(len)"
        " WHERE r.day = %(day)s AND r.level = 5 AND r.division_path LIKE ANY(%(roots)s)"
        " GROUP BY 1"
    )


FLOOR_GRIDDAY_SQL = (
    "SELECT left(g.division_path, n.len), sum(g.screened), sum(g.fever_found),"
    " sum(g.check_ins_missed) FROM zeroreport_gridday g"
    " CROSS JOIN unnest(%(lens)s::int[]) AS n(len)"
    " WHERE g.day = %(day)s AND g.division_path LIKE ANY(%(roots)s) GROUP BY 1"
)


def measure_rollup(state: State, out: Out, day: dt.date, parents: list[Division]) -> None:
    from fangkong.reports.selectors import rollup, rollup_day

    params: dict[str, Any] = {
        "day": day,
        "lens": sorted({len(p.path) for p in parents}),
        "roots": [f"{c.path}%" for c in state.cities],
    }
    reports_sql = floor_reports_sql()

    def all_rollups() -> None:
        for p in parents:
            rollup(p, day)

    def run_raw(statement: str) -> Callable[[], None]:
        def go() -> None:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                cursor.fetchall()

        return go

    _r, queries = capture_queries(lambda: rollup(parents[0], day))
    for parent in (max(parents, key=lambda p: p.level), min(parents, key=lambda p: p.level)):
        _r, profile = profiled(partial(rollup, parent, day))
        out.findings.append(
            f"rollup({parent.name}, {Level(parent.level).label}): {profile.text()}."
        )
    times: dict[str, list[float]] = {"day": [], "rollup": [], "reports": [], "griddays": []}
    _r, day_queries = capture_queries(lambda: rollup_day(day))
    fns = {
        "day": lambda: rollup_day(day),
        "rollup": all_rollups,
        "reports": run_raw(reports_sql),
        "griddays": run_raw(FLOOR_GRIDDAY_SQL),
    }
    for name, fn in fns.items():
        if name != "rollup":  # every parent once is long enough to warm itself
            fn()
    for _ in range(state.ctx.runs):
        for name, fn in fns.items():
            times[name].append(seconds_of(fn))
    runs = {name: Runs.of(s) for name, s in times.items()}
    # The roll-up of the province alone (the heaviest parent).
    top = min(parents, key=lambda p: p.level)
    top_samples = time_interleaved({"t": lambda: rollup(top, day)}, warmup=2, repeat=10)
    top_stats = Stats.of(top_samples["t"])
    by_level: dict[int, int] = {}
    for p in parents:
        by_level[p.level] = by_level.get(p.level, 0) + 1
    counted = ", ".join(f"{n:,} {Level(level).label}" for level, n in sorted(by_level.items()))
    floors = (
        f"GROUP BY over the village reports' figures by path prefix:"
        f" {1000 * runs['reports'].median:.1f} ms; over the grid days (what the roll-up reads):"
        f" {1000 * runs['griddays'].median:.1f} ms"
    )
    whole = runs["day"].median
    out.summary.append(
        SummaryRow(
            "roll-up of the day through five levels: reports.selectors.rollup_day(day), every"
            " division from the village up at once",
            f"{whole:.2f} s (median of {runs['day'].n})",
            f"< {ROLLUP_TARGET_S:g} s",
            floors,
            whole < ROLLUP_TARGET_S,
            notes=f"{len(day_queries)} statements ("
            + "; ".join(describe(q.sql) for q in day_queries)
            + "): each source table grouped once by the village prefix, added up to every"
            " ancestor in Python (reports.figures.figures_for_all).",
            samples={"day": list(runs["day"].seconds)},
        )
    )
    median = runs["rollup"].median
    out.summary.append(
        SummaryRow(
            f"roll-up parent by parent: reports.selectors.rollup(parent, day) for every parent"
            f" ({len(parents):,}; what a parent's page computes for itself)",
            f"{median:.2f} s (median of {runs['rollup'].n}; {1000 * median / len(parents):.2f} ms"
            " per parent)",
            "— (informational)",
            floors,
            None,
            notes=f"Parents: {counted}. One rollup sends {len(queries)} statements ("
            + "; ".join(describe(q.sql) for q in queries)
            + f"); the province (or the top parent) alone: p50 {fmt_ms(top_stats.p50)} ms.",
            samples={k: list(r.seconds) for k, r in runs.items() if k != "day"},
        )
    )
    out.extra["rollup_floor_sql"] = {"reports": reports_sql, "griddays": FLOOR_GRIDDAY_SQL}


# --- 1. completeness ---------------------------------------------------------------------------


def measure_completeness(state: State, out: Out, day: dt.date) -> None:
    from fangkong.reports.selectors import completeness

    def fn() -> list[Any]:
        return completeness(day)

    raw = RawSQL.twin(fn)
    repeat = max(state.ctx.repeat, MIN_REPEAT)
    samples = time_interleaved({"orm": fn, "raw": raw}, warmup=state.ctx.warmup, repeat=repeat)
    m = Measurement(
        "completeness of a day, five levels (reports.selectors.completeness)",
        f"{day.isoformat()}, after the chain",
        Stats.of(samples["orm"]),
        target_ms=COMPLETENESS_TARGET_MS,
        raw=Stats.of(samples["raw"]),
        sql=raw.statements,
        notes="Reads the five ExpectedDay rows the actions keep.",
    )
    out.measurements.append(m)
    out.summary.append(
        SummaryRow(
            m.operation,
            f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
            f"p95 < {COMPLETENESS_TARGET_MS:g} ms",
            f"same SELECT raw: p95 {fmt_ms(m.raw.p95 if m.raw else None)} ms",
            m.met,
        )
    )


# --- 3. 1,000 submissions before the deadline --------------------------------------------------


@contextmanager
def running_server(state: State) -> Iterator[Any]:
    from bench.scenarios.gridops import Server

    connections.close_all()
    server = Server(state.ctx.database_url)
    try:
        yield server
    finally:
        server.stop()


def load_figures(result: LoadResult) -> str:
    stats = Stats.of(result.latencies)
    return (
        f"p50 {fmt_ms(stats.p50)} / p95 {fmt_ms(stats.p95)} / p99 {fmt_ms(p99(stats))} ms,"
        f" {len(result.latencies) / result.seconds:,.0f} req/s"
    )


def measure_submissions(state: State, out: Out) -> None:
    from bench.scenarios.gridops import PORT, cpu_delta, cpu_split
    from fangkong.reports.models import DailyReport

    n = len(state.tokens)
    window = LOAD_WINDOW * n / USERS
    burst_day = state.today - dt.timedelta(days=2)
    submit = "/api/reports/mine/submit"
    paced = [Call("POST", submit, t, b"{}") for t in state.tokens]
    burst_body = json.dumps({"day": burst_day.isoformat()}).encode()
    burst = [Call("POST", submit, t, burst_body) for t in state.tokens]
    me = [Call("GET", "/api/me", t) for t in state.tokens]
    with running_server(state) as server:
        run_load(PORT, me[:50], window=0, threads=8)  # warm both workers
        before = server.cpu()
        spread = run_load(PORT, paced, window=window, threads=LOAD_THREADS)
        after = server.cpu()
        split = cpu_split(before, after, spread.client_cpu, spread.seconds)
        per_request = 1000 * cpu_delta(before.server, after.server) / n
        resent = run_load(PORT, paced[:RESEND], window=0, threads=LOAD_THREADS)
        floor = run_load(PORT, me, window=0, threads=LOAD_THREADS)
        at_once = run_load(PORT, burst, window=0, threads=LOAD_THREADS)
    rows_today = DailyReport.objects.filter(day=state.today, level=Level.VILLAGE)
    stored = rows_today.count()
    distinct = rows_today.values("division").distinct().count()
    stored_burst = DailyReport.objects.filter(day=burst_day, level=Level.VILLAGE).count()
    expected = {u.home_division_id for u in state.users}
    mine = set(rows_today.values_list("division_id", flat=True))
    ok = spread.statuses.count(201) == n and not spread.errors
    conflicts = resent.statuses.count(409)
    none_lost = stored == n and mine == expected and stored_burst == n
    stats = Stats.of(spread.latencies)
    burst_stats = Stats.of(at_once.latencies)
    out.summary.append(
        SummaryRow(
            f"{n:,} submissions in {window:.0f} s (POST {submit}, each its own village and token,"
            " gunicorn 2 workers)",
            load_figures(spread),
            f"none lost, none duplicated, p99 < {SUBMIT_P99_TARGET_MS:g} ms",
            f"GET /api/me, {n:,} at once: {load_figures(floor)}",
            ok and none_lost and conflicts == RESEND and p99(stats) < SUBMIT_P99_TARGET_MS,
            notes=f"Answers {spread.status_counts()}; {stored:,} reports stored for {distinct:,}"
            f" villages (expected {n:,}, the users' own: {mine == expected}); {RESEND} resent:"
            f" answers {resent.status_counts()}, still {rows_today.count():,} rows. {split};"
            f" gunicorn CPU per submission {per_request:.1f} ms.",
            samples={
                "latencies_ms": spread.latencies,
                "floor_latencies_ms": floor.latencies,
                "resend_statuses": resent.status_counts(),
            },
        )
    )
    out.summary.append(
        SummaryRow(
            f"the same {n:,} submissions all at once (another day, {LOAD_THREADS} in flight)",
            load_figures(at_once),
            f"none lost, p99 < {SUBMIT_P99_TARGET_MS:g} ms (the worst case)",
            f"GET /api/me, {n:,} at once: {load_figures(floor)}",
            at_once.statuses.count(201) == n
            and stored_burst == n
            and p99(burst_stats) < SUBMIT_P99_TARGET_MS,
            notes=f"Answers {at_once.status_counts()}; {stored_burst:,} reports stored;"
            f" {n / at_once.seconds:,.0f} submissions/s over {at_once.seconds:.1f} s.",
            samples={"latencies_ms": at_once.latencies},
        )
    )
    errors = spread.errors + resent.errors + floor.errors + at_once.errors
    if errors:
        out.findings.append(f"Connection errors: {len(errors)}, e.g. {errors[:3]}")


# --- 4. the province summary -------------------------------------------------------------------


def measure_summary(state: State, out: Out, day: dt.date) -> None:
    try:
        from fangkong.reports import summary
    except ImportError as exc:
        raise Unavailable(f"fangkong.reports.summary: {exc}") from exc

    def data() -> Any:
        return summary.summary_data(
            state.province,
            day,
            document_number=f"吉防指〔{day.year}〕1号",
            issuing_office="吉林省新冠肺炎疫情防控工作领导小组办公室",
            addressee="省委",
            completeness="村级报告 11,860 份全部按时提交",
            signer="基准",
        )

    data()  # warm-up (imports, fonts)
    _r, profile = profiled(data)
    out.findings.append(f"summary_data(province): {profile.text()}.")
    data_s, docx_s, pdf_s = [], [], []
    pdf_error = ""
    for _ in range(state.ctx.runs):
        start = time.perf_counter()
        content = data()
        data_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        docx = summary.render_docx(content)
        docx_s.append(time.perf_counter() - start)
        if pdf_error:
            continue
        start = time.perf_counter()
        try:
            summary.render_pdf(docx)
        except summary.PdfUnavailable as exc:
            pdf_error = str(exc)
            continue
        pdf_s.append(time.perf_counter() - start)
    word = [a + b for a, b in zip(data_s, docx_s, strict=True)]
    word_median = percentile(word, 50)
    out.summary.append(
        SummaryRow(
            "province summary, Word (summary_data + render_docx)",
            f"{word_median:.2f} s (median of {len(word)}; data {percentile(data_s, 50):.2f} s,"
            f" docx {percentile(docx_s, 50):.2f} s)",
            f"< {SUMMARY_TARGET_S:g} s",
            "—",
            word_median < SUMMARY_TARGET_S,
            samples={"data_s": data_s, "docx_s": docx_s},
        )
    )
    if pdf_error or not pdf_s:
        out.summary.append(
            SummaryRow(
                "province summary, PDF (+ render_pdf, LibreOffice)",
                "unavailable",
                f"< {SUMMARY_TARGET_S:g} s",
                "—",
                None,
                notes=f"Unavailable: {pdf_error or 'no run'}",
            )
        )
        return
    pdf_total = [w + p for w, p in zip(word, pdf_s, strict=False)]
    median = percentile(pdf_total, 50)
    out.summary.append(
        SummaryRow(
            "province summary, PDF (summary_data + render_docx + render_pdf, LibreOffice)",
            f"{median:.2f} s (median of {len(pdf_total)};"
            f" LibreOffice {percentile(pdf_s, 50):.2f} s)",
            f"< {SUMMARY_TARGET_S:g} s",
            "—",
            median < SUMMARY_TARGET_S,
            notes="Each conversion starts LibreOffice afresh with its own profile.",
            samples={"pdf_s": pdf_s},
        )
    )


# --- 5. a directive to every village -----------------------------------------------------------


def floor_recipients_sql() -> tuple[str, list[Any]]:
    """INSERT … SELECT of the recipient rows, every column as a new ``DirectiveRecipient`` fills
    it (the field defaults, read from a prototype), so a field added later fails loudly here."""
    from fangkong.command.models import DirectiveRecipient

    per_row = {
        "directive_id": "%(directive)s",
        "division_id": "g.id",
        "division_path": "g.path",
        "deadline": "%(deadline)s",
    }
    prototype = DirectiveRecipient()
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for f in DirectiveRecipient._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.attname in per_row:
            values.append(per_row[f.attname])
        else:
            values.append(f"%(c{len(params)})s")
            params.append(f.get_db_prep_save(f.pre_save(prototype, True), connection))
    statement = (
        f"INSERT INTO {DirectiveRecipient._meta.db_table} ({', '.join(columns)})"
        f" SELECT {', '.join(values)} FROM regions_division g"
        " WHERE g.level = 5 AND g.active AND g.path LIKE %(root)s"
    )
    return statement, params


def measure_directive(state: State, out: Out) -> None:
    try:
        from fangkong.command.directives import issue_directive
        from fangkong.command.models import Directive, DirectiveRecipient
        from fangkong.command.selectors import matrix
    except ImportError as exc:
        raise Unavailable(f"directives: {exc}") from exc
    from fangkong.notifications.models import Notification

    statement, constants = floor_recipients_sql()
    deadline = timezone.now() + dt.timedelta(days=1)
    issue_s, floor_s, issued = [], [], []
    for run in range(state.ctx.runs):
        start = time.perf_counter()
        directive = issue_directive(
            actor=None,
            issuer_division=state.province,
            title=f"关于做好村级疫情防控工作的通知（{run + 1}）",
            content="各村（社区）：请于明日前完成辖区排查并反馈。",
            deadline=deadline,
            level=Level.VILLAGE,
        )
        issue_s.append(time.perf_counter() - start)
        issued.append(directive)
        shell = Directive.objects.create(
            division=state.province,
            division_path=state.province.path,
            title="floor",
            content="floor",
            deadline=deadline,
        )
        params = {
            "directive": shell.pk,
            "deadline": deadline,
            "root": f"{state.province.path}%",
            **{f"c{i}": v for i, v in enumerate(constants)},
        }
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
            floor_rows = cursor.rowcount
        floor_s.append(time.perf_counter() - start)
        shell.delete()
    directive = issued[0]
    recipients = DirectiveRecipient.objects.filter(directive=directive).count()
    notified = Notification.objects.filter(key=f"directive-{directive.pk}").count()
    median = percentile(issue_s, 50)
    out.summary.append(
        SummaryRow(
            f"directive to every village, created and fanned out (issue_directive, {recipients:,}"
            " recipients)",
            f"{median:.2f} s (median of {len(issue_s)})",
            f"< {DIRECTIVE_TARGET_S:g} s",
            f"INSERT … SELECT of the same {floor_rows:,} rows: {percentile(floor_s, 50):.2f} s",
            median < DIRECTIVE_TARGET_S and recipients == floor_rows,
            notes=f"{notified:,} notifications to the villages' answering users (the"
            f" {len(state.users):,} bench village secretaries) in the same call.",
            samples={"issue_s": issue_s, "floor_s": floor_s},
        )
    )
    execute(
        "UPDATE command_directiverecipient SET state = 'acknowledged', acknowledged_at = now()"
        " WHERE directive_id = %s AND id %% 3 = 1",
        [directive.pk],
    )
    execute(
        "UPDATE command_directiverecipient SET state = 'done', acknowledged_at = now(),"
        " completed_at = now() WHERE directive_id = %s AND id %% 3 = 2",
        [directive.pk],
    )
    execute("ANALYZE command_directiverecipient")
    user = state.user

    def fn() -> Any:
        return matrix(directive, user)

    raw = RawSQL.twin(fn)
    repeat = max(state.ctx.repeat, MIN_REPEAT)
    samples = time_interleaved({"orm": fn, "raw": raw}, warmup=state.ctx.warmup, repeat=repeat)
    m = Measurement(
        "recipients × state matrix (command.selectors.matrix, page 1)",
        f"{recipients:,} recipients, a third each sent / acknowledged / done, as {BENCH_USERNAME}",
        Stats.of(samples["orm"]),
        target_ms=MATRIX_TARGET_MS,
        raw=Stats.of(samples["raw"]),
        sql=raw.statements,
    )
    out.measurements.append(m)
    out.summary.append(
        SummaryRow(
            m.operation,
            f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
            f"p95 < {MATRIX_TARGET_MS:g} ms",
            f"its {len(raw.statements)} statements raw: p95"
            f" {fmt_ms(m.raw.p95 if m.raw else None)} ms",
            m.met,
        )
    )


# --- the run -----------------------------------------------------------------------------------


def scale_of(state: State, parents: int) -> tuple[dict[str, Any], str]:
    counts = {
        str(Level(level).label): Division.objects.filter(level=level, active=True).count()
        for level in Level.values
    }
    data = {
        "divisions_by_level": counts,
        "cities_in_chain": len(state.cities),
        "parents_rolled_up": parents,
        "village_users": len(state.users),
        "grid_days": GRID_DAYS,
    }
    text = (
        ", ".join(f"{n:,} {label}" for label, n in counts.items())
        + f"; the chain over {len(state.cities)} cities ({parents:,} parents rolled up);"
        f" {GRID_DAYS} days of grid figures; {len(state.users):,} village users with tokens."
    )
    return data, text


NOTES = [
    "Days: the chain (and completeness, roll-up, summary) is yesterday's; the paced submissions"
    " are today's, the all-at-once ones the day before yesterday's, so each village submits once"
    " a day.",
    "The roll-up time is reports.selectors.rollup(parent, day) for every parent one after the"
    " other: each recomputes the parent's children's figures from the records"
    " (reports.figures.figures_for_children). Its floors are hand-written: one GROUP BY over"
    " every village report's stored figures by every parent's path prefix at once, and the same"
    " over the grid days (the records rollup reads).",
    "Only zeroreport.GridDay holds records (seeded figures); cases, contacts, observations and"
    " wards are empty, so their aggregates are index probes returning nothing.",
    "The load generator is bench/command_load.py (Python threads, one connection per request as"
    " gunicorn's sync workers close it): latencies count from the moment each request was due,"
    " so a request waiting for a free thread counts its wait.",
]


def run(ctx: Context) -> ScenarioResult:
    started = timezone.now()
    state = prepare(ctx)
    out = Out()
    load_at_start = load_average()
    print("  measuring the five-level chain …", flush=True)
    day, parents = measure_chain(state, out)
    print("  measuring completeness …", flush=True)
    measure_completeness(state, out, day)
    print("  measuring the roll-up …", flush=True)
    measure_rollup(state, out, day, parents)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("submissions against gunicorn", lambda: measure_submissions(state, out)),
        ("the province summary", lambda: measure_summary(state, out, day)),
        ("the directive", lambda: measure_directive(state, out)),
    ]
    for label, measure in steps:
        print(f"  measuring {label} …", flush=True)
        try:
            measure()
        except Unavailable as exc:
            out.summary.append(SummaryRow(label, "unavailable", notes=f"Unavailable: {exc}"))
    data, text = scale_of(state, len(parents))
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — daily reports, roll-up, submissions, summary, directives (issue #11)",
        scale=data,
        scale_text=text,
        environment=env,
        parameters={
            "repeat": max(ctx.repeat, MIN_REPEAT),
            "warmup": ctx.warmup,
            "runs": ctx.runs,
            "grids": ctx.grids,
            "seed": ctx.seed,
            "scale": ctx.scale,
            "load_window_s": LOAD_WINDOW * len(state.users) / USERS,
            "load_threads": LOAD_THREADS,
            "resend": RESEND,
        },
        setup=ctx.setup.steps,
        measurements=out.measurements,
        findings=out.findings,
        notes=NOTES,
        summary=out.summary,
        extra=out.extra,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )
