"""The benchmark harness: timing, percentiles, the raw-SQL twin of an ORM call, the database the
benchmark owns, the environment it ran in, and the result files.

Nothing here knows about a particular scenario; ``bench/scenarios/*`` use it. Django is imported
lazily where a function needs a configured project, so the pure helpers (percentiles, result
files) can be used and tested on their own.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench"


# --- statistics ------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks.

    The same definition as numpy's default and ``statistics.quantiles(method="inclusive")``:
    p0 is the minimum, p100 the maximum, p50 of an even count the mean of the middle two.
    """
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0-100")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Stats:
    """Summary of timed samples, in milliseconds, and the samples themselves (in the order they
    were timed) so the result file holds every one of them."""

    n: int
    p50: float
    p95: float
    max: float
    min: float
    mean: float
    samples: tuple[float, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> Stats:
        return cls(
            n=len(samples_ms),
            p50=percentile(samples_ms, 50),
            p95=percentile(samples_ms, 95),
            max=max(samples_ms),
            min=min(samples_ms),
            mean=sum(samples_ms) / len(samples_ms),
            samples=tuple(samples_ms),
        )

    def get(self, name: str) -> float:
        value: float = getattr(self, name)
        return value


@dataclass(frozen=True)
class Runs:
    """Wall-clock seconds of a measurement run several times end to end (an import, an export).

    One run of a throughput says little on a shared machine (COPY alone went from 21,500 to
    37,800 rows/s between two runs), so such figures are the median of the runs, with the
    slowest and fastest beside it.
    """

    seconds: tuple[float, ...]

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Runs:
        if not seconds:
            raise ValueError("no runs")
        return cls(tuple(seconds))

    @property
    def n(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float:
        return percentile(self.seconds, 50)

    def rate(self, count: float) -> float:
        """``count`` per second at the median run."""
        return count / self.median if self.median > 0 else math.inf

    def rates(self, count: float, unit: str = "rows/s") -> str:
        """'12,984 rows/s (median of 3 runs, 12,100–13,500; 7.70 s)': the rate at the
        median run, then at the slowest and the fastest, and the median run's seconds."""
        slowest, fastest = max(self.seconds), min(self.seconds)
        spread = (
            f"median of {self.n} runs, {count / slowest:,.0f}–{count / fastest:,.0f}; "
            if self.n > 1
            else "one run; "
        )
        return f"{self.rate(count):,.0f} {unit} ({spread}{self.median:.2f} s)"


# --- timing ----------------------------------------------------------------------------------


def time_calls(fn: Callable[[], object], *, warmup: int, repeat: int) -> list[float]:
    """Call ``fn`` ``warmup`` times untimed, then ``repeat`` times timed; samples in ms."""
    return time_interleaved({"fn": fn}, warmup=warmup, repeat=repeat)["fn"]


def time_interleaved(
    fns: Mapping[str, Callable[[], object]], *, warmup: int, repeat: int
) -> dict[str, list[float]]:
    """Time several ways of doing the same thing, alternating them in every round.

    Alternating (ORM, raw SQL, ORM, raw SQL, ...) rather than running one series after the
    other keeps cache state and background noise the same for each, so their ratio is fair.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter_ns()
            fn()
            samples[name].append((time.perf_counter_ns() - start) / 1e6)
    return samples


@dataclass
class SetupStep:
    name: str
    seconds: float
    detail: str = ""


@dataclass
class SetupLog:
    """Wall-clock seconds of the steps that build the data (also part of the result)."""

    steps: list[SetupStep] = field(default_factory=list)

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[SetupStep]:
        entry = SetupStep(name=name, seconds=0.0, detail=detail)
        print(f"  {name} …", end="", flush=True)
        start = time.perf_counter()
        yield entry
        entry.seconds = time.perf_counter() - start
        self.steps.append(entry)
        print(f" {entry.seconds:.2f} s {entry.detail}".rstrip(), flush=True)


# --- measurements and results ----------------------------------------------------------------


@dataclass
class Measurement:
    """One operation timed on one subject, with its raw-SQL twin when there is one.

    ``target_ms`` applies to ``target_stat`` (p95 unless said otherwise); ``ratio`` is the
    operation's p50 over the raw SQL's p50, i.e. what the layers above the database cost.
    """

    operation: str
    subject: str
    stats: Stats
    target_ms: float | None = None
    target_stat: str = "p95"
    raw: Stats | None = None
    raw_label: str = "raw SQL"
    sql: list[str] = field(default_factory=list)
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target_ms is None:
            return None
        return self.stats.get(self.target_stat) < self.target_ms

    @property
    def ratio(self) -> float | None:
        if self.raw is None or self.raw.p50 <= 0:
            return None
        return self.stats.p50 / self.raw.p50

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "subject": self.subject,
            "unit": "ms",
            **asdict(self.stats),
            "target_ms": self.target_ms,
            "target_stat": self.target_stat if self.target_ms is not None else None,
            "met": self.met,
            "raw": asdict(self.raw) if self.raw is not None else None,
            "raw_label": self.raw_label if self.raw is not None else None,
            "ratio_p50": self.ratio,
            "sql": self.sql,
            "notes": self.notes,
            **({"extra": self.extra} if self.extra else {}),
        }


@dataclass
class SummaryRow:
    """One line of a scenario's summary table, for figures that are not latencies alone
    (throughputs, memory): what was measured, the target, the physical limit or raw figure
    beside it in the same run, and whether the target was met (None: no target or skipped)."""

    operation: str
    measured: str
    target: str = "—"
    limit: str = "—"
    met: bool | None = None
    notes: str = ""
    # The figures behind the row: the seconds of each run (name → list), and the like.
    samples: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "**miss**", None: "—"}[self.met]


@dataclass
class ScenarioResult:
    scenario: str
    title: str
    scale: dict[str, Any]
    environment: dict[str, Any]
    parameters: dict[str, Any]
    setup: list[SetupStep] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: list[SummaryRow] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    scale_text: str = ""
    started_at: str = ""
    finished_at: str = ""
    # Run at the data size the issue names (``--scale 1``, default ``--grids``): only such a run
    # is quoted in the README (bench/readme.py). None: not said (results written before).
    full_scale: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "scale": self.scale,
            "scale_text": self.scale_text,
            **({"full_scale": self.full_scale} if self.full_scale is not None else {}),
            "parameters": self.parameters,
            "environment": self.environment,
            "setup": [asdict(s) for s in self.setup],
            "measurements": [m.to_dict() for m in self.measurements],
            "findings": self.findings,
            "notes": self.notes,
            **({"summary": [asdict(r) for r in self.summary]} if self.summary else {}),
            **({"extra": self.extra} if self.extra else {}),
        }


def utc_stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _is_number_list(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


def dumps(data: Any) -> str:
    """JSON indented for reading, but a list of numbers (the samples) on one line."""
    lists: list[str] = []

    def fold(value: Any) -> Any:
        if _is_number_list(value):
            lists.append(json.dumps(list(value)))
            return f"\x00{len(lists) - 1}\x00"
        if isinstance(value, dict):
            return {k: fold(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [fold(v) for v in value]
        return value

    text = json.dumps(fold(data), ensure_ascii=False, indent=2)
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: lists[int(m.group(1))], text)


def write_results(
    result: ScenarioResult, directory: Path = RESULTS_DIR, *, stamp: str | None = None
) -> tuple[Path, Path]:
    """Write ``<stamp>-<scenario>.json`` and ``latest-<scenario>.md``; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = stamp or utc_stamp()
    json_path = directory / f"{stamp}-{result.scenario}.json"
    md_path = directory / f"latest-{result.scenario}.md"
    _write_atomically(json_path, dumps(result.to_dict()) + "\n")
    _write_atomically(md_path, render_markdown(result, json_name=json_path.name))
    return json_path, md_path


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: ScenarioResult, *, json_name: str = "") -> str:
    env = result.environment
    lines = [f"# Benchmark: {result.title}", ""]
    lines.append(
        f"Run {result.started_at} on {env.get('cpu_count', '?')} CPUs"
        f" ({env.get('cpu_model', 'unknown CPU')}), {env.get('postgresql', 'unknown database')},"
        f" Python {env.get('python', '?')}, Django {env.get('django', '?')},"
        f" commit {env.get('git_commit', '?')[:12]}"
        f"{' (with uncommitted changes)' if env.get('git_dirty') else ''}."
    )
    if "load_average_start" in env:
        lines.append(
            f"Load average (1/5/15 min) {env['load_average_start']} at the start,"
            f" {env.get('load_average_end', '?')} at the end of the measurements."
        )
    if json_name:
        lines.append(
            "Every sample the harness timed (each latency, and the seconds of each run of a"
            f" throughput), the SQL and the plans are in `{json_name}`."
        )
    lines += ["", f"**Scale:** {result.scale_text or json.dumps(result.scale, ensure_ascii=False)}"]
    params = result.parameters
    lines += [
        "",
        f"Each figure: {params.get('warmup', '?')} warm-up runs, then {params.get('repeat', '?')}"
        " timed runs, in milliseconds. *met?* compares the target with the p95 (the figure"
        " named in the target column). *raw SQL* is the same statement the ORM sent, run"
        " directly through a psycopg cursor in the same run, alternating with it (the physical"
        " limit); *ratio* = p50 / raw p50.",
        "",
    ]
    if result.setup:
        lines += ["## Setup", "", "| step | seconds | detail |", "|---|---:|---|"]
        lines += [
            f"| {_cell(s.name)} | {s.seconds:.2f} | {_cell(s.detail)} |" for s in result.setup
        ]
        lines.append("")
    if result.summary:
        lines += [
            "## Summary",
            "",
            "| operation | measured | target | physical limit / raw figure | pass/miss |",
            "|---|---:|---|---|---|",
        ]
        lines += [
            f"| {_cell(r.operation)} | {_cell(r.measured)} | {_cell(r.target)} "
            f"| {_cell(r.limit)} | {r.verdict} |"
            for r in result.summary
        ]
        lines += [""]
        notes = [r for r in result.summary if r.notes]
        if notes:
            lines += [f"- *{_cell(r.operation)}*: {r.notes}" for r in notes]
            lines.append("")
    lines += [
        "## Measurements",
        "",
        "| operation | p50 | p95 | max | target | met? | raw SQL p50/p95 | ratio |",
        "|---|---:|---:|---:|---|---|---:|---:|",
    ]
    for m in result.measurements:
        target = f"{m.target_stat} < {fmt_ms(m.target_ms)}" if m.target_ms is not None else "—"
        met = {True: "yes", False: "**NO**", None: "—"}[m.met]
        raw = f"{fmt_ms(m.raw.p50)} / {fmt_ms(m.raw.p95)}" if m.raw is not None else "—"
        ratio = f"{m.ratio:.2f}×" if m.ratio is not None else "—"
        name = f"{m.operation} — {m.subject}" if m.subject else m.operation
        lines.append(
            f"| {_cell(name)} | {fmt_ms(m.stats.p50)} | {fmt_ms(m.stats.p95)} "
            f"| {fmt_ms(m.stats.max)} | {target} | {met} | {raw} | {ratio} |"
        )
    if result.findings:
        lines += ["", "## Findings", ""]
        lines += [f"- {f}" for f in result.findings]
    if result.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {n}" for n in result.notes]
    lines += ["", "## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {_cell(str(v))} |" for k, v in env.items()]
    return "\n".join(lines) + "\n"


# --- the raw-SQL twin of an ORM call ---------------------------------------------------------


@dataclass(frozen=True)
class CapturedQuery:
    sql: str
    params: Any


def capture_queries(
    fn: Callable[[], object], using: str = "default"
) -> tuple[object, list[CapturedQuery]]:
    """Run ``fn`` once and return its result and every statement it sent, with parameters."""
    from django.db import connections

    captured: list[CapturedQuery] = []

    def wrapper(
        execute: Callable[..., Any], sql_: str, params: Any, many: bool, context: Any
    ) -> Any:
        captured.append(CapturedQuery(sql_, params))
        return execute(sql_, params, many, context)

    with connections[using].execute_wrapper(wrapper):
        result = fn()
    return result, captured


class RawSQL:
    """Statements run directly on the driver: no ORM, no model instances, only fetchall().

    The statements are made literal once with psycopg's client-side binding, which is what
    Django's psycopg backend does by default, so the server receives the very text the ORM sent
    and plans it the same way.
    """

    def __init__(self, statements: Sequence[str], using: str = "default") -> None:
        self.statements = list(statements)
        self.using = using

    @classmethod
    def of(cls, queries: Sequence[CapturedQuery], using: str = "default") -> RawSQL:
        from django.db import connections

        connection = connections[using]
        connection.ensure_connection()
        with psycopg.ClientCursor(connection.connection) as cursor:
            texts = [_as_text(cursor.mogrify(q.sql, q.params)) for q in queries]
        return cls(texts, using=using)

    @classmethod
    def twin(cls, fn: Callable[[], object], using: str = "default") -> RawSQL:
        """The raw-SQL twin of ``fn``: the statements ``fn`` sends, to be run without it."""
        _result, queries = capture_queries(fn, using)
        return cls.of(queries, using)

    def __call__(self) -> int:
        from django.db import connections

        rows = 0
        with connections[self.using].connection.cursor() as cursor:
            for statement in self.statements:
                cursor.execute(statement.encode())
                rows += len(cursor.fetchall())
        return rows

    def explain(self, analyze: bool = True) -> list[str]:
        """EXPLAIN (ANALYZE, BUFFERS) of each statement, as text."""
        from django.db import connections

        plans = []
        option = "ANALYZE, BUFFERS" if analyze else "COSTS"
        with connections[self.using].connection.cursor() as cursor:
            for statement in self.statements:
                cursor.execute(f"EXPLAIN ({option}) {statement}".encode())
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return plans


def _as_text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def run_sql(statement: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> int:
    """Run one hand-written statement on the driver and fetch every row; returns the row count."""
    from django.db import connections

    with connections["default"].connection.cursor() as cursor:
        cursor.execute(statement, params)
        return len(cursor.fetchall())


# --- the benchmark's own database ------------------------------------------------------------


def _admin_conninfo(url: str) -> tuple[str, str]:
    """The conninfo of the maintenance database on the same server, and the target db name."""
    params = conninfo_to_dict(url)
    name = str(params.get("dbname") or "")
    if not name:
        raise SystemExit(f"BENCH_DATABASE_URL names no database: {url}")
    params["dbname"] = "postgres"
    return make_conninfo("", **params), name


def database_exists(url: str) -> bool:
    admin, name = _admin_conninfo(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def recreate_database(url: str) -> None:
    """DROP (forcing out other sessions) and CREATE the database ``url`` names."""
    admin, name = _admin_conninfo(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    admin, name = _admin_conninfo(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- where it ran ----------------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["git", *args],  # noqa: S607 - git from PATH, as every developer runs it
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def load_average() -> str:
    """1/5/15-minute load average: other work on the machine skews every figure."""
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def environment(using: str = "default") -> dict[str, Any]:
    """CPU, memory, Python, Django, PostgreSQL (version and the settings that matter), git."""
    import django
    from django.db import connections

    env: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
    }
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            env["postgresql"] = str(cursor.fetchone()[0]).split(" on ")[0]
            for setting in ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {setting}")
                env[f"pg_{setting}"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()"
            )
            collate, ctype = cursor.fetchone()
            env["pg_collation"] = f"{collate} / {ctype}"
        env["database"] = connection.settings_dict["NAME"]
    else:
        env["database"] = f"{connection.vendor} {connection.settings_dict['NAME']}"
    env["git_commit"] = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain")
    env["git_dirty"] = any(line and "bench/results/" not in line for line in status.splitlines())
    env["argv"] = " ".join(sys.argv)
    return env
