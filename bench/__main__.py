"""``python -m bench``: (re)create the benchmark database, migrate, run scenarios, write results.

The benchmark owns its database: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/fangkong_bench; never DATABASE_URL, which may name a database
someone cares about) is dropped and created from scratch, and
dropped again at the end unless ``--keep-db`` is given. With ``--keep-db`` an existing database
is reused when it already holds the requested scale (setup is then not timed), as Django's
``test --keepdb`` does. A scenario listed in ``bench.scenarios.OWN_DATABASE`` (gridops) gets
a database of its own, BENCH_DATABASE_URL's name plus ``_<scenario>``.

Results of a full-scale run go to ``bench/results/`` (committed; ``python -m bench.readme``
then quotes them in the README); a smaller run writes to ``TRY_RESULTS_DIR`` instead, so a
quick try never replaces the committed figures. ``--results-dir`` chooses either way.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

from bench.harness import (
    DEFAULT_DATABASE_URL,
    RESULTS_DIR,
    SetupLog,
    database_exists,
    drop_database,
    fmt_ms,
    recreate_database,
    utc_stamp,
    write_results,
)
from bench.scenarios import OWN_DATABASE, SCENARIOS, Context

DEFAULT_GRIDS = 120_000
# Where a run below full scale writes, unless --results-dir says otherwise.
TRY_RESULTS_DIR = Path(tempfile.gettempdir()) / "fangkong-bench-results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Fangkong benchmarks on PostgreSQL; results go to bench/results/.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="scenario to run (repeatable; default: all)",
    )
    parser.add_argument(
        "--repeat", type=int, default=30, help="timed runs per operation (default 30)"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed runs before timing (default 3)"
    )
    parser.add_argument(
        "--grids", type=int, default=DEFAULT_GRIDS, help="grids to spread over the villages"
    )
    parser.add_argument("--seed", type=int, default=2020, help="seed of the synthetic data")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="data size of scenarios that scale (gridops: 1 = 1,000,000 people; 0.02 to try)",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="reuse the database when it exists at this scale, and keep it afterwards",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="end-to-end runs of each import and export; the median is reported (default 3)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help=f"where the results go (default: bench/results/ at full scale, {TRY_RESULTS_DIR}"
        " for a smaller run, so a try never replaces the committed results)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.grids < 0 or args.runs < 1:
        parser.error("--repeat and --runs must be at least 1; --warmup and --grids not negative")
    if not 0 < args.scale <= 1:
        parser.error("--scale must be above 0 and at most 1")
    args.full_scale = args.scale == 1 and args.grids == DEFAULT_GRIDS
    if args.results_dir is None:
        args.results_dir = RESULTS_DIR if args.full_scale else TRY_RESULTS_DIR
    return args


def configure_django() -> None:
    """Set up Django for the benchmark database, serving pages the way the tests do."""
    import django
    from django.conf import settings

    django.setup()
    # The page benchmark renders templates through the test client: serve static URLs without
    # a collectstatic manifest (as conftest.py does) and accept the test client's host name.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def scenario_url(url: str, name: str) -> str:
    """The database of scenario ``name``: BENCH_DATABASE_URL's, or its own (``<db>_<name>``)."""
    if name not in OWN_DATABASE:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{name}"))


def use_database(url: str) -> None:
    """Point Django's default connection at ``url`` (a scenario with its own database)."""
    from django.db import connections
    from psycopg.conninfo import conninfo_to_dict

    connections.close_all()
    connections["default"].settings_dict["NAME"] = conninfo_to_dict(url)["dbname"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"The benchmark runs on PostgreSQL; BENCH_DATABASE_URL is {url!r}.", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    # The pages are timed for a bench user (a command office) logged in by the test client's
    # force_login, i.e. a session past its login steps; with the second factor required that
    # session would be sent to enrol one. API tokens never need it. Inherited by gunicorn.
    os.environ["FANGKONG_REQUIRE_2FA"] = "false"
    names = args.scenario or sorted(SCENARIOS)
    urls = {name: scenario_url(url, name) for name in names}
    configure_django()
    from django.core.management import call_command
    from django.db import connections

    prepared: dict[str, tuple[bool, SetupLog]] = {}
    try:
        for name in names:
            db_url = urls[name]
            if db_url not in prepared:
                reuse = args.keep_db and database_exists(db_url)
                common = SetupLog()
                print(f"Benchmark database {db_url}" + (" (reused)" if reuse else ""))
                connections.close_all()
                if not reuse:
                    with common.step("create database", "DROP/CREATE DATABASE"):
                        recreate_database(db_url)
                use_database(db_url)
                with common.step("migrate", "manage.py migrate"):
                    call_command("migrate", interactive=False, verbosity=0)
                prepared[db_url] = (reuse, common)
            use_database(db_url)
            reuse, common = prepared[db_url]
            module = import_module(SCENARIOS[name])
            print(f"\n== {name}: {module.DESCRIPTION}")
            ctx = Context(
                repeat=args.repeat,
                warmup=args.warmup,
                grids=args.grids,
                seed=args.seed,
                reused_database=reuse,
                setup=SetupLog(list(common.steps)),
                scale=args.scale,
                database_url=db_url,
                runs=args.runs,
            )
            started = time.time()
            result = module.run(ctx)
            result.full_scale = args.full_scale
            json_path, md_path = write_results(result, args.results_dir, stamp=utc_stamp())
            print(f"\n{name} done in {time.time() - started:.0f} s")
            for m in result.measurements:
                verdict = {True: "met", False: "MISSED", None: ""}[m.met]
                print(
                    f"  {m.operation} — {m.subject}: p50 {fmt_ms(m.stats.p50)} "
                    f"p95 {fmt_ms(m.stats.p95)} max {fmt_ms(m.stats.max)} ms {verdict}"
                )
            for row in result.summary:
                print(f"  {row.operation}: {row.measured} (target {row.target}) {row.verdict}")
            print(f"  → {json_path}\n  → {md_path}")
    finally:
        connections.close_all()
        if not args.keep_db:
            for db_url in prepared:
                drop_database(db_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
