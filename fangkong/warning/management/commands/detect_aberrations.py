"""``fangkong detect-aberrations FILE --method C1|C2|C3``: EARS as ``surveillance`` 1.26.0
``earsC`` computes it (and the moving percentile method and CUSUM), CSV in and CSV out
(docs/warning.md)."""

from __future__ import annotations

import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.warning import aberration, ears
from fangkong.warning.management.commands.estimate_r import one_line_errors
from fangkong.warning.series_csv import SeriesError, number, parse_range, read_series


class Command(BaseCommand):
    help = (
        "Run an aberration-detection method over the series in FILE (CSV with a header "
        "holding date and count) and print date,count,upperbound,alarm for the range."
    )
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        one_line_errors(parser, "detect-aberrations")
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--method", required=True, choices=["C1", "C2", "C3", "MPM", "CUSUM"])
        parser.add_argument("--alpha", type=float, help="C1, C2: 0.001, C3: 0.025 if not given")
        parser.add_argument("--baseline", type=int, default=7)
        parser.add_argument("--min-sigma", type=float, default=0.0)
        parser.add_argument("--percentile", type=float, default=80.0, help="MPM")
        parser.add_argument("--k", type=float, default=0.5, help="CUSUM")
        parser.add_argument("--h", type=float, default=4.0, help="CUSUM")
        parser.add_argument("--range", help="1-based rows, a:b inclusive (default: all possible)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = self.detect(options)
        except (SeriesError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write("date,count,upperbound,alarm")
        for date, count, upper in rows:
            alarm = "NA" if math.isnan(upper) else ("TRUE" if count > upper else "FALSE")
            self.stdout.write(f"{date},{number(count)},{number(upper)},{alarm}")

    def detect(self, options: dict[str, Any]) -> list[tuple[str, float, float]]:
        series = read_series(options["file"], [("count",)])
        counts = series.columns["count"]
        method = options["method"]
        n = len(counts)
        if method in ears.METHODS:
            alpha = options["alpha"]
            if alpha is not None and not 0 < alpha < 1:
                raise SeriesError("--alpha must lie strictly between 0 and 1")
            if options["baseline"] < 3:
                raise SeriesError("--baseline must be at least 3 (as earsC requires)")
            if options["min_sigma"] < 0:
                raise SeriesError("--min-sigma must not be negative")
            lag = ears.max_lag(method, options["baseline"])
            upper = ears.bounds(
                counts,
                method=method,
                alpha=alpha,
                baseline=options["baseline"],
                min_sigma=options["min_sigma"],
            )
        elif method == "MPM":
            lag = aberration.YEAR * 3 + 14 + aberration.WINDOW - 1
            _observed, upper = aberration.moving_percentile_bounds(
                counts, percentile=options["percentile"]
            )
        else:
            lag = options["baseline"] + 2
            upper = aberration.cusum_bounds(
                counts, k=options["k"], h=options["h"], baseline=max(options["baseline"], 3)
            )
        rows = parse_range(options["range"], "--range") if options["range"] else None
        if rows is None:
            rows = list(range(lag + 1, n + 1))
            if not rows:
                raise SeriesError(
                    f"the series has {n} rows; {method} needs more than {lag} before the first"
                )
        if max(rows) > n:
            raise SeriesError(f"--range reaches row {max(rows)}; the file has {n} rows")
        if min(rows) - lag < 1:
            raise SeriesError(
                f"--range starts at row {min(rows)}; {method} needs {lag} rows before it"
            )
        return [(series.dates[r - 1], counts[r - 1], float(upper[r - 1])) for r in rows]
