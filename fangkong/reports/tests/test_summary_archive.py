"""The province's daily summary kept per day: generated from the pages and the API as Word
and PDF, numbered, versioned, downloaded again as it was, audited; refused clearly when the
day or the format is wrong or the caller may not."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.reports import actions
from fangkong.reports.models import Summary
from fangkong.reports.summary import soffice_path


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_province_generates_keeps_and_downloads_the_summary(rpt: SimpleNamespace) -> None:
    today = timezone.localdate()
    actions.submit_report(
        actor=None,
        division=rpt.tree.huayang,
        day=today,
        problems=[{"text": "口罩缺口两千只", "request": "请求调拨"}],
    )
    client = _client(rpt.province)
    page = client.get(reverse("reports:summaries"))
    assert page.status_code == 200 and b'id="summary-form"' in page.content
    answer = client.post(reverse("reports:summaries"), {"day": today.isoformat()})
    assert answer.status_code == 302
    first = Summary.objects.get()
    assert first.version == 1 and first.document_number == f"吉防指〔{today.year}〕1号"
    assert first.division == rpt.tree.province
    text = "\n".join(p.text for p in Document(io.BytesIO(bytes(first.docx))).paragraphs)
    assert "吉林省" in text and first.document_number in text
    if soffice_path():
        assert bytes(first.pdf or b"").startswith(b"%PDF")
    else:
        assert first.pdf is None and first.pdf_error
    # generated again the same day: a new version under the same number, the first kept
    client.post(reverse("reports:summaries"), {"day": today.isoformat()})
    assert list(Summary.objects.values_list("version", "document_number")) == [
        (2, first.document_number),
        (1, first.document_number),
    ]
    listed = client.get(reverse("reports:summaries"))
    assert listed.content.count(b"data-summary=") == 2
    word = client.get(reverse("reports:summary_download", args=[first.pk, "docx"]))
    assert word.status_code == 200
    assert word["Content-Type"].startswith("application/vnd.openxmlformats")
    assert word.content == bytes(first.docx)
    assert AuditEvent.objects.filter(action="reports.summary_generate").count() == 2
    assert AuditEvent.objects.filter(action="reports.summary_download").count() == 1


def test_the_api_generates_and_serves_the_summary(rpt: SimpleNamespace) -> None:
    client = _client(rpt.province)
    made = client.post("/api/reports/summaries", {}, content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["division_code"] == rpt.tree.province.code and body["version"] == 1
    listed = client.get("/api/reports/summaries").json()
    assert [row["id"] for row in listed] == [body["id"]]
    docx = client.get(f"/api/reports/summaries/{body['id']}/docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    bad = client.get(f"/api/reports/summaries/{body['id']}/exe")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_format"


@pytest.mark.parametrize("offset", [1, 61])
def test_a_day_in_the_future_or_too_far_back_is_refused_and_nothing_kept(
    rpt: SimpleNamespace, offset: int
) -> None:
    today = timezone.localdate()
    day = today + dt.timedelta(days=1) if offset == 1 else today - dt.timedelta(days=offset)
    answer = _client(rpt.province).post(
        "/api/reports/summaries", {"day": day.isoformat()}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "bad_day"
    assert not Summary.objects.exists()
    assert not AuditEvent.objects.filter(action="reports.summary_generate").exists()


def test_who_may_not_generate_or_read_is_refused(rpt: SimpleNamespace, make_user: object) -> None:
    # a county command office neither generates nor reads the committee's summaries
    county = _client(rpt.nanguan)
    assert (
        county.post("/api/reports/summaries", {}, content_type="application/json").status_code
        == 403
    )
    assert county.get(reverse("reports:summaries")).status_code == 403
    assert not Summary.objects.exists()
    # the organization department reads but does not generate
    zuzhi = make_user(rpt.tree.province, roles=[Role.ORGANIZATION_DEPT], username="zuzhi")  # type: ignore[operator]
    reader = _client(zuzhi)
    assert reader.get(reverse("reports:summaries")).status_code == 200
    assert (
        reader.post("/api/reports/summaries", {}, content_type="application/json").status_code
        == 403
    )


def test_the_rollup_api_gives_a_level_of_my_subtree_and_refuses_others(
    rpt: SimpleNamespace,
) -> None:
    county = _client(rpt.nanguan)
    children = county.get("/api/reports/rollup")
    assert children.status_code == 200
    assert [row["name"] for row in children.json()] == ["南岭街道"]
    assert set(children.json()[0]["figures"]) >= {"screened", "cases_confirmed_new"}
    villages = county.get("/api/reports/rollup", {"level": 5}).json()
    assert {row["name"] for row in villages} == {"华阳社区", "恒安社区"}  # not 东市场社区
    for level in (1, 6, 99):
        refused = county.get("/api/reports/rollup", {"level": level})
        assert refused.status_code == 400 and refused.json()["code"] == "bad_level"
