"""Issue #3: grid operations at the scale of a prefecture — import, check-in API, lists, the
division dashboard and export, each beside its physical limit in the same run.

Data (bench/gridops_data.py): 吉林市 (2202) of the real Jilin tree with ~3 grids per village,
1,000,000 people in 300,000 households, 3,000,000 screenings, 200,000 observations with
2,800,000 check-ins and 30 days of GridDay rows (at ``--scale 1``; ``--scale 0.02`` to try).

Measured:

1. import: a 100,000-row screening CSV through ``screening.importer.import_screening_file`` (read,
   validate, write) beside PostgreSQL COPY of the same validated rows into the same table; an
   xlsx of 100,000 rows the same way.
2. batch check-ins: ``POST /api/observations/check-ins/batch``, 1,000 a call, through gunicorn
   with 2 workers (the command docs/deployment.md names), bearer token; beside it the action
   ``record_check_ins`` called in-process.
3. single check-ins: ``POST /api/observations/{id}/check-ins``, each a distinct observation for
   today, load from ``wrk`` (C, one thread) in a second process.
4. lists: the people list filtered by grid and status (first page, deepest page), and by county
   and status 1,000 pages deep, as the selector, raw SQL and the whole page.
5. dashboard: ``/zero/d/2202/dashboard/`` and ``zeroreport.dashboard.dashboard``; the refresh of
   today's GridDay rows for the whole prefecture.
6. export: 1,000,000 people as CSV through ``bulk.exports.write_csv`` in a subprocess (rows/s,
   peak RSS) beside ``COPY (same SELECT) TO STDOUT``; and streamed over HTTP from gunicorn.

The imports and exports (with their limits) run ``ctx.runs`` times (``--runs``, 3 by default)
and report the median run with the slowest and fastest; the seconds of every run are kept.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import http.client
import json
import os
import pstats
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from bench import gridops_data as data
from bench.harness import (
    PROJECT_DIR,
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
    recreate_database,
    time_interleaved,
)
from bench.scenarios import Context
from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.models import CheckIn, Observation
from fangkong.people import selectors as people_selectors
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.screening.models import Screening

NAME = "gridops"
DESCRIPTION = "import, check-in API, lists, dashboard and export at prefecture scale (issue #3)"
USERNAME = "bench-city"
WORK_DIR = Path(tempfile.gettempdir()) / "bench-gridops"
PORT = 8731
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
# What the bench user needs beyond its roles' permissions, should a role not grant it yet.
NEEDED_PERMS = [
    "people.view_person",
    "observation.add_checkin",
    "observation.view_observation",
    "zeroreport.view_gridday",
    "zeroreport.change_gridday",
    "bulk.export_list",
    "screening.add_screening",
]

IMPORT_ROWS = 100_000
IMPORT_TARGET_RPS = 100_000
IMPORT_COPY_RATIO = 3.0
XLSX_TARGET_RPS = 30_000
BATCH_SIZE = 1000
BATCH_TARGET = 10_000  # check-ins/s
SINGLE_TARGET_RPS = 300
SINGLE_P99_MS = 100.0
LIST_TARGET_MS = 100.0
LIST_DEPTH = 1000
DASHBOARD_TARGET_MS = 300.0
EXPORT_ROWS = 1_000_000
EXPORT_TARGET_RPS = 50_000
EXPORT_MAX_MB = 200


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
    user: User
    token: str
    prefecture: Division
    today: dt.date
    server: Server | None = None


def rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0 else "—"


# --- setup -------------------------------------------------------------------------------------


def prepare(ctx: Context, scale: data.Scale) -> None:
    """Build the data, or reuse a kept database that already holds it (same scale, seed, day)."""
    if ctx.reused_database and data.data_present(scale, ctx.seed):
        built = data.marker() or {}
        ctx.setup.steps.append(
            SetupStep("reused database", 0.0, "--keep-db: built earlier today, as below")
        )
        ctx.setup.steps += [
            SetupStep(f"(when built) {s['name']}", s["seconds"], s.get("detail", ""))
            for s in built.get("setup", [])
        ]
        return
    if ctx.reused_database and Division.objects.exists():
        with ctx.setup.step("rebuild database", "kept database at another scale/seed/day"):
            connections.close_all()
            recreate_database(ctx.database_url)
            call_command("migrate", interactive=False, verbosity=0)
    data.build(ctx.setup, scale, ctx.seed)


def bench_user(state_setup: Any) -> tuple[User, str, list[str]]:
    """The prefecture's command office (city + county command roles: it reads everything and
    may record check-ins across the prefecture, as a county's terminal would) and a token."""
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = account_actions.create_user(
            actor=None,
            username=USERNAME,
            password=uuid.uuid4().hex + "Aa1!",
            home_division=data.prefecture(),
            roles=[Role.CITY_COMMAND, Role.COUNTY_COMMAND],
            full_name="基准测试",
        )
    added = []
    for perm in NEEDED_PERMS:
        if not user.has_perm(perm):
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                user.user_permissions.add(found)
                added.append(perm)
    user = User.objects.select_related("home_division").get(pk=user.pk)
    _token, raw = account_actions.create_token(actor=None, user=user, name="benchmark")
    return user, raw, added


def reset_today(day: dt.date) -> int:
    """Remove today's check-ins (made by earlier runs of the measurements) and give the active
    observations back the state the data had, so every run has the same targets."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM observation_checkin WHERE day >= %s", [day])
        removed = cursor.rowcount
        cursor.execute(
            "UPDATE observation_observation SET last_check_in_on = start_date + %s - 1,"
            " last_temperature = 36.5 WHERE status = 'active' AND last_check_in_on >= %s",
            [data.CHECK_IN_DAYS, day],
        )
    return int(removed)


def open_targets(day: dt.date) -> list[int]:
    """Active observations with today open for a check-in."""
    return list(
        Observation.objects.filter(
            status=ObservationStatus.ACTIVE, start_date__lte=day, end_date__gte=day
        )
        .exclude(check_ins__day=day)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- gunicorn ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                out.append(int(entry.name))
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


@dataclass
class CpuSnapshot:
    server: dict[int, float]
    postgres: dict[int, float]
    busy: float
    total: float


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots by the processes alive at the second (a process that
    ended in between is not counted; one that started is counted whole)."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


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
                if status < 500 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 60 s")

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def cpu(self) -> CpuSnapshot:
        busy, total = machine_busy()
        return CpuSnapshot(
            server={p: cpu_seconds(p) for p in [self.process.pid, *self.workers()]},
            postgres={p: cpu_seconds(p) for p in pids_named("postgres")},
            busy=busy,
            total=total,
        )

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


def cpu_split(before: CpuSnapshot, after: CpuSnapshot, client: float, seconds: float) -> str:
    server = cpu_delta(before.server, after.server)
    pg = cpu_delta(before.postgres, after.postgres)
    busy = after.busy - before.busy
    cores = (after.total - before.total) / seconds if seconds else 0
    other = max(0.0, busy - server - pg - client)
    return (
        f"CPU over {seconds:.1f} s on {cores:.0f} cores: gunicorn {server:.1f} s,"
        f" PostgreSQL (all databases) {pg:.1f} s, load generator {client:.1f} s,"
        f" everything else (other processes on the machine) {other:.1f} s"
        f" (machine busy {100 * busy / max(after.total - before.total, 1e-9):.0f}%)"
    )


# --- 1. import ---------------------------------------------------------------------------------


def measure_import(state: State, out: Out) -> None:
    from bench import gridops_import

    gridops_import.measure(state, out)


# --- 2 and 3. check-ins over HTTP ---------------------------------------------------------------


def in_process_batches(
    state: State, batches: list[list[int]], profile: cProfile.Profile | None = None
) -> list[float]:
    from fangkong.observation import actions

    samples = []
    for ids in batches:
        items = [
            actions.BatchItem(
                index=i,
                client_uuid=uuid.uuid4(),
                observation_id=pk,
                temperature=Decimal("36.6"),
                symptoms=[],
                day=None,
                note="",
            )
            for i, pk in enumerate(ids)
        ]
        if profile is not None:
            profile.enable()
        start = time.perf_counter()
        results = actions.record_check_ins(actor=state.user, items=items)
        samples.append(time.perf_counter() - start)
        if profile is not None:
            profile.disable()
        created = sum(1 for r in results if r.status == "created")
        if created != len(ids):
            raise SystemExit(f"record_check_ins created {created} of {len(ids)}")
    return samples


def batch_profile_finding(profile: cProfile.Profile, size: int) -> str:
    """Where ``record_check_ins`` spends its time on one batch (cProfile, cumulative)."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(name: str, path_end: str) -> float:
        return sum(
            v[3] for (path, _line, fn), v in stats.items() if fn == name and path.endswith(path_end)
        )

    total = cumulative("record_check_ins", "observation/actions.py")
    bulk_create = cumulative("bulk_create", "django/db/models/query.py")
    executemany = cumulative("executemany", "django/db/backends/utils.py")
    fetch = cumulative("_fetch_all", "django/db/models/query.py")
    return (
        f"Batch check-ins: in one profiled batch of {size:,} (in-process, cProfile),"
        f" record_check_ins took {total:.2f} s: reading the observations and stored check-ins"
        f" {fetch:.2f} s, inserting the check-ins (bulk_create) {bulk_create:.2f} s, updating"
        f" the observations' last check-in (a prepared UPDATE per row, pipelined)"
        f" {executemany:.2f} s;"
        " the rest is validation and the audit row."
    )


def batch_bodies(batches: list[list[int]]) -> list[bytes]:
    return [
        json.dumps(
            {
                "items": [
                    {"client_uuid": str(uuid.uuid4()), "observation_id": pk, "temperature": 36.6}
                    for pk in ids
                ]
            }
        ).encode()
        for ids in batches
    ]


def post_batches(state: State, bodies: list[bytes], clients: int) -> tuple[list[float], int]:
    """POST the bodies from ``clients`` threads; per-call seconds and check-ins created."""
    headers = {"Authorization": f"Bearer {state.token}", "Content-Type": "application/json"}
    lock = threading.Lock()
    queue = list(bodies)
    samples: list[float] = []
    created = [0]
    failures: list[str] = []

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            start = time.perf_counter()
            status, answer = request("POST", "/api/check-ins/batch", body, headers)
            elapsed = time.perf_counter() - start
            with lock:
                samples.append(elapsed)
                if status != 200:
                    failures.append(f"{status} {answer[:200]!r}")
                else:
                    created[0] += json.loads(answer)["created"]

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"batch check-in failed: {failures[0]}")
    return samples, created[0]


def measure_batch(state: State, out: Out, targets: list[int]) -> list[int]:
    """Returns the targets left for the single check-ins."""
    size = min(BATCH_SIZE, max(10, len(targets) // 12))
    n_timed = min(15, max(2, len(targets) // (2 * size) - 3))
    chunks = [targets[i : i + size] for i in range(0, len(targets), size)]
    profiled, direct = chunks[:1], chunks[1:3]
    warm, timed = chunks[3:5], chunks[5 : 5 + n_timed]
    rest = [pk for chunk in chunks[5 + n_timed :] for pk in chunk]
    profile = cProfile.Profile()
    in_process_batches(state, profiled, profile)
    out.findings.append(batch_profile_finding(profile, len(profiled[0])))
    direct_s = in_process_batches(state, direct)
    assert state.server is not None
    post_batches(state, batch_bodies(warm), 2)
    bodies = batch_bodies(timed)
    before = state.server.cpu()
    start = time.perf_counter()
    samples, created = post_batches(state, bodies, 2)
    wall = time.perf_counter() - start
    after = state.server.cpu()
    total = sum(len(c) for c in timed)
    throughput = created / wall
    direct_rate = sum(len(c) for c in direct) / sum(direct_s)
    split = cpu_split(before, after, 0.0, wall)
    per_item = 1000 * cpu_delta(before.server, after.server) / max(created, 1)
    split += f"; gunicorn CPU per check-in {per_item:.2f} ms"
    out.summary.append(
        SummaryRow(
            f"API batch check-ins ({size:,} per call, 2 client connections, gunicorn 2 workers)",
            f"{throughput:,.0f} check-ins/s",
            f"≥ {BATCH_TARGET:,}/s",
            f"action record_check_ins in-process, one caller: {direct_rate:,.0f}/s",
            throughput >= BATCH_TARGET,
            notes=f"{len(timed)} calls, {created:,} of {total:,} created in {wall:.2f} s;"
            f" per call p50 {fmt_ms(percentile(samples, 50) * 1000)} ms. {split}.",
        )
    )
    out.measurements.append(
        Measurement(
            "API batch check-in: POST /api/check-ins/batch",
            f"{size:,} items, real HTTP",
            Stats.of([s * 1000 for s in samples]),
            extra={"check_ins_per_s": throughput, "in_process_per_s": direct_rate},
        )
    )
    return rest


WRK_SCRIPT = r"""
local ids = {}
local idx, step, counter = 1, 1, 0
local threads = {}
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  step = tonumber(args[2])
  nonce = args[3]
  idx = tid + 1
end

function request()
  local id = ids[idx] or ids[1]
  idx = idx + step
  counter = counter + 1
  local body = string.format(
    '{"client_uuid":"%s-%04d-4000-8000-%012d","temperature":36.6}', nonce, tid, counter)
  return wrk.format("POST", "/api/observations/" .. id .. "/check-ins", headers, body)
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


def single_queries_finding(state: State, pk: int) -> str:
    """The statements one single check-in POST sends (in-process, the same code gunicorn runs)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {state.token}")
    body = json.dumps({"client_uuid": str(uuid.uuid4()), "temperature": 36.6})
    path = f"/api/observations/{pk}/check-ins"
    start = time.perf_counter()
    response, queries = capture_queries(
        lambda: client.post(path, body, content_type="application/json")
    )
    elapsed = (time.perf_counter() - start) * 1000
    status = getattr(response, "status_code", 0)
    described = [describe(q.sql) for q in queries]
    return (
        f"A single check-in POST (in-process test client, the code gunicorn runs, answered"
        f" {status} in {elapsed:.1f} ms) sends {len(queries)} statements: "
        + "; ".join(described)
        + ". Each is a round trip to a PostgreSQL sharing the same 2 cores."
    )


def describe(statement: str) -> str:
    """ "SELECT observation_observation" and the like: the verb and the first table."""
    verb = statement.split(" ", 1)[0]
    table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', statement)
    return f"{verb} {table.group(1)}" if table else verb


RAN_OUT = " (ran out of open observations: the repeats answered 409)"


def measure_single(state: State, out: Out, targets: list[int], connections_: int = 4) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise Unavailable("wrk is not installed (apt-get install wrk)")
    assert state.server is not None
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    script = WORK_DIR / "checkin.lua"
    script.write_text(WRK_SCRIPT)
    ids = WORK_DIR / "ids.txt"
    out.findings.append(single_queries_finding(state, targets[0]))
    warm, timed = targets[1:201], targets[201:]
    threads = 1
    # Enough distinct observations for the run at up to 1,500 requests/s.
    seconds = max(3, min(20, len(timed) // 1500))
    env = {**os.environ, "BENCH_TOKEN": state.token}

    def run_wrk(id_list: list[int], duration: int) -> tuple[dict[str, Any], float, float]:
        ids.write_text("\n".join(map(str, id_list)) + "\n")
        command = [
            wrk, "-t", str(threads), "-c", str(connections_), "-d", f"{duration}s",
            "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{PORT}", "--",
            str(ids), str(threads), uuid.uuid4().hex[:8],
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 - fixed command
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        start = time.perf_counter()
        _pid, _status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        assert process.stdout is not None
        text = process.stdout.read().decode()
        process.stdout.close()
        process.returncode = 0
        line = next((x for x in text.splitlines() if x.startswith("BENCH ")), None)
        if line is None:
            raise SystemExit(f"wrk printed no result:\n{text}")
        return json.loads(line[6:]), usage.ru_utime + usage.ru_stime, wall

    run_wrk(warm, 2)
    before = state.server.cpu()
    result, client_cpu, wall = run_wrk(timed, seconds)
    after = state.server.cpu()
    duration = result["duration_us"] / 1e6
    errors = result["non2xx"] + result["connect"] + result["read"] + result["write"]
    ok_rps = (result["requests"] - errors) / duration
    p99 = result["p99"] / 1000
    exhausted = result["requests"] > len(timed)
    split = cpu_split(before, after, client_cpu, wall)
    per_request = 1000 * cpu_delta(before.server, after.server) / max(result["requests"], 1)
    split += f"; gunicorn CPU per request {per_request:.1f} ms"
    out.summary.append(
        SummaryRow(
            f"API single check-ins (wrk, 1 thread, {connections_} connections, gunicorn 2 workers)",
            f"{ok_rps:,.0f} req/s; p50 {result['p50'] / 1000:.1f} / p95"
            f" {result['p95'] / 1000:.1f} / p99 {p99:.1f} ms",
            f"≥ {SINGLE_TARGET_RPS} req/s, p99 < {SINGLE_P99_MS:.0f} ms",
            "—",
            ok_rps >= SINGLE_TARGET_RPS and p99 < SINGLE_P99_MS and not exhausted,
            notes=f"{result['requests']:,} requests in {duration:.1f} s, {errors} errors or"
            f" non-2xx{RAN_OUT if exhausted else ''}"
            f"; each a distinct observation for today. {split}.",
        )
    )
    out.extra["wrk"] = {**result, "connections": connections_, "threads": threads}


def measure_api(state: State, out: Out) -> None:
    targets = open_targets(state.today)
    if len(targets) < 500:
        raise Unavailable(f"only {len(targets)} observations open for today")
    with running_server(state):
        rest = measure_batch(state, out, targets)
        measure_single(state, out, rest)
        measure_http_export(state, out)


@contextmanager
def running_server(state: State) -> Iterator[None]:
    connections.close_all()
    state.server = Server(state.ctx.database_url)
    try:
        yield
    finally:
        state.server.stop()
        state.server = None


# --- 4. lists ----------------------------------------------------------------------------------


def cursor_at(qs: Any, depth: int) -> int | None:
    """The keyset cursor (``after``) that opens page ``depth + 1``: the last id of page
    ``depth``, as following "next" ``depth`` times gives it."""
    ids = qs.order_by("-pk").values_list("pk", flat=True)[depth * people_selectors.PAGE - 1 :][:1]
    found = list(ids)
    return found[0] if found else None


def list_measurement(
    state: State,
    client: Client,
    label: str,
    subject: str,
    kwargs: dict[str, Any],
    url: str,
) -> list[Measurement]:
    def orm() -> people_selectors.PeoplePage:
        return people_selectors.people_page(state.user, **kwargs)

    def page() -> HttpResponseBase:
        return client.get(url)

    orm()
    raw = RawSQL.twin(orm)
    response = page()
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    samples = time_interleaved(
        {"orm": orm, "raw": raw, "page": page}, warmup=state.ctx.warmup, repeat=state.ctx.repeat
    )
    raw_stats = Stats.of(samples["raw"])
    return [
        Measurement(
            f"people list: selectors.people_page, {label}",
            subject,
            Stats.of(samples["orm"]),
            target_ms=LIST_TARGET_MS,
            raw=raw_stats,
            sql=raw.statements,
            extra={"plan": raw.explain()[-1]},
        ),
        Measurement(
            f"people list page: GET {url}",
            subject,
            Stats.of(samples["page"]),
            target_ms=LIST_TARGET_MS,
            raw=raw_stats,
            notes="Django test client in-process, logged in, whole page rendered",
        ),
    ]


def measure_lists(state: State, out: Out) -> None:
    client = Client()
    client.force_login(state.user)
    normal = PersonStatus.NORMAL.value
    people = Person.objects.filter(status=normal)
    # The largest grid and the largest county, by people of that status.
    by_grid = (
        people.filter(division_path__startswith=state.prefecture.path)
        .values("grid_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")[:1]
    )
    top = next(iter(by_grid))
    grid = Division.objects.get(pk=top["grid_id"])
    grid_people = top["n"]
    counties = Division.objects.filter(parent=state.prefecture, active=True)
    county, county_people = max(
        ((c, people.filter(division_path__startswith=c.path).count()) for c in counties),
        key=lambda pair: pair[1],
    )
    results: list[Measurement] = []
    grid_pages = (grid_people + people_selectors.PAGE - 1) // people_selectors.PAGE
    grid_depth = max(0, grid_pages - 1)
    kw: dict[str, Any] = {"grid": grid, "status": normal}
    base = f"/people/?grid={grid.code}&status={normal}"
    results += list_measurement(state, client, "grid + status, first page", grid.name, kw, base)
    if grid_depth:
        after = cursor_at(people.filter(grid=grid), grid_depth)
        results += list_measurement(
            state,
            client,
            f"grid + status, deepest page ({grid_depth + 1} of {grid_pages})",
            f"{grid.code} {grid.name}",
            {**kw, "after": after},
            f"{base}&after={after}",
        )
    county_pages = (county_people + people_selectors.PAGE - 1) // people_selectors.PAGE
    depth = min(LIST_DEPTH, county_pages - 1)
    kw = {"within": county, "status": normal}
    base = f"/people/?within={county.code}&status={normal}"
    results += list_measurement(state, client, "county + status, first page", county.name, kw, base)
    after = cursor_at(people.filter(division_path__startswith=county.path), depth)
    results += list_measurement(
        state,
        client,
        f"county + status, page {depth + 1:,} of {county_pages:,}",
        county.name,
        {**kw, "after": after},
        f"{base}&after={after}",
    )
    out.measurements += results
    for m in results:
        assert m.raw is not None
        out.summary.append(
            SummaryRow(
                f"{m.operation} — {m.subject}",
                f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
                f"p95 < {LIST_TARGET_MS:.0f} ms",
                f"raw SQL p50 {fmt_ms(m.raw.p50)} / p95 {fmt_ms(m.raw.p95)} ms",
                m.met,
            )
        )
    out.findings.append(
        f"People lists: the largest grid ({grid.code}) holds {grid_people:,} people of status"
        f" normal, {grid_pages} pages of {people_selectors.PAGE}: a grid cannot be 1,000 pages"
        f" deep at this scale, so the 1,000-page measurement filters by county"
        f" ({county.name} {county.code}, {county_people:,} people, {county_pages:,} pages) and"
        " status; the grid filter is measured at its first and its deepest page."
    )


# --- 5. dashboard ------------------------------------------------------------------------------


def measure_dashboard(state: State, out: Out) -> None:
    try:
        from fangkong.zeroreport import actions as zero_actions
        from fangkong.zeroreport import dashboard as board
    except ImportError as exc:
        raise Unavailable(f"fangkong.zeroreport: {exc}") from exc
    division = state.prefecture
    client = Client()
    client.force_login(state.user)
    url = f"/zero/d/{division.code}/dashboard/"

    def fn() -> Any:
        result = board.dashboard(state.user, division, state.today, "screened")
        return board.payload(result)

    def page() -> HttpResponseBase:
        return client.get(url)

    response = page()
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    fn()
    raw = RawSQL.twin(fn)
    samples = time_interleaved(
        {"fn": fn, "raw": raw, "page": page}, warmup=state.ctx.warmup, repeat=state.ctx.repeat
    )
    raw_stats = Stats.of(samples["raw"])
    page_m = Measurement(
        f"dashboard: GET {url}",
        f"{division.name}, {division.n_children} children",
        Stats.of(samples["page"]),
        target_ms=DASHBOARD_TARGET_MS,
        raw=raw_stats,
        raw_label="its queries, raw SQL",
        notes="test client in-process; today's figures by child, 30-day trend",
    )
    fn_m = Measurement(
        "dashboard: zeroreport.dashboard.dashboard + payload",
        division.name,
        Stats.of(samples["fn"]),
        target_ms=DASHBOARD_TARGET_MS,
        raw=raw_stats,
        sql=raw.statements,
    )
    out.measurements += [page_m, fn_m]
    for m in (page_m, fn_m):
        out.summary.append(
            SummaryRow(
                m.operation,
                f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
                f"p95 < {DASHBOARD_TARGET_MS:.0f} ms",
                f"its {len(raw.statements)} queries raw: p50 {fmt_ms(raw_stats.p50)} ms",
                m.met,
            )
        )
    grids = Division.objects.filter(level=Level.GRID, path__startswith=division.path).count()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        zero_actions.refresh_grid_days(day=state.today, under=division)
        times.append(time.perf_counter() - start)
    out.summary.append(
        SummaryRow(
            f"refresh of today's GridDay rows for {division.name} ({grids:,} grids)",
            f"{min(times):.2f} s (best of 3; {', '.join(f'{t:.2f}' for t in times)})",
            "—",
            "—",
            None,
            notes="zeroreport.actions.refresh_grid_days(day=today, under=prefecture)",
        )
    )


WORKBENCH_TARGET_MS = 300.0


def workbench_users(state: State) -> list[tuple[str, User]]:
    """The prefecture's command office, and the secretary and a grid worker of the village with
    the most people: the three kinds of workbench with the most to count."""
    from fangkong.people.models import Person
    from fangkong.regions.models import Division

    busiest = (
        Person.objects.filter(division_path__startswith=state.prefecture.path)
        .values("grid_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        raise Unavailable("no people in the prefecture")
    grid = Division.objects.select_related("parent").get(pk=busiest["grid_id"])
    village = grid.parent
    assert village is not None  # a grid always has its village
    users = [(f"{state.prefecture.name} command office", state.user)]
    for role, home, name in (
        (Role.VILLAGE_SECRETARY, village, "bench-village"),
        (Role.GRID_WORKER, grid, "bench-grid"),
    ):
        user = User.objects.filter(username=name).first()
        if user is None or user.home_division_id != home.pk:
            User.objects.filter(username=name).delete()
            user = account_actions.create_user(
                actor=None,
                username=name,
                password=uuid.uuid4().hex + "Aa1!",
                home_division=home,
                roles=[role],
                full_name=name,
            )
        label = "village secretary" if role == Role.VILLAGE_SECRETARY else "grid worker"
        users.append((f"{label}, {home.name} ({home.path})", user))
    return users


def measure_workbench(state: State, out: Out) -> None:
    """Every role's home page (issue #8): the to-do counts and the roll-up, in-process through
    the test client, beside the same statements run as raw SQL."""
    from fangkong.core import workbench

    for label, user in workbench_users(state):
        user = User.objects.select_related("home_division").get(pk=user.pk)
        client = Client()
        client.force_login(user)

        def page(client: Client = client) -> HttpResponseBase:
            return client.get("/")

        home = user.home_division
        assert home is not None

        def fn(user: User = user, home: Any = home) -> Any:
            return workbench.build(user, home)

        response = page()
        if response.status_code != 200:
            raise SystemExit(f"GET / as {user.username} answered {response.status_code}")
        raw = RawSQL.twin(fn)
        samples = time_interleaved(
            {"page": page, "raw": raw}, warmup=state.ctx.warmup, repeat=state.ctx.repeat
        )
        raw_stats = Stats.of(samples["raw"])
        m = Measurement(
            f"workbench: GET / as {user.username}",
            label,
            Stats.of(samples["page"]),
            target_ms=WORKBENCH_TARGET_MS,
            raw=raw_stats,
            raw_label="its counts, raw SQL",
            sql=raw.statements,
            notes="test client in-process; to-do counts (and the roll-up for a command office)",
        )
        out.measurements.append(m)
        out.summary.append(
            SummaryRow(
                m.operation,
                f"p50 {fmt_ms(m.stats.p50)} / p95 {fmt_ms(m.stats.p95)} ms",
                f"p95 < {WORKBENCH_TARGET_MS:.0f} ms",
                f"its {len(raw.statements)} queries raw: p50 {fmt_ms(raw_stats.p50)} ms",
                m.met,
                notes=label,
            )
        )


# --- 6. export ---------------------------------------------------------------------------------


def probe(state: State, mode: str, **options: Any) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": state.ctx.database_url}
    command = [
        sys.executable, "-m", "bench.gridops_probe", mode, "--user", USERNAME,
        "--options", json.dumps(options),
    ]  # fmt: skip
    connections.close_all()
    done = subprocess.run(  # noqa: S603 - fixed command
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"probe {mode} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line[6:])
    return result


def measure_export(state: State, out: Out) -> None:
    try:
        from fangkong.bulk import exports  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"fangkong.bulk.exports: {exc}") from exc
    exports_: list[dict[str, Any]] = []
    copies: list[dict[str, Any]] = []
    for _ in range(state.ctx.runs):  # alternating, as time_interleaved does
        exports_.append(probe(state, "export-csv"))
        copies.append(probe(state, "copy-csv"))
    export, copy = exports_[-1], copies[-1]
    rows = export["rows"]
    if any(run["rows"] != rows for run in exports_):
        raise SystemExit(f"the export runs wrote different row counts: {exports_}")
    timed = Runs.of([run["seconds"] for run in exports_])
    copy_timed = Runs.of([run["seconds"] for run in copies])
    rss = max(run["maxrss_mb"] for run in exports_)
    rps = timed.rate(rows)
    out.summary.append(
        SummaryRow(
            f"export: {rows:,} people as CSV, bulk.exports.write_csv (subprocess)",
            f"{timed.rates(rows)}, peak RSS {rss:.0f} MB",
            f"≥ {EXPORT_TARGET_RPS:,} rows/s, < {EXPORT_MAX_MB} MB",
            f"COPY (same SELECT) TO STDOUT: {copy_timed.rates(copy['rows'])},"
            f" {max(run['maxrss_mb'] for run in copies):.0f} MB",
            rps >= EXPORT_TARGET_RPS and rss < EXPORT_MAX_MB and rows >= state.scale.people * 0.99,
            notes=f"{export['bytes'] / 1e6:.0f} MB of CSV written to /dev/null a run;"
            f" RSS before the export {export['rss_before_mb']:.0f} MB (Django loaded). Peak RSS"
            " is the probe's VmHWM (ru_maxrss survives exec and would show the parent's), the"
            f" highest of the {timed.n} runs. COPY wrote {copy['bytes'] / 1e6:.0f} MB of its"
            " own text format.",
            samples={
                "rows": rows,
                "write_csv_seconds": list(timed.seconds),
                "copy_seconds": list(copy_timed.seconds),
                "write_csv_maxrss_mb": [run["maxrss_mb"] for run in exports_],
            },
        )
    )
    out.extra["export"] = {"write_csv": exports_, "copy": copies}


def measure_http_export(state: State, out: Out) -> None:
    """The same export streamed from gunicorn, read by a client that throws it away."""
    try:
        from fangkong.bulk import export_api  # noqa: F401
    except ImportError:
        out.notes.append("HTTP export: fangkong.bulk.export_api not available; not measured.")
        return
    path = "/api/exports/people?format=csv"
    headers = {"Authorization": f"Bearer {state.token}"}
    assert state.server is not None
    walls: list[float] = []
    splits: list[str] = []
    sizes: set[tuple[int, int]] = set()
    for _ in range(state.ctx.runs):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
        before = state.server.cpu()
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        size = 0
        lines = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
        wall = time.perf_counter() - start
        after = state.server.cpu()
        conn.close()
        if response.status != 200:
            out.notes.append(f"HTTP export: GET {path} answered {response.status}; not measured.")
            return
        walls.append(wall)
        splits.append(cpu_split(before, after, 0.0, wall))
        sizes.add((lines - 1, size))
    if len(sizes) != 1:
        raise SystemExit(f"the HTTP export runs sent different sizes: {sizes}")
    ((rows, size),) = sizes
    timed = Runs.of(walls)
    median_run = walls.index(sorted(walls)[(len(walls) - 1) // 2])
    out.summary.append(
        SummaryRow(
            f"export over HTTP: GET {path} from gunicorn",
            f"{timed.rates(rows)}; {rows:,} rows, {size / 1e6:.0f} MB",
            f"≥ {EXPORT_TARGET_RPS:,} rows/s",
            "—",
            timed.rate(rows) >= EXPORT_TARGET_RPS,
            notes=f"Run {median_run + 1} of {timed.n}: {splits[median_run]}.",
            samples={"rows": rows, "seconds": walls},
        )
    )


# --- the scenario ------------------------------------------------------------------------------


def scale_of(state: State) -> tuple[dict[str, Any], str]:
    grids = Division.objects.filter(level=Level.GRID, path__startswith=state.prefecture.path)
    counts = {
        "grids": grids.count(),
        "villages": Division.objects.filter(
            level=Level.VILLAGE, path__startswith=state.prefecture.path
        ).count(),
        "households": Person.objects.values("household_id").distinct().count(),
        "people": Person.objects.count(),
        "screenings": Screening.objects.count(),
        "observations": Observation.objects.count(),
        "observations_active": Observation.objects.filter(status="active").count(),
        "check_ins": CheckIn.objects.count(),
    }
    try:
        from fangkong.zeroreport.models import GridDay

        counts["grid_days"] = GridDay.objects.count()
    except ImportError:
        pass
    text = (
        f"{state.prefecture.name} ({state.prefecture.code}) of the real Jilin tree,"
        f" {counts['villages']:,} villages with {counts['grids']:,} synthetic grids;"
        f" {counts['households']:,} households, {counts['people']:,} people,"
        f" {counts['screenings']:,} screenings, {counts['observations']:,} observations"
        f" ({counts['observations_active']:,} active), {counts['check_ins']:,} check-ins,"
        f" {counts.get('grid_days', 0):,} grid days (--scale {state.scale.factor:g})."
    )
    return {**counts, "factor": state.scale.factor}, text


NOTES = [
    "Data: people and households are COPYed from Python (names, ages, sexes, valid resident ID"
    " numbers and phones from fangkong.demo.population.PopulationGenerator), screenings,"
    " observations and check-ins generated inside PostgreSQL (INSERT … SELECT), grids as"
    " create_grid codes them; see bench/gridops_data.py.",
    "The bench user is the prefecture's command office with the city and county command roles"
    " (so it may read everything and record check-ins across the prefecture); its API token is"
    " created with accounts.actions.create_token.",
    "gunicorn runs exactly as docs/deployment.md names it (fangkong.wsgi, 2 sync workers,"
    " access log on), on the same 2-core machine as PostgreSQL, the load generator and this"
    " process: every figure shares those cores.",
    "People are loaded grid by grid, so a county's people have neighbouring ids: a keyset page"
    " ordered by id (the people list) finds its rows close together, more than a registry"
    " filled over months would.",
    "Today's check-ins made by the measurements are deleted at the start and end of a run, so a"
    " rerun on a kept database (--keep-db) has the same open observations.",
    "The bench runs with FANGKONG_REQUIRE_2FA off: its pages are timed for a session past its"
    " login steps (the test client's force_login has no second factor); tokens never need it.",
    "Imports and exports are each run end to end several times (--runs, 3 by default), the"
    " physical limit alternating with them: their figure is the median run, the slowest and"
    " fastest beside it; the seconds of every run are in the JSON (summary → samples).",
]


def run(ctx: Context) -> ScenarioResult:
    started = timezone.now()
    scale = data.Scale.of(ctx.scale)
    prepare(ctx, scale)
    user, token, added = bench_user(ctx.setup)
    state = State(
        ctx=ctx,
        scale=scale,
        user=user,
        token=token,
        prefecture=data.prefecture(),
        today=data.today(),
    )
    reset_today(state.today)
    out = Out(notes=list(NOTES))
    if added:
        out.notes.append(
            "The bench user's roles lacked " + ", ".join(added) + "; granted to the user directly."
        )
    load_at_start = load_average()
    steps: list[tuple[str, Callable[[State, Out], None]]] = [
        ("lists", measure_lists),
        ("dashboard", measure_dashboard),
        ("workbench", measure_workbench),
        ("import", measure_import),
        ("check-in API", measure_api),
        ("export", measure_export),
    ]
    only = {s for s in os.environ.get("BENCH_GRIDOPS_ONLY", "").split(",") if s}
    for label, measure in steps:
        if only and label not in only:
            continue
        print(f"  measuring {label} …", flush=True)
        started_step = time.perf_counter()
        try:
            measure(state, out)
        except Unavailable as exc:
            out.summary.append(SummaryRow(label, "not available", notes=str(exc)))
            print(f"    not available: {exc}", flush=True)
        print(f"    {time.perf_counter() - started_step:.1f} s", flush=True)
    connections.close_all()
    reset_today(state.today)
    data_scale, text = scale_of(state)
    env = environment()
    env["load_average_start"], env["load_average_end"] = load_at_start, load_average()
    return ScenarioResult(
        scenario=NAME,
        title=f"{NAME} — grid operations at prefecture scale (issue #3)",
        scale=data_scale,
        scale_text=text,
        environment=env,
        parameters={
            "repeat": ctx.repeat,
            "warmup": ctx.warmup,
            "seed": ctx.seed,
            "scale": ctx.scale,
            "runs": ctx.runs,
            "user": f"{USERNAME} (city + county command, home {state.prefecture.name})",
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
