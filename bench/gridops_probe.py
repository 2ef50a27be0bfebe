"""A measurement in a process of its own, so its peak memory is its own: ``python -m
bench.gridops_probe MODE --user NAME [--options JSON]``, with DATABASE_URL set. Prints one line
``BENCH {json}``.

Modes:
- ``export-csv``: ``fangkong.bulk.exports.write_csv("people", user, filters, /dev/null)``;
- ``copy-csv``: the same SELECT the export sends, as ``COPY (…) TO STDOUT`` read through psycopg
  (the physical limit of reading those rows out of PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import IO, Any


class Counting:
    """A binary sink that counts what is written to it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return self.target.write(data)


def maxrss_mb() -> float:
    """Peak RSS of this process, in MB.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` survives execve on Linux: a process started by the
    benchmark (which holds the generated data) would report its parent's peak. VmHWM is the
    peak of this process's own address space; ru_maxrss is used where /proc is missing.
    """
    return _status_mb("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    return _status_mb("VmRSS:")


def _status_mb(key: str) -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gridops_probe")
    parser.add_argument("mode", choices=["export-csv", "copy-csv"])
    parser.add_argument("--user", required=True)
    parser.add_argument("--options", default="{}")
    args = parser.parse_args(argv)
    options: dict[str, Any] = json.loads(args.options)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.db import connection
    from psycopg import ClientCursor

    from fangkong.accounts.models import User
    from fangkong.bulk import exports

    user = User.objects.select_related("home_division").get(username=args.user)
    filters = options.get("filters", {})
    rss_before = current_rss_mb()
    result: dict[str, Any] = {"mode": args.mode, "rss_before_mb": rss_before}
    with open(os.devnull, "wb") as devnull:
        sink = Counting(devnull)
        if args.mode == "export-csv":
            start = time.perf_counter()
            rows = exports.write_csv("people", user, filters, sink)  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
        else:
            spec = exports.get_list("people")
            queryset = spec.rows(user, exports._query(filters))
            query = queryset.values_list(*spec.fields).query
            statement, params = query.sql_with_params()
            connection.ensure_connection()
            with ClientCursor(connection.connection) as cursor:
                text = cursor.mogrify(statement, params)
            rows = 0
            start = time.perf_counter()
            with (
                connection.connection.cursor() as cursor,
                cursor.copy(f"COPY ({text}) TO STDOUT") as copy,
            ):
                for block in copy:
                    chunk = bytes(block)
                    sink.write(chunk)
                    rows += chunk.count(b"\n")
            seconds = time.perf_counter() - start
    result.update(rows=rows, seconds=seconds, bytes=sink.bytes, maxrss_mb=maxrss_mb())
    print("BENCH " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
