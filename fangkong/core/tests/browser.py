"""Pytest plugin: a real browser for the screens people use (Playwright driving Debian's Chromium).

Registered by ``fangkong/core/tests/conftest.py``. What it gives a test:

- ``browser``: one headless Chromium for the session, launched from Debian's ``chromium``
  package (Playwright's own browser download does not work here). Where Chromium (or the
  Playwright package) is missing, the tests that need it are *skipped* with the reason, and a
  warning is printed in the terminal summary; under ``CI=true`` a missing browser *fails* them.
- ``viewport``: every browser test runs twice, at desktop (1366×900) and phone (390×844) size.
- ``ui``: a fresh browser page on pytest-django's ``live_server`` (which serves the static files
  through the finders) wrapped in :class:`UI`. It collects console errors, uncaught page errors
  and Content-Security-Policy violations and fails the test on any of them; it keeps a screenshot
  of every step and, when the test fails, writes them to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
PHONE_MAX_WIDTH = 767  # app.css: below 768 px the phone layout applies
TOUCH_MIN = 44  # px, the smallest touch target a phone screen may have
PROJECT_DIR = Path(settings.BASE_DIR).parent
ARTIFACTS = PROJECT_DIR / "test-artifacts"
VENDOR_FILES = ("echarts.min.js", "htmx.min.js")
# axe-core (npm, package.json devDependencies), copied by `make setup` beside the served
# libraries but not among them: only the tests inject it into a page.
AXE_FILE = PROJECT_DIR / "build" / "test-vendor" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")  # WCAG 2.1 levels A and AA
TIMEOUT_MS = 10_000

# Reported by a listener that Playwright adds before any page script runs; init scripts are not
# subject to the page's Content-Security-Policy, so it sees every violation of it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + (e.sourceFile || document.location.pathname) + ":" + e.lineNumber);
});
"""

# Elements wider than the screen, and the page's scroll width.
OVERFLOW_JS = """() => {
  const w = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > w + 1)
    .slice(0, 5).map(el => el.tagName.toLowerCase() + "." + el.className);
  return {scroll: document.documentElement.scrollWidth, width: w, wide};
}"""

# Visible controls smaller than min × min px. A link whose ::after is stretched over its row
# (app.css: .row-link, search results) is measured as that row; a checkbox as its label.
SMALL_TARGETS_JS = """(min) => {
  const out = [];
  const controls = "a[href], button, input:not([type=hidden]), select, textarea";
  for (const el of document.querySelectorAll(controls)) {
    let target = el;
    if (getComputedStyle(el, "::after").position === "absolute") {
      target = el.closest(".linked, li") || el;
    }
    if (el.tagName === "INPUT" && el.closest("label")) target = el.closest("label");
    const r = target.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const label = (el.textContent || el.getAttribute("name") || "").trim().slice(0, 30);
      const size = Math.round(r.width) + "×" + Math.round(r.height);
      out.push(el.tagName.toLowerCase() + ' "' + label + '" ' + size);
    }
  }
  return out;
}"""

# axe's results, violations only, in a form that reads well in a failed assertion.
AXE_RUN_JS = """(tags) => window.axe.run(document, {runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — "
        + (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim()),
      count: v.nodes.length})))"""

# ECharts is fetched after the page has loaded (app.js); a chart sets data-ready when drawn and
# the class map-failed when it cannot be.
CHARTS_SETTLED_JS = """() => [...document.querySelectorAll("#map, .zr-chart, .screen-chart")]
  .every(el => el.dataset.ready || el.classList.contains("map-failed"))"""

# Inputs whose placeholder is wider than the box it is shown in (it would be cut off).
PLACEHOLDERS_CUT_JS = """() => {
  const out = [];
  const ctx = document.createElement("canvas").getContext("2d");
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).visibility === "hidden") continue;
    const st = getComputedStyle(el), ph = getComputedStyle(el, "::placeholder");
    ctx.font = ph.fontStyle + " " + ph.fontWeight + " " + ph.fontSize + " " + st.fontFamily;
    const room = el.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    const need = ctx.measureText(el.placeholder).width;
    if (need > room + 1) out.push(el.name + ": " + Math.round(need) + " > " + Math.round(room));
  }
  return out;
}"""

_missing_browser: list[str] = []
_axe_source: list[str] = []


def axe_source() -> str:
    if not _axe_source:
        if not AXE_FILE.is_file():
            pytest.fail(
                f"{AXE_FILE} missing: run `make setup` (it copies axe-core from node_modules)"
            )
        _axe_source.append(AXE_FILE.read_text(encoding="utf-8"))
    return _axe_source[0]


class BrowserMissingWarning(UserWarning):
    """Chromium or Playwright is not installed, so the browser tests did not run."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def chromium_executable() -> str | None:
    return shutil.which("chromium")


def _browser_missing(reason: str) -> NoReturn:
    """Skip loudly, or fail under CI=true, where the browser tests must run."""
    if in_ci():
        pytest.fail(f"{reason} — CI=true requires the browser tests to run.", pytrace=False)
    if reason not in _missing_browser:
        _missing_browser.append(reason)
        warnings.warn(BrowserMissingWarning(f"browser tests SKIPPED: {reason}"), stacklevel=2)
    pytest.skip(f"browser tests SKIPPED: {reason}")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not _missing_browser:
        return
    terminalreporter.section("BROWSER TESTS DID NOT RUN", sep="!", red=True, bold=True)
    for reason in _missing_browser:
        terminalreporter.write_line(f"WARNING: {reason}", yellow=True, bold=True)
    terminalreporter.write_line(
        "The screens were NOT tested in a browser. Install Debian's Chromium "
        "(apt-get install -y chromium fonts-wqy-microhei); under CI=true this is a failure.",
        yellow=True,
        bold=True,
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so a fixture's teardown knows the test failed."""
    report = yield
    setattr(item, f"fangkong_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the Playwright Python package is not installed (pip install -e '.[dev]')")
    executable = chromium_executable()
    if executable is None:
        _browser_missing("Chromium is not installed: no `chromium` on PATH")
    missing = [name for name in VENDOR_FILES if not (settings.VENDOR_DIR / name).is_file()]
    if missing:
        pytest.fail(
            f"front-end files missing from {settings.VENDOR_DIR}: {', '.join(missing)}; "
            "run `make setup` (it copies them from node_modules)",
            pytrace=False,
        )
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django takes for
    # an async context; the tests still use the ORM synchronously, one statement at a time.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:
        playwright.stop()
        _browser_missing(f"Chromium at {executable} did not start: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class UI:
    """One browser page on the live server, with the checks every browser test wants."""

    def __init__(self, page: Page, base_url: str, name: str, viewport: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.viewport = viewport
        self.problems: list[str] = []
        self.steps: list[tuple[str, bytes]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    @property
    def is_phone(self) -> bool:
        return VIEWPORTS[self.viewport][0] <= PHONE_MAX_WIDTH

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            self.problems.append(f"console error: {message.text} ({location})")

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.page.wait_for_load_state("load")

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def step(self, name: str) -> None:
        """Record a screenshot of this step and fail at once if the page reported a problem."""
        try:
            self.steps.append((name, self.page.screenshot(type="jpeg", quality=70)))
        except Exception as exc:  # a screenshot is evidence, never the reason a test fails
            self.steps.append((f"{name}-no-screenshot-{type(exc).__name__}", b""))
        self.assert_clean()

    def assert_clean(self) -> None:
        assert not self.problems, "the browser reported problems:\n" + "\n".join(self.problems)

    def login(self, username: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        self.step("logged-in")

    def login_as(self, user: Any) -> None:
        """Start logged in as ``user`` (a session made on the server, as ``force_login`` does),
        for tests about what comes after the login form."""
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": self.base_url}]
        )
        self.goto("/")
        self.step("logged-in")

    def breadcrumb(self) -> list[str]:
        texts = self.page.locator("nav.breadcrumb a, nav.breadcrumb .current").all_inner_texts()
        return [t.strip() for t in texts]

    def wait_for_map(self) -> None:
        self.page.wait_for_selector("#map[data-ready='1']", state="attached")

    def map_highlighted(self) -> list[str]:
        """Codes of the prefectures the map draws in the highlight colour."""
        return list(
            self.page.evaluate(
                """() => window.echarts.getInstanceByDom(document.getElementById("map"))
                    .getOption().series[0].data.filter(d => d.value === 1).map(d => d.code)"""
            )
        )

    def click_map(self, lon_lat: tuple[float, float]) -> None:
        """Click the map at a geographic point (longitude, latitude)."""
        x, y = self.page.evaluate(
            """(p) => window.echarts.getInstanceByDom(document.getElementById("map"))
                .convertToPixel({seriesIndex: 0}, p)""",
            list(lon_lat),
        )
        box = self.page.locator("#map").bounding_box()
        assert box is not None
        self.page.mouse.click(box["x"] + x, box["y"] + y)

    def assert_fits_width(self) -> None:
        """Nothing on the page is wider than the screen (no sideways scrolling)."""
        overflow = self.page.evaluate(OVERFLOW_JS)
        assert overflow["scroll"] <= overflow["width"], f"page wider than the screen: {overflow}"

    def assert_touch_targets(self) -> None:
        """On a phone every visible control is at least 44×44 px (a link that covers its row via
        a stretched ::after counts as its row; a checkbox counts as its label)."""
        if not self.is_phone:
            return
        small = self.page.evaluate(SMALL_TARGETS_JS, TOUCH_MIN)
        assert not small, f"touch targets under {TOUCH_MIN} px on {self.path()}: {small}"

    def wait_for_charts(self) -> None:
        """Until every chart of the page is drawn, or has said it could not be."""
        self.page.wait_for_function(CHARTS_SETTLED_JS)

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
        self.wait_for_charts()
        if not self.page.evaluate("() => !!window.axe"):
            # Evaluated through the DevTools protocol, so the page's CSP does not apply to it.
            self.page.evaluate(axe_source())
        return list(self.page.evaluate(AXE_RUN_JS, list(AXE_TAGS)))

    def assert_accessible(self) -> None:
        """No axe-core violation of WCAG 2.1 A/AA on the page (contrast, names, labels, ...)."""
        violations = self.axe_violations()
        lines = [
            f"{v['id']} ({v['impact']}, {v['count']}×): {v['help']}\n    "
            + "\n    ".join(v["nodes"])
            for v in violations
        ]
        assert not violations, f"axe: WCAG 2.1 A/AA violations on {self.path()}:\n" + "\n".join(
            lines
        )

    def assert_placeholders_fit(self) -> None:
        """Every placeholder is shown whole in its box (at this screen width)."""
        cut = self.page.evaluate(PLACEHOLDERS_CUT_JS)
        assert not cut, f"placeholders cut off on {self.path()}: {cut}"

    @property
    def artifacts(self) -> Path:
        return ARTIFACTS / re.sub(r"[^\w.-]+", "_", self.name)

    def save_artifacts(self) -> Path:
        folder = self.artifacts
        folder.mkdir(parents=True, exist_ok=True)
        for index, (name, image) in enumerate(self.steps, start=1):
            if image:
                (folder / f"{index:02d}-{name}.jpeg").write_bytes(image)
        # The page may be gone by now; the step screenshots are kept all the same.
        with contextlib.suppress(Exception):
            self.page.screenshot(path=str(folder / "99-failure.png"), full_page=True)
        (folder / "problems.txt").write_text(
            f"url: {self.page.url}\n" + "\n".join(self.problems) + "\n", encoding="utf-8"
        )
        return folder


@pytest.fixture
def ui(
    browser: Browser, live_server: Any, viewport: str, request: pytest.FixtureRequest
) -> Iterator[UI]:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        device_scale_factor=1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    wrapper = UI(page, live_server.url, request.node.nodeid.split("::")[-1], viewport)
    shutil.rmtree(wrapper.artifacts, ignore_errors=True)  # what an earlier failed run left
    try:
        yield wrapper
    finally:
        report = getattr(request.node, "fangkong_report_call", None)
        failed = report is not None and report.failed
        if failed or wrapper.problems:
            folder = wrapper.save_artifacts()
            print(f"\nbrowser artifacts: {folder}")
        context.close()
    # A problem reported after the test's last step still fails it (as a teardown error).
    if not failed:
        wrapper.assert_clean()
