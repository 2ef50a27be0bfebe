"""Background work of bulk imports (Django Tasks API; django-tasks backport).

Tasks take ids, never objects, and are idempotent: a job already finished is left alone, and
running an import again skips the rows it already wrote (their keys exist).

A job survives a dead worker: while a worker runs it, a thread renews the job's lease
(``heartbeat_at``) every third of ``FANGKONG_IMPORT_LEASE_SECONDS``; :func:`watch_import_task`,
queued with every job, looks at it once the lease could have run out, and hands a job whose
lease expired to :func:`fangkong.bulk.actions.recover_stale_imports` (queued again once, then
failed). The watch runs in whatever worker is alive, so nothing else needs to be scheduled.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks import task

from fangkong.bulk import imports
from fangkong.bulk.models import FINISHED, ImportJob, ImportStatus, lease

log = logging.getLogger(__name__)


@contextmanager
def heartbeat(job_id: int) -> Iterator[None]:
    """Renew the lease of ``job_id`` from a thread for as long as this process runs it (a
    long COPY or file read gives no progress to renew it from)."""
    stop = threading.Event()
    every = max(lease().total_seconds() / 3, 0.2)

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # SQLite busy with the import's own write: next time
                    log.warning("import %s: heartbeat not written", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"import-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_import(job_id: int) -> str:
    """Run the import of job ``job_id`` unless it is finished; returns its status. The kind's
    app imports the file (``<app>/imports.py``, see ``bulk/imports.py``)."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    if job.status in FINISHED:
        return str(job.status)
    kind = imports.get_kind(job.kind)
    if kind is None:
        return "unknown kind"
    with heartbeat(job.pk):
        outcome = kind.run(
            actor=job.created_by,
            path=job.upload_path,
            filename=job.filename,
            valid_only=job.valid_only,
            job=job,
        )
    return str(outcome.status)


@task()
def import_task(job_id: int) -> str:
    return run_import(job_id)


def watch_import(job_id: int) -> str:
    """Recover the job if its lease ran out; look again later while it is not finished."""
    from fangkong.bulk.actions import recover_stale_imports

    recover_stale_imports(job_ids=[job_id])
    job = ImportJob.objects.filter(pk=job_id).only("status", "heartbeat_at").first()
    if job is None or job.finished:
        return "finished"
    schedule_watch(job_id, since=job.heartbeat_at)
    return str(job.status)


@task()
def watch_import_task(job_id: int) -> str:
    return watch_import(job_id)


def schedule_watch(job_id: int, since: dt.datetime | None = None) -> None:
    """Queue a look at the job for when its lease (from ``since``, default now) has run out.
    Backends that cannot defer a task (the immediate one) rely on `requeue-stale-imports`."""
    if not watch_import_task.get_backend().supports_defer:
        return
    now = timezone.now()
    at = max((since or now) + lease(), now) + dt.timedelta(seconds=1)
    watch_import_task.using(run_after=at).enqueue(job_id)
