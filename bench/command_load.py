"""The load generator of the ``command`` scenario: requests to the production server (gunicorn),
each with its own bearer token, sent on a schedule from a pool of threads.

wrk runs for a duration, not a number of requests, and would resend a token once the list ran
out; here every one of the N requests is sent exactly once, at the moment the schedule gives it
(open loop: a request due while all threads are busy waits, and that wait counts in its latency,
so a slow server cannot hide behind a slow client). Nothing here needs Django.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str
    body: bytes = b""


@dataclass
class LoadResult:
    """Latency of each request (ms, from its scheduled moment to the end of the response), its
    status, the wall-clock seconds of the whole run and the client's CPU seconds."""

    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0

    def status_counts(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(Counter(self.statuses).items())}


def send(port: int, call: Call) -> int:
    """One request on a fresh connection (gunicorn's sync workers close it after each)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Authorization": f"Bearer {call.token}"}
    if call.body:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(call.method, call.path, body=call.body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def run_load(port: int, calls: Sequence[Call], *, window: float, threads: int) -> LoadResult:
    """Send ``calls`` spread evenly over ``window`` seconds (0: all at once), ``threads``
    requests at most in flight."""
    n = len(calls)
    step = window / n if n and window > 0 else 0.0
    latencies = [0.0] * n
    statuses = [0] * n
    errors: list[str] = []
    lock = threading.Lock()
    cpu_before = os.times()
    start = time.perf_counter() + 0.05

    def one(i: int) -> None:
        due = start + i * step
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        try:
            statuses[i] = send(port, calls[i])
        except OSError as exc:
            with lock:
                errors.append(f"{calls[i].path}: {exc}")
        latencies[i] = (time.perf_counter() - due) * 1000

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(n)))
    seconds = time.perf_counter() - start
    cpu_after = os.times()
    client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return LoadResult(latencies, statuses, errors, seconds, client_cpu)
