"""The import screens and API: upload, progress, outcome, rejected rows, valid rows only."""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.bulk.models import ImportJob
from fangkong.bulk.tasks import run_import
from fangkong.observation.models import Observation
from fangkong.people.models import Person
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import make_id, today

HEADER = ["姓名", "证件号码", "联系电话", "现住址", "网格编码", "排查日期", "体温"]


def csv_bytes(grid: Any, n: int = 2, *, bad: int = 0) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    for i in range(n):
        temperature = "45" if i < bad else "36.6"
        w.writerow(
            [f"居民{i}", make_id(), "13804310001", "华阳街1号", grid.code, today(), temperature]
        )
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            sheet.write_string(i, j, cell)
    book.close()
    return out.getvalue()


def upload(content: bytes, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Screening.objects.count(), Observation.objects.count()


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    with translation.override("en"):
        yield settings.VAR_DIR


@pytest.fixture
def client(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> Client:
    return client_for(make_user(tree.huayang, roles=[Role.GRID_WORKER]))


def test_the_screening_list_offers_the_import(client: Client) -> None:
    page = client.get("/screening/").content.decode()
    assert "/bulk/imports/new/" in page


def test_uploading_a_small_file_imports_it_at_once(tree: SimpleNamespace, client: Client) -> None:
    response = client.post("/bulk/imports/new/", {"file": upload(csv_bytes(tree.grid1, 3))})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bulk/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and Screening.objects.count() == 3
    assert "list.csv" in client.get("/bulk/imports/").content.decode()


def test_a_refused_file_shows_its_errors_and_can_import_the_valid_rows_only(
    tree: SimpleNamespace, client: Client
) -> None:
    # given a file with one bad row of three
    client.post("/bulk/imports/new/", {"file": upload(csv_bytes(tree.grid1, 3, bad=1))})
    job = ImportJob.objects.get()

    # then nothing is written, and the page lists the error and offers both ways on
    assert job.status == "refused" and counts() == (0, 0, 0)
    page = client.get(f"/bulk/imports/{job.pk}/").content.decode()
    assert "体温" in page and "42.0" in page
    assert f"/bulk/imports/{job.pk}/rejects/" in page
    assert f"/bulk/imports/{job.pk}/valid-only/" in page
    rejects = client.get(f"/bulk/imports/{job.pk}/rejects/")
    text = rejects.getvalue().decode("utf-8-sig")
    assert text.splitlines()[0].endswith("错误原因") and "居民0" in text

    # when the valid rows only are imported
    response = client.post(f"/bulk/imports/{job.pk}/valid-only/")

    # then a second job writes the two good rows
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"/bulk/imports/{again.pk}/"
    assert (again.status, again.created_count, again.rejected_count) == ("done", 2, 1)
    assert Screening.objects.count() == 2


def test_a_large_file_runs_in_the_background_with_a_progress_bar(
    tree: SimpleNamespace, client: Client
) -> None:
    response = client.post("/bulk/imports/new/", {"file": upload(csv_bytes(tree.grid1, 2100))})

    job = ImportJob.objects.get()
    assert job.status == "queued" and Screening.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page

    # when the worker runs the task (twice: it is idempotent)
    assert run_import(job.pk) == "done"
    assert run_import(job.pk) == "done"

    # then the rows are in, and the polling answer asks the page to reload
    assert Screening.objects.count() == 2100
    job.refresh_from_db()
    assert job.processed_rows == job.total_rows == 2100
    polled = client.get(f"/bulk/imports/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"


def test_a_50_mb_upload_is_refused_with_a_message(tree: SimpleNamespace, client: Client) -> None:
    big = upload(b"a" * (50 * 1024 * 1024))

    response = client.post("/bulk/imports/new/", {"file": big})

    assert response.status_code == 200
    assert "25 MB" in response.content.decode() and "请拆分成多个文件" in response.content.decode()
    assert ImportJob.objects.count() == 0 and counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.xlsx", b"just text", "这不是 Excel .xlsx 文件"),
        ("list.csv", b"\x00\x01\x02" * 100, "二进制内容"),
        ("list.pdf", b"%PDF-1.4", "请上传 .xlsx 或 .csv 文件"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_never_a_500(
    client: Client, name: str, content: bytes, message: str
) -> None:
    response = client.post("/bulk/imports/new/", {"file": upload(content, name)}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_role_that_does_not_screen_cannot_import(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(make_user(tree.changchun, roles=[Role.CITY_COMMAND]))
    assert client.get("/bulk/imports/new/").status_code == 403
    response = client.post("/api/imports", {"file": upload(csv_bytes(tree.grid1))})
    assert response.status_code == 403


# --- API ---------------------------------------------------------------------------------------


def test_the_api_imports_a_file_and_reports_the_job(tree: SimpleNamespace, client: Client) -> None:
    response = client.post(
        "/api/imports", {"file": upload(csv_bytes(tree.grid1, 2, bad=1)), "valid_only": "true"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["created"], body["rejected"]) == ("done", 1, 1)
    assert body["errors"][0]["row"] == 2 and body["errors"][0]["column"] == "体温"
    assert client.get(f"/api/imports/{body['id']}").json()["id"] == body["id"]
    rejects = client.get(body["rejects_url"])
    assert rejects.status_code == 200
    assert "居民0" in rejects.getvalue().decode("utf-8-sig")


def test_the_api_queues_a_large_file(tree: SimpleNamespace, client: Client) -> None:
    response = client.post("/api/imports", {"file": upload(csv_bytes(tree.grid1, 2001))})
    assert response.status_code == 202
    assert response.json()["status"] == "queued"


def test_the_api_answers_bad_uploads_with_json(tree: SimpleNamespace, client: Client) -> None:
    no_file = client.post("/api/imports", {"x": 1}, content_type="application/json")
    assert no_file.status_code == 400 and no_file.json()["code"] == "file_required"
    pdf = client.post("/api/imports", {"file": upload(b"%PDF-1.4", "list.pdf")})
    assert pdf.status_code == 400 and pdf.json()["code"] == "bad_file_type"
    huge = client.post("/api/imports", {"file": upload(b"a" * (26 * 1024 * 1024))})
    assert huge.status_code == 413 and huge.json()["code"] == "file_too_large", huge.json()
    assert ImportJob.objects.count() == 0 and counts() == (0, 0, 0)
    # a file that is not what its name says makes a job, refused, that says why
    fake = client.post("/api/imports", {"file": upload(b"not a zip", "list.xlsx")})
    assert fake.status_code == 201 and fake.json()["status"] == "refused"
    assert "xlsx" in fake.json()["message"] and counts() == (0, 0, 0)


def test_another_jurisdiction_neither_sees_the_job_nor_its_rejects(
    tree: SimpleNamespace,
    client: Client,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    client.post("/api/imports", {"file": upload(csv_bytes(tree.grid1, 2, bad=1))})
    job = ImportJob.objects.get()
    other = client_for(make_user(tree.dongshi, roles=[Role.GRID_WORKER]))
    assert other.get(f"/api/imports/{job.pk}").status_code == 404
    assert other.get(f"/api/imports/{job.pk}/rejects").status_code == 404
    assert other.get(f"/bulk/imports/{job.pk}/").status_code == 404
    assert "list.csv" not in other.get("/bulk/imports/").content.decode()


@pytest.mark.parametrize("name", ["list.csv", "list.xlsx"])
def test_uploads_and_rejected_rows_are_readable_by_the_service_user_only(
    tree: SimpleNamespace, client: Client, name: str
) -> None:
    # given a permissive umask (a service started without one) and a file with a bad row
    old = os.umask(0o022)
    try:
        content = csv_bytes(tree.grid1, 2, bad=1)
        if name.endswith(".xlsx"):
            content = xlsx_bytes(list(csv.reader(io.StringIO(content.decode()))))
        client.post("/bulk/imports/new/", {"file": upload(content, name)})
    finally:
        os.umask(old)
    job = ImportJob.objects.get()

    # then the upload and the rejected rows are 0600, in a 0700 directory
    assert job.status == "refused" and job.rejects_path
    assert stat.S_IMODE(job.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(job.upload_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(job.rejects_path).stat().st_mode) == 0o600
