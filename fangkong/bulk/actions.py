"""Every write of the bulk app: starting an import job (the import itself is the domain's:
fangkong/screening/importer.py writes and audits the rows, and the job's outcome)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.bulk import imports
from fangkong.bulk.models import (
    FINISHED,
    PRIVATE_FILE,
    ImportJob,
    ImportStatus,
    lease,
)
from fangkong.bulk.permissions import BulkPerm
from fangkong.bulk.readers import MAX_BYTES, FileRefused, kind_of, too_large
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def _kind(name: str) -> imports.ImportKindSpec:
    spec = imports.get_kind(name)  # the kinds apps register (bulk/imports.py)
    if spec is None:
        raise ActionError(_("Unknown kind of import."), code="bad_kind", field="kind")
    return spec


def _can_import(actor: User, spec: imports.ImportKindSpec) -> None:
    if not (actor.has_perm(BulkPerm.ADD_IMPORTJOB) and actor.has_perm(spec.perm)):
        raise ActionError(
            _("Your role may not import %(kind)s.") % {"kind": spec.label}, code="forbidden"
        )


def _run_or_queue(actor: User, job: ImportJob) -> ImportJob:
    """Small files are imported at once; larger ones by a background task. Either way a watch
    is queued that recovers the job should its process die (fangkong/bulk/tasks.py)."""
    from fangkong.bulk.tasks import import_task, schedule_watch

    spec = _kind(job.kind)
    transaction.on_commit(lambda: schedule_watch(job.pk))
    if spec.count_rows(job.upload_path, job.filename) > spec.background_rows:
        transaction.on_commit(lambda: import_task.enqueue(job.pk))
        return job
    spec.run(
        actor=actor,
        path=job.upload_path,
        filename=job.filename,
        valid_only=job.valid_only,
        job=job,
    )
    job.refresh_from_db()
    return job


def start_import(
    *, actor: User, upload: UploadedFile, kind: str = "screenings", valid_only: bool
) -> ImportJob:
    """Keep the uploaded file under var/imports/<job id>/ and import it (now, or in the
    background for a large file). A file refused as a whole raises FileRefused and is not kept.
    """
    _can_import(actor, _kind(kind))
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
    # Created 0600 (service user only) before a byte of personal data is written.
    fd = os.open(job.upload_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)  # also when a leftover file existed
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return _run_or_queue(actor, job)


def import_valid_rows(*, actor: User, job: ImportJob) -> ImportJob:
    """Run a refused file again, importing its valid rows only: a new job on the same file."""
    _can_import(actor, _kind(job.kind))
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


# --- jobs whose process died -------------------------------------------------------------------

RUNS_ALLOWED = 2  # a job whose process dies is run once more, then failed


def _running_task_results(job_ids: list[int] | None = None, before: Any = None) -> list[Any]:
    """The import task results still marked running (database backend), of these jobs only if
    given, started before ``before`` if given."""
    from django_tasks_db.models import DBTaskResult

    from fangkong.bulk.tasks import import_task

    running = DBTaskResult.objects.filter(status="RUNNING", task_path=import_task.module_path)
    if before is not None:
        running = running.filter(started_at__lt=before)
    return [
        r for r in running if job_ids is None or (r.args_kwargs.get("args") or [None])[0] in job_ids
    ]


def _mark_lost(result: Any, now: Any) -> None:
    """The dead worker's record of a task: failed, not running forever."""
    result.status, result.finished_at = "FAILED", now
    result.exception_class_path = "fangkong.bulk.actions.WorkerLost"
    result.traceback = f"no sign of life from worker {result.worker_ids[-1:]}"
    result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])


def _requeue_claimed_but_never_started(
    job_ids: list[int] | None, cutoff: Any, now: Any
) -> list[int]:
    """A worker that died between taking an import's task and starting the job leaves the job
    queued and its task running: run it again (no run of it started, so no attempt counts)."""
    from fangkong.bulk.tasks import import_task

    again = []
    for result in _running_task_results(job_ids, before=cutoff):
        job_id = result.args_kwargs["args"][0]
        with transaction.atomic():
            queued = ImportJob.objects.select_for_update().filter(
                pk=job_id, status=ImportStatus.QUEUED
            )
            if not queued.exists():
                continue
            _mark_lost(result, now)
            transaction.on_commit(functools.partial(import_task.enqueue, job_id))
            again.append(job_id)
    return again


def recover_stale_imports(
    *, actor: User | None = None, job_ids: list[int] | None = None
) -> tuple[list[int], list[int]]:
    """Find running imports whose lease ran out (no sign of life from their process for
    ``FANGKONG_IMPORT_LEASE_SECONDS``: the worker was killed, the machine restarted) and queue
    each again once, or fail it if it already ran twice. Nothing of a dead run was written (its
    writes are one transaction with the job's outcome). Returns (queued again, failed) ids."""
    from fangkong.bulk.tasks import import_task

    now = timezone.now()
    cutoff = now - lease()
    stale = ImportJob.objects.filter(status=ImportStatus.RUNNING).filter(
        # a job left running before jobs had a lease counts from its start
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    if job_ids is not None:
        stale = stale.filter(pk__in=job_ids)
    requeued: list[int] = []
    failed: list[int] = []
    fields = ["pk", "attempts", "heartbeat_at", "started_at", "division_path", "filename"]
    for job in stale.only(*fields):
        again = job.attempts < RUNS_ALLOWED
        with transaction.atomic():
            # compare and set: a heartbeat written meanwhile means the process lives after all
            claimed = ImportJob.objects.filter(
                pk=job.pk, status=ImportStatus.RUNNING, heartbeat_at=job.heartbeat_at
            )
            if again:
                message = _(
                    "The background process running this import stopped; the import was "
                    "queued again and starts over."
                )
                changed = claimed.update(
                    status=ImportStatus.QUEUED, message=message, processed_rows=0
                )
            else:
                message = _(
                    "The background process running this import stopped twice; nothing was "
                    "written. Upload the file again, and tell the administrator if it recurs."
                )
                changed = claimed.update(
                    status=ImportStatus.FAILED, message=message, finished_at=now
                )
            if not changed:
                continue
            for result in _running_task_results([job.pk]):  # the dead worker's record of it
                _mark_lost(result, now)
            record(
                actor=actor,
                action="bulk.import_requeue" if again else "bulk.import_abandon",
                obj=job,
                division_path=job.division_path,
                changes={
                    "status": [ImportStatus.RUNNING, ImportStatus.QUEUED if again else "failed"],
                    "attempts": [None, job.attempts],
                    "last_sign_of_life": [None, str(job.heartbeat_at or job.started_at)],
                },
            )
            if again:
                transaction.on_commit(functools.partial(import_task.enqueue, job.pk))
                requeued.append(job.pk)
            else:
                failed.append(job.pk)
    requeued += _requeue_claimed_but_never_started(job_ids, cutoff, now)
    return requeued, failed
