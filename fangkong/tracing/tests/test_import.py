"""Importing a contact list (密接名单) through the real upload API and import pages, as a county's
tracing team would: a good file, each kind of bad row with its row, column and reason, the two
modes (all or nothing; valid rows only), importing the same file twice, hand-overs to another
county, files refused as a whole, and the template."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.bulk.models import ImportJob
from fangkong.bulk.readers import read_table
from fangkong.bulk.tasks import run_import
from fangkong.people.idcard import compose_resident_id
from fangkong.tracing import importer
from fangkong.tracing.choices import ContactKind, ContactStatus, HandoverState, Relation
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.tests.factories import contact_of, days_ago, identity, today, tracing_case

COLUMNS = importer.COLUMNS


def row(case: Any, residence: Any, **values: Any) -> dict[str, str]:
    """A good row: an unprotected household contact of ``case``, 4 to 2 days ago (a close
    contact), living in ``residence``."""
    n = identity()
    good = {
        "病例编号": case.number,
        "姓名": f"接触者{n[-4:]}",
        "证件类型": "居民身份证",
        "证件号码": n,
        "联系电话": "13904310001",
        "现住址": "华阳街2号",
        "现住地区划代码": residence.code,
        "接触关系": "家庭成员",
        "首次接触日期": days_ago(4).isoformat(),
        "末次接触日期": days_ago(2).isoformat(),
        "是否防护": "否",
    }
    good.update({k: str(v) for k, v in values.items()})
    return good


def csv_bytes(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, COLUMNS)
    for i, r in enumerate(rows, start=1):
        for j, column in enumerate(COLUMNS):
            sheet.write_string(i, j, r.get(column, ""))
    book.close()
    return out.getvalue()


def post(client: Client, content: bytes, name: str = "密接名单.csv", **extra: str) -> Any:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post("/api/imports", {"file": upload, "kind": "contacts", **extra})


def errors_by_row(body: dict[str, Any]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for e in body["errors"]:
        found.setdefault(e["row"], set()).add(e["column"])
    return found


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    yield settings.VAR_DIR


@pytest.fixture
def team(tr: SimpleNamespace, make_user: Callable[..., User]) -> User:
    """南关区's tracing team: the health commission adds contacts and imports their lists."""
    return make_user(tr.tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="liudiao")


@pytest.fixture
def client(team: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(team)


# --- a good file ------------------------------------------------------------------------------


def test_a_good_file_adds_the_contacts_hands_over_the_other_county_and_audits_once(
    tr: SimpleNamespace, client: Client, team: User
) -> None:
    # given a list of three contacts of the case: one at home, one protected, one living in
    # 昌邑区 (another county)
    rows = [
        row(tr.case, tr.tree.grid2),
        row(tr.case, tr.tree.huayang, 是否防护="是", 接触关系="同事"),
        row(tr.case, tr.tree.dongshi, 接触关系="social"),
    ]

    # when the team uploads it
    response = post(client, csv_bytes(rows))

    # then the job is done with the three contacts, classified by the rules
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["created"], body["existing"], body["rejected"]) == (
        "done",
        3,
        0,
        0,
    )
    at_home, protected, elsewhere = (Contact.objects.get(doc_number=r["证件号码"]) for r in rows)
    assert (at_home.kind, at_home.status) == (ContactKind.CLOSE, ContactStatus.TO_FIND)
    assert at_home.observe_until == days_ago(2) + dt.timedelta(days=14)
    assert at_home.relation == Relation.HOUSEHOLD and at_home.residence == tr.tree.grid2
    assert at_home.case == tr.case and at_home.division_path == tr.case.division_path
    assert at_home.created_by == team and at_home.phone == "13904310001"
    assert (protected.kind, protected.status) == (ContactKind.GENERAL, ContactStatus.NOT_TRACED)
    assert protected.relation == Relation.WORKPLACE and protected.observe_until is None
    # the contact in 昌邑区 is handed over exactly as add_contact does
    assert elsewhere.status == ContactStatus.HANDED_OVER and elsewhere.relation == "social"
    handover = Handover.objects.get()
    assert handover.contact == elsewhere and handover.state == HandoverState.SENT
    assert (handover.from_division, handover.to_division) == (tr.tree.nanguan, tr.tree.changyi)
    sides = set(
        AuditEvent.objects.filter(action__in=["handover.send", "handover.receive"]).values_list(
            "action", "division_path"
        )
    )
    assert sides == {
        ("handover.send", tr.tree.nanguan.path),
        ("handover.receive", tr.tree.changyi.path),
    }
    # one audit row for the file, with its counts
    audit = AuditEvent.objects.get(action="contact.import")
    assert audit.changes["created"] == [None, 3] and audit.changes["handed_over"] == [None, 1]
    assert audit.changes["status"] == [None, "done"] and audit.actor == team
    # the receiving county sees the hand-over, the sender's contact is the sender's
    assert Handover.objects.visible_to(tr.other_health).filter(pk=handover.pk).exists()
    assert not Contact.objects.visible_to(tr.other_health).exists()


def test_an_xlsx_file_imports_the_same_and_the_job_page_shows_the_outcome(
    tr: SimpleNamespace, client: Client
) -> None:
    response = post(client, xlsx_bytes([row(tr.case, tr.tree.grid1)]), name="list.xlsx")

    body = response.json()
    assert (body["status"], body["created"]) == ("done", 1), body
    page = client.get(f"/bulk/imports/{body['id']}/").content.decode()
    assert 'data-status="done"' in page and "list.xlsx" in page
    assert Contact.objects.get().kind == ContactKind.CLOSE


# --- bad rows ---------------------------------------------------------------------------------


def bad_file(tr: SimpleNamespace) -> tuple[list[dict[str, str]], dict[int, set[str]]]:
    """Two good rows among bad ones, and the (row → columns) the errors must name."""
    other_case = tracing_case(tr.tree.other_grid)  # 昌邑区's case: not 南关区's to add to
    duplicate = row(tr.case, tr.tree.grid2)
    rows = [
        row(tr.case, tr.tree.grid2),  # 2: good
        row(tr.case, tr.tree.grid2, 证件号码="220102198501011234"),  # 3: bad check digit
        row(tr.case, tr.tree.grid2, 病例编号="NO-SUCH-CASE"),  # 4: unknown case
        row(other_case, tr.tree.grid2),  # 5: case outside the jurisdiction
        row(
            tr.case, tr.tree.grid2, 首次接触日期=today(), 末次接触日期=today()
        ),  # 6: after isolation
        duplicate,  # 7: good
        {**duplicate, "姓名": duplicate["姓名"]},  # 8: the same contact again
        row(tr.case, tr.tree.grid2, 证件号码=tr.case.person.doc_number),  # 9: the case itself
        row(
            tr.case,
            tr.tree.grid2,
            现住地区划代码="999999",
            接触关系="路人",
            首次接触日期="昨天",
            末次接触日期="",
            是否防护="也许",
            联系电话="12345",
        ),  # 10: many errors at once, each by its column
        row(tr.case, tr.tree.province),  # 11: a residence too broad (a province)
    ]
    expected = {
        3: {"证件号码"},
        4: {"病例编号"},
        5: {"病例编号"},
        6: {"首次接触日期"},
        8: {"证件号码"},
        9: {"证件号码"},
        10: {"现住地区划代码", "接触关系", "首次接触日期", "末次接触日期", "是否防护", "联系电话"},
        11: {"现住地区划代码"},
    }
    return rows, expected


def test_bad_rows_refuse_the_whole_file_with_row_column_and_reason(
    tr: SimpleNamespace, client: Client
) -> None:
    rows, expected = bad_file(tr)

    body = post(client, csv_bytes(rows)).json()

    # then nothing is written, and every error says its row and column
    assert body["status"] == "refused" and body["created"] == 0
    assert body["rejected"] == len(expected)
    assert errors_by_row(body) == expected
    assert Contact.objects.count() == 0 and Handover.objects.count() == 0
    reasons = {(e["row"], e["column"]): e["reason"] for e in body["errors"]}
    assert "NO-SUCH-CASE" in reasons[(4, "病例编号")]
    # a case of another county reads exactly as one that does not exist
    other_number = rows[3]["病例编号"]
    assert reasons[(5, "病例编号")] == reasons[(4, "病例编号")].replace(
        "NO-SUCH-CASE", other_number
    )
    assert "Row 7" in reasons[(8, "证件号码")] or "第 7 行" in reasons[(8, "证件号码")]
    assert "999999" in reasons[(10, "现住地区划代码")]
    assert all(reasons.values())
    # the page lists them; the rejected rows come back as a file with the reason
    page = client.get(f"/bulk/imports/{body['id']}/").content.decode()
    assert "病例编号" in page and f"/bulk/imports/{body['id']}/valid-only/" in page
    rejects = client.get(body["rejects_url"]).getvalue().decode("utf-8-sig")
    header = rejects.splitlines()[0]
    assert header.endswith("错误原因") and "NO-SUCH-CASE" in rejects
    assert len(list(csv.reader(io.StringIO(rejects)))) == 1 + len(expected)
    audit = AuditEvent.objects.get(action="contact.import")
    assert audit.changes["status"] == [None, "refused"]
    assert audit.changes["rejected"] == [None, len(expected)]


def test_valid_rows_only_writes_the_good_rows(tr: SimpleNamespace, client: Client) -> None:
    rows, expected = bad_file(tr)

    body = post(client, csv_bytes(rows), valid_only="true").json()

    assert (body["status"], body["created"], body["rejected"]) == ("done", 2, len(expected))
    assert set(Contact.objects.values_list("doc_number", flat=True)) == {
        rows[0]["证件号码"],
        rows[5]["证件号码"],
    }


def test_a_refused_file_can_then_import_its_valid_rows_from_the_job_page(
    tr: SimpleNamespace, client: Client
) -> None:
    rows, _expected = bad_file(tr)
    job_id = post(client, csv_bytes(rows)).json()["id"]

    response = client.post(f"/bulk/imports/{job_id}/valid-only/")

    again = ImportJob.objects.exclude(pk=job_id).get()
    assert response["Location"] == f"/bulk/imports/{again.pk}/"
    assert (again.kind, again.status, again.created_count) == ("contacts", "done", 2)
    assert Contact.objects.count() == 2


def test_a_contact_upstream_in_the_chain_is_refused(tr: SimpleNamespace, client: Client) -> None:
    # given: the case was itself a contact of an earlier case, whose person is then listed
    earlier = tracing_case(tr.tree.grid2)
    contact_of(earlier, tr.tree.grid1, actor=tr.health, doc_number=tr.case.person.doc_number)
    Contact.objects.filter(case=earlier).update(became_case=tr.case)

    body = post(
        client, csv_bytes([row(tr.case, tr.tree.grid2, 证件号码=earlier.person.doc_number)])
    ).json()

    assert body["status"] == "refused" and errors_by_row(body) == {2: {"证件号码"}}


# --- idempotency --------------------------------------------------------------------------------


def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    tr: SimpleNamespace, client: Client
) -> None:
    rows = [row(tr.case, tr.tree.grid2), row(tr.case, tr.tree.dongshi)]
    content = csv_bytes(rows)
    first = post(client, content).json()
    assert (first["status"], first["created"]) == ("done", 2)

    second = post(client, content).json()

    assert (second["status"], second["created"], second["existing"]) == ("done", 0, 2)
    assert Contact.objects.count() == 2 and Handover.objects.count() == 1
    # a contact added by hand is "already imported" too; a new row beside it is added
    third = post(client, csv_bytes([*rows, row(tr.case, tr.tree.grid1)])).json()
    assert (third["created"], third["existing"]) == (1, 2)


def test_a_stored_contact_under_another_name_is_an_error_not_a_skip(
    tr: SimpleNamespace, client: Client
) -> None:
    stored = contact_of(tr.case, tr.tree.grid2, actor=tr.health)

    body = post(
        client,
        csv_bytes([row(tr.case, tr.tree.grid2, 证件号码=stored.doc_number, 姓名="另一个人")]),
    ).json()

    assert body["status"] == "refused" and errors_by_row(body) == {2: {"证件号码"}}
    assert stored.name in body["errors"][0]["reason"]


def test_a_background_import_is_idempotent(tr: SimpleNamespace, client: Client) -> None:
    born = dt.date(1950, 1, 1)
    rows = [
        row(
            tr.case,
            tr.tree.grid2,
            证件号码=compose_resident_id("220102", born + dt.timedelta(i), 101),
        )
        for i in range(importer.BACKGROUND_ROWS + 5)
    ]

    response = post(client, csv_bytes(rows))

    job = ImportJob.objects.get()
    assert response.status_code == 202 and job.status == "queued"
    status = run_import(job.pk)
    job.refresh_from_db()
    assert status == "done", (job.message, job.errors[:3])
    assert run_import(job.pk) == "done"
    job.refresh_from_db()
    assert job.created_count == len(rows) == Contact.objects.count()


# --- files refused as a whole -----------------------------------------------------------------


def test_a_file_missing_a_column_is_refused_naming_it(tr: SimpleNamespace, client: Client) -> None:
    columns = [c for c in COLUMNS if c != "病例编号"]

    body = post(client, csv_bytes([row(tr.case, tr.tree.grid2)], columns)).json()

    assert body["status"] == "refused" and "病例编号" in body["message"]
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [("list.xlsx", b"not a workbook at all"), ("list.csv", b"\x00\x01\x02" * 100)],
)
def test_a_file_that_is_not_a_table_is_refused_never_a_500(
    client: Client, name: str, content: bytes
) -> None:
    response = post(client, content, name=name)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "refused" and body["message"]
    assert Contact.objects.count() == 0


def test_a_pdf_is_refused_at_the_upload(client: Client) -> None:
    response = post(client, b"%PDF-1.4", name="list.pdf")
    assert response.status_code == 400 and response.json()["code"] == "bad_file_type"


def test_a_role_that_cannot_add_contacts_cannot_import_them(
    tr: SimpleNamespace, client_for: Callable[[User], Client]
) -> None:
    response = post(client_for(tr.county), csv_bytes([row(tr.case, tr.tree.grid2)]))
    assert response.status_code == 403 and Contact.objects.count() == 0


def test_a_team_of_another_county_cannot_add_to_this_county_s_cases(
    tr: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    other = make_user(tr.tree.changyi, roles=[Role.HEALTH_COMMISSION, Role.COUNTY_COMMAND])

    body = post(client_for(other), csv_bytes([row(tr.case, tr.tree.dongshi)])).json()

    assert body["status"] == "refused" and errors_by_row(body) == {2: {"病例编号"}}
    assert Contact.objects.count() == 0


# --- the template -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_template_filled_in_imports(
    tr: SimpleNamespace, client: Client, tmp_path: Path, kind: str
) -> None:
    # given the empty template, downloaded from the upload page's link
    page = client.get("/bulk/imports/new/?kind=contacts")
    assert page.status_code == 200 and f"/bulk/templates/contacts.{kind}" in page.content.decode()
    response = client.get(f"/bulk/templates/contacts.{kind}")
    assert response.status_code == 200
    assert f"contacts.{kind}" in response["Content-Disposition"]
    path = tmp_path / f"template.{kind}"
    path.write_bytes(response.content)
    table = read_table(path, path.name)
    assert table.header == COLUMNS and table.rows == []
    if kind == "xlsx":
        from python_calamine import load_workbook

        notes = load_workbook(str(path)).get_sheet_by_name("填写说明").to_python()
        assert [r[0] for r in notes[1:]] == COLUMNS

    # when it is filled in with one contact and uploaded
    filled = csv_bytes([row(tr.case, tr.tree.grid2)]) if kind == "csv" else None
    body = post(
        client, filled or xlsx_bytes([row(tr.case, tr.tree.grid2)]), name=f"t.{kind}"
    ).json()

    # then it is imported
    assert (body["status"], body["created"]) == ("done", 1)
