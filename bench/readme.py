"""``python -m bench.readme``: write the README's benchmark figures from ``bench/results/``.

The README never quotes a benchmark figure by hand (hand-copied figures drifted from the results
they named). Each scenario has a block in README.md between two markers::

    <!-- bench:gridops begin ... -->
    ...generated...
    <!-- bench:gridops end -->

and this module fills it from the newest full-scale result of that scenario
(``bench/results/<stamp>-<scenario>.json``; a run below full scale is never quoted). ``make
bench`` runs it after the benchmark; ``--check`` only reports whether the README is up to date,
and ``fangkong/core/tests/test_bench_smoke.py`` fails when it is not. Nothing here needs Django.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.harness import PROJECT_DIR, RESULTS_DIR, fmt_ms

README = PROJECT_DIR / "README.md"
BLOCK = re.compile(
    r"(?P<begin><!-- bench:(?P<name>[\w-]+) begin\b[^>]*-->\n)(?P<body>.*?)"
    r"(?P<end><!-- bench:(?P=name) end -->)",
    re.S,
)
STAMPED = re.compile(r"^\d{8}T\d{6}Z-(?P<scenario>[\w-]+)\.json$")
# What a result written before "full_scale" was recorded ran with at full scale.
FULL_SCALE_PARAMETERS = {"scale": 1.0, "grids": 120_000}
WIDTH = 100  # the README's line length


def begin_marker(name: str) -> str:
    return (
        f"<!-- bench:{name} begin: generated from bench/results/ by `python -m bench.readme`"
        " (make bench); do not edit by hand -->"
    )


def end_marker(name: str) -> str:
    return f"<!-- bench:{name} end -->"


# --- which result ------------------------------------------------------------------------------


def is_full_scale(data: dict[str, Any]) -> bool:
    """Whether a result was run at the data size the issue names."""
    if "full_scale" in data:
        return bool(data["full_scale"])
    parameters = data.get("parameters", {})
    return all(parameters.get(k, v) == v for k, v in FULL_SCALE_PARAMETERS.items())


def newest_full_scale(directory: Path, scenario: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest ``<stamp>-<scenario>.json`` of a full-scale run, and its content."""
    names = sorted(
        (p for p in directory.glob(f"*-{scenario}.json") if STAMPED.match(p.name)),
        key=lambda p: p.name,
        reverse=True,
    )
    for path in names:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("scenario") == scenario and is_full_scale(data):
            return path, data
    return None


# --- the block ---------------------------------------------------------------------------------


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def run_date(started_at: str) -> str:
    """'29 November 2026, 12:50 UTC' from the result's ISO timestamp (stored in UTC)."""
    try:
        moment = datetime.fromisoformat(started_at)
    except ValueError:
        return started_at or "an unknown date"
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"


def verdict(met: bool | None) -> str:
    return {True: "pass", False: "**miss**", None: "—"}[met]


def summary_rows(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(measured, result, target, met) from a scenario's own summary table."""
    return [
        (row["operation"], row["measured"], row.get("target", "—"), row.get("met"))
        for row in data.get("summary", [])
    ]


def _group_key(operation: str) -> str:
    # "home page: GET /d/220100000000/" for each division → one row "GET /d/…/".
    return re.sub(r"\d{6,}", "…", operation)


def measurement_rows(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """For a scenario without a summary: one row per operation, its worst subject quoted."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in data.get("measurements", []):
        groups.setdefault(_group_key(m["operation"]), []).append(m)
    rows = []
    for name, members in groups.items():
        stat = next((m["target_stat"] for m in members if m.get("target_stat")), "p95")
        worst = max(members, key=lambda m: m[stat])
        figure = f"p50 {fmt_ms(worst['p50'])} / p95 {fmt_ms(worst['p95'])} ms"
        if worst.get("raw"):
            figure += f"; raw SQL p95 {fmt_ms(worst['raw']['p95'])} ms"
        if len(members) == 1:
            label = f"{name} — {worst['subject']}" if worst["subject"] else name
        else:
            label = f"{name} ({len(members)} subjects)"
            figure = f"worst, {worst['subject']}: {figure}"
        targets = {m["target_ms"] for m in members if m.get("target_ms") is not None}
        target = " / ".join(f"{stat} < {t:g} ms" for t in sorted(targets)) or "—"
        verdicts = [m.get("met") for m in members if m.get("met") is not None]
        met = None if not verdicts else all(verdicts)
        rows.append((label, figure, target, met))
    return rows


def has_samples(data: dict[str, Any]) -> bool:
    """Whether the result kept its samples (results written before 7 December 2026 did not)."""
    return any("samples" in m for m in data.get("measurements", [])) or any(
        row.get("samples") for row in data.get("summary", [])
    )


def render_block(scenario: str, directory: Path, readme_dir: Path) -> str:
    """The generated text between the markers of ``scenario`` (ends with a newline)."""
    found = newest_full_scale(directory, scenario)
    link = Path(os.path.relpath(directory, readme_dir)).as_posix()
    if found is None:
        return f"No full-scale run of `{scenario}` in `{link}/` yet.\n"
    path, data = found
    env = data.get("environment", {})
    database = str(env.get("postgresql", "an unknown database")).split(" (")[0]
    commit = str(env.get("git_commit", ""))[:12] or "unknown"
    dirty = " with uncommitted changes" if env.get("git_dirty") else ""
    latest = directory / f"latest-{scenario}.md"
    table = (
        f"the table in [{link}/{latest.name}]({link}/{latest.name}), "
        if latest.exists() and path.name in latest.read_text(encoding="utf-8")
        else ""
    )
    record = (
        "every sample, the SQL and the plans"
        if has_samples(data)
        else "the SQL, the plans and the summary of each figure (that run kept no samples)"
    )
    scale = f" Data: {data['scale_text']}" if data.get("scale_text") else ""
    intro = (
        f"Newest full-scale run of `{scenario}`: {run_date(data.get('started_at', ''))},"
        f" {env.get('cpu_count', '?')} CPUs, {database}, commit {commit}{dirty}.{scale}"
        f" Everything it measured is in {table}{record} in [{link}/{path.name}]"
        f"({link}/{path.name})."
    )
    lines = [
        textwrap.fill(intro, WIDTH, break_long_words=False, break_on_hyphens=False),
        "",
        "| measured | result | target | |",
        "|---|---|---|---|",
    ]
    rows = summary_rows(data) or measurement_rows(data)
    lines += [
        f"| {cell(name)} | {cell(result)} | {cell(target)} | {verdict(met)} |"
        for name, result, target, met in rows
    ]
    judged = [met for *_rest, met in rows if met is not None]
    if judged:
        lines += ["", f"Targets met: {sum(judged)} of {len(judged)}."]
    return "\n".join(lines) + "\n"


def update(text: str, directory: Path = RESULTS_DIR, readme_dir: Path = PROJECT_DIR) -> str:
    """``text`` with every benchmark block regenerated from ``directory``."""

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        return begin_marker(name) + "\n" + render_block(name, directory, readme_dir) + match["end"]

    return BLOCK.sub(fill, text)


def blocks(text: str) -> list[str]:
    return [m["name"] for m in BLOCK.finditer(text)]


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.readme",
        description="Write the README's benchmark blocks from the results in bench/results/.",
    )
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(None if argv is None else list(argv))
    text = args.readme.read_text(encoding="utf-8")
    if not blocks(text):
        print(f"{args.readme}: no <!-- bench:NAME begin --> block", file=sys.stderr)
        return 2
    unquoted = sorted(
        {m["scenario"] for p in args.results_dir.glob("*.json") if (m := STAMPED.match(p.name))}
        - set(blocks(text))
    )
    for name in unquoted:  # a scenario's figures reach the README once it has a block
        print(
            f"{args.readme}: no block for `{name}` (its results are in {args.results_dir});"
            f" add the two lines\n  {begin_marker(name)}\n  {end_marker(name)}",
            file=sys.stderr,
        )
    new = update(text, args.results_dir, args.readme.resolve().parent)
    if new == text:
        print(f"{args.readme}: benchmark figures up to date ({', '.join(blocks(text))})")
        return 0
    if args.check:
        print(f"{args.readme}: benchmark figures differ from {args.results_dir}; run `python -m"
              " bench.readme`", file=sys.stderr)  # fmt: skip
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme}: benchmark figures regenerated ({', '.join(blocks(new))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
