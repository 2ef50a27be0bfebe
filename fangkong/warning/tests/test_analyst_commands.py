"""Bad input to the analysts' commands (``fangkong estimate-r``, ``fangkong detect-aberrations``):
a non-zero exit and one line on stderr that says what is wrong, nothing on stdout, as a user
running them in a shell sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "reference"
EARS_FILE = REFERENCE / "salmNewportGermany_weekly.csv"


def fangkong(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-c", "from fangkong.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def days(n: int, values: list[int] | None = None) -> str:
    import datetime as dt

    first = dt.date(2020, 1, 20)
    values = values or [i % 5 + 1 for i in range(n)]
    return "date,incidence\n" + "".join(
        f"{first + dt.timedelta(days=i)},{v}\n" for i, v in enumerate(values)
    )


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_a_good_series_gives_estimates_with_the_covid_default_si(tmp_path: Path) -> None:
    result = fangkong("estimate-r", write(tmp_path, "s.csv", days(40)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "t_start,t_end,mean,std,q025,q05,q25,median,q75,q95,q975"
    # weekly windows 2:8 … 34:40, those ending at or before the mean SI (7.5 days) left out
    assert lines[1].startswith("2,8,")
    assert lines[-1].startswith("34,40,")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (days(3).replace("2020-01-21", "2020-01-23"), ("row 2", "gap")),
        (days(10, [1, 2, -3, 4, 5, 6, 7, 8, 9, 10]), ("row 3", "negative")),
        ("date,incidence\n2020-01-20,1\n2020-13-01,2\n", ("row 2", "not a date")),
        ("date,incidence\n2020-01-20,x\n", ("row 1", "not a number")),
        ("day,cases\n2020-01-20,1\n", ("header",)),
        ("", ("empty",)),
    ],
)
def test_malformed_series_are_refused_with_the_row(
    tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    assert_refused(fangkong("estimate-r", write(tmp_path, "s.csv", text)), *words)


def test_an_si_that_does_not_sum_to_one_is_refused(tmp_path: Path) -> None:
    si = write(tmp_path, "si.txt", "0\n0.2\n0.3\n0.2\n")
    assert_refused(
        fangkong("estimate-r", write(tmp_path, "s.csv", days(20)), "--si-distr", si),
        "sum to 1",
        "0.7",
    )


def test_windows_outside_the_series_are_refused(tmp_path: Path) -> None:
    data = write(tmp_path, "s.csv", days(20))
    assert_refused(
        fangkong("estimate-r", data, "--t-start", "2:20", "--t-end", "8:26"), "after the last day"
    )
    assert_refused(fangkong("estimate-r", data, "--t-start", "1", "--t-end", "7"), "day 2")


@pytest.mark.parametrize(
    "args",
    [
        ("--bogus",),
        ("--si-mean", "0.5", "--si-sd", "1"),
        ("--si-mean", "7.5"),
        ("--si-mean", "abc", "--si-sd", "1"),
    ],
)
def test_unknown_options_and_impossible_parameters_are_refused(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    assert_refused(fangkong("estimate-r", write(tmp_path, "s.csv", days(20)), *args))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--method", "C4"), ("invalid choice",)),
        (("--method", "C1", "--alpha", "2"), ("alpha",)),
        (("--method", "C1", "--baseline", "2"), ("baseline",)),
        (("--method", "C1", "--range", "1:10"), ("needs 7 rows",)),
        (("--method", "C3", "--range", "500:600"), ("528 rows",)),
        (("--method", "C1", "--min-sigma", "-1"), ("sigma",)),
    ],
)
def test_detect_aberrations_refuses_impossible_requests(
    args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    assert_refused(fangkong("detect-aberrations", str(EARS_FILE), *args), *words)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    assert_refused(
        fangkong("detect-aberrations", str(tmp_path / "none.csv"), "--method", "C1"), "cannot read"
    )
