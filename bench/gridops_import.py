"""Measurement 1 of the gridops benchmark: a 100,000-row screening file through
``fangkong.screening.importer.import_screening_file`` (read, validate, write), CSV and xlsx,
beside PostgreSQL COPY of the same validated rows into the same table.

The files list people of the registry (their real names, ID numbers, phones, addresses and
grids, as a grid worker's sheet would), screened today (CSV) or yesterday (xlsx) with no fever,
no symptoms, no travel and no contact: every row is valid and new. The physical limit is the
importer's own validated rows (``validate_rows`` on the same file, person ids resolved),
rendered to COPY text beforehand and sent with one ``COPY … FROM STDIN`` and a commit — what
PostgreSQL needs to store them, indexes included. Imported rows are deleted afterwards so a rerun
on a kept database imports new rows again.

Each is run ``ctx.runs`` times (3 by default), the COPY limit and the import alternating in
every round, and reported as the median with the slowest and fastest run: one run of COPY alone
swung from 21,500 to 37,800 rows/s between two runs of the benchmark on the shared machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from bench.harness import Runs, SummaryRow

if TYPE_CHECKING:
    from bench.scenarios.gridops import Out, State

ROWS = 100_000
TARGET_RPS = 100_000
COPY_RATIO = 3.0
XLSX_TARGET_RPS = 30_000


def _escape(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_text(rows: Sequence[Sequence[Any]]) -> bytes:
    return "".join("\t".join(_escape(v) for v in row) + "\n" for row in rows).encode()


def file_rows(n: int, day: dt.date) -> tuple[list[str], list[list[str]]]:
    """The template's columns and ``n`` rows of people with a phone, one row each."""
    from fangkong.screening import importer as im

    people = (
        "SELECT p.name, p.doc_number, p.sex, p.birth_date, p.phone, p.address, g.code"
        "  FROM people_person p JOIN regions_division g ON g.id = p.grid_id"
        " WHERE p.phone <> '' AND p.doc_type = 'resident_id' ORDER BY p.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(people, [n])
        found = cursor.fetchall()
    sexes = {"M": "男", "F": "女"}
    header = list(im.COLUMNS)
    at = {c: i for i, c in enumerate(header)}
    rows = []
    for name, number, sex, birth, phone, address, grid in found:
        row = [""] * len(header)
        row[at[im.NAME]] = name
        row[at[im.DOC_TYPE]] = "居民身份证"
        row[at[im.DOC_NUMBER]] = number
        row[at[im.SEX]] = sexes.get(sex, "")
        row[at[im.BIRTH_DATE]] = birth.isoformat() if birth else ""
        row[at[im.PHONE]] = phone
        row[at[im.ADDRESS]] = address
        row[at[im.GRID]] = grid
        row[at[im.SCREENED_ON]] = day.isoformat()
        row[at[im.TEMPERATURE]] = "36.5"
        row[at[im.SYMPTOMS]] = "无"
        row[at[im.HOUSEHOLD_SIZE]] = "3"
        rows.append(row)
    return header, rows


def write_csv_file(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx_file(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("排查登记")
    sheet.write_row(0, 0, header)
    for i, row in enumerate(rows, 1):
        sheet.write_row(i, 0, row)
    book.close()


def delete_imported() -> int:
    """Screenings written by an import (the generated ones have no client UUID)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM screening_screening WHERE client_uuid IS NOT NULL")
        return int(cursor.rowcount)


def copy_limit(state: State, path: Path) -> tuple[float, float, float, int]:
    """(validate seconds, COPY seconds, rows): the importer's validation of the file, then the
    rows it validated COPYed (pre-rendered) and committed; deleted again afterwards."""
    from fangkong.bulk.readers import read_table
    from fangkong.screening import importer as im

    start = time.perf_counter()
    table = read_table(path, path.name)
    validated = im.validate_rows(table, actor=state.user)
    validate_s = time.perf_counter() - start
    if validated.errors:
        raise SystemExit(f"the benchmark file has errors: {validated.errors[:3]}")
    for row, identity in zip(validated.rows, validated.identities, strict=True):
        row[im.PERSON] = validated.people[identity].pk
    payload = copy_text(validated.rows)
    names = ", ".join(connection.ops.quote_name(c) for c in im.SCREENING_COLUMNS)
    statement = f"COPY screening_screening ({names}) FROM STDIN"
    connection.ensure_connection()
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for i in range(0, len(payload), 1 << 20):
            copy.write(payload[i : i + (1 << 20)])
    copy_s = time.perf_counter() - start
    delete_imported()
    # The same COPY into a bare copy of the table (no index, constraint or foreign key): what
    # the table's seven indexes and deferred foreign-key checks add to the limit above.
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.connection.cursor() as cursor,
    ):
        cursor.execute(
            "CREATE TEMP TABLE bench_bare"
            " (LIKE screening_screening INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
        )
        with cursor.copy(statement.replace("screening_screening", "bench_bare")) as copy:
            for i in range(0, len(payload), 1 << 20):
                copy.write(payload[i : i + (1 << 20)])
    bare_s = time.perf_counter() - start
    return validate_s, copy_s, bare_s, len(validated.rows)


def import_file(state: State, path: Path) -> tuple[float, Any]:
    from fangkong.screening import importer as im

    start = time.perf_counter()
    outcome = im.import_screening_file(actor=state.user, path=path, filename=path.name)
    seconds = time.perf_counter() - start
    return seconds, outcome


def measure(state: State, out: Out) -> None:
    from bench.scenarios.gridops import WORK_DIR, Unavailable

    try:
        from fangkong.screening import importer as im
    except ImportError as exc:
        raise Unavailable(f"fangkong.screening.importer: {exc}") from exc
    if not hasattr(im, "import_screening_file"):
        raise Unavailable("fangkong.screening.importer.import_screening_file not written yet")
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    delete_imported()
    n = ROWS
    runs = state.ctx.runs
    header, rows = file_rows(n, state.today)
    if len(rows) < n:
        out.notes.append(f"Import: only {len(rows):,} people with a phone at this scale.")
    csv_path = WORK_DIR / f"screening-{uuid.uuid4().hex[:8]}.csv"
    write_csv_file(csv_path, header, rows)
    seconds: dict[str, list[float]] = {"import": [], "copy": [], "validate": [], "bare": []}
    try:
        for _ in range(runs):
            validate_s, copy_s, bare_s, copied = copy_limit(state, csv_path)
            import_s, outcome = import_file(state, csv_path)
            delete_imported()
            check_created("CSV", outcome, len(rows))
            for key, value in zip(
                ("validate", "copy", "bare", "import"),
                (validate_s, copy_s, bare_s, import_s),
                strict=True,
            ):
                seconds[key].append(value)
    finally:
        csv_path.unlink(missing_ok=True)
    created = len(rows)
    imported, copy = Runs.of(seconds["import"]), Runs.of(seconds["copy"])
    rps = imported.rate(created)
    ratio = imported.median / copy.median
    ratios = ", ".join(
        f"{i / c:.1f}" for i, c in zip(seconds["import"], seconds["copy"], strict=True)
    )
    out.summary.append(
        SummaryRow(
            f"import: {created:,}-row screening CSV, importer.import_screening_file end to end",
            f"{imported.rates(created)}; {ratio:.1f}× COPY",
            f"≥ {TARGET_RPS:,} rows/s; ≤ {COPY_RATIO:.0f}× COPY",
            f"COPY of the same validated rows: {copy.rates(copied)}",
            rps >= TARGET_RPS and ratio <= COPY_RATIO,
            notes=f"{runs} rounds of the COPY limit then the import, imported rows deleted after"
            f" each; import / COPY per round: {ratios}. Read + validate_rows alone (same file,"
            f" same rounds): {Runs.of(seconds['validate']).rates(copied)}. The same COPY into a"
            " bare copy of the table (no indexes, constraints or foreign keys):"
            f" {Runs.of(seconds['bare']).rates(copied)}. Every row a known person screened"
            " today with no risk (no follow-up observations).",
            samples={"rows": created, **{f"{k}_seconds": v for k, v in seconds.items()}},
        )
    )
    # xlsx: the same people, screened yesterday.
    header, rows = file_rows(n, state.today - dt.timedelta(days=1))
    xlsx_path = WORK_DIR / f"screening-{uuid.uuid4().hex[:8]}.xlsx"
    write_xlsx_file(xlsx_path, header, rows)
    xlsx_seconds: list[float] = []
    try:
        for _ in range(runs):
            import_s, outcome = import_file(state, xlsx_path)
            delete_imported()
            check_created("xlsx", outcome, len(rows))
            xlsx_seconds.append(import_s)
    finally:
        xlsx_path.unlink(missing_ok=True)
    xlsx = Runs.of(xlsx_seconds)
    out.summary.append(
        SummaryRow(
            f"import: {len(rows):,}-row screening xlsx (XlsxWriter), end to end",
            xlsx.rates(len(rows)),
            f"≥ {XLSX_TARGET_RPS:,} rows/s",
            f"CSV of the same rows: {rps:,.0f} rows/s (median)",
            xlsx.rate(len(rows)) >= XLSX_TARGET_RPS,
            samples={"rows": len(rows), "import_seconds": xlsx_seconds},
        )
    )


def check_created(kind: str, outcome: Any, expected: int) -> None:
    if outcome.created != expected:
        raise SystemExit(
            f"{kind} import created {outcome.created} of {expected}: {outcome.status}"
            f" {outcome.message} {outcome.errors[:3]}"
        )
