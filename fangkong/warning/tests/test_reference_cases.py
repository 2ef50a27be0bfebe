"""The two published reference cases, reproduced to every printed digit: EARS C1 of
``surveillance`` 1.26.0 on salmNewport and Cori et al. of EpiEstim 3.0.0 on Flu2009; through
the pure functions and through the analysts' commands (docs/warning.md)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from fangkong.warning import cori, ears

REFERENCE = Path(__file__).parent / "reference"
EARS_FILE = REFERENCE / "salmNewportGermany_weekly.csv"
FLU = json.loads((REFERENCE / "flu2009_nonparametric_si.json").read_text())
EXPECTED = list(csv.DictReader((REFERENCE / "flu2009_nonparametric_si_expected.csv").open()))
EARS_PRINTED = ["3.278854", "3.278854", "3.436517", "3.855617"]


def same_to_printed_digits(value: float, printed: str) -> bool:
    """``value`` rounded to as many decimals as ``printed`` shows is ``printed``."""
    places = -Decimal(printed).as_tuple().exponent  # type: ignore[operator]
    return f"{value:.{places}f}" == printed


def salm_counts() -> list[int]:
    return [int(row["count"]) for row in csv.DictReader(EARS_FILE.open())]


def test_ears_c1_reproduces_surveillance_on_salm_newport() -> None:
    # given the weekly counts and earsC's control (C1, baseline 7, alpha 0.05)
    counts = salm_counts()
    # when the bounds of rows 366..417 (1-based) are computed
    upper = ears.bounds(counts, method="C1", alpha=0.05, baseline=7)[365:417]
    # then the first four match the published figures to every printed digit
    assert all(same_to_printed_digits(u, p) for u, p in zip(upper, EARS_PRINTED, strict=False))
    assert len(upper) == 52


def test_ears_flags_the_2011_outbreak_weeks() -> None:
    # given the series with its well-known outbreak of ISO weeks 44-47 of 2011 (9, 41, 45, 17)
    rows = list(csv.DictReader(EARS_FILE.open()))
    counts = [int(r["count"]) for r in rows]
    bounds = ears.ears_c(counts, method="C1", alpha=0.05, baseline=7)
    alarms = {
        int(r["iso_week"])
        for r, b in zip(rows, bounds, strict=True)
        if b.alarm and r["iso_year"] == "2011"
    }
    # then C1 raises an alarm on the first outbreak weeks
    assert {44, 45} <= alarms


def test_cori_reproduces_epiestim_on_flu2009() -> None:
    # given EpiEstim's Flu2009 incidence and non-parametric serial interval
    estimates = cori.estimate_r(
        FLU["incidence"], None, FLU["si_distr"], list(range(2, 27)), list(range(8, 33))
    )
    # then every window of EpiEstim's saved output is there, every column to every printed digit
    assert [(e.t_start, e.t_end) for e in estimates] == [
        (int(r["t_start"]), int(r["t_end"])) for r in EXPECTED
    ]
    mismatches = [
        (row["t_start"], column, getattr(est, column), row[column])
        for est, row in zip(estimates, EXPECTED, strict=True)
        for column in cori.COLUMNS[2:]
        if not same_to_printed_digits(getattr(est, column), row[column])
    ]
    assert mismatches == []


def test_windows_ending_at_or_before_the_mean_si_are_not_estimated() -> None:
    # given Flu2009's SI (mean about 2.6 days) and windows ending on days 2, 3 and 9
    mean_si = sum(k * w for k, w in enumerate(FLU["si_distr"]))
    assert 2 < mean_si < 3
    estimates = cori.estimate_r(FLU["incidence"], None, FLU["si_distr"], [2, 2, 3], [2, 3, 9])
    # then only the window ending after the mean SI is estimated
    assert [(e.t_start, e.t_end) for e in estimates] == [(2, 3), (3, 9)]


def test_imported_cases_infect_but_are_not_infected_locally() -> None:
    # given the same total incidence, once all local and once with imported cases
    local = [0, 2, 3, 4, 6, 8, 9, 12, 14, 18]
    si = cori.parametric_si(2.6, 1.5, len(local))
    all_local = cori.estimate_r(local, None, si, [2], [10], check=False)[0]
    half = [v // 2 for v in local]
    imported = [a - b for a, b in zip(local, half, strict=True)]
    mixed = cori.estimate_r(half, imported, si, [2], [10], check=False)[0]
    # then the infectivity is the same and R is lower: fewer cases were infected locally
    assert mixed.mean < all_local.mean
    assert mixed.mean == pytest.approx((1 + sum(half[1:])) / (1 / 5 + sum_lambda(local, si)))


def sum_lambda(incidence: list[int], si: object) -> float:
    w = list(si)  # type: ignore[call-overload]
    return sum(
        sum(w[k] * incidence[t - k] for k in range(1, t + 1) if k < len(w)) for t in range(1, 10)
    )


def test_discr_si_matches_epiestim() -> None:
    # EpiEstim: discr_si(0:3, 8.4, 3.8) printed 0.000000000 0.002533... (sums to ~1 over 40 days)
    w = cori.discr_si(range(40), 7.5, 3.4)
    assert w[0] == 0
    assert sum(w) == pytest.approx(1, abs=1e-3)
    assert sum(k * p for k, p in enumerate(w)) == pytest.approx(7.5, abs=1e-2)


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_detect_aberrations_command_prints_surveillance_bounds() -> None:
    out = run(
        "detect_aberrations",
        str(EARS_FILE),
        "--method",
        "C1",
        "--alpha",
        "0.05",
        "--baseline",
        "7",
        "--range",
        "366:417",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 52
    assert rows[0]["date"] == "2011-01-03"
    assert all(
        same_to_printed_digits(float(r["upperbound"]), p)
        for r, p in zip(rows, EARS_PRINTED, strict=False)
    )
    # the outbreak weeks alarm, as surveillance's alarm slot says
    assert [r["alarm"] for r in rows if r["date"] in ("2011-10-31", "2011-11-07")] == [
        "TRUE",
        "TRUE",
    ]


def test_estimate_r_command_prints_epiestim_table(tmp_path: Path) -> None:
    data = tmp_path / "flu.csv"
    data.write_text(
        "date,incidence\n"
        + "".join(
            f"{day},{value}\n"
            for day, value in zip(dates(len(FLU["incidence"])), FLU["incidence"], strict=True)
        )
    )
    si = tmp_path / "si.txt"
    si.write_text("\n".join(str(v) for v in FLU["si_distr"]))
    out = run(
        "estimate_r", str(data), "--si-distr", str(si), "--t-start", "2:26", "--t-end", "8:32"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == list(cori.COLUMNS)
    assert len(rows) == len(EXPECTED)
    for got, want in zip(rows, EXPECTED, strict=True):
        assert got["t_start"] == want["t_start"] and got["t_end"] == want["t_end"]
        for column in cori.COLUMNS[2:]:
            assert same_to_printed_digits(float(got[column]), want[column]), (column, got, want)


def dates(n: int) -> list[str]:
    import datetime as dt

    first = dt.date(2009, 4, 27)
    return [(first + dt.timedelta(days=i)).isoformat() for i in range(n)]
