"""Issue #9: cases, close contacts, chains, the health colour and risk grading at the scale of
Jilin's spring 2022 wave, each beside its physical limit in the same run.

Data (bench/cases_data.py), at ``--scale 1``: 100,000 cases over the counties of the real Jilin
tree (30% in one county, 朝阳区), their people, clinic visits and samples; 100,000 other people;
2,000,000 contacts (secondary and handed-over ones among them); one cluster of 10,000 cases and
contacts linked over six generations by ``Contact.became_case``.

Measured (``--scale 0.02`` to try):

1. case list filtered by county and category, first and deep page: the selector
   (``cases.selectors.cases_for`` + ``page``), the page ``GET /cases/?within=…&category=…`` and
   the API ``GET /api/cases?…`` as the county's user, beside the selector's SQL run raw;
2. contact list filtered by county and status, first and deep page: the same with
   ``tracing.selectors`` and ``/tracing/contacts/``, ``/api/contacts``;
3. the chain of the 10,000-node cluster as graph JSON: ``GET /api/cases/{id}/chain`` and
   ``outbreaks.selectors.chain_graph``, beside a recursive CTE reading the same edges;
4. health colour by ID number: single ``GET /api/health-colour?…`` from ``wrk`` against gunicorn
   (p99), and ``POST /api/health-colour/batch`` of 1,000, beside the index look-ups in raw SQL;
5. contact import of 100,000 rows through the tracing import kind of ``fangkong.bulk.imports``,
   beside COPY of the same rows into ``tracing_contact`` in the same run;
6. daily risk grading of every county and cluster detection over the province
   (``outbreaks.actions.grade_counties`` / ``detect_clusters``).

A measurement whose code is not written yet is reported as "not built yet" with what is missing;
the benchmark never fails for it. Nothing here asserts a time.
"""

from __future__ import annotations

import datetime as dt
import http.client
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, connections, transaction
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from bench import cases_data as data
from bench.harness import (
    PROJECT_DIR,
    CapturedQuery,
    Measurement,
    RawSQL,
    Runs,
    ScenarioResult,
    SetupStep,
    Stats,
    SummaryRow,
    environment,
    fmt_ms,
    load_average,
    recreate_database,
    time_interleaved,
)
from bench.scenarios import Context
from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

NAME = "cases"
DESCRIPTION = "case and contact lists, chains, health colour, contact import, risk grading (#9)"
COUNTY_USER = "bench-county"
PROVINCE_USER = "bench-province"
WORK_DIR = Path(tempfile.gettempdir()) / "bench-cases"
PORT = 8739
GUNICORN = [
    str(Path(sys.executable).with_name("gunicorn")),
    "fangkong.wsgi",
    "--bind",
    f"127.0.0.1:{PORT}",
    "--workers",
    "2",
    "--access-logfile",
    "-",
]

PAGE = 50
LIST_TARGET_MS = 100.0
LIST_DEPTH = 1000  # pages: the deep page is this far in, or the last page if nearer
CHAIN_TARGET_MS = 200.0
COLOUR_P99_MS = 20.0
# wrk connections of the single look-ups; the target is judged at one per gunicorn worker.
COLOUR_CONNECTIONS = (1, 2, 4)
COLOUR_JUDGED_CONNECTIONS = 2
COLOUR_BATCH = 1000
COLOUR_BATCH_MS = 200.0
IMPORT_COPY_RATIO = 2.0
GRADING_TARGET_S = 5.0


class Unavailable(Exception):
    """A measurement whose code (another part of the issue) is not there yet."""


@dataclass
class Out:
    summary: list[SummaryRow] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class State:
    ctx: Context
    scale: data.Scale
    county: Division
    user: User  # the bench county's command office and health commission
    province_user: User
    token: str
    today: dt.date


def row_of(m: Measurement) -> SummaryRow:
    raw = f"{m.raw_label} p50 {fmt_ms(m.raw.p50)} / p95 {fmt_ms(m.raw.p95)} ms" if m.raw else "—"
    return SummaryRow(
        f"{m.operation} — {m.subject}" if m.subject else m.operation,
        f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
        f"{m.target_stat} < {m.target_ms:g} ms" if m.target_ms is not None else "—",
        raw,
        m.met,
        notes=m.notes,
    )


def optional(module: str, name: str) -> Any:
    """``module.name`` when another helper has written it, else raise Unavailable."""
    try:
        found = import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} not built yet ({exc})") from exc
    if not hasattr(found, name):
        raise Unavailable(f"{module}.{name} not built yet")
    return getattr(found, name)


def literal(statement: str, params: list[Any]) -> RawSQL:
    """A hand-written statement made literal (client-side binding, as Django sends it)."""
    import psycopg

    connection.ensure_connection()
    with psycopg.ClientCursor(connection.connection) as cursor:
        text = cursor.mogrify(statement, params)
    return RawSQL([text.decode() if isinstance(text, bytes) else text])


def profile_queries(fn: Callable[[], object], *, explain: int = 3) -> list[dict[str, Any]]:
    """Run ``fn`` once and return each statement it sent with its milliseconds (as the driver
    saw them), slowest first; the ``explain`` slowest with their EXPLAIN (ANALYZE, BUFFERS)."""
    timed: list[dict[str, Any]] = []

    def wrapper(
        execute: Callable[..., Any], sql_: str, params: Any, many: bool, context: Any
    ) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql_, params, many, context)
        finally:
            timed.append(
                {
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "sql": sql_,
                    "params": params,
                    "many": many,
                }
            )

    with connection.execute_wrapper(wrapper):
        fn()
    timed.sort(key=lambda q: -q["ms"])
    for entry in timed[:explain]:
        if entry["many"] or not entry["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        try:
            raw = RawSQL.of([CapturedQuery(entry["sql"], entry["params"])])
            entry["plan"] = raw.explain()[0]
        except Exception as exc:  # a plan is a help, never a reason to fail
            entry["plan"] = f"(no plan: {type(exc).__name__}: {exc})"
    for entry in timed:
        entry["sql"] = entry["sql"][:4000]
        entry.pop("params")
        entry.pop("many")
    return timed


def describe_queries(timed: list[dict[str, Any]], top: int = 3) -> str:
    """'12 statements, 85.1 ms in all; slowest: 61.0 ms SELECT … FROM "tracing_contact" …'."""
    total = sum(q["ms"] for q in timed)
    slowest = "; ".join(f"{q['ms']:.1f} ms {q['sql'][:140]}…" for q in timed[:top])
    return f"{len(timed)} statements, {total:.1f} ms in all; slowest: {slowest}"


def routed(path: str) -> None:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404 as exc:
        raise Unavailable(f"{path.split('?', 1)[0]} not built yet (no URL)") from exc


def url_of(name: str, fallback: str) -> str:
    """The path of the named page, or ``fallback`` when no URL has that name (yet)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def call_flexibly(fn: Callable[..., Any], **known: Any) -> Any:
    """Call ``fn`` with those of ``known`` its signature names (keyword or positional)."""
    sig = inspect.signature(fn)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, param in sig.parameters.items():
        if name not in known:
            if param.default is inspect.Parameter.empty and param.kind not in (
                param.VAR_POSITIONAL,
                param.VAR_KEYWORD,
            ):
                raise Unavailable(f"{fn.__module__}.{fn.__name__}{sig}: cannot supply {name!r}")
            continue
        if param.kind == param.POSITIONAL_ONLY:
            args.append(known[name])
        else:
            kwargs[name] = known[name]
    return fn(*args, **kwargs)


# --- setup -------------------------------------------------------------------------------------


def prepare(ctx: Context, scale: data.Scale) -> None:
    if ctx.reused_database and data.data_present(scale, ctx.seed):
        built = data.marker() or {}
        ctx.setup.steps.append(SetupStep("reused database", 0.0, "--keep-db: built earlier today"))
        ctx.setup.steps += [
            SetupStep(f"(when built) {s['name']}", s["seconds"], s.get("detail", ""))
            for s in built.get("setup", [])
        ]
        return
    if ctx.reused_database and Division.objects.exists():
        from django.core.management import call_command

        with ctx.setup.step("rebuild database", "kept database at another scale/seed/day"):
            connections.close_all()
            recreate_database(ctx.database_url)
            call_command("migrate", interactive=False, verbosity=0)
    data.build(ctx.setup, scale, ctx.seed)


def bench_user(username: str, home: Division, roles: list[Role]) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_actions.create_user(
            actor=None,
            username=username,
            password=uuid.uuid4().hex + "Aa1!",
            home_division=home,
            roles=roles,
            full_name="基准测试",
        )
    return User.objects.select_related("home_division").get(pk=user.pk)


# --- lists -------------------------------------------------------------------------------------


def keyset_after(statement: str, params: list[Any], depth: int) -> int | None:
    """The ``after`` cursor that opens page ``depth + 1`` (newest first by id)."""
    if depth <= 0:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM ({statement}) x ORDER BY id DESC OFFSET %s LIMIT 1",
            [*params, depth * PAGE - 1],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def list_pair(
    state: State,
    out: Out,
    *,
    what: str,
    floor_sql: str,
    floor_params: list[Any],
    selector: Callable[[int | None], Any] | None,
    urls: list[str],
    query: dict[str, str],
    count: int,
) -> None:
    """First and deep page of one list: selector (if written), page and API, beside raw SQL."""
    pages = max(1, (count + PAGE - 1) // PAGE)
    depth = min(LIST_DEPTH, pages - 1)
    web = Client()
    web.force_login(state.user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {state.token}")
    missing: list[str] = []
    for label, after in (
        ("first page", None),
        (f"page {depth + 1:,} of {pages:,}", keyset_after(floor_sql, floor_params, depth)),
    ):
        if label != "first page" and depth == 0:
            continue
        fns: dict[str, Callable[[], object]] = {}
        statements: list[str] = []
        if selector is not None:

            def orm(after: int | None = after) -> object:
                return selector(after)

            orm()
            raw = RawSQL.twin(orm)
            fns["selector"] = orm
            raw_label = "selector's SQL, raw"
        else:
            raw = literal(
                floor_sql + (" AND id < %s" if after else "") + " ORDER BY id DESC LIMIT %s",
                [*floor_params, *([after] if after else []), PAGE + 1],
            )
            raw_label = "hand-written keyset SQL, raw"
        statements = raw.statements
        fns["raw"] = raw
        for url in urls:
            client = api if url.startswith("/api/") else web
            full = f"{url}?{urlencode({**query, **({'after': after} if after else {})})}"
            try:
                routed(url)
            except Unavailable as exc:
                missing.append(str(exc))
                continue
            response = client.get(full)
            if response.status_code != 200:
                missing.append(f"GET {full} answered {response.status_code}")
                continue

            def page(client: Client = client, full: str = full) -> HttpResponseBase:
                return client.get(full)

            fns[f"GET {full}"] = page
        samples = time_interleaved(fns, warmup=state.ctx.warmup, repeat=state.ctx.repeat)
        raw_stats = Stats.of(samples["raw"])
        plan = raw.explain()[-1]
        for name, values in samples.items():
            if name == "raw":
                continue
            operation = f"{what}: {name if name != 'selector' else 'selector'}"
            m = Measurement(
                operation,
                label,
                Stats.of(values),
                target_ms=LIST_TARGET_MS,
                raw=raw_stats,
                raw_label=raw_label,
                sql=statements if name == "selector" else [],
                notes="test client in-process" if name.startswith("GET") else "",
                extra={"plan": plan} if name == "selector" else {},
            )
            out.measurements.append(m)
            out.summary.append(row_of(m))
        if len(fns) == 1:  # only the floor: record it, so the figure is in the results
            m = Measurement(f"{what}: floor only", label, raw_stats, extra={"plan": plan})
            m.sql = statements
            out.measurements.append(m)
    for reason in dict.fromkeys(missing):
        out.summary.append(SummaryRow(what, "not built yet", notes=reason))


def measure_case_list(state: State, out: Out) -> None:
    category = "confirmed"
    county = state.county
    floor = (
        "SELECT id FROM cases_case WHERE (division_path LIKE %s OR reporting_path LIKE %s)"
        " AND division_path LIKE %s AND category = %s"
    )
    like = county.path + "%"
    params = [like, like, like, category]
    count = int(data.scalar(f"SELECT count(*) FROM ({floor}) x", params))
    selector = None
    try:
        cases_for = optional("fangkong.cases.selectors", "cases_for")
        page_fn = optional("fangkong.cases.selectors", "page")
        filters_cls = optional("fangkong.cases.selectors", "Filters")

        def selector(after: int | None) -> Any:
            page = page_fn(
                cases_for(state.user, filters_cls(within=county, category=category)),
                after=after,
                size=PAGE,
            )
            return [(c.pk, c.person.name, c.county.name) for c in page.items]

    except Unavailable as exc:
        out.summary.append(SummaryRow("case list selector", "not built yet", notes=str(exc)))
    list_pair(
        state,
        out,
        what=f"case list, {county.name} + {category}",
        floor_sql=floor,
        floor_params=params,
        selector=selector,
        urls=[url_of("cases:list", "/cases/"), "/api/cases"],
        query={"within": county.code, "county": county.code, "category": category},
        count=count,
    )
    out.findings.append(
        f"Case list: {county.name} ({county.code}) holds {count:,} confirmed cases,"
        f" {(count + PAGE - 1) // PAGE:,} pages of {PAGE}."
    )


def measure_contact_list(state: State, out: Out) -> None:
    status = "observing"
    county = state.county
    floor = "SELECT id FROM tracing_contact WHERE division_path LIKE %s AND status = %s"
    params = [county.path + "%", status]
    count = int(data.scalar(f"SELECT count(*) FROM ({floor}) x", params))
    selector: Callable[[int | None], Any] | None = None
    try:
        module = "fangkong.tracing.selectors"
        contacts_for = optional(module, "contacts")
        page_fn = optional(module, "keyset_page")
        filters_cls = optional(module, "Filters")
        related = tuple(getattr(import_module(module), "LIST_RELATED", ()))

        def contact_page(after: int | None) -> Any:
            filters = call_flexibly(filters_cls, county=county, within=county, status=status)
            qs = call_flexibly(contacts_for, user=state.user, filters=filters)
            page = page_fn(qs, after=after, size=PAGE, related=related)
            return [(c.pk, c.name, c.case.number) for c in page.items]

        contact_page(None)
        selector = contact_page
    except Unavailable as exc:
        selector = None
        out.summary.append(SummaryRow("contact list selector", "not built yet", notes=str(exc)))
    except Exception as exc:
        selector = None
        out.summary.append(
            SummaryRow(
                "contact list selector", "not measured", notes=f"{type(exc).__name__}: {exc}"
            )
        )
    list_pair(
        state,
        out,
        what=f"contact list, {county.name} + {status}",
        floor_sql=floor,
        floor_params=params,
        selector=selector,
        urls=[url_of("tracing:list", "/tracing/"), "/api/contacts"],
        query={"within": county.code, "county": county.code, "status": status},
        count=count,
    )
    out.findings.append(
        f"Contact list: {county.name} holds {count:,} contacts under observation,"
        f" {(count + PAGE - 1) // PAGE:,} pages of {PAGE}."
    )


# --- chain ---------------------------------------------------------------------------------------

CHAIN_FLOOR = """
WITH RECURSIVE chain(case_id) AS (
    SELECT %s::bigint
    UNION
    SELECT t.became_case_id FROM tracing_contact t JOIN chain ON t.case_id = chain.case_id
     WHERE t.became_case_id IS NOT NULL
)
SELECT t.id, t.case_id, t.became_case_id, t.kind, t.status, t.relation, t.last_exposure,
       t.source_contact_id
  FROM tracing_contact t JOIN chain ON t.case_id = chain.case_id
"""


def measure_chain(state: State, out: Out) -> None:
    index_id = data.cluster_index_case()
    raw = literal(CHAIN_FLOOR, [index_id])
    nodes = raw()
    fns: dict[str, Callable[[], object]] = {"raw": raw}
    missing = []
    try:
        chain_graph = optional("fangkong.outbreaks.selectors", "chain_graph")
        from fangkong.cases.models import Case

        case = Case.objects.get(pk=index_id)

        def graph() -> Any:
            return json.dumps(
                call_flexibly(chain_graph, user=state.user, actor=state.user, case=case),
                default=str,
            )

        graph()
        fns["outbreaks.selectors.chain_graph + json.dumps"] = graph
        timed = profile_queries(graph)
        out.extra["chain_graph_queries"] = timed
        out.findings.append(f"chain_graph of the cluster: {describe_queries(timed)}")
    except Unavailable as exc:
        missing.append(str(exc))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {state.token}")
    url = f"/api/cases/{index_id}/chain"
    try:
        routed(url)
        response = api.get(url)
        if response.status_code != 200:
            raise Unavailable(f"GET {url} answered {response.status_code}")
        body = response.content
        fns[f"GET {url}"] = lambda: api.get(url)
        out.extra["chain_json_bytes"] = len(body)
        try:
            payload = json.loads(body)
            out.extra["chain_nodes_in_json"] = len(payload.get("nodes", []))
            out.extra["chain_edges_in_json"] = len(payload.get("edges", payload.get("links", [])))
        except (ValueError, AttributeError):
            pass
    except Unavailable as exc:
        missing.append(str(exc))
    samples = time_interleaved(fns, warmup=state.ctx.warmup, repeat=state.ctx.repeat)
    raw_stats = Stats.of(samples.pop("raw"))
    subject = f"cluster of {nodes:,} contacts over {state.scale.cluster_cases:,} cases"
    for name, values in samples.items():
        m = Measurement(
            f"chain as graph JSON: {name}",
            subject,
            Stats.of(values),
            target_ms=CHAIN_TARGET_MS,
            raw=raw_stats,
            raw_label="recursive CTE of the same edges, raw",
            sql=raw.statements,
        )
        out.measurements.append(m)
        out.summary.append(row_of(m))
    if not samples:
        out.measurements.append(
            Measurement("chain: floor only (recursive CTE)", subject, raw_stats, sql=raw.statements)
        )
    for reason in missing:
        out.summary.append(SummaryRow("chain of the cluster", "not built yet", notes=reason))


# --- health colour -------------------------------------------------------------------------------


def colour_docs(n: int) -> list[str]:
    """Resident ID numbers to look up: a third case people, a third contacts, a third others."""
    third = max(1, n // 3)
    statements = [
        ("SELECT p.doc_number FROM cases_case c JOIN people_person p ON p.id = c.person_id"
         " ORDER BY md5(c.id::text) LIMIT %s"),
        ("SELECT doc_number FROM tracing_contact WHERE doc_type = 'resident_id'"
         " ORDER BY md5(id::text) LIMIT %s"),
        ("SELECT doc_number FROM people_person WHERE status = 'normal'"
         " ORDER BY md5(id::text) LIMIT %s"),
    ]  # fmt: skip
    found: list[str] = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [third])
            found += [row[0] for row in cursor.fetchall()]
    return found


COLOUR_FLOOR = """
SELECT p.id, p.status,
       (SELECT c.category FROM cases_case c WHERE c.person_id = p.id ORDER BY c.id DESC LIMIT 1),
       (SELECT t.kind || ' ' || t.status FROM tracing_contact t
         WHERE t.doc_type = 'resident_id' AND t.doc_number = d.doc ORDER BY t.id DESC LIMIT 1)
  FROM (SELECT unnest(%s::text[]) AS doc) d
  LEFT JOIN people_person p
    ON p.doc_type = 'resident_id' AND p.doc_number = d.doc AND p.moved_out_at IS NULL
"""


class Server:
    """gunicorn as docs/deployment.md runs it, on the benchmark database."""

    def __init__(self, database_url: str) -> None:
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        self.log = (WORK_DIR / "gunicorn.log").open("wb")
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "fangkong.settings",
            "FANGKONG_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        env.pop("FANGKONG_DEBUG", None)
        self.process = subprocess.Popen(  # noqa: S603 - fixed command
            GUNICORN, cwd=PROJECT_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {WORK_DIR / 'gunicorn.log'}")
            try:
                status, _body = request("GET", "/api/regions/divisions?limit=1")
                if status < 500:
                    time.sleep(1)  # both workers up
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def request(
    method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def running_server(state: State) -> Iterator[None]:
    connections.close_all()
    server = Server(state.ctx.database_url)
    try:
        yield
    finally:
        server.stop()


WRK_SCRIPT = r"""
local docs = {}
local idx = 1
local headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
function init(args)
  for line in io.lines(args[1]) do docs[#docs + 1] = line end
end
function request()
  local doc = docs[idx]
  idx = idx % #docs + 1
  return wrk.format("GET", "/api/health-colour?doc_type=resident_id&doc_number=" .. doc, headers)
end
function done(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%f}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def colour_single(state: State, out: Out, docs: list[str], floor: Stats) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise Unavailable("wrk is not installed (apt-get install wrk)")
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    script = WORK_DIR / "colour.lua"
    script.write_text(WRK_SCRIPT)
    ids = WORK_DIR / "docs.txt"
    ids.write_text("\n".join(docs) + "\n")
    env = {**os.environ, "BENCH_TOKEN": state.token}

    def run_wrk(seconds: int, connections_: int) -> dict[str, Any]:
        command = [
            wrk, "-t", "1", "-c", str(connections_), "-d", f"{seconds}s", "--timeout", "10s",
            "-s", str(script), f"http://127.0.0.1:{PORT}", "--", str(ids),
        ]  # fmt: skip
        done = subprocess.run(  # noqa: S603 - fixed command
            command, env=env, capture_output=True, text=True, check=False
        )
        line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
        if line is None:
            raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
        result: dict[str, Any] = json.loads(line[6:])
        return result

    run_wrk(2, COLOUR_CONNECTIONS[-1])
    for connections_ in COLOUR_CONNECTIONS:
        result = run_wrk(10, connections_)
        errors = result["non2xx"] + result["connect"] + result["read"] + result["write"]
        p99 = result["p99"] / 1000
        rps = result["requests"] / (result["duration_us"] / 1e6)
        judged = connections_ == COLOUR_JUDGED_CONNECTIONS
        out.summary.append(
            SummaryRow(
                f"health colour, single: GET /api/health-colour (wrk, {connections_}"
                f" connection{'s' if connections_ > 1 else ''}, gunicorn 2 workers)",
                f"p50 {result['p50'] / 1000:.1f} / p95 {result['p95'] / 1000:.1f} / p99"
                f" {p99:.1f} ms; {rps:,.0f} req/s",
                f"p99 < {COLOUR_P99_MS:.0f} ms" if judged else "(load, not judged)",
                f"the index look-ups of one ID, raw SQL: p50 {fmt_ms(floor.p50)} / p95"
                f" {fmt_ms(floor.p95)} ms",
                (p99 < COLOUR_P99_MS and errors == 0) if judged else None,
                notes=f"{result['requests']:,} requests over {len(docs):,} ID numbers (a third"
                f" case people, a third contacts, a third others), {errors} errors or non-2xx."
                + (
                    " Judged at one connection per gunicorn worker: both busy, none queued."
                    if judged
                    else ""
                ),
            )
        )
        out.extra[f"wrk_colour_c{connections_}"] = result


def colour_batch(state: State, out: Out, docs: list[str]) -> None:
    headers = {"Authorization": f"Bearer {state.token}", "Content-Type": "application/json"}
    path = "/api/health-colour/batch"
    batch = docs[:COLOUR_BATCH]
    body = json.dumps(
        {"items": [{"doc_type": "resident_id", "doc_number": d} for d in batch]}
    ).encode()
    status, answer = request("POST", path, body, headers)
    if status != 200:
        raise Unavailable(f"POST {path} answered {status}: {answer[:200]!r}")
    raw = literal(COLOUR_FLOOR, [batch])

    def post() -> None:
        request("POST", path, body, headers)

    samples = time_interleaved(
        {"post": post, "raw": raw}, warmup=state.ctx.warmup, repeat=state.ctx.repeat
    )
    m = Measurement(
        f"health colour, batch: POST {path} (gunicorn)",
        f"{len(batch):,} ID numbers",
        Stats.of(samples["post"]),
        target_ms=COLOUR_BATCH_MS,
        raw=Stats.of(samples["raw"]),
        raw_label="index look-ups of the same IDs, raw SQL",
        sql=raw.statements,
        notes="real HTTP, one connection per call",
    )
    out.measurements.append(m)
    out.summary.append(row_of(m))


def colour_profile(state: State, out: Out, docs: list[str]) -> None:
    """The statements of ``outbreaks.colour.colour_for`` for one ID and for the batch, timed
    in this process, the slowest explained: where a look-up's time goes."""
    try:
        colour_for = optional("fangkong.outbreaks.colour", "colour_for")
    except Unavailable:
        return
    for label, batch in (("one ID", docs[:1]), (f"{COLOUR_BATCH:,} IDs", docs[:COLOUR_BATCH])):
        keys = [("resident_id", d) for d in batch]
        colour_for(keys, state.today)  # warm

        def look_up(keys: list[tuple[str, str]] = keys) -> object:
            return colour_for(keys, state.today)

        timed = profile_queries(look_up)
        out.extra[f"colour_for_queries_{len(batch)}"] = timed
        out.findings.append(f"colour_for of {label}: {describe_queries(timed)}")


def measure_colour(state: State, out: Out) -> None:
    docs = colour_docs(3000)
    single_raw = literal(COLOUR_FLOOR, [docs[:1]])
    floor = Stats.of(time_interleaved({"raw": single_raw}, warmup=3, repeat=200)["raw"])
    out.measurements.append(
        Measurement(
            "health colour: floor of one look-up (raw SQL)",
            "person, latest case, latest contact by ID number",
            floor,
            sql=single_raw.statements,
        )
    )
    routed("/api/health-colour")
    colour_profile(state, out, docs)
    with running_server(state):
        status, answer = request(
            "GET",
            f"/api/health-colour?doc_type=resident_id&doc_number={docs[0]}",
            headers={"Authorization": f"Bearer {state.token}"},
        )
        if status != 200:
            raise Unavailable(f"GET /api/health-colour answered {status}: {answer[:200]!r}")
        colour_single(state, out, docs, floor)
        try:
            colour_batch(state, out, docs)
        except Unavailable as exc:
            out.summary.append(SummaryRow("health colour, batch", "not built yet", notes=str(exc)))


# --- contact import ------------------------------------------------------------------------------


def import_kind() -> Any:
    kinds = optional("fangkong.bulk.imports", "KINDS")
    optional("fangkong.bulk.imports", "autodiscover")()
    for name, spec in kinds.items():
        perm_module = type(spec.perm).__module__
        if "tracing" in perm_module or "contact" in name:
            return spec
    raise Unavailable("no tracing import kind registered in fangkong.bulk.imports yet")


# Header keywords → how to fill the column from a generated contact (first match wins).
IMPORT_FIELDS: list[tuple[tuple[str, ...], str]] = [
    (("病例编号", "病例", "case"), "case_number"),
    (("证件类型", "doc_type"), "doc_type_label"),
    (("证件号", "身份证", "doc_number"), "doc_number"),
    (("姓名", "name"), "name"),
    (("电话", "手机", "phone"), "phone"),
    (("住址", "地址", "address"), "address"),
    (("现住", "居住", "所在", "residence", "division", "区划"), "residence_code"),
    (("关系", "relation"), "relation_label"),
    (("首次", "最早", "first"), "first_exposure"),
    (("末次", "最后", "last"), "last_exposure"),
    (("防护", "protect"), "protected"),
]


def import_columns(spec: Any) -> list[str]:
    module = import_module(spec.run.__module__)
    for attr in ("COLUMNS", "TEMPLATE_COLUMNS", "HEADER"):
        columns = getattr(module, attr, None)
        if columns:
            return [str(c) for c in columns]
    raise Unavailable(f"{module.__name__} names no COLUMNS for its template")


def import_cases(state: State, n: int) -> list[tuple[Any, ...]]:
    """The bench county's newest confirmed cases the imported contacts were met by."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.number, c.division_path, (c.diagnosed_at AT TIME ZONE %s)::date,"
            " c.address_division_id, g.code, g.path FROM cases_case c"
            " JOIN regions_division g ON g.id = c.address_division_id"
            " WHERE c.division_path LIKE %s AND c.category = 'confirmed' AND c.id < %s"
            " ORDER BY c.id DESC LIMIT %s",
            [
                timezone.get_current_timezone_name(),
                state.county.path + "%",
                data.cluster_index_case(),  # the cluster's chain stays as built
                max(1, n // 50),
            ],
        )
        return cursor.fetchall()


def import_values(state: State, n: int) -> Iterator[tuple[dict[str, str], list[Any]]]:
    """Each imported contact: its fields as typed in the file, and its row of tracing_contact
    (for the COPY limit)."""
    from fangkong.people.idcard import compose_resident_id
    from fangkong.tracing.choices import Relation

    cases = import_cases(state, n)
    labels = dict(Relation.choices)
    now = timezone.now()
    for i in range(n):
        case_id, number, path, day, grid_id, grid_code, _gpath = cases[i % len(cases)]
        doc = compose_resident_id(
            grid_code[:6], dt.date(1960, 1, 1) + dt.timedelta(days=i // 900), 100 + i % 900
        )
        relation = ("household", "workplace", "social")[i % 3]
        last = day
        first = day - dt.timedelta(days=2)
        values = {
            "case_number": number,
            "doc_type_label": "居民身份证",
            "doc_number": doc,
            "name": f"导{i % 97}入",
            "phone": f"139{i:08d}",
            "address": f"导入路{i % 300}号",
            "residence_code": grid_code,
            "relation_label": str(labels[relation]),
            "first_exposure": first.isoformat(),
            "last_exposure": last.isoformat(),
            "protected": "否",
        }
        row = [
            case_id, None, path, "close", "发病前2天起无防护接触", values["name"], "resident_id",
            doc, values["phone"], values["address"], grid_id, relation, first, last, False,
            last + dt.timedelta(days=14), "to_find", None, None, None, "", None, now, now,
        ]  # fmt: skip
        yield values, row


def import_fill(spec: Any) -> tuple[list[str], list[str | None]]:
    """The import's template columns and, for each, the contact field that fills it."""
    header = import_columns(spec)
    fill: list[str | None] = []
    for column in header:
        key = next((f for words, f in IMPORT_FIELDS if any(w in column for w in words)), None)
        fill.append(key)
    if "case_number" not in fill or "doc_number" not in fill:
        raise Unavailable(f"cannot map the import's columns {header} to contact fields")
    return header, fill


def copy_contacts(payload: bytes) -> float:
    """COPY the rows into tracing_contact in one transaction; seconds, commit included."""
    columns = [c for c in data.CONTACT_COLUMNS if c != "id"]
    statement = (
        f"COPY tracing_contact ({', '.join(connection.ops.quote_name(c) for c in columns)})"
        " FROM STDIN"
    )
    connection.ensure_connection()
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for i in range(0, len(payload), 1 << 20):
            copy.write(payload[i : i + (1 << 20)])
    return time.perf_counter() - start


def measure_import(state: State, out: Out) -> None:
    from bench.gridops_import import copy_text, write_csv_file

    n = state.scale.import_rows
    try:
        spec = import_kind()
        header, fill = import_fill(spec)
    except Unavailable as exc:
        spec, missing = None, str(exc)
        header, fill = [], []
    generated = list(import_values(state, n))
    payload = copy_text([row for _values, row in generated])
    top = int(data.scalar("SELECT coalesce(max(id), 0) FROM tracing_contact"))

    def clean() -> None:
        """Delete the rows a round added, and vacuum: each round (and every later measurement,
        and a rerun on a kept database) meets the table as built, not its dead rows."""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tracing_handover WHERE contact_id > %s", [top])
            cursor.execute("DELETE FROM tracing_contact WHERE id > %s", [top])
            cursor.execute("VACUUM ANALYZE tracing_contact, tracing_handover")

    seconds: dict[str, list[float]] = {"import": [], "copy": []}
    phases: dict[str, list[float]] = {}  # the importer's own split (outcome.seconds), if any
    path = WORK_DIR / f"contacts-{uuid.uuid4().hex[:8]}.csv"
    try:
        if spec is not None:
            WORK_DIR.mkdir(parents=True, exist_ok=True)
            rows = [[values[k] if k else "" for k in fill] for values, _row in generated]
            write_csv_file(path, header, rows)
        for _ in range(state.ctx.runs):
            seconds["copy"].append(copy_contacts(payload))
            clean()
            if spec is None:
                continue
            start = time.perf_counter()
            outcome = spec.run(
                actor=state.user, path=path, filename=path.name, valid_only=False, job=None
            )
            seconds["import"].append(time.perf_counter() - start)
            for phase, spent in (getattr(outcome, "seconds", None) or {}).items():
                phases.setdefault(str(phase), []).append(float(spent))
            created = int(data.scalar("SELECT count(*) FROM tracing_contact WHERE id > %s", [top]))
            clean()
            if created != n:
                raise Unavailable(
                    f"the contact import created {created:,} of {n:,} rows:"
                    f" {getattr(outcome, 'status', '')} {getattr(outcome, 'errors', '')!s:.300}"
                )
    finally:
        path.unlink(missing_ok=True)
        clean()
    copied = Runs.of(seconds["copy"])
    limit = f"COPY of the same contacts into tracing_contact: {copied.rates(n)}"
    notes = (
        f"{state.ctx.runs} rounds of COPY then the import, rows deleted after each; the"
        f" contacts are new people of {state.county.name} met by its newest confirmed cases."
    )
    samples = {"rows": n, **{f"{k}_seconds": v for k, v in seconds.items() if v}}
    if spec is None:
        out.summary.append(
            SummaryRow(
                f"contact import: {n:,}-row CSV",
                "not built yet",
                f"≤ {IMPORT_COPY_RATIO:.0f}× COPY",
                limit,
                None,
                notes=f"{missing}. The COPY limit is measured all the same. {notes}",
                samples=samples,
            )
        )
        return
    imported = Runs.of(seconds["import"])
    ratio = imported.median / copied.median
    if phases:
        split = ", ".join(f"{k} {Runs.of(v).median:.2f} s" for k, v in phases.items())
        notes += f" The importer's phases (median): {split}"
        if "write" in phases:
            notes += f"; its write alone is {Runs.of(phases['write']).median / copied.median:.1f}×"
            notes += " COPY"
        notes += "."
        samples.update({f"phase_{k}_seconds": v for k, v in phases.items()})
    out.summary.append(
        SummaryRow(
            f"contact import: {n:,}-row CSV, {spec.name} import kind end to end",
            f"{imported.rates(n)}; {ratio:.1f}× COPY",
            f"≤ {IMPORT_COPY_RATIO:.0f}× COPY",
            limit,
            ratio <= IMPORT_COPY_RATIO,
            notes=notes,
            samples=samples,
        )
    )


# --- grading and clusters ------------------------------------------------------------------------

GRADING_FLOOR = """
SELECT county_id, count(*) FILTER (WHERE category = 'confirmed'),
       count(*) FILTER (WHERE category = 'confirmed' AND diagnosed_at >= now() - interval '14 days')
  FROM cases_case GROUP BY county_id
"""


def measure_grading(state: State, out: Out) -> None:
    province = Division.objects.get(level=Level.PROVINCE)
    # Both run as the system (actor=None), as the daily management command and task run them:
    # the actions refuse any user for the whole province (ensure_in_scope(actor, "")).
    known = {
        "actor": None,
        "user": state.province_user,
        "day": state.today,
        "today": state.today,
        "on": state.today,
        "under": province,
        "within": province,
        "division": province,
    }
    steps: list[tuple[str, Callable[[], object]]] = []
    missing = []
    for name in ("detect_clusters", "grade_counties"):
        try:
            fn = optional("fangkong.outbreaks.actions", name)

            def step(fn: Callable[..., Any] = fn) -> object:
                return call_flexibly(fn, **known)

            steps.append((name, step))
        except Unavailable as exc:
            missing.append(str(exc))
    raw = RawSQL([GRADING_FLOOR])
    floor = Stats.of(time_interleaved({"raw": raw}, warmup=1, repeat=5)["raw"])
    if not steps:
        out.summary.append(
            SummaryRow(
                "daily risk grading + cluster detection, whole province",
                "not built yet",
                f"< {GRADING_TARGET_S:g} s",
                f"cumulative and 14-day confirmed per county, raw SQL: p50 {fmt_ms(floor.p50)} ms",
                notes="; ".join(missing),
            )
        )
        return
    runs: list[float] = []
    parts: dict[str, list[float]] = {name: [] for name, _fn in steps}
    for _ in range(max(3, state.ctx.runs)):
        total = 0.0
        for name, fn in steps:
            start = time.perf_counter()
            fn()
            spent = time.perf_counter() - start
            parts[name].append(spent)
            total += spent
        runs.append(total)
    for name, fn in steps:
        queries = profile_queries(fn)
        out.extra[f"{name}_queries"] = queries
        out.findings.append(f"{name} (a run after the timed ones): {describe_queries(queries)}")
    timed = Runs.of(runs)
    clusters = data.scalar("SELECT count(*) FROM outbreaks_cluster")
    grades = data.scalar("SELECT count(*) FROM outbreaks_riskgrade WHERE day = %s", [state.today])
    out.summary.append(
        SummaryRow(
            "daily risk grading + cluster detection, whole province ("
            + " + ".join(name for name, _fn in steps)
            + ")",
            f"{timed.median:.2f} s (median of {timed.n}; "
            + ", ".join(f"{name} {Runs.of(v).median:.2f} s" for name, v in parts.items())
            + ")",
            f"< {GRADING_TARGET_S:g} s",
            f"cumulative and 14-day confirmed per county, raw SQL: p50 {fmt_ms(floor.p50)} ms",
            timed.median < GRADING_TARGET_S and not missing,
            notes=f"{clusters:,} clusters, {grades:,} grades of today after the runs; the first run"
            " writes, the later ones find them in place."
            + (" " + "; ".join(missing) if missing else ""),
            samples={"seconds": runs, **{f"{k}_seconds": v for k, v in parts.items()}},
        )
    )


# --- the scenario --------------------------------------------------------------------------------


def scale_of(state: State) -> tuple[dict[str, Any], str]:
    counts = {
        table: int(data.scalar(f"SELECT count(*) FROM {table}"))
        for table in (
            "people_person", "cases_case", "cases_clinicvisit", "cases_sample", "tracing_contact",
            "tracing_handover", "medical_facility",
        )
    }  # fmt: skip
    county_cases = int(
        data.scalar("SELECT count(*) FROM cases_case WHERE county_id = %s", [state.county.pk])
    )
    text = (
        f"The real Jilin tree with one grid per village; {counts['cases_case']:,} cases"
        f" ({county_cases:,} in {state.county.name}), {counts['people_person']:,} people,"
        f" {counts['cases_clinicvisit']:,} clinic visits, {counts['cases_sample']:,} samples,"
        f" {counts['tracing_contact']:,} contacts, {counts['tracing_handover']:,} hand-overs,"
        f" {counts['medical_facility']:,} facilities; a cluster of"
        f" {state.scale.cluster_cases * (data.CONTACTS_PER_CLUSTER_CASE + 1):,} nodes"
        f" ({state.scale.cluster_cases:,} cases) (--scale {state.scale.factor:g})."
    )
    return {**counts, "county_cases": county_cases, "factor": state.scale.factor}, text


NOTES = [
    "Data: generated inside PostgreSQL (INSERT … SELECT; resident ID numbers with their check"
    " character from a SQL function), the cluster's contacts COPYed from Python; see"
    " bench/cases_data.py.",
    "The county user (bench-county) has the county command and health commission roles at the"
    " bench county; lists, chain, colour look-ups and the import run as that user, grading as"
    " the province command office (bench-province). Its API token is created with"
    " accounts.actions.create_token.",
    "Contacts carry their identity as typed (person unset) except the cluster's contacts that"
    " became cases: a contact's colour is found by its ID number on tracing_contact.",
    "The bench runs with FANGKONG_REQUIRE_2FA off (test client force_login; tokens never need"
    " it). gunicorn, PostgreSQL, wrk and this process share the same machine.",
]


def run(ctx: Context) -> ScenarioResult:
    started = timezone.now()
    scale = data.Scale.of(ctx.scale)
    prepare(ctx, scale)
    county = data.bench_county()
    user = bench_user(COUNTY_USER, county, [Role.COUNTY_COMMAND, Role.HEALTH_COMMISSION])
    province_user = bench_user(
        PROVINCE_USER, Division.objects.get(level=Level.PROVINCE), [Role.PROVINCE_COMMAND]
    )
    _token, raw_token = account_actions.create_token(actor=None, user=user, name="benchmark")
    state = State(ctx, scale, county, user, province_user, raw_token, data.today())
    out = Out(notes=list(NOTES))
    load_at_start = load_average()
    steps: list[tuple[str, Callable[[State, Out], None]]] = [
        ("case list", measure_case_list),
        ("contact list", measure_contact_list),
        ("chain", measure_chain),
        ("health colour", measure_colour),
        ("contact import", measure_import),
        ("grading", measure_grading),
    ]
    only = {s for s in os.environ.get("BENCH_CASES_ONLY", "").split(",") if s}
    for label, measure in steps:
        if only and label not in only:
            continue
        print(f"  measuring {label} …", flush=True)
        started_step = time.perf_counter()
        try:
            measure(state, out)
        except Unavailable as exc:
            out.summary.append(SummaryRow(label, "not built yet", notes=str(exc)))
            print(f"    not built yet: {exc}", flush=True)
        except Exception as exc:  # one broken measurement must not lose the others
            connection.close()  # a failed transaction would poison the next measurement
            reason = f"{type(exc).__name__}: {exc}"
            out.summary.append(SummaryRow(label, "failed", notes=reason[:500]))
            out.extra.setdefault("failures", {})[label] = traceback.format_exc()
            print(f"    FAILED: {reason}", flush=True)
        print(f"    {time.perf_counter() - started_step:.1f} s", flush=True)
    connections.close_all()
    data_scale, text = scale_of(state)
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — cases, contacts, chains, health colour and risk grading (issue #9)",
        scale=data_scale,
        scale_text=text,
        environment=env,
        parameters={
            "repeat": ctx.repeat,
            "warmup": ctx.warmup,
            "seed": ctx.seed,
            "scale": ctx.scale,
            "runs": ctx.runs,
            "user": f"{COUNTY_USER} (county command + health commission, home {county.name})",
            "gunicorn": " ".join(GUNICORN[1:]),
            "settings": settings.SETTINGS_MODULE,
        },
        setup=ctx.setup.steps,
        measurements=out.measurements,
        findings=out.findings,
        notes=out.notes,
        summary=out.summary,
        extra=out.extra,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )
