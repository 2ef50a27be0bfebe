"""``GET /api/exports/{list}?format=csv|xlsx&<the list's filters>``: the same file as the
Export buttons of the list pages, streamed, for a token or a session."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router

from fangkong.bulk import exports
from fangkong.bulk.export_views import export_response
from fangkong.core.jurisdiction import user_of

router = Router(tags=["exports"])

LISTS_DOC = ", ".join(f"`{name}`" for name in exports.LISTS)


@router.get(
    "/exports/{name}",
    summary="Export a list as CSV or Excel",
    description=(
        f"`name` is one of {LISTS_DOC}. `format` is `csv` (the default; UTF-8 with a BOM) "
        "or `xlsx` (up to 1,048,575 rows). The other query parameters are the filters of the "
        "list's page and API; `unmasked=1` gives full ID numbers and phones to a caller "
        "allowed to see them. Answers the file (streamed), 400 for a bad filter, 404 for an "
        "unknown list or a division out of your jurisdiction. Every export is audited."
    ),
)
def export_list(request: HttpRequest, name: str) -> HttpResponse | StreamingHttpResponse:
    fmt = request.GET.get("format") or "csv"
    try:
        export = exports.prepare(name, user_of(request), request.GET, fmt)
    except exports.BadExport as exc:
        return exports_error(request, exc)
    return export_response(export)


def exports_error(request: HttpRequest, exc: exports.BadExport) -> HttpResponse:
    from fangkong.api import api

    body = {"code": exc.code, "message": exc.message}
    return api.create_response(request, body, status=exc.status)
