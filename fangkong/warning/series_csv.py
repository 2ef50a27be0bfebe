"""Reading the analysts' CSV files of ``fangkong estimate-r`` and ``fangkong detect-aberrations``
(docs/warning.md, "Commands for analysts"): daily (or weekly) series with a header, one row per
period, no gaps. Every problem is a :class:`SeriesError` with a one-line message naming the row
(1-based data rows, the header not counted) and the column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_ROWS = 100_000


class SeriesError(ValueError):
    """A file or an option the commands refuse."""


@dataclass
class Series:
    dates: list[str]
    columns: dict[str, list[float]]


def _number(text: str, row: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SeriesError(f"row {row}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SeriesError(f"row {row}, column {column}: {text!r} is not a finite number")
    if value < 0:
        raise SeriesError(f"row {row}, column {column}: a count must not be negative ({text})")
    return value


def _date(text: str, row: int) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise SeriesError(f"row {row}, column date: {text!r} is not a date (YYYY-MM-DD)") from None
    if not 1900 <= day.year <= 2100:
        raise SeriesError(f"row {row}, column date: {text} lies outside 1900-2100")
    return day


def read_series(path: str | Path, columns: Sequence[Sequence[str]]) -> Series:
    """The rows of the CSV file at ``path`` (``-`` is stdin is not supported: a file). ``columns``
    lists the accepted sets of value columns, the first set the file's header holds is used
    (other columns are ignored). Dates must be consecutive and equally spaced (days, or weeks
    for a weekly file): a gap or a repeated date is refused."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise SeriesError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SeriesError(f"{path} is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise SeriesError(f"{path} is empty: a header row is expected")
    names = [h.strip().lower() for h in header]
    if "date" not in names:
        raise SeriesError(f"{path}: the header has no date column")
    chosen = next((c for c in columns if all(n in names for n in c)), None)
    if chosen is None:
        wanted = " or ".join(",".join(("date", *c)) for c in columns)
        raise SeriesError(f"{path}: the header must hold {wanted}")
    index = {n: names.index(n) for n in ("date", *chosen)}
    dates: list[dt.date] = []
    values: dict[str, list[float]] = {c: [] for c in chosen}
    for number, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if number > MAX_ROWS:
            raise SeriesError(f"{path} has more than {MAX_ROWS} rows")
        if len(row) < len(names):
            raise SeriesError(f"row {number}: {len(row)} cells, the header has {len(names)}")
        day = _date(row[index["date"]], number)
        if dates:
            step = (day - dates[-1]).days
            expected = (dates[1] - dates[0]).days if len(dates) > 1 else step
            if step <= 0:
                raise SeriesError(
                    f"row {number}, column date: {day} does not come after {dates[-1]}"
                )
            if step not in (1, 7) or step != expected:
                raise SeriesError(
                    f"row {number}, column date: {day} leaves a gap after {dates[-1]} "
                    "(rows must be consecutive days or weeks; write a 0 for a period without cases)"
                )
        dates.append(day)
        for c in chosen:
            values[c].append(_number(row[index[c]].strip(), number, c))
    if not dates:
        raise SeriesError(f"{path} holds no data rows")
    return Series([d.isoformat() for d in dates], values)


def read_si(path: str | Path) -> list[float]:
    """A serial-interval file: one probability per line, from day 0 (blank lines ignored)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise SeriesError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SeriesError(f"{path} is not UTF-8 text") from None
    out: list[float] = []
    for number, line in enumerate(text.splitlines(), start=1):
        cell = line.strip().strip(",")
        if not cell:
            continue
        try:
            value = float(cell)
        except ValueError:
            raise SeriesError(f"{path} line {number}: {cell!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise SeriesError(f"{path} line {number}: {cell} is not a probability")
        out.append(value)
    if not out:
        raise SeriesError(f"{path} holds no probabilities")
    return out


def parse_range(text: str, option: str) -> list[int]:
    """``a:b`` (inclusive, as R's ``a:b``) or a comma-separated list of positive integers."""
    try:
        if ":" in text:
            first, last = (int(part) for part in text.split(":", 1))
            if last < first:
                raise SeriesError(f"{option} {text}: the range ends before it starts")
            numbers = list(range(first, last + 1))
        else:
            numbers = [int(part) for part in text.split(",")]
    except ValueError:
        raise SeriesError(f"{option} {text!r}: expected a:b or a comma-separated list") from None
    if not numbers or min(numbers) < 1:
        raise SeriesError(f"{option} {text}: rows and days are numbered from 1")
    return numbers


def number(value: float) -> str:
    """A float as the commands print it: 10 significant digits, NA for NaN."""
    if math.isnan(value):
        return "NA"
    return f"{value:.10g}"
