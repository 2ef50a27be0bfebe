"""REST endpoints of imports: upload a file, follow the job, fetch the rejected rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fangkong.bulk import actions, imports
from fangkong.bulk.models import ImportJob, ImportStatus
from fangkong.bulk.permissions import BulkPerm
from fangkong.bulk.readers import too_large
from fangkong.bulk.views import CONTENT_TYPES
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiId
from fangkong.core.permissions import require

router = Router(tags=["imports"])
ERRORS_SHOWN = 100

UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        # the kinds the apps register (their imports.py, found when bulk is
                        # ready, before any URL is loaded)
                        "kind": {"type": "string", "enum": sorted(imports.KINDS)},
                        "valid_only": {"type": "boolean"},
                    },
                }
            }
        }
    }
}


class ImportErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportJobOut(Schema):
    id: int
    kind: str
    status: ImportStatus
    filename: str
    sha256: str
    size: int
    valid_only: bool
    message: str
    total_rows: int
    processed_rows: int
    created: int = Field(..., alias="created_count")
    existing: int = Field(..., alias="existing_count", description="rows imported before")
    rejected: int = Field(..., alias="rejected_count")
    errors: list[ImportErrorOut] = Field(..., description="the first 100 errors")
    rejects_url: str | None = None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_errors(obj: ImportJob) -> list[dict[str, Any]]:
        return list(obj.errors[:ERRORS_SHOWN])

    @staticmethod
    def resolve_rejects_url(obj: ImportJob) -> str | None:
        return f"/api/imports/{obj.pk}/rejects" if obj.rejects_path else None


def _job(request: HttpRequest, pk: int) -> ImportJob:
    require(request, BulkPerm.VIEW_IMPORTJOB)
    job: ImportJob = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return job


@router.post(
    "/imports",
    response={201: ImportJobOut, 202: ImportJobOut},
    summary="Import a file",
    openapi_extra=UPLOAD_BODY,
)
def create_import(request: HttpRequest) -> Status[ImportJob]:
    """Upload an xlsx or CSV screening list (multipart: ``file``, ``kind`` = ``screenings``,
    ``valid_only``). A small file is imported at once (201: the job with its outcome); a
    larger one (more than 2,000 rows) is queued (202): follow it at ``GET /api/imports/{id}``.
    A row error refuses the whole file unless ``valid_only`` is true."""
    require(request, BulkPerm.ADD_IMPORTJOB)
    kind = request.POST.get("kind") or "screenings"
    spec = imports.get_kind(kind)
    if spec is None:
        raise ActionError(_("Unknown kind of import."), code="bad_kind", field="kind")
    require(request, spec.perm)  # the permission of the records the kind writes
    upload = request.FILES.get("file")  # parses the upload (SizeLimitUploadHandler first)
    if getattr(request, "upload_too_large", False):
        exc = too_large()
        exc.status = 413
        raise exc
    if upload is None:
        raise ActionError(
            _("Send the file as multipart/form-data in the field “file”."),
            code="file_required",
            field="file",
        )
    valid_only = (request.POST.get("valid_only") or "").strip().lower() in ("1", "true", "on")
    job = actions.start_import(
        actor=user_of(request),
        upload=upload,
        kind=kind,
        valid_only=valid_only,
    )
    return Status(202 if not job.finished else 201, job)


@router.get("/imports/{pk}", response=ImportJobOut, summary="An import job")
def get_import(request: HttpRequest, pk: ApiId) -> ImportJob:
    """Progress (``processed_rows`` of ``total_rows``), counts and the first errors."""
    return _job(request, pk)


@router.get("/imports/{pk}/rejects", summary="The rejected rows of an import")
def get_rejects(request: HttpRequest, pk: ApiId) -> FileResponse:
    """The rows refused, in the file's format, with an extra column 错误原因 (the reason)."""
    job = _job(request, pk)
    path = Path(job.rejects_path) if job.rejects_path else None
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type=CONTENT_TYPES.get(path.suffix.lstrip("."), "application/octet-stream"),
    )
