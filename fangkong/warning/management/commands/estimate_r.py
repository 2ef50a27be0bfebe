"""``fangkong estimate-r FILE``: the reproduction number of a series by Cori et al. (2013), as
EpiEstim 3.0.0 ``estimate_R`` computes it, CSV in and CSV out (docs/warning.md)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.warning import cori
from fangkong.warning.methods import DEFAULTS
from fangkong.warning.series_csv import SeriesError, number, parse_range, read_series, read_si


def one_line_errors(parser: CommandParser, name: str) -> None:
    """Usage mistakes (unknown options, missing values) as one line on stderr, exit 2."""

    def error(message: str) -> None:  # pragma: no cover - exits
        sys.stderr.write(f"fangkong {name}: {message}\n")
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


class Command(BaseCommand):
    help = (
        "Estimate the time-varying reproduction number (Cori et al. 2013, EpiEstim 3.0.0) of "
        "the series in FILE (CSV with date,local,imported or date,incidence); prints CSV."
    )
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        one_line_errors(parser, "estimate-r")
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--si-mean", type=float, help="mean serial interval (days)")
        parser.add_argument("--si-sd", type=float, help="sd of the serial interval (days)")
        parser.add_argument("--si-distr", help="file: one probability per line from day 0")
        parser.add_argument("--t-start", help="window starts, a:b or a list (1-based)")
        parser.add_argument("--t-end", help="window ends, a:b or a list (1-based, inclusive)")
        parser.add_argument("--mean-prior", type=float, default=5.0)
        parser.add_argument("--std-prior", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = self.estimate(options)
        except (SeriesError, cori.EstimationError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(",".join(cori.COLUMNS))
        for estimate in rows:
            self.stdout.write(
                ",".join(str(v) if isinstance(v, int) else number(float(v)) for v in estimate.row())
            )

    def estimate(self, options: dict[str, Any]) -> list[cori.Estimate]:
        series = read_series(options["file"], [("local", "imported"), ("incidence",)])
        if "incidence" in series.columns:
            local, imported = series.columns["incidence"], None
        else:
            local, imported = series.columns["local"], series.columns["imported"]
        days = len(series.dates)
        if options["si_distr"]:
            if options["si_mean"] is not None or options["si_sd"] is not None:
                raise SeriesError("give --si-distr or --si-mean and --si-sd, not both")
            si = cori.check_si(read_si(options["si_distr"]))
        else:
            mean = options["si_mean"] if options["si_mean"] is not None else DEFAULTS.si_mean
            sd = options["si_sd"] if options["si_sd"] is not None else DEFAULTS.si_sd
            if (options["si_mean"] is None) != (options["si_sd"] is None):
                raise SeriesError("give both --si-mean and --si-sd")
            if not sd > 0:
                raise SeriesError("--si-sd must be positive")
            si = cori.parametric_si(mean, sd, days)
        starts = parse_range(options["t_start"], "--t-start") if options["t_start"] else None
        ends = parse_range(options["t_end"], "--t-end") if options["t_end"] else None
        return cori.estimate_r(
            local,
            imported,
            si,
            starts,
            ends,
            mean_prior=options["mean_prior"],
            std_prior=options["std_prior"],
            check=bool(options["si_distr"]),
        )
