"""What every kind of file import shares, whatever its rows become (``screening/importer.py``,
``tracing/importer.py``): the template's header checked against the file, the cells read as
text and dates, the errors of each row and the rejects file, PostgreSQL ``COPY``, and the run of
a job from the file to its outcome (:class:`FileImport`).

An importer keeps its own domain: its columns, its row checks, what a valid row becomes and how
it is written. The row loops stay in the importers, inline: nothing here runs once per row but
what a loop calls on a cache miss or an error (the benchmark imports 100,000 rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.bulk.models import ERRORS_KEPT, ImportJob, ImportStatus
from fangkong.bulk.readers import MAX_BYTES, FileRefused, Table, cell_text, read_table, write_table
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.people.choices import DocType

if TYPE_CHECKING:
    from fangkong.accounts.models import User

T = TypeVar("T")

CHUNK = 5000  # values per query, rows per block of COPY text
PROGRESS_EVERY = 5000  # rows between two reports of progress
REASON = "错误原因"  # the rejects file's extra column: why the row was refused (data, as COLUMNS)

# Document types as written in a file: their Chinese labels (the codes are accepted too).
DOC_TYPES = {
    "居民身份证": DocType.RESIDENT_ID,
    "身份证": DocType.RESIDENT_ID,
    "护照": DocType.PASSPORT,
    "港澳居民来往内地通行证": DocType.HK_MACAO,
    "港澳通行证": DocType.HK_MACAO,
    "台湾居民来往大陆通行证": DocType.TAIWAN,
    "台胞证": DocType.TAIWAN,
    "其他证件": DocType.OTHER,
    "其他": DocType.OTHER,
}
DOC_TYPE_VALUES = frozenset(DocType.values)  # (``.values`` is rebuilt on every access)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


# --- cells -------------------------------------------------------------------------------------


def text_of(value: Any) -> str:
    """A cell's text, stripped."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    return cell_text(value).strip()


def text_reader(kind: str) -> Callable[[Any], str]:
    """How to read a cell's text in a table of this kind (CSV cells are all str)."""
    return str.strip if kind == "csv" else text_of


def chunks(values: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """The values in slices of ``size`` (for queries: one IN list or array each)."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def same_name(a: str, b: str) -> bool:
    """Two spellings of a name are the same but for spaces and case."""
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def unknown_doc_type(text: str) -> str:
    return _("Unknown document type “%(value)s”.") % {"value": text}


def id_typed_as_number() -> str:
    return _(
        "The ID number was typed into Excel as a number and lost its last digits: format the "
        "column as text and type it again."
    )


def cached_check(clean: Callable[[str], T]) -> Callable[[str], T | tuple[str]]:
    """``clean`` of a cell's text, remembered by text (most files repeat their values): the
    clean value, or (message,) when ``clean`` raises an ActionError."""
    known: dict[str, T | tuple[str]] = {}

    def check(text: str) -> T | tuple[str]:
        try:
            return known[text]
        except KeyError:
            pass
        result: T | tuple[str]
        try:
            result = clean(text)
        except ActionError as exc:
            result = (exc.message,)
        known[text] = result
        return result

    return check


class CellChecks:
    """The per-file state of the row checks: today, and caches of the checks of values that
    repeat from row to row (an importer's own checks add theirs)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.dates: dict[Any, dt.date | str] = {}

    def date(self, value: Any) -> dt.date | str | None:
        """A date cell (a date, or text 2020-02-01, 2020/2/1, 2020年2月1日); a str is an error."""
        if value is None or value == "":
            return None
        try:
            return self.dates[value]
        except (KeyError, TypeError):
            pass
        result: dt.date | str
        if isinstance(value, dt.datetime):
            result = value.date()
        elif isinstance(value, dt.date):
            result = value
        else:
            text = text_of(value)
            if not text:
                return None
            match = DATE_RE.match(text)
            try:
                if match is None:
                    raise ValueError
                result = dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                if isinstance(value, float | int):
                    result = _("A date is expected, not a number (format the cell as a date).")
                else:
                    result = _("“%(value)s” is not a date (write it as 2020-02-01).") % {
                        "value": text[:20]
                    }
        self.dates[value] = result
        return result


# --- the rows checked --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Validated:
    """The outcome of an importer's ``validate_rows``: the rows to write (in the order of its
    columns written), the rows already imported, and the errors of the rows refused, with
    their cells for the rejects file. An importer adds what its writing needs."""

    header: list[str]
    kind: str
    total: int = 0
    rows: list[list[Any]] = field(default_factory=list)
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: list[tuple[int, Sequence[Any], list[RowError]]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def reject(
        self, errors_of: dict[int, list[RowError]], cells_of: dict[int, Sequence[Any]]
    ) -> None:
        """Keep the errors and the cells of the rows refused, in the order of the file."""
        for number in sorted(errors_of):
            self.errors.extend(errors_of[number])
            self.rejected.append((number, cells_of[number], errors_of[number]))


def columns_of(
    header: Sequence[str], columns: Sequence[str], required: Sequence[str]
) -> tuple[dict[str, int], list[str]]:
    """Where each of the template's columns is in the file's header, and the header's other
    columns (ignored); FileRefused when a required column is missing."""
    index = {name: i for i, name in enumerate(header) if name in columns}
    missing = [c for c in required if c not in index]
    if missing:
        raise FileRefused(
            _(
                "The file lacks the column(s) %(columns)s: the first row must hold the column "
                "names of the template."
            )
            % {"columns": "、".join(missing)},
            code="missing_columns",
            field="file",
        )
    return index, [h for h in header if h and h not in index and h != REASON]


def write_rejects(job: ImportJob, validated: Validated) -> Path | None:
    """The refused rows as a file of the same kind, with the reason in an extra column."""
    if not validated.rejected:
        return None
    header = validated.header
    drop = header.index(REASON) if REASON in header else None
    out_header = [h for i, h in enumerate(header) if i != drop] + [REASON]
    width = len(header)

    def rows() -> Any:
        for _number, cells, errors in validated.rejected:
            padded = list(cells)[:width] + [""] * (width - len(cells))
            kept = [c for i, c in enumerate(padded) if i != drop]
            yield [*kept, "；".join(f"{e.column}：{e.reason}" for e in errors)]

    stem = Path(job.filename).stem[:80] or "import"
    path = job.directory / f"{stem}-{REASON}.{validated.kind}"
    write_table(path, validated.kind, out_header, rows())
    return path


# --- COPY --------------------------------------------------------------------------------------

ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def nullable(value: Any) -> str:
    return NULL if value is None else str(value)


def copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if value.__class__ is str:
        return value.translate(ESCAPES)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).translate(ESCAPES)


def copy_line(row: Sequence[Any]) -> str:
    """A row as a line of COPY text, whatever its values (an importer writes its own rows with
    a line of its own, faster: it knows which columns hold people's text)."""
    return "\t".join([copy_text(v) for v in row]) + "\n"


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Any],
    line: Callable[[Any], str] = copy_line,
) -> None:
    """PostgreSQL COPY FROM STDIN on the raw psycopg 3 connection, in the open transaction;
    the text format is built here, in blocks (psycopg's per-value adaptation is slower).

    psycopg's own errors (a ``UniqueViolation`` when another import wrote the same rows
    meanwhile) become Django's, as for any query, so that the caller's retry on
    ``IntegrityError`` sees them."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(sql) as copy:
            for i in range(0, len(rows), CHUNK):
                copy.write("".join([line(row) for row in rows[i : i + CHUNK]]))


# --- the file as a whole -----------------------------------------------------------------------


def rows_in(path: Path, filename: str) -> int:
    """A quick upper bound of the data rows of an upload, to choose inline or background
    (lines of a CSV; the sheet's height of an xlsx)."""
    try:
        if Path(filename).suffix.lower() == ".csv":
            with path.open("rb") as f:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        from python_calamine import load_workbook

        from fangkong.bulk.readers import check_xlsx

        check_xlsx(path)
        return int(load_workbook(str(path)).get_sheet_by_index(0).height) - 1
    except Exception:  # an unreadable file: the import itself will say why, quickly
        return 0


def template_rows_for(
    columns: Sequence[str], required: Sequence[str], help_of: dict[str, str]
) -> list[list[str]]:
    """The template's instructions (second sheet): column, required, what it holds."""
    return [[c, "是" if c in required else "", help_of[c]] for c in columns]


def digest(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and size."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def home_path(actor: User | None) -> str:
    return str(getattr(actor, "home_division_path", "") or "") if actor is not None else ""


@dataclass
class ImportOutcome:
    """What an import did (the job keeps the same); an importer adds its own count."""

    total: int
    created: int
    existing: int
    rejected: int
    errors: list[dict[str, Any]]
    rejects_path: Path | None
    status: str = ImportStatus.DONE
    message: str = ""
    job_id: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # read, validate, write


Outcome = TypeVar("Outcome", bound=ImportOutcome)


@dataclass(frozen=True)
class FileImport(Generic[Outcome]):
    """A kind of file import as its importer runs it: ``kind`` is the job's, ``audit`` writes the
    audit row of the file, ``counted`` the name of what its ``write_rows`` returns (a field
    of ``outcome`` and a change of the audit row, besides the job's counts).

    :meth:`run` is the whole: the file read (:func:`read_table`), its rows checked by the
    importer's ``validate_rows(table, actor=, progress=)`` (reads only), the counts, errors
    and rejects file kept on the job, then, unless a row has errors and not ``valid_only``,
    ``write_rows(validated, actor=)`` in one transaction with the job's outcome and its
    audit row."""

    kind: str
    # records the file's audit row: ``audit(actor, job, changes)``, written in the importer's
    # own module with its action code as a literal (audit/tests/test_labels.py follows those)
    audit: Callable[[User | None, ImportJob, dict[str, Any]], None]
    counted: str
    outcome: type[Outcome]
    log: logging.Logger

    def run(
        self,
        validate: Callable[..., Validated],
        write: Callable[..., int],
        *,
        actor: User | None,
        path: Path,
        filename: str,
        valid_only: bool = False,
        job: ImportJob | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Outcome:
        """Import a file; the job (made if not given) records the outcome. Never raises for a
        bad file or bad rows: the outcome and the job say what happened."""
        path = Path(path)
        if job is None:
            job = ImportJob.objects.create(
                kind=self.kind,
                division_path=home_path(actor),
                created_by=actor,
                filename=filename[:200],
                valid_only=valid_only,
            )
            if path.is_file() and path.stat().st_size <= MAX_BYTES:
                path = job.keep(path)  # kept with the job, to import its valid rows later
        job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
        job.valid_only = valid_only
        job.heartbeat_at, job.attempts = job.started_at, job.attempts + 1  # the run's lease
        job.save(update_fields=["status", "started_at", "valid_only", "heartbeat_at", "attempts"])
        pk = job.pk

        def report(done: int, total: int) -> None:
            ImportJob.objects.filter(pk=pk).update(
                processed_rows=done, total_rows=total, heartbeat_at=timezone.now()
            )
            if progress is not None:
                progress(done, total)

        for attempt in (1, 2):
            try:
                return self._run(validate, write, job, actor, path, filename, valid_only, report)
            except IntegrityError:  # the same rows written concurrently: once more
                if attempt == 2:
                    self.log.exception("import %s: concurrent writes twice", job.pk)
            except (ActionError, OutOfJurisdiction) as exc:  # changed meanwhile (a grid retired)
                job.status = ImportStatus.REFUSED
                job.message = (exc.message if isinstance(exc, ActionError) else str(exc))[:500]
                job.created_count = 0
                self._finish(job, actor)
                return self._outcome(job, None)
            except Exception:  # never a 500: the job says it failed
                self.log.exception("import %s failed", job.pk)
                break
        job.status = ImportStatus.FAILED
        job.created_count = 0
        job.message = _("The import failed unexpectedly; nothing was written. Try again later.")
        self._finish(job, actor)
        return self._outcome(job, None)

    def _run(
        self,
        validate: Callable[..., Validated],
        write: Callable[..., int],
        job: ImportJob,
        actor: User | None,
        path: Path,
        filename: str,
        valid_only: bool,
        report: Callable[[int, int], None],
    ) -> Outcome:
        clock = time.perf_counter
        seconds: dict[str, float] = {}
        try:
            start = clock()
            table: Table = read_table(path, filename)
            seconds["read"] = clock() - start
            job.sha256, job.size = digest(path)
            job.total_rows = len(table.rows)
            report(0, job.total_rows)
            start = clock()
            validated = validate(table, actor=actor, progress=report)
            seconds["validate"] = clock() - start
        except FileRefused as exc:
            if not job.size and path.exists():
                job.size = path.stat().st_size
            job.status, job.message = ImportStatus.REFUSED, exc.message
            self._finish(job, actor)
            return self._outcome(job, None)
        job.processed_rows = job.total_rows
        job.existing_count = validated.existing
        job.rejected_count = len(validated.rejected)
        job.errors = [e.as_dict() for e in validated.errors[:ERRORS_KEPT]]
        rejects = write_rejects(job, validated)
        job.rejects_path = str(rejects) if rejects else ""
        notes = []
        if validated.ignored_columns:
            notes.append(
                _("Columns not in the template were ignored: %(columns)s.")
                % {"columns": "、".join(validated.ignored_columns[:10])}
            )
        if validated.errors and not valid_only:
            job.status = ImportStatus.REFUSED
            notes.insert(
                0,
                _(
                    "%(n)s rows have errors, so nothing was imported. Fix them and upload the "
                    "file again, or import the valid rows only."
                )
                % {"n": job.rejected_count},
            )
            job.message = " ".join(notes)[:500]
            self._finish(job, actor)
            return self._outcome(job, rejects)
        if validated.errors:
            notes.insert(
                0,
                _(
                    "%(n)s rows with errors were left out: download them, fix them and import "
                    "that file."
                )
                % {"n": job.rejected_count},
            )
        start = clock()
        with transaction.atomic():
            counted = write(validated, actor=actor)
            job.created_count = len(validated.rows)
            job.status = ImportStatus.DONE
            job.message = " ".join(notes)[:500]
            self._save(job, actor, counted)
        seconds["write"] = clock() - start
        self.log.info("import %s: %s rows, %s", job.pk, job.total_rows, seconds)
        return self._outcome(job, rejects, counted, seconds)

    def _finish(self, job: ImportJob, actor: User | None) -> None:
        """Save the outcome of a job that wrote nothing, and audit it, in one transaction."""
        with transaction.atomic():
            self._save(job, actor)

    def _save(self, job: ImportJob, actor: User | None, counted: int = 0) -> None:
        """Save the job's outcome and audit it (in the caller's transaction)."""
        job.finished_at = timezone.now()
        job.save()
        self.audit(
            actor,
            job,
            {
                "status": [None, job.status],
                "file": [None, job.filename],
                "sha256": [None, job.sha256],
                "rows": [None, job.total_rows],
                "created": [None, job.created_count],
                "existing": [None, job.existing_count],
                "rejected": [None, job.rejected_count],
                self.counted: [None, counted],
            },
        )

    def _outcome(
        self,
        job: ImportJob,
        rejects: Path | None,
        counted: int = 0,
        seconds: dict[str, float] | None = None,
    ) -> Outcome:
        extra: dict[str, Any] = {self.counted: counted}
        return self.outcome(
            total=job.total_rows,
            created=job.created_count,
            existing=job.existing_count,
            rejected=job.rejected_count,
            errors=list(job.errors),
            rejects_path=rejects,
            status=job.status,
            message=job.message,
            job_id=job.pk,
            seconds=seconds or {},
            **extra,
        )
