"""Downloads of any list as CSV or Excel: ``/bulk/export/<list>.<csv|xlsx>?<the list's filters>``.

The list page's Export buttons link here with the page's own query string, so the file holds
exactly the rows the page shows. See ``exports.py`` for what is checked and audited.
"""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from fangkong.bulk import exports
from fangkong.core.jurisdiction import user_of

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"  # personal data: kept by no cache on the way


def csv_response(export: exports.Export) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exports.csv_chunks(export), content_type=CSV_TYPE)
    _attachment(response, export.filename)
    return response


def xlsx_response(export: exports.Export) -> FileResponse:
    """The workbook is written to an anonymous temporary file (gone when closed), then sent."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    try:
        exports.write_xlsx_rows(export, file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_TYPE)
    _attachment(response, export.filename)
    return response


def export_response(export: exports.Export) -> HttpResponse | StreamingHttpResponse:
    return csv_response(export) if export.fmt == "csv" else xlsx_response(export)


@login_required
@require_GET
def export_list(request: HttpRequest, name: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """A list as a file; a bad filter answers 400 with the reason, a division out of reach 404."""
    try:
        export = exports.prepare(name, user_of(request), request.GET, fmt)
    except exports.BadExport as exc:
        return render(
            request, "bulk/export_refused.html", {"message": exc.message}, status=exc.status
        )
    return export_response(export)
