"""Reading uploaded tables safely, and writing tables back (rejected rows, templates).

An upload is refused, with a message saying why, before anything is parsed when it is larger
than :data:`MAX_BYTES`, is not what its name says (an ``.xlsx`` must be a real Office Open XML
workbook, a ``.csv`` must be text), is a zip bomb (more than :data:`MAX_UNPACKED` unpacked, or
members compressed more than :data:`MAX_RATIO` times), or has more than :data:`MAX_ROWS` rows.
CSV is read as UTF-8 (with or without BOM) or else GB18030 (a superset of GBK: what Excel on
Chinese Windows saves); comma- or tab-separated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError

MAX_BYTES = 25 * 1024 * 1024  # upload limit
MAX_MB = MAX_BYTES // (1024 * 1024)
MAX_ROWS = 200_000  # data rows
MAX_UNPACKED = 200 * 1024 * 1024  # sum of an xlsx's uncompressed members
MAX_RATIO = 200  # compression ratio of any member larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
KINDS = (".csv", ".xlsx")

Cell = Any  # str (CSV); str, float, int, bool, date, datetime or "" (xlsx)


class FileRefused(ActionError):
    """The file as a whole cannot be read; nothing in it is imported."""


@dataclass
class Table:
    """A table read from a file: the header (row 1) and the non-empty data rows, each with
    its row number as Excel shows it (the header is row 1)."""

    kind: str  # "csv" or "xlsx"
    header: list[str]
    rows: list[tuple[int, Sequence[Cell]]] = field(default_factory=list)
    delimiter: str = ","


def too_large() -> FileRefused:
    return FileRefused(
        _("The file is larger than %(max)s MB; split it into several files.") % {"max": MAX_MB},
        code="file_too_large",
        field="file",
    )


def kind_of(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in KINDS:
        raise FileRefused(
            _("Upload an .xlsx or a .csv file (an old .xls: save it as .xlsx in Excel first)."),
            code="bad_file_type",
            field="file",
        )
    return suffix[1:]


def check_size(path: Path) -> int:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise too_large()
    if size == 0:
        raise FileRefused(_("The file is empty."), code="empty_file", field="file")
    return size


def read_table(path: Path, filename: str) -> Table:
    """The table in the file at ``path`` (uploaded as ``filename``), or FileRefused."""
    kind = kind_of(filename)
    check_size(path)
    return read_xlsx(path) if kind == "xlsx" else read_csv(path)


# --- xlsx --------------------------------------------------------------------------------------


def check_xlsx(path: Path) -> None:
    """A real xlsx (a zip with xl/workbook.xml) that is not a zip bomb."""
    not_xlsx = FileRefused(
        _(
            "This is not an Excel .xlsx file (perhaps another kind of file renamed to .xlsx). "
            "Open it in Excel and save it as an .xlsx workbook, or upload it as .csv."
        ),
        code="not_xlsx",
        field="file",
    )
    if not zipfile.is_zipfile(path):
        raise not_xlsx
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_xlsx from None
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise not_xlsx
    unpacked = sum(m.file_size for m in members)
    packed_badly = any(
        m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if unpacked > MAX_UNPACKED or packed_badly:
        raise FileRefused(
            _(
                "The workbook unpacks to more than %(max)s MB or is compressed abnormally; it "
                "is refused as unsafe. Save the data as a new workbook or as .csv."
            )
            % {"max": MAX_UNPACKED // (1024 * 1024)},
            code="zip_bomb",
            field="file",
        )


def read_xlsx(path: Path) -> Table:
    from python_calamine import CalamineError, load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(str(path))
        sheet = workbook.get_sheet_by_index(0)
        if sheet.height > MAX_ROWS + 1:
            raise _too_many_rows()
        values = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        if isinstance(exc, FileRefused):
            raise
        raise FileRefused(
            _("The workbook cannot be read (%(error)s); save it again in Excel.")
            % {"error": str(exc)[:100]},
            code="unreadable_xlsx",
            field="file",
        ) from None
    return _table("xlsx", values)


# --- CSV ---------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (BOM or none), else GB18030/GBK; anything else is refused."""
    if b"\x00" in data[:65536]:
        raise FileRefused(
            _("This is not a CSV text file (it holds binary data)."),
            code="not_csv",
            field="file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRefused(
            _(
                "The CSV file is neither UTF-8 nor GBK text and cannot be read. Save it from "
                "Excel as “CSV UTF-8”."
            ),
            code="bad_encoding",
            field="file",
        ) from None


def read_csv(path: Path) -> Table:
    text = decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        values = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileRefused(
            _("The CSV file is malformed (%(error)s).") % {"error": str(exc)[:100]},
            code="bad_csv",
            field="file",
        ) from None
    table = _table("csv", values)
    table.delimiter = delimiter
    return table


# --- both --------------------------------------------------------------------------------------


def _too_many_rows() -> FileRefused:
    return FileRefused(
        _("The file has more than %(max)s rows; split it into several files.")
        % {"max": f"{MAX_ROWS:,}"},
        code="too_many_rows",
        field="file",
    )


def _blank(cells: Sequence[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _table(kind: str, values: list[list[Cell]]) -> Table:
    if not values or _blank(values[0]):
        raise FileRefused(
            _("The first row must be the header with the column names of the template."),
            code="no_header",
            field="file",
        )
    if len(values) - 1 > MAX_ROWS:
        raise _too_many_rows()
    header = [str(c).strip().lstrip("\ufeff") if c is not None else "" for c in values[0]]
    rows: list[tuple[int, Sequence[Cell]]] = [
        (n, cells) for n, cells in enumerate(values[1:], start=2) if not _blank(cells)
    ]
    return Table(kind, header, rows)


def cell_text(value: Cell) -> str:
    """A cell as the text a user would see (for the rejects file and messages)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_table(
    path: Path, kind: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> None:
    """Write a table as CSV (UTF-8 with BOM, so Excel opens it) or as an xlsx sheet, readable
    by the service user only (0600: it holds personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)  # also when a leftover file existed
    if kind == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows([cell_text(c) for c in row] for row in rows)
        return
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet()
        text = workbook.add_format({"num_format": "@"})
        sheet.set_column(0, len(header), 16, text)
        put = sheet.write_string  # text as text: never a formula nor a link
        for j, name in enumerate(header):
            put(0, j, name)
        for i, row in enumerate(rows, start=1):
            for j, cell in enumerate(row):
                put(i, j, cell_text(cell))
    finally:
        workbook.close()


# --- uploads -----------------------------------------------------------------------------------


class SizeLimitUploadHandler(FileUploadHandler):
    """First of the upload handlers (settings.FILE_UPLOAD_HANDLERS): counts the bytes of each
    uploaded file as they stream in and stops the upload past :data:`MAX_BYTES`, so a huge file
    is never held in memory nor kept on disk. The view sees ``request.upload_too_large``."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
