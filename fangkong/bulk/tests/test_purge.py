"""Old import files (ID numbers, phones) are deleted after the retention period; the jobs stay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.bulk.actions import purge_import_files
from fangkong.bulk.models import ImportJob, ImportStatus

pytestmark = pytest.mark.django_db


def finished_job(owner: User, days_ago: int, status: str = ImportStatus.DONE) -> ImportJob:
    job = ImportJob.objects.create(
        division_path=owner.home_division_path or "",
        created_by=owner,
        filename="名单.csv",
        status=status,
        finished_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    job.keep()
    job.upload_path.write_text("姓名,证件号码\n张三,220102199001011234\n", encoding="utf-8")
    rejects = job.directory / "rejects.csv"
    rejects.write_text("姓名,错误原因\n", encoding="utf-8")
    job.rejects_path = str(rejects)
    job.save(update_fields=["rejects_path"])
    return job


def test_files_older_than_the_period_are_deleted_and_the_jobs_kept(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    # given an import finished 40 days ago, one 3 days ago, and one still running long
    owner = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    old = finished_job(owner, 40)
    recent = finished_job(owner, 3)
    running = finished_job(owner, 40, status=ImportStatus.RUNNING)

    # when the retention job runs with 30 days
    assert purge_import_files(older_than_days=30) == 1

    # then only the old finished job lost its files; its row, counts and errors stay
    old.refresh_from_db()
    assert not old.directory.exists() and old.rejects_path == ""
    assert recent.upload_path.exists() and running.upload_path.exists()
    assert ImportJob.objects.count() == 3
    event = AuditEvent.objects.get(action="bulk.purge_import_files")
    assert event.changes["files_deleted"] == [0, 1]
    # the job page no longer offers the rejected rows
    assert client_for(owner).get(f"/bulk/imports/{old.pk}/rejects/").status_code == 404
    assert client_for(owner).get(f"/bulk/imports/{old.pk}/").status_code == 200

    # and running it again deletes nothing more and writes no audit row
    assert purge_import_files(older_than_days=30) == 0
    assert AuditEvent.objects.filter(action="bulk.purge_import_files").count() == 1


def test_the_command_reports_and_refuses_a_bad_period(
    tree: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    owner = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    finished_job(owner, 40)
    out = StringIO()
    call_command("purge_import_files", "--days", "30", stdout=out)
    assert "1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("purge_import_files", "--days", "0")
