"""Every write of the bulk app: starting an import job (the import itself is the domain's:
fangkong/screening/importer.py writes and audits the rows, and the job's outcome)."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.bulk.models import FINISHED, ImportJob, ImportKind, ImportStatus
from fangkong.bulk.readers import MAX_BYTES, FileRefused, kind_of, too_large
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def _can_import(actor: User) -> None:
    if not (actor.has_perm("bulk.add_importjob") and actor.has_perm("screening.add_screening")):
        raise ActionError(_("Your role may not import screenings."), code="forbidden")


def _run_or_queue(actor: User, job: ImportJob) -> ImportJob:
    """Small files are imported at once; larger ones by a background task."""
    from fangkong.bulk.tasks import import_task
    from fangkong.screening.importer import BACKGROUND_ROWS, import_screening_file, rows_in

    if rows_in(job.upload_path, job.filename) > BACKGROUND_ROWS:
        transaction.on_commit(lambda: import_task.enqueue(job.pk))
        return job
    import_screening_file(
        actor=actor,
        path=job.upload_path,
        filename=job.filename,
        valid_only=job.valid_only,
        job=job,
    )
    job.refresh_from_db()
    return job


def start_import(
    *, actor: User, upload: UploadedFile, kind: str = ImportKind.SCREENINGS, valid_only: bool
) -> ImportJob:
    """Keep the uploaded file under var/imports/<job id>/ and import it (now, or in the
    background for a large file). A file refused as a whole raises FileRefused and is not kept.
    """
    _can_import(actor)
    if kind not in ImportKind.values:
        raise ActionError(_("Unknown kind of import."), code="bad_kind", field="kind")
    filename = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    kind_of(filename)
    if (upload.size or 0) > MAX_BYTES:
        raise too_large()
    if not upload.size:
        raise FileRefused(_("The file is empty."), code="empty_file", field="file")
    job = ImportJob.objects.create(
        kind=kind,
        division_path=actor.home_division_path or "",
        created_by=actor,
        filename=filename,
        size=upload.size,
        valid_only=valid_only,
        status=ImportStatus.QUEUED,
    )
    job.keep()
    with job.upload_path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return _run_or_queue(actor, job)


def import_valid_rows(*, actor: User, job: ImportJob) -> ImportJob:
    """Run a refused file again, importing its valid rows only: a new job on the same file."""
    _can_import(actor)
    ensure_in_scope(actor, job.division_path)
    if job.status != ImportStatus.REFUSED or not job.rejected_count or job.valid_only:
        raise ActionError(
            _("Only a file refused for errors in some rows can be imported in part."),
            code="not_refused",
        )
    if not job.upload_path.exists():
        raise ActionError(_("The uploaded file is no longer kept."), code="file_gone")
    again = ImportJob.objects.create(
        kind=job.kind,
        division_path=actor.home_division_path or "",
        created_by=actor,
        filename=job.filename,
        size=job.size,
        valid_only=True,
        status=ImportStatus.QUEUED,
    )
    again.keep(job.upload_path)
    return _run_or_queue(actor, again)


# --- retention ---------------------------------------------------------------------------------

KEEP_FILES_DAYS = 30


@transaction.atomic
def purge_import_files(*, actor: User | None = None, older_than_days: int = KEEP_FILES_DAYS) -> int:
    """Delete the uploaded files and rejected-rows files of imports that finished more than
    ``older_than_days`` ago; they hold ID numbers and phones (PIPL: keep no longer than the
    work needs). The job rows stay, with their counts and errors. Returns how many jobs lost
    their files; running it again deletes nothing more."""
    if older_than_days < 1:
        raise ActionError(
            _("Keep import files for at least one day."), code="bad_days", field="days"
        )
    before = timezone.now() - dt.timedelta(days=older_than_days)
    jobs = ImportJob.objects.filter(status__in=FINISHED, finished_at__lt=before)
    purged = []
    for job in jobs.only("pk", "filename", "rejects_path", "division_path").iterator():
        if not job.directory.exists() and not job.rejects_path:
            continue
        shutil.rmtree(job.directory, ignore_errors=True)
        purged.append(job.pk)
    if purged:
        ImportJob.objects.filter(pk__in=purged).update(rejects_path="")
        record(
            actor=actor,
            action="bulk.purge_import_files",
            object_type="bulk.importjob",
            object_id="*",
            object_repr=_("%(count)s imports") % {"count": len(purged)},
            changes={"files_deleted": [0, len(purged)], "older_than_days": [None, older_than_days]},
        )
    return len(purged)
