"""Screens of bulk imports: the upload form, the list of jobs, a job with its progress and
outcome, the rejected rows, and the templates to fill in."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.bulk import actions, imports
from fangkong.bulk.forms import ImportForm
from fangkong.bulk.models import ImportJob
from fangkong.bulk.permissions import BulkPerm
from fangkong.bulk.readers import MAX_MB
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.permissions import require

ERRORS_PAGE = 100
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _job(request: HttpRequest, pk: int) -> ImportJob:
    require(request, BulkPerm.VIEW_IMPORTJOB)
    job: ImportJob = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return job


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    require(request, BulkPerm.VIEW_IMPORTJOB)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "bulk/import_list.html",
        {
            "page": page,
            "can_add": request.user.has_perm(BulkPerm.ADD_IMPORTJOB),
            # the kinds this user may import, screenings first
            "kinds": sorted(
                (k for k in imports.KINDS.values() if request.user.has_perm(k.perm)),
                key=lambda k: k.name != "screenings",
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """The upload form of one kind (``?kind=contacts``; the screening list by default)."""
    name = request.GET.get("kind") or "screenings"
    spec = imports.get_kind(name)
    if spec is None:
        raise Http404
    require(request, BulkPerm.ADD_IMPORTJOB, spec.perm)
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form.is_valid()
            form.errors.clear()
            form.add_error(
                "file",
                _("The file is larger than %(max)s MB; split it into several files.")
                % {"max": MAX_MB},
            )
        elif form.is_valid():
            try:
                job = actions.start_import(
                    actor=user_of(request),
                    upload=form.cleaned_data["file"],
                    kind=spec.name,
                    valid_only=form.cleaned_data["valid_only"],
                )
            except ActionError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect(job)
    return render(request, "bulk/import_new.html", {"form": form, "spec": spec})


def _context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    errors = Paginator(job.errors, ERRORS_PAGE).get_page(request.GET.get("page"))
    return {
        "job": job,
        "errors": errors,
        "can_retry": (
            job.status == "refused"
            and job.rejected_count > 0
            and not job.valid_only
            and request.user.has_perm(BulkPerm.ADD_IMPORTJOB)
        ),
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "bulk/import_detail.html", _context(request, job))


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx every second; once the job is finished, the page
    reloads to show the outcome."""
    job = _job(request, pk)
    response = render(request, "bulk/_progress.html", {"job": job})
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def import_rejects(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    path = Path(job.rejects_path) if job.rejects_path else None
    if path is None or not path.is_file():
        raise Http404
    kind = path.suffix.lstrip(".")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )


@login_required
@require_POST
def import_valid_only(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    spec = imports.get_kind(job.kind)
    if spec is None:
        raise Http404
    require(request, BulkPerm.ADD_IMPORTJOB, spec.perm)
    try:
        again = actions.import_valid_rows(actor=user_of(request), job=job)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(job)
    return redirect(again)


@login_required
@require_GET
def import_template(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """The empty list of an import kind to fill in: the header row only (an example row would be
    imported); the xlsx has every cell formatted as text (ID numbers keep their digits) and
    explains each column on a second sheet."""
    spec = imports.get_kind(name)
    if spec is None or not spec.columns or fmt not in CONTENT_TYPES:
        raise Http404
    if fmt == "csv":
        body = ("\ufeff" + ",".join(spec.columns) + "\r\n").encode()
    else:
        import xlsxwriter

        out = io.BytesIO()
        workbook = xlsxwriter.Workbook(out, {"in_memory": True})
        text = workbook.add_format({"num_format": "@"})
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(spec.sheet or name)
        sheet.set_column(0, len(spec.columns) - 1, 14, text)
        sheet.write_row(0, 0, spec.columns, bold)
        sheet.freeze_panes(1, 0)
        notes = workbook.add_worksheet("填写说明")  # how to fill it in
        notes.set_column(0, 0, 16)
        notes.set_column(1, 1, 6)
        notes.set_column(2, 2, 90)
        notes.write_row(0, 0, ["列名", "必填", "说明"], bold)  # column, required, what it holds
        for i, row in enumerate(spec.template_rows() if spec.template_rows else [], start=1):
            notes.write_row(i, 0, row)
        workbook.close()
        body = out.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def screening_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The screening list's template at its first address (kept: printed guides link it)."""
    return import_template(request, "screenings", kind)
