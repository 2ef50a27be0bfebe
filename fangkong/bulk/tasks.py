"""Background work of bulk imports (Django Tasks API; django-tasks backport).

Tasks take ids, never objects, and are idempotent: a job already finished is left alone, and
running an import again skips the rows it already wrote (their keys exist).
"""

from __future__ import annotations

from django_tasks import task

from fangkong.bulk.models import FINISHED, ImportJob, ImportKind


def run_import(job_id: int) -> str:
    """Run the import of job ``job_id`` unless it is finished; returns its status."""
    from fangkong.screening.importer import import_screening_file

    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    if job.status in FINISHED:
        return str(job.status)
    if job.kind == ImportKind.SCREENINGS:
        outcome = import_screening_file(
            actor=job.created_by,
            path=job.upload_path,
            filename=job.filename,
            valid_only=job.valid_only,
            job=job,
        )
        return outcome.status
    return "unknown kind"  # pragma: no cover - one kind so far


@task()
def import_task(job_id: int) -> str:
    return run_import(job_id)
