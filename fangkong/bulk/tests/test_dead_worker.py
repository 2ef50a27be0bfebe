"""A job whose worker died does not stay "running": its lease runs out, it is queued again once
and finished by another worker, or failed the second time; the progress bar says so."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role, sync_roles
from fangkong.audit.models import AuditEvent
from fangkong.bulk.models import ImportJob, ImportStatus
from fangkong.bulk.tasks import import_task
from fangkong.bulk.tests.test_import import row, write_csv
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import make_id

LEASE = 3  # seconds, instead of the 300 of production
# The worker is another process: its clock cannot be moved with the test's (conftest.py).
pytestmark = pytest.mark.real_clock


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    settings.FANGKONG_IMPORT_LEASE_SECONDS = LEASE
    yield settings.VAR_DIR


@pytest.fixture
def secretary(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    sync_roles()  # the role groups again, after an earlier transactional test's flush
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def start_worker(var_dir: Path) -> subprocess.Popen[bytes]:
    """A real `fangkong db_worker` process on the test database, as production runs it."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FANGKONG_VAR_DIR": str(var_dir),
        "FANGKONG_SECRET_KEY": "test-worker-key",
        "FANGKONG_IMPORT_LEASE_SECONDS": str(LEASE),
    }
    fangkong = Path(sys.executable).with_name("fangkong")
    return subprocess.Popen(  # noqa: S603 - our own command, arguments fixed here
        [str(fangkong), "db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def job_now(pk: int) -> ImportJob:
    return ImportJob.objects.get(pk=pk)


@pytest.mark.django_db(transaction=True)  # the worker is another process: real commits
def test_an_import_whose_worker_is_killed_is_queued_again_and_finished_by_another(
    tree: SimpleNamespace,
    secretary: User,
    tmp_path: Path,
    var_dir: Path,
    client_for: Callable[[User], Client],
) -> None:
    # Given a file large enough for the background, uploaded through the import page
    n = 20_000
    path = write_csv(tmp_path / "big.csv", [row(tree.grid1, 证件号码=make_id()) for _ in range(n)])
    client = client_for(secretary)
    response = client.post(
        "/bulk/imports/new/",
        {"file": SimpleUploadedFile("big.csv", path.read_bytes(), content_type="text/csv")},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED

    # ... and a worker that takes it and is killed (kill -9) while it checks the rows
    first = start_worker(var_dir)
    try:
        wait_for(
            lambda: (
                job_now(job.pk).status == ImportStatus.RUNNING
                and 0 < job_now(job.pk).processed_rows < n
            ),
            90,
            "the first worker checks the rows",
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert job_now(job.pk).status == ImportStatus.RUNNING

    # When its lease runs out with no worker alive, then the progress bar says so
    time.sleep(LEASE + 0.5)
    bar = client.get(f"/bulk/imports/{job.pk}/progress/").content.decode()
    assert "运行此导入的后台进程已无响应" in bar  # pages speak Chinese

    # When another worker starts (systemd restarts it), then the job is queued again and done
    second = start_worker(var_dir)
    try:
        wait_for(
            lambda: job_now(job.pk).status == ImportStatus.DONE, 120, "the second run finishes"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    done = job_now(job.pk)
    assert done.attempts == 2
    assert done.created_count == n
    assert Screening.objects.count() == n
    requeue = AuditEvent.objects.get(action="bulk.import_requeue")
    assert requeue.object_id == str(job.pk) and requeue.division_path == done.division_path
    # ... and the dead worker's task is recorded as failed, not running forever
    imports = DBTaskResult.objects.filter(task_path=import_task.module_path)
    assert not imports.filter(status="RUNNING").exists()
    assert imports.filter(
        status="FAILED", exception_class_path="fangkong.bulk.actions.WorkerLost"
    ).exists()


# --- detection and the progress bar, without a worker ------------------------------------------


@pytest.fixture
def abandoned(tree: SimpleNamespace, secretary: User) -> Callable[[int], ImportJob]:
    """A job left "running" by a process that died ``LEASE + 1`` seconds ago, in its n-th run."""

    def make(attempts: int) -> ImportJob:
        silent = timezone.now() - dt.timedelta(seconds=LEASE + 1)
        return ImportJob.objects.create(
            division_path=secretary.home_division_path or "",
            created_by=secretary,
            filename="list.csv",
            status=ImportStatus.RUNNING,
            started_at=silent,
            heartbeat_at=silent,
            attempts=attempts,
            total_rows=9000,
            processed_rows=5000,
        )

    return make


def test_an_abandoned_first_run_is_queued_again_and_the_bar_says_so(
    abandoned: Callable[[int], ImportJob],
    secretary: User,
    client_for: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = abandoned(1)
    fresh = abandoned(1)
    ImportJob.objects.filter(pk=fresh.pk).update(heartbeat_at=timezone.now())  # alive

    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_stale_imports", verbosity=0)

    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and job.processed_rows == 0
    assert job_now(fresh.pk).status == ImportStatus.RUNNING  # a live run is left alone
    queued = DBTaskResult.objects.filter(task_path=import_task.module_path, status="READY")
    assert [r.args_kwargs["args"] for r in queued] == [[job.pk]]
    bar = client_for(secretary).get(f"/bulk/imports/{job.pk}/progress/").content.decode()
    assert "运行此导入的后台进程已中断，导入已重新排队" in bar
    assert AuditEvent.objects.filter(action="bulk.import_requeue", object_id=str(job.pk)).exists()


def test_an_import_abandoned_twice_fails_with_a_clear_message(
    abandoned: Callable[[int], ImportJob], secretary: User, client_for: Callable[[User], Client]
) -> None:
    job = abandoned(2)

    call_command("requeue_stale_imports", verbosity=0)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    page = client_for(secretary).get(f"/bulk/imports/{job.pk}/").content.decode()
    assert "后台进程两次中断，未写入任何数据" in page
    assert AuditEvent.objects.filter(action="bulk.import_abandon", object_id=str(job.pk)).exists()
    # ... and running the check again changes nothing more
    call_command("requeue_stale_imports", verbosity=0)
    assert AuditEvent.objects.filter(action__startswith="bulk.import_").count() == 1


def test_a_job_left_running_before_jobs_had_a_lease_is_recovered_too(
    abandoned: Callable[[int], ImportJob],
) -> None:
    job = abandoned(0)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=None)

    call_command("requeue_stale_imports", verbosity=0)

    assert job_now(job.pk).status == ImportStatus.QUEUED


def test_a_worker_dead_between_taking_the_task_and_starting_the_job_is_noticed(
    abandoned: Callable[[int], ImportJob], django_capture_on_commit_callbacks: Any
) -> None:
    # Given a queued job whose task a worker took a lease ago, then died before starting it
    job = abandoned(0)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED, heartbeat_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        import_task.enqueue(job.pk)
    taken = DBTaskResult.objects.get(task_path=import_task.module_path)
    taken.claim("dead-worker")
    DBTaskResult.objects.filter(pk=taken.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=LEASE + 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_stale_imports", verbosity=0)

    # Then its task is recorded as lost and the job is queued for another worker
    taken.refresh_from_db()
    assert taken.status == "FAILED"
    assert taken.exception_class_path == "fangkong.bulk.actions.WorkerLost"
    ready = DBTaskResult.objects.filter(task_path=import_task.module_path, status="READY")
    assert [r.args_kwargs["args"] for r in ready] == [[job.pk]]
    assert job_now(job.pk).status == ImportStatus.QUEUED
