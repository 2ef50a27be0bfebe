"""Export of any list a user can see, as CSV or Excel (xlsx), streamed in bounded memory.

Each list is an :class:`ExportList`: the permission that opens its page, how its query string
becomes the same filtered queryset the page shows (through the app's own selectors, starting
from ``.visible_to(user)``), and its columns. Each app declares its own lists in
``<app>/exports.py`` with :func:`register`; this module holds the machinery only and finds them
(:func:`autodiscover`, run by ``BulkConfig.ready``). One export is:

1. :func:`prepare`: the list, the format and the filters checked (a bad value raises
   :class:`BadExport`, a division or checkpoint out of reach ``Http404``, a missing permission
   ``PermissionDenied``), the rows counted, and the audit row written (``bulk.export``);
2. :func:`csv_chunks` or :func:`write_xlsx_rows`: the rows read with ``values_list`` in one
   query through a server-side cursor (``.iterator(chunk_size=5000)``), formatted with label
   dictionaries computed once, never a model instance per row.

:func:`write_csv` and :func:`write_xlsx` do both without HTTP (the benchmark calls them); the
views (``export_views.py``) and the API (``export_api.py``) stream the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connections, transaction
from django.db.models import Model, QuerySet, TextChoices, TextField
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.bulk.permissions import BulkPerm
from fangkong.core.jurisdiction import get_visible_or_404
from fangkong.core.parsing import BadInput, parse_date, parse_id
from fangkong.people.idcard import mask_id, mask_phone
from fangkong.people.permissions import PeoplePerm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

EXPORT_PERM = BulkPerm.EXPORT_LIST
UNMASK_PERM = PeoplePerm.VIEW_UNMASKED
FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, one of them the header
# XlsxWriter costs ~6 µs a cell: 100,000 rows of ~15 columns take 10-25 s, well inside the web
# server's timeout (docs/deployment.md: --timeout 120). CSV streams far more.
XLSX_ONLINE_MAX_ROWS = 100_000
CHUNK_ROWS = 5000  # rows fetched per round trip of the server-side cursor
CSV_CHUNK_BYTES = 64 * 1024  # bytes handed to the web server at a time
BOM = "\ufeff".encode()  # Excel opens a CSV as UTF-8 only when it starts with the BOM
TRUE_VALUES = ("1", "true", "on", "yes")
# Ignored in every query string: paging, the API's format, what a form adds.
IGNORED_PARAMS = ("after", "format", "csrfmiddlewaretoken")


class BadExport(Exception):
    """A list name, format or filter value that cannot be exported: answered 400 (or 404 for
    an unknown list), with ``message`` for people."""

    def __init__(self, message: str, *, status: int = 400, code: str = "bad_filter"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


# --- columns -----------------------------------------------------------------------------------

Formatter = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header (data, like a template's column names), the field read
    with ``values_list``, and how its value is shown:

    ``""`` as it is; ``"text"`` free text (a leading ``= + - @`` is quoted so that a
    spreadsheet never runs it as a formula); ``"date"`` ISO; ``"datetime"`` local
    ``YYYY-MM-DD HH:MM:SS``; ``"temp"`` one decimal; ``"id"``/``"phone"`` masked unless the
    export is unmasked; ``"bool"`` yes/no; ``"choice"`` the label of ``choices`` in the
    reader's language; ``"choices"`` a list of codes as labels joined by "、"; ``"plate"`` a
    plate, or "on foot".
    """

    header: str
    field: str
    kind: str = ""
    choices: type[TextChoices] | None = None


FORMULA_START = "=+-@\t\r"  # a cell starting so is a formula to a spreadsheet


def _text(value: Any) -> Any:
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _temp(value: Any) -> str:
    return f"{value:.1f}" if value is not None else ""


def _formatter(column: Column, *, masked: bool, db_text: bool) -> Formatter | None:
    """The function that shows a column's value, or None where the value is shown as it is.
    Labels are looked up in dictionaries made here, once per export, in the active language.
    ``db_text``: the database sent decimals and JSON lists as text (:meth:`Export.values`)."""
    kind = column.kind
    if kind == "":
        return None
    if kind == "text":
        return _text
    if kind == "date":
        return _date
    if kind == "datetime":
        zone = timezone.get_current_timezone()
        return lambda v: v.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if v else ""
    if kind == "temp":
        return None if db_text else _temp  # numeric(3,1) as text has its one decimal
    if kind == "id":
        return (lambda v: mask_id(v) if v else "") if masked else None
    if kind == "phone":
        return (lambda v: mask_phone(v) if v else "") if masked else None
    if kind == "bool":
        yes, no = _("yes"), _("no")
        return lambda v: yes if v else no
    if kind == "plate":
        on_foot = _("on foot")
        return lambda v: v or on_foot
    assert column.choices is not None, column
    labels = {str(value): str(label) for value, label in column.choices.choices}
    if kind == "choice":
        return lambda v: labels.get(v, v) if v else ""
    if kind == "choices":
        if db_text:  # most lists are empty: "[]" is not parsed
            return lambda v: (
                "、".join(labels.get(c, c) for c in json.loads(v)) if v and v != "[]" else ""
            )
        return lambda v: "、".join(labels.get(c, c) for c in v) if v else ""
    raise ValueError(f"unknown column kind {kind!r}")


def row_formatter(
    columns: Sequence[Column], *, masked: bool, db_text: bool = False
) -> Callable[[tuple[Any, ...]], Any]:
    """A function from a ``values_list`` row to the exported row.

    It is compiled for the columns: one list display per row, free text and dates formatted
    inline, columns shown as they are copied, so a row costs a few function calls at most
    (the million-row target is 50,000 rows/s). The source is made from this module's column
    kinds and indices only, never from input.
    """
    namespace: dict[str, Any] = {"FORMULA": FORMULA_START}
    parts = []
    for i, column in enumerate(columns):
        value = f"r[{i}]"
        if column.kind == "text":
            parts.append(f'("\'" + x if (x := {value}) and x[0] in FORMULA else x)')
        elif column.kind == "date":
            parts.append(f"(x.isoformat() if (x := {value}) is not None else '')")
        elif column.kind == "choice" and column.choices is not None:
            labels = {str(v): str(label) for v, label in column.choices.choices}
            namespace[f"labels{i}"] = labels
            parts.append(f"(labels{i}.get(x, x) if (x := {value}) else '')")
        else:
            formatter = _formatter(column, masked=masked, db_text=db_text)
            if formatter is None:
                parts.append(value)
            else:
                namespace[f"f{i}"] = formatter
                parts.append(f"f{i}({value})")
    source = "def fmt(r):\n    return [" + ", ".join(parts) + "]\n"
    exec(source, namespace)  # noqa: S102 - our own column kinds and indices, see above
    fmt: Callable[[tuple[Any, ...]], Any] = namespace["fmt"]
    return fmt


# --- the lists ---------------------------------------------------------------------------------

Rows = Callable[["User", QueryDict], QuerySet[Any]]


@dataclass(frozen=True)
class ExportList:
    """A list that can be exported: what its page shows, as rows."""

    name: str  # in the URL: /bulk/export/<name>.csv
    title: str  # the sheet's and the file's name (Chinese: data)
    label: Any  # for people, in their language
    perm: str  # the permission that opens the list's page
    model: type[Model]
    params: tuple[str, ...]  # the query string keys the list page understands
    rows: Rows  # the filtered queryset, ordered like the page
    columns: tuple[Column, ...]
    masks: bool = True  # has ID numbers or phones

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]


def visible_code(user: User, code: str, *, grid: bool = False) -> Division:
    """The division with this code in the user's jurisdiction, or 404 (out of scope answers
    like unknown), as on the list pages; a code that cannot be one is a bad filter."""
    if not (code.isascii() and code.isdigit() and len(code) <= 15):
        raise BadExport(_("A division code is up to 15 digits."))
    lookup: dict[str, Any] = {"code": code}
    if grid:
        lookup["level"] = Level.GRID
    division: Division = get_visible_or_404(Division.objects.all(), user, **lookup)
    return division


def division_filter(
    user: User, query: QueryDict, name: str, *, grid: bool = False
) -> Division | None:
    """The division named by the query key ``name`` (see :func:`visible_code`), or None."""
    code = (query.get(name) or "").strip()
    return visible_code(user, code, grid=grid) if code else None


def form_errors(form: Any) -> BadExport:
    """A list page's filter form that did not validate, as one bad export."""
    return BadExport(" ".join(str(e) for errors in form.errors.values() for e in errors))


def iso_day(query: QueryDict, name: str) -> dt.date | None:
    """The date in the query key ``name`` (YYYY-MM-DD, 1900-2100: ``core.parsing``), or None;
    anything else is a bad filter."""
    try:
        return parse_date(query.get(name), field=name)
    except BadInput as exc:
        raise BadExport(exc.message) from None


def id_filter(query: QueryDict, name: str) -> int | None:
    """The record number in the query key ``name`` (``core.parsing.parse_id``), or None."""
    try:
        return parse_id(query.get(name), field=name)
    except BadInput as exc:
        raise BadExport(exc.message) from None


# Column headers shared by several apps' lists. Headers are Chinese data, like the column names
# of an import template.
ID = "编号"  # record number
NAME = "姓名"  # full name
DOC_TYPE = "证件类型"  # document type
DOC_NUMBER = "证件号码"  # document number
SEX = "性别"  # sex
BIRTH_DATE = "出生日期"  # birth date
PHONE = "联系电话"  # phone
ADDRESS = "现住址"  # address
GRID = "网格"  # grid name
GRID_CODE = "网格编码"  # grid code
STATUS = "状态"  # status
TEMPERATURE = "体温(℃)"  # temperature

# The lists: each app registers its own in ``<app>/exports.py`` (found by ``autodiscover``).
LISTS: dict[str, ExportList] = {}


def register(spec: ExportList) -> ExportList:
    """Add a list that can be exported (called by ``<app>/exports.py``); a name is one list's."""
    if spec.name in LISTS and LISTS[spec.name] is not spec:
        raise ImproperlyConfigured(f"two exports are named {spec.name!r}")
    LISTS[spec.name] = spec
    return spec


def autodiscover() -> None:
    """Import every app's ``exports.py`` so that its lists are registered (``BulkConfig.ready``)."""
    autodiscover_modules("exports")


# --- one export --------------------------------------------------------------------------------


@dataclass
class Export:
    """A checked, counted and audited export, ready to be written."""

    spec: ExportList
    fmt: str
    queryset: QuerySet[Any]
    count: int
    masked: bool
    filters: dict[str, str] = field(default_factory=dict)

    def rows(self) -> Iterator[Any]:
        """The formatted rows, read in one query through a server-side cursor."""
        values, db_text = self.values()
        fmt = row_formatter(self.spec.columns, masked=self.masked, db_text=db_text)
        return map(fmt, _whole(values))

    def values(self) -> tuple[QuerySet[Any], bool]:
        """The columns' values in one query. On PostgreSQL, decimals and JSON lists come as
        text (``::text``): Django would make a ``Decimal`` and parse JSON for every row."""
        queryset = self.queryset
        if connections[queryset.db].vendor != "postgresql":
            return queryset.values_list(*self.spec.fields), False
        names, casts = [], {}
        for i, column in enumerate(self.spec.columns):
            if column.kind in ("temp", "choices"):
                casts[f"export_{i}"] = Cast(column.field, TextField())
                names.append(f"export_{i}")
            else:
                names.append(column.field)
        return queryset.annotate(**casts).values_list(*names), True

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.spec.columns]

    @property
    def filename(self) -> str:
        return f"{self.spec.title}-{timezone.localtime():%Y%m%d-%H%M}.{self.fmt}"


def _whole(values: QuerySet[Any]) -> Iterator[Any]:
    """Every row, through a server-side cursor planned for reading all of it: PostgreSQL plans
    a cursor for its first 10% (``cursor_tuple_fraction``), which turns a hash join and one
    sort into a million index lookups; the setting is put back when the rows end or the
    download is abandoned."""
    connection = connections[values.db]
    if connection.vendor != "postgresql":
        yield from values.iterator(chunk_size=CHUNK_ROWS)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield from values.iterator(chunk_size=CHUNK_ROWS)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")


def _query(query: QueryDict | Mapping[str, Any] | None) -> QueryDict:
    if isinstance(query, QueryDict):
        return query
    out = QueryDict(mutable=True)
    for key, value in (query or {}).items():
        if isinstance(value, list | tuple):
            out.setlist(key, [str(v) for v in value])
        elif value is not None:
            out[key] = str(value)
    return out


def get_list(name: str) -> ExportList:
    spec = LISTS.get(name)
    if spec is None:
        raise BadExport(_("There is no such list to export."), status=404, code="not_found")
    return spec


def prepare(name: str, user: User, query: QueryDict | Mapping[str, Any] | None, fmt: str) -> Export:
    """Check, count and audit one export; nothing is read or written when anything is wrong."""
    spec = get_list(name)
    if fmt not in FORMATS:
        raise BadExport(_("Export as csv or xlsx."), code="bad_format")
    if not (
        getattr(user, "is_authenticated", False)
        and user.has_perm(spec.perm)
        and user.has_perm(EXPORT_PERM)
    ):
        raise PermissionDenied
    params = _query(query)
    unmasked = (params.get("unmasked") or "").lower() in TRUE_VALUES
    if unmasked and not user.has_perm(UNMASK_PERM):
        raise PermissionDenied
    if "\x00" in params.urlencode():
        raise BadExport(_("The request is invalid."))
    queryset = spec.rows(user, params)
    filters = {k: params.get(k, "") for k in spec.params if params.get(k)}
    count = queryset.count()
    if fmt == "xlsx" and count > XLSX_MAX_ROWS:
        raise BadExport(
            _(
                "%(count)s rows are more than an Excel sheet holds (%(max)s): export as CSV, "
                "or narrow the list with its filters."
            )
            % {"count": f"{count:,}", "max": f"{XLSX_MAX_ROWS:,}"},
            code="too_many_rows",
        )
    if fmt == "xlsx" and count > XLSX_ONLINE_MAX_ROWS:
        raise BadExport(
            _(
                "%(count)s rows are too many for an Excel file made while you wait (at most "
                "%(max)s): export as CSV, or narrow the list with its filters."
            )
            % {"count": f"{count:,}", "max": f"{XLSX_ONLINE_MAX_ROWS:,}"},
            code="too_many_rows",
        )
    export = Export(
        spec=spec,
        fmt=fmt,
        queryset=queryset,
        count=count,
        masked=spec.masks and not unmasked,
        filters=filters,
    )
    record_export(actor=user, export=export)
    return export


@transaction.atomic
def record_export(*, actor: User, export: Export) -> None:
    """The audit row of an export, written when it starts, before any row is sent: the list,
    the format, the filters, the rows counted then, and whether numbers were masked. The log
    is append-only, so it is not updated when the download ends (docs/bulk.md)."""
    record(
        actor=actor,
        action="bulk.export",
        object_type="bulk.export",
        object_id=export.spec.name,
        object_repr=f"{export.spec.title} {export.fmt.upper()}",
        division_path=actor.home_division_path or "",
        changes={
            "export_list": export.spec.name,
            "export_format": export.fmt,
            "export_filters": export.filters,
            "export_rows": export.count,
            "export_masked": export.masked,
        },
    )


# --- writers -----------------------------------------------------------------------------------


def csv_chunks(export: Export, counter: list[int] | None = None) -> Iterator[bytes]:
    """The CSV, UTF-8 with a BOM, in chunks of about 64 KB. ``counter[0]`` counts the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(export.headers)
    yield BOM + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    rows = export.rows()
    written = 0
    while True:
        batch = list(itertools.islice(rows, 500))
        if not batch:
            break
        writer.writerows(batch)
        written += len(batch)
        if buffer.tell() >= CSV_CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
    if counter is not None:
        counter[0] = written


def write_xlsx_rows(export: Export, out: str | IO[bytes]) -> int:
    """The sheet in constant memory (rows go to a temporary file as they come), written to
    ``out``; returns the rows written."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Text stays text: no "=..." written as a formula, no URL detection per cell.
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(export.spec.title)
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, export.headers, bold)
        sheet.freeze_panes(1, 0)
        written = 0
        for written, row in enumerate(export.rows(), start=1):
            if written > XLSX_MAX_ROWS:  # more rows arrived since they were counted
                break
            sheet.write_row(written, 0, row)
    finally:
        workbook.close()
    return min(written, XLSX_MAX_ROWS)


def write_csv(
    list_name: str, user: User, query: QueryDict | Mapping[str, Any] | None, out: IO[bytes]
) -> int:
    """Export a list as CSV into ``out`` without HTTP (checked and audited as a download is);
    returns the rows written."""
    export = prepare(list_name, user, query, "csv")
    counter = [0]
    for chunk in csv_chunks(export, counter):
        out.write(chunk)
    return counter[0]


def write_xlsx(
    list_name: str, user: User, query: QueryDict | Mapping[str, Any] | None, out: IO[bytes]
) -> int:
    """Export a list as xlsx into ``out`` (a seekable binary file) without HTTP; returns the
    rows written."""
    export = prepare(list_name, user, query, "xlsx")
    return write_xlsx_rows(export, out)
