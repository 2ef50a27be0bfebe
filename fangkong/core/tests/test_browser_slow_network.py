"""Bytes and seconds per page on a village phone network, as production serves them.

Chromium at 390 px emulates a slow 3G link (400 ms latency, 400 kbit/s each way) and a CPU four
times slower (Chrome DevTools Protocol: Network.emulateNetworkConditions,
Emulation.setCPUThrottlingRate). The server is set up as in production, not as the other
browser tests have it: static files collected with WhiteNoise's CompressedManifestStaticFilesStorage
(hashed names, gzip and brotli) and served by WhiteNoise, pages compressed by
``CompressTextMiddleware``.

For the grid worker's pages, the county dashboard and the province map it records, on a first
visit (empty cache) and a second one: the bytes transferred, the seconds until the page is usable
(its content painted and its scripts run: the later of first contentful paint and
DOMContentLoaded) and until its charts are drawn. It prints a table and writes it to
``test-artifacts/web-performance.md``; docs/web-performance.md quotes it.

It asserts byte budgets (the bytes are the same on every run) and never seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.test import Client
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings

from fangkong.accounts.roles import Role
from fangkong.core.tests.browser import ARTIFACTS, CHARTS_SETTLED_JS, CSP_LISTENER, TIMEOUT_MS
from fangkong.core.tests.test_browser_accessibility import county_day

pytestmark = pytest.mark.browser
__all__ = ["county_day"]  # the fixture, shared with the accessibility walk

MANIFEST_STORAGE = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms, each request
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
PHONE = {"width": 390, "height": 844}
# First visit, bytes on the wire (HTML, CSS, scripts, map data; headers included). A page
# without charts loads no ECharts; with charts it loads ECharts and, for the map, the outline.
BUDGET_PLAIN = 80_000
BUDGET_CHARTS = 420_000
BUDGET_SECOND_VISIT = 25_000  # the HTML again; everything else from the cache

# What the page cost and when it was usable, read from the browser's own timing.
METRICS_JS = """(charts) => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const bytes = nav.transferSize + res.reduce((sum, r) => sum + r.transferSize, 0);
  return {
    bytes: bytes,
    requests: 1 + res.length,
    fromNetwork: 1 + res.filter(r => r.transferSize > 0).length,
    usable: Math.max(fcp ? fcp.startTime : 0, nav.domContentLoadedEventEnd) / 1000,
    load: nav.loadEventEnd / 1000,
    charts: charts ? charts / 1000 : null,
  };
}"""
# performance.now() once every chart is drawn (or has failed), for the "charts" column.
CHARTS_DONE_JS = f"() => ({CHARTS_SETTLED_JS})() && performance.now()"


class _NoStaticHandler(WSGIHandler):
    """Django's handler, with no static files handler wrapped round it (the test server's
    serves them from the finders): WhiteNoise, in the middleware, serves /static/ as in
    production."""

    def __init__(self, application: Any) -> None:
        self.application = application

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.application(environ, start_response)


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=MANIFEST_STORAGE):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_server(
    collected_static: Path, settings: Any, county_day: SimpleNamespace
) -> Iterator[str]:
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = MANIFEST_STORAGE
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    thread = LiveServerThread("localhost", _NoStaticHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        thread.join()


def measure(browser: Any, base_url: str, user: Any, path: str) -> dict[str, Any]:
    """Open ``path`` twice as ``user`` on the emulated phone link: a first and a second visit."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(TIMEOUT_MS * 6)  # about a minute: the link is slow
    context.add_init_script(CSP_LISTENER)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    visits = []
    # the server's first answer of a page (templates, catalogues) is not what a phone waits for
    page.request.get(base_url + path)
    try:
        for _visit in ("first", "second"):
            response = page.goto(base_url + path, wait_until="load")
            assert response is not None and response.status == 200, path
            charts = page.evaluate("() => document.querySelector('#map, .zr-chart') !== null")
            done = page.wait_for_function(CHARTS_DONE_JS).json_value() if charts else None
            visits.append(page.evaluate(METRICS_JS, done))
            encoding = response.header_value("content-encoding")
            visits[-1]["html_encoding"] = encoding or "none"
    finally:
        context.close()
    assert not problems, f"{path}: {problems}"
    return {"path": path, "first": visits[0], "second": visits[1]}


def table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = (
        "| page | visit | bytes | requests (network) | usable (s) | load (s) | charts (s) |\n"
        "|---|---|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for name, m in rows:
        for visit in ("first", "second"):
            v = m[visit]
            charts = f"{v['charts']:.1f}" if v["charts"] is not None else "—"
            lines.append(
                f"| {name} | {visit} | {v['bytes']:,} | {v['requests']} ({v['fromNetwork']}) "
                f"| {v['usable']:.1f} | {v['load']:.1f} | {charts} |"
            )
    return head + "\n".join(lines) + "\n"


def test_pages_on_a_slow_3g_phone_stay_within_their_byte_budgets(
    browser: Any, production_server: str, county_day: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    t = county_day
    # given a grid worker, the county command office and the province command office
    worker = make_user(t.grid1, roles=[Role.GRID_WORKER], username="perf-wangge")
    county = make_user(t.nanguan, roles=[Role.COUNTY_COMMAND], username="perf-nanguan")
    province = make_user(t.province, roles=[Role.PROVINCE_COMMAND], username="perf-sheng")
    pages = [
        ("grid worker: home", worker, "/"),
        ("grid worker: new screening", worker, f"/screening/new/?grid={t.grid1.code}"),
        ("grid worker: observation list", worker, "/observation/"),
        ("grid worker: care requests", worker, f"/care/grids/{t.grid1.code}/"),
        ("grid worker: the day's report", worker, f"/zero/grids/{t.grid1.code}/"),
        ("grid worker: flagged travellers", worker, "/checkpoints/todo/"),
        ("county: dashboard", county, f"/zero/d/{t.nanguan.code}/dashboard/"),
        ("province: division page with the map", province, f"/d/{t.province.code}/"),
        ("province: dashboard with the map", province, f"/zero/d/{t.province.code}/dashboard/"),
    ]
    # when each page is opened twice on the emulated phone link
    rows = [(name, measure(browser, production_server, user, path)) for name, user, path in pages]
    report = table(rows)
    print("\n" + report)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "web-performance.md").write_text(report, encoding="utf-8")
    (ARTIFACTS / "web-performance.json").write_text(
        json.dumps(dict(rows), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    # then the HTML came compressed, and every page kept to its byte budget
    for name, m in rows:
        assert m["first"]["html_encoding"] == "gzip", name
        charts = m["first"]["charts"] is not None
        budget = BUDGET_CHARTS if charts else BUDGET_PLAIN
        assert m["first"]["bytes"] <= budget, f"{name}: {m['first']['bytes']:,} > {budget:,}"
        # ... and on a second visit only the page itself travelled again
        assert m["second"]["bytes"] <= BUDGET_SECOND_VISIT, f"{name}: {m['second']}"
        assert m["second"]["fromNetwork"] == 1, f"{name}: {m['second']}"
