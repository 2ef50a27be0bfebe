"""``python -m bench``: (re)create the benchmark database, migrate, run scenarios, write results.

The benchmark owns its database: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/fangkong_bench; never DATABASE_URL, which may name a database
someone cares about) is dropped and created from scratch, and
dropped again at the end unless ``--keep-db`` is given. With ``--keep-db`` an existing database
is reused when it already holds the requested scale (setup is then not timed), as Django's
``test --keepdb`` does.
"""

from __future__ import annotations

import argparse
import os
import sys
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
from bench.scenarios import SCENARIOS, Context


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
        "--grids", type=int, default=120_000, help="grids to spread over the villages"
    )
    parser.add_argument("--seed", type=int, default=2020, help="seed of the synthetic data")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="reuse the database when it exists at this scale, and keep it afterwards",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.grids < 0:
        parser.error("--repeat must be at least 1; --warmup and --grids not negative")
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"The benchmark runs on PostgreSQL; BENCH_DATABASE_URL is {url!r}.", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")

    reuse = args.keep_db and database_exists(url)
    common = SetupLog()
    print(f"Benchmark database {url}" + (" (reused)" if reuse else ""))
    if not reuse:
        with common.step("create database", "DROP/CREATE DATABASE"):
            recreate_database(url)
    configure_django()
    from django.core.management import call_command
    from django.db import connections

    try:
        with common.step("migrate", "manage.py migrate"):
            call_command("migrate", interactive=False, verbosity=0)
        for name in args.scenario or sorted(SCENARIOS):
            module = import_module(SCENARIOS[name])
            print(f"\n== {name}: {module.DESCRIPTION}")
            ctx = Context(
                repeat=args.repeat,
                warmup=args.warmup,
                grids=args.grids,
                seed=args.seed,
                reused_database=reuse,
                setup=SetupLog(list(common.steps)),
            )
            started = time.time()
            result = module.run(ctx)
            json_path, md_path = write_results(result, args.results_dir, stamp=utc_stamp())
            print(f"\n{name} done in {time.time() - started:.0f} s")
            for m in result.measurements:
                verdict = {True: "met", False: "MISSED", None: ""}[m.met]
                print(
                    f"  {m.operation} — {m.subject}: p50 {fmt_ms(m.stats.p50)} "
                    f"p95 {fmt_ms(m.stats.p95)} max {fmt_ms(m.stats.max)} ms {verdict}"
                )
            print(f"  → {json_path}\n  → {md_path}")
    finally:
        connections.close_all()
        if not args.keep_db:
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
