"""Reported counts imported (from the national system, a CSV or xlsx file, or the API
``POST /api/warning/counts``): rows ``division code, date, indicator, value, kind`` become
``IndicatorDay`` rows of source ``imported``, one series per division and indicator.

**The rows.** ``division``: the 12-digit statistical code, or its short form (2, 4, 6 or 9
digits: "220102" is 南关区, 220102000000), or a grid's 15 digits; the division must be in the
importer's jurisdiction, and a code that is not answers exactly as one that does not exist
(the 404 policy). ``date``: 2000-01-01 to 2100-12-31. ``indicator``: a ``choices.Indicator``
value (or its Chinese label). ``value``: a whole number, never negative. ``kind``:
``cumulative`` (累计) or ``daily`` (新增); a series is one or the other.

**Cumulative series to daily.** Each day's value is the difference from the day before. The
first day of a series is counted from the last cumulative total imported before it for that
division and indicator (0 when none), so a series imported in parts adds up.

- *A gap* (days missing between two reported days): the last cumulative is carried forward,
  the missing days' daily value is 0 (no row), and the next reported day takes the whole
  difference.
- *A total that goes down* is a correction of the source (a case reassigned to another city,
  a count revised). It is not kept as a negative day: the drop is taken from the increments of
  the preceding days, most recent first, so that the daily values stay >= 0 and still add up
  to the last cumulative total; the days lowered and the day of the drop are marked
  ``adjusted``, and the import result says how many corrections it made. A total that falls
  below what was imported before the series (nothing left to take from) is refused.

Every reported day of a cumulative series is stored (value 0 included) with the cumulative as
reported, so that the next import continues from it; daily series store their nonzero days.

**Replacing.** An import of a series covers its days from the first to the last row given: the
imported rows stored for those days are replaced (a gap inside is a 0). Importing the same
rows again changes nothing (idempotent).

**All or nothing.** Every row is checked first; any error means nothing is written, and every
error is reported with its row and field. One audit row ``warning.counts_import`` per import.
The file import (a kind registered with ``fangkong.bulk.imports``) may import "the valid rows
only": a series with a refused row is then left out whole (its cumulative totals would not add
up without it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.actions import record
from fangkong.bulk import rows as bulk_rows
from fangkong.bulk.imports import ImportKindSpec, register
from fangkong.bulk.models import ImportJob
from fangkong.bulk.readers import Table
from fangkong.bulk.rows import CellChecks, FileImport, RowError, columns_of, template_rows_for
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.regions.models import Division
from fangkong.warning.choices import STOCK_INDICATORS, Indicator, Source
from fangkong.warning.indicators import write_rows
from fangkong.warning.models import IndicatorDay
from fangkong.warning.permissions import WarningPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User

log = logging.getLogger(__name__)

IMPORT_KIND = "counts"
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
MAX_ROWS = 100_000
CODE_LENGTHS = (2, 4, 6, 9, 12, 15)

CUMULATIVE, DAILY = "cumulative", "daily"
KINDS = {
    "cumulative": CUMULATIVE,
    "累计": CUMULATIVE,
    "累计数": CUMULATIVE,
    "daily": DAILY,
    "新增": DAILY,
    "当日": DAILY,
    "当日新增": DAILY,
}

# The fields of a row (the API's names; the file's columns are the Chinese ones below).
FIELDS = ("division", "date", "indicator", "value", "kind")

# --- the file's columns: Chinese names are data (the template's header) -----------------------

DIVISION = "区划代码"  # division code
DATE = "日期"  # date
INDICATOR = "指标"  # indicator
VALUE = "数值"  # value
KIND = "口径"  # cumulative or daily
COLUMNS = [DIVISION, DATE, INDICATOR, VALUE, KIND]
COLUMN_OF = dict(zip(FIELDS, COLUMNS, strict=True))
COLUMN_HELP = {
    DIVISION: "必填。12位统计用区划代码，或其简码（如 220102 即南关区），须在本辖区内。",
    DATE: "必填。如 2020-02-01。",
    INDICATOR: "必填。指标代码，如 confirmed_local（本地确诊，报告日期）、confirmed_imported。",
    VALUE: "必填。非负整数。",
    KIND: "必填。累计（cumulative）或新增（daily）；同一区划同一指标须一致。",
}
BACKGROUND_ROWS = 5000


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One error of one row: ``row`` as the caller numbers them (the API: the index in the
    list, from 0; a file: the row as Excel shows it), the field, the message."""

    row: int
    field: str
    message: str


class CountsRefused(ActionError):
    """Some rows are wrong: nothing was written. ``problems`` says which and why."""

    status = 422

    def __init__(self, problems: list[Problem]):
        super().__init__(
            _("%(n)s rows have errors, so nothing was imported.")
            % {"n": len({p.row for p in problems})},
            code="invalid_rows",
        )
        self.problems = problems


@dataclass
class Prepared:
    """What a checked import writes: the rows (``indicators.COLUMNS`` order), the span of
    each series replaced, and what the conversion did."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    spans: list[tuple[int, str, dt.date, dt.date]] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)
    corrections: int = 0
    adjusted: int = 0


@dataclass(frozen=True)
class ImportResult:
    rows: int
    series: int
    corrections: int
    adjusted: int


# --- checking ------------------------------------------------------------------------------------


def _indicator_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for code, label in Indicator.choices:
        words[code] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                words.setdefault(str(label), code)
    return words


def _text(value: Any) -> str:
    return bulk_rows.text_of(value) if value is not None else ""


def _code(value: Any) -> str | None:
    text = _text(value)
    if text.endswith(".0"):  # a code typed into Excel as a number
        text = text[:-2]
    if not text.isdigit() or not text.isascii() or len(text) not in CODE_LENGTHS:
        return None
    return text.ljust(12, "0")


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value).replace(",", "")
    if text.endswith(".0"):
        text = text[:-2]
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if not digits.isdigit() or not digits.isascii() or len(digits) > 9:
        return None
    return sign * int(digits)


def _visible_divisions(actor: User | None, codes: set[str]) -> dict[str, tuple[int, str]]:
    """The divisions with these codes the actor may import for (all for the system)."""
    qs = Division.objects.all() if actor is None else Division.objects.visible_to(actor)
    found: dict[str, tuple[int, str]] = {}
    ordered = sorted(codes)
    for i in range(0, len(ordered), 2000):
        for code, pk, path in qs.filter(code__in=ordered[i : i + 2000]).values_list(
            "code", "pk", "path"
        ):
            found[code] = (pk, path)
    return found


def _bases(
    keys: set[tuple[int, str]], firsts: Mapping[tuple[int, str], dt.date]
) -> dict[tuple[int, str], int]:
    """For each cumulative series, the last cumulative total imported before its first day."""
    out: dict[tuple[int, str], tuple[dt.date, int]] = {}
    ids = sorted({k[0] for k in keys})
    latest = max(firsts.values(), default=FIRST_DAY)
    for i in range(0, len(ids), 2000):
        for pk, indicator, day, cumulative in IndicatorDay.objects.filter(
            division_id__in=ids[i : i + 2000],
            source=Source.IMPORTED,
            cumulative__isnull=False,
            day__lt=latest,
        ).values_list("division_id", "indicator", "day", "cumulative"):
            key = (pk, indicator)
            if key in keys and day < firsts[key] and (key not in out or out[key][0] < day):
                out[key] = (day, int(cumulative or 0))
    return {k: v[1] for k, v in out.items()}


@dataclass
class _Row:
    number: int
    division: tuple[int, str]
    day: dt.date
    indicator: str
    value: int
    kind: str


def check_rows(
    rows: Sequence[tuple[int, Mapping[str, Any]]], *, actor: User | None
) -> tuple[Prepared, list[Problem], set[int]]:
    """Check ``rows`` (row number, {field: value}) and convert them; reads only. Returns what
    to write (the series without errors), every problem, and the numbers of the rows left out
    (rows with errors and the other rows of their series)."""
    problems: list[Problem] = []
    checks = CellChecks(timezone.localdate())
    words = _indicator_words()
    codes = {c for _n, r in rows if (c := _code(r.get("division"))) is not None}
    divisions = _visible_divisions(actor, codes)
    good: list[_Row] = []
    bad_rows: set[int] = set()

    def fail(number: int, name: str, message: str) -> None:
        problems.append(Problem(number, name, message))
        bad_rows.add(number)

    series_of_bad: set[tuple[int, str]] = set()
    for number, raw in rows:
        errors_before = len(problems)
        code = _code(raw.get("division"))
        division = divisions.get(code) if code else None
        if code is None:
            fail(number, "division", _("A division code has 2 to 12 digits (or a grid's 15)."))
        elif division is None:
            fail(
                number,
                "division",
                _("No division has this code in your jurisdiction."),
            )
        day = checks.date(raw.get("date"))
        if day is None:
            fail(number, "date", _("The date is missing."))
        elif isinstance(day, str):
            fail(number, "date", day)
        elif not FIRST_DAY <= day <= LAST_DAY:
            fail(
                number,
                "date",
                _("The date must be between %(min)s and %(max)s.")
                % {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()},
            )
        indicator = words.get(_text(raw.get("indicator")))
        if indicator is None:
            fail(
                number,
                "indicator",
                _("Unknown indicator “%(value)s”.") % {"value": _text(raw.get("indicator"))[:40]},
            )
        kind = KINDS.get(_text(raw.get("kind")).lower())
        if kind is None:
            fail(number, "kind", _("The kind is “cumulative” (累计) or “daily” (新增)."))
        elif kind == CUMULATIVE and indicator in STOCK_INDICATORS:
            fail(number, "kind", _("This indicator is a stock: send its value as daily."))
        value = _whole(raw.get("value"))
        if value is None:
            fail(number, "value", _("The value must be a whole number."))
        elif value < 0 and kind == DAILY:
            fail(
                number,
                "value",
                _(
                    "A daily count cannot be negative (%(value)s). Send a correction as a lower "
                    "cumulative total, or correct the day's own count."
                )
                % {"value": value},
            )
        elif value < 0:
            fail(number, "value", _("A cumulative total cannot be negative."))
        if len(problems) > errors_before:
            if division is not None and indicator is not None:
                series_of_bad.add((division[0], indicator))
            continue
        assert division and indicator and kind and isinstance(day, dt.date) and value is not None
        good.append(_Row(number, division, day, indicator, value, kind))

    by_series: dict[tuple[int, str], list[_Row]] = defaultdict(list)
    for row in good:
        by_series[(row.division[0], row.indicator)].append(row)
    for key, series in by_series.items():
        series.sort(key=lambda r: (r.day, r.number))
        first_kind = series[0].kind
        for before, row in itertools.pairwise(series):
            if row.day == before.day:
                fail(
                    row.number,
                    "date",
                    _("This division, indicator and date are given twice (row %(row)s).")
                    % {"row": before.number},
                )
                series_of_bad.add(key)
        for row in series:
            if row.kind != first_kind:
                fail(
                    row.number,
                    "kind",
                    _("A series is cumulative or daily, not both (row %(row)s is %(kind)s).")
                    % {"row": series[0].number, "kind": first_kind},
                )
                series_of_bad.add(key)

    prepared = Prepared()
    cumulative_keys = {
        k for k, s in by_series.items() if k not in series_of_bad and s[0].kind == CUMULATIVE
    }
    firsts = {k: by_series[k][0].day for k in cumulative_keys}
    bases = _bases(cumulative_keys, firsts) if cumulative_keys else {}
    now = timezone.now()
    for key, series in by_series.items():
        if key in series_of_bad:
            continue
        pk, path = series[0].division
        if series[0].kind == DAILY:
            values = [r.value for r in series]
            adjusted = [False] * len(series)
        else:
            outcome = _to_daily([r.value for r in series], bases.get(key, 0))
            if isinstance(outcome, tuple) and len(outcome) == 3:
                values, adjusted, corrections = outcome
            else:
                at, base = outcome
                fail(
                    series[at].number,
                    "value",
                    _(
                        "The cumulative total %(value)s is below the %(base)s imported before "
                        "%(day)s: import the earlier days again with the correction."
                    )
                    % {"value": series[at].value, "base": base, "day": series[0].day.isoformat()},
                )
                series_of_bad.add(key)
                continue
            prepared.corrections += corrections
            prepared.adjusted += sum(adjusted)
        prepared.spans.append((pk, key[1], series[0].day, series[-1].day))
        prepared.paths.add(path)
        cumulative = series[0].kind == CUMULATIVE
        for row, value, adj in zip(series, values, adjusted, strict=True):
            if value or cumulative:
                prepared.rows.append(
                    (pk, path, row.day, key[1], Source.IMPORTED, value,
                     row.value if cumulative else None, adj, now)
                )  # fmt: skip
    left_out = set(bad_rows)
    for key in series_of_bad:
        for row in by_series.get(key, ()):
            left_out.add(row.number)
    return prepared, problems, left_out


def _to_daily(
    totals: Sequence[int], base: int
) -> tuple[list[int], list[bool], int] | tuple[int, int]:
    """Daily values from cumulative totals (module docstring): (dailies, adjusted flags,
    corrections), or (index, base) when a total falls below what was imported before."""
    dailies: list[int] = []
    adjusted: list[bool] = []
    corrections = 0
    previous = base
    for i, total in enumerate(totals):
        difference = total - previous
        previous = total
        if difference >= 0:
            dailies.append(difference)
            adjusted.append(False)
            continue
        corrections += 1
        dailies.append(0)
        adjusted.append(True)
        need = -difference
        k = i - 1
        while need and k >= 0:
            take = min(dailies[k], need)
            if take:
                dailies[k] -= take
                adjusted[k] = True
                need -= take
            k -= 1
        if need:
            return i, base
    return dailies, adjusted, corrections


# --- writing -------------------------------------------------------------------------------------


def write_prepared(prepared: Prepared, *, actor: User | None) -> int:
    """Replace the spans' imported rows with the prepared ones, in the caller's transaction,
    after checking that every division is still the actor's (the write gate)."""
    for path in sorted(prepared.paths):
        ensure_in_scope(actor, path)
    for i in range(0, len(prepared.spans), 200):
        condition = Q()
        for pk, indicator, start, end in prepared.spans[i : i + 200]:
            condition |= Q(division_id=pk, indicator=indicator, day__gte=start, day__lte=end)
        old = IndicatorDay.objects.filter(condition, source=Source.IMPORTED)
        old._raw_delete(old.db)  # no cascades, no signals
    write_rows(prepared.rows)
    return len(prepared.rows)


def import_counts(
    *, actor: User | None, rows: Sequence[Mapping[str, Any]], origin: str = "api", first: int = 0
) -> ImportResult:
    """Import reported counts, all or nothing: :class:`CountsRefused` (422) lists every row's
    errors and nothing is written; else the rows replace the series' days, with one audit row.
    ``rows`` are {division, date, indicator, value, kind}; problems name a row by its index
    plus ``first``."""
    if len(rows) > MAX_ROWS:
        raise ActionError(
            _("At most %(n)s rows in one import.") % {"n": MAX_ROWS}, code="too_many_rows"
        )
    prepared, problems, _left_out = check_rows(
        [(first + i, row) for i, row in enumerate(rows)], actor=actor
    )
    if problems:
        raise CountsRefused(problems)
    with transaction.atomic():
        written = write_prepared(prepared, actor=actor)
        result = ImportResult(written, len(prepared.spans), prepared.corrections, prepared.adjusted)
        _audit(actor, origin, len(rows), result)
    return result


def _audit(actor: User | None, origin: str, total: int, result: ImportResult) -> None:
    record(
        actor=actor,
        action="warning.counts_import",
        object_type="warning.indicatorday",
        object_repr=origin[:200],
        division_path=str(getattr(actor, "home_division_path", "") or ""),
        changes={
            "rows": [None, total],
            "written": [None, result.rows],
            "series": [None, result.series],
            "corrections": [None, result.corrections],
            "adjusted": [None, result.adjusted],
        },
    )


# --- the file import (a kind of the bulk app) ----------------------------------------------------


@dataclass
class Validated(bulk_rows.Validated):
    prepared: Prepared = field(default_factory=Prepared)


@dataclass
class FileOutcome(bulk_rows.ImportOutcome):
    corrections: int = 0


def validate_file(table: Table, *, actor: User | None, progress: Any = None) -> Validated:
    """The file's rows checked (reads only): a series with a refused row is left out whole."""
    index, ignored = columns_of(table.header, COLUMNS, COLUMNS)
    validated = Validated(header=table.header, kind=table.kind, total=len(table.rows))
    validated.ignored_columns = ignored
    cells_of = dict(table.rows)
    raw = [
        (number, {f: (cells[index[COLUMN_OF[f]]] if index[COLUMN_OF[f]] < len(cells) else None)
                  for f in FIELDS})
        for number, cells in table.rows
    ]  # fmt: skip
    prepared, problems, left_out = check_rows(raw, actor=actor)
    errors_of: dict[int, list[RowError]] = defaultdict(list)
    for p in problems:
        errors_of[p.row].append(RowError(p.row, COLUMN_OF[p.field], p.message))
    for number in left_out:
        if number not in errors_of:
            errors_of[number].append(
                RowError(number, VALUE, _("Left out with the refused rows of the same series."))
            )
    validated.reject(errors_of, {n: cells_of[n] for n in errors_of})
    validated.rows = [list(row) for row in prepared.rows]
    validated.prepared = prepared
    return validated


def write_file(validated: Validated, *, actor: User | None) -> int:
    """Write the checked file's rows (in FileImport's transaction); returns the corrections."""
    write_prepared(validated.prepared, actor=actor)
    return validated.prepared.corrections


def _audit_file(actor: User | None, job: ImportJob, changes: dict[str, Any]) -> None:
    record(
        actor=actor,
        action="warning.counts_import",
        obj=job,
        division_path=job.division_path,
        changes=changes,
    )


FILE_IMPORT = FileImport(
    kind=IMPORT_KIND, audit=_audit_file, counted="corrections", outcome=FileOutcome, log=log
)


def import_counts_file(
    *,
    actor: User | None,
    path: Path,
    filename: str,
    valid_only: bool = False,
    job: ImportJob | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FileOutcome:
    """Import a file of reported counts; the job (made if not given) records the outcome."""
    return FILE_IMPORT.run(
        validate_file,
        write_file,
        actor=actor,
        path=path,
        filename=filename,
        valid_only=valid_only,
        job=job,
        progress=progress,
    )


def template_rows() -> list[list[str]]:
    return template_rows_for(COLUMNS, COLUMNS, COLUMN_HELP)


register(
    ImportKindSpec(
        name=IMPORT_KIND,
        label=gettext_lazy("reported counts"),
        perm=WarningPerm.IMPORT_COUNTS,
        run=import_counts_file,
        count_rows=bulk_rows.rows_in,
        background_rows=BACKGROUND_ROWS,
        columns=list(COLUMNS),
        template_rows=template_rows,
        sheet="报告数",  # reported counts
        title=gettext_lazy("Import reported counts"),
        checks=gettext_lazy(
            "Every row is checked: the division must be in your jurisdiction, values are whole "
            "numbers, never negative. Cumulative totals become daily counts; a total that goes "
            "down is a correction taken from the days before. Importing the same rows again "
            "replaces them."
        ),
    )
)
