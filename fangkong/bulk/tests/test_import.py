"""Importing screening lists: good files, bad rows, bad files, idempotency, valid rows only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import xlsxwriter
from django.test import Client
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.bulk.models import ImportJob
from fangkong.bulk.readers import read_table
from fangkong.observation.models import Observation
from fangkong.people import actions as people_actions
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person, PersonMove
from fangkong.screening.importer import COLUMNS, REASON, import_screening_file
from fangkong.screening.models import Screening
from fangkong.screening.tests.factories import days_ago, hubei, make_id, today

HEADER = ["姓名", "证件号码", "联系电话", "现住址", "网格编码", "排查日期", "体温"]


def row(grid: Any, **over: Any) -> dict[str, Any]:
    data = {
        "姓名": "张伟",
        "证件号码": make_id(),
        "联系电话": "13804310001",
        "现住址": "华阳小区1栋2单元301",
        "网格编码": grid.code,
        "排查日期": today().isoformat(),
        "体温": "36.5",
    }
    data.update(over)
    return data


def write_csv(
    path: Path, rows: Iterable[dict[str, Any]], *, header: Sequence[str] | None = None
) -> Path:
    rows = list(rows)
    header = list(header or dict.fromkeys(k for r in rows for k in r) or HEADER)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def write_xlsx(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    rows = list(rows)
    header = list(rows[0])
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for i, r in enumerate(rows, start=1):
        for j, h in enumerate(header):
            value = r[h]
            if isinstance(value, dt.date):
                sheet.write_datetime(i, j, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, float | int):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, str(value))
    book.close()
    return path


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Screening.objects.count(), Observation.objects.count()


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.VAR_DIR = tmp_path / "var"
    with translation.override("en"):  # messages are checked in their source language
        yield settings.VAR_DIR


def run(worker: User, path: Path, valid_only: bool = False) -> Any:
    return import_screening_file(actor=worker, path=path, filename=path.name, valid_only=valid_only)


# --- good files --------------------------------------------------------------------------------


def test_a_csv_imports_every_row_and_registers_new_people(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    # given a list of three screenings, one of a person already registered
    known = make_id()
    Person.objects.create(
        name="李娜", doc_number=known, grid=tree.grid1, division_path=tree.grid1.path
    )
    path = write_csv(
        tmp_path / "list.csv",
        [
            row(tree.grid1),
            row(tree.grid2, 姓名="王芳"),
            row(tree.grid1, 姓名="李娜", 证件号码=known),
        ],
    )

    # when it is imported
    outcome = run(worker, path)

    # then three screenings exist, two new people, and one audit row says so
    assert (outcome.status, outcome.total, outcome.created, outcome.rejected) == ("done", 3, 3, 0)
    assert Screening.objects.count() == 3
    assert Person.objects.count() == 3
    person = Person.objects.get(name="王芳")
    assert person.grid == tree.grid2 and person.division_path == tree.grid2.path
    assert person.sex in ("M", "F") and person.birth_date is not None
    screening = Screening.objects.get(person=person)
    assert screening.outcome == "no_risk" and screening.client_uuid is not None
    assert str(screening.temperature) == "36.5"
    audit = AuditEvent.objects.get(action="screening.import")
    assert audit.changes["created"] == [None, 3]
    assert audit.changes["sha256"][1] == ImportJob.objects.get().sha256


def test_importing_the_same_file_twice_creates_nothing_new(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", [row(tree.grid1), row(tree.grid1)])
    run(worker, path)
    before = counts()

    outcome = run(worker, path)

    assert counts() == before
    assert (outcome.created, outcome.existing, outcome.status) == (0, 2, "done")


def test_the_rules_decide_the_outcome_and_start_observations(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    # given Hubei is a key area, one arrival from Wuhan and one fever
    hubei(tree.nanguan)
    path = write_csv(
        tmp_path / "list.csv",
        [
            row(
                tree.grid1,
                姓名="赵敏",
                来源地编码="4201",
                来源地="武汉市",
                抵达日期=days_ago(3).isoformat(),
                交通方式="火车",
                车次航班="G1234",
            ),
            row(tree.grid1, 姓名="钱程", 体温="38.2", 症状="发热、干咳"),
            row(tree.grid1, 姓名="孙立"),
        ],
    )

    outcome = run(worker, path)

    assert outcome.created == 3
    arrived = Screening.objects.get(person__name="赵敏")
    assert arrived.outcome == "home_observation" and arrived.transport == "train"
    observation = Observation.objects.get(person__name="赵敏")
    assert observation.source_screening_id == arrived.pk
    assert Person.objects.get(name="赵敏").status == PersonStatus.HOME_OBSERVATION
    fever = Screening.objects.get(person__name="钱程")
    assert fever.outcome == "fever_clinic" and fever.symptoms == ["fever", "dry_cough"]
    assert Person.objects.get(name="钱程").status == PersonStatus.REFERRED
    assert Screening.objects.get(person__name="孙立").outcome == "no_risk"


def test_an_xlsx_with_date_cells_and_numbers_imports(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            row(tree.grid1, 排查日期=days_ago(1), 体温=36.8, 联系电话=13804310001.0),
            row(tree.grid1, 排查日期=f"{days_ago(2):%Y/%m/%d}", 网格编码=float(tree.grid1.code)),
        ],
    )

    outcome = run(worker, path)

    assert (outcome.status, outcome.created) == ("done", 2)
    assert set(Screening.objects.values_list("screened_on", flat=True)) == {
        days_ago(1),
        days_ago(2),
    }


def test_a_gbk_csv_from_excel_on_chinese_windows_imports(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(HEADER)
    r = row(tree.grid1, 姓名="欧阳娜娜", 现住址="华阳街道幸福里3号")
    w.writerow([r[h] for h in HEADER])
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.getvalue().encode("gbk"))

    outcome = run(worker, path)

    assert outcome.created == 1
    assert Person.objects.get().name == "欧阳娜娜"
    assert Screening.objects.get().address == "华阳街道幸福里3号"


def test_a_tab_separated_file_with_a_bom_imports(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    r = row(tree.grid1)
    path = tmp_path / "tabs.csv"
    path.write_text(
        "\ufeff" + "\t".join(HEADER) + "\n" + "\t".join(r[h] for h in HEADER) + "\n",
        encoding="utf-8",
    )
    assert run(worker, path).created == 1


# --- bad rows ----------------------------------------------------------------------------------


def _errors(outcome: Any) -> dict[tuple[int, str], str]:
    return {(e["row"], e["column"]): e["reason"] for e in outcome.errors}


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    # given a file where every row but the first has something wrong
    good = make_id()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    impossible = "220102" + "19990231" + "0012"
    path = write_csv(
        tmp_path / "bad.csv",
        [
            row(tree.grid1, 证件号码=good),  # row 2: fine
            row(tree.grid1, 证件号码=bad_check),  # 3
            row(tree.grid1, 证件号码=impossible[:17] + "X"),  # 4
            row(tree.grid1, 证件号码="2201021990"),  # 5
            row(tree.grid1, 体温="43.5"),  # 6
            row(tree.grid1, 排查日期=(today() + dt.timedelta(days=2)).isoformat()),  # 7
            row(tree.grid1, 网格编码="229999999999001"),  # 8
            row(tree.grid1, 网格编码=tree.other_grid.code),  # 9: another jurisdiction's grid
            row(tree.grid1, 证件号码=good),  # 10: the same as row 2
            row(tree.grid1, 联系电话="12345", 体温="hot", 现住址=""),  # 11: three at once
        ],
    )
    before = counts()

    # when it is imported
    outcome = run(worker, path)

    # then nothing is written, and each error names its row and column
    assert counts() == before
    assert outcome.status == "refused" and outcome.created == 0 and outcome.rejected == 9
    errors = _errors(outcome)
    assert "check character" in errors[(3, "证件号码")]
    assert "does not exist" in errors[(4, "证件号码")]
    assert "18 characters" in errors[(5, "证件号码")]
    assert "35.0 and 42.0" in errors[(6, "体温")]
    assert "future" in errors[(7, "排查日期")]
    assert errors[(8, "网格编码")] == errors[(9, "网格编码")].replace(
        tree.other_grid.code, "229999999999001"
    )
    assert "Row 2" in errors[(10, "证件号码")]
    assert {k for k in errors if k[0] == 11} == {(11, "联系电话"), (11, "体温"), (11, "现住址")}
    assert (2, "证件号码") not in errors
    job = ImportJob.objects.get()
    assert job.status == "refused" and job.errors == outcome.errors
    assert outcome.rejects_path is not None and outcome.rejects_path.is_file()


def test_valid_only_writes_exactly_the_valid_rows_and_the_fixed_rejects_reimport(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    # given two good rows and one with a fever of 45 ℃
    path = write_csv(
        tmp_path / "list.csv",
        [
            row(tree.grid1, 姓名="甲"),
            row(tree.grid1, 姓名="乙", 体温="45"),
            row(tree.grid1, 姓名="丙"),
        ],
    )

    # when the valid rows only are imported
    outcome = run(worker, path, valid_only=True)

    # then the two good rows are written and the bad one is offered as a file
    assert (outcome.status, outcome.created, outcome.rejected) == ("done", 2, 1)
    assert set(Person.objects.values_list("name", flat=True)) == {"甲", "丙"}
    assert outcome.rejects_path is not None
    with outcome.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        rejects = list(csv.reader(f))
    assert rejects[0] == [*HEADER, REASON]
    assert len(rejects) == 2 and rejects[1][0] == "乙" and "体温" in rejects[1][-1]

    # and once the temperature is fixed, importing the rejects file (all of it, the reason
    # column too) adds that row only
    rejects[1][HEADER.index("体温")] = "36.9"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rejects)
    again = run(worker, fixed)
    assert (again.status, again.created, again.existing) == ("done", 1, 0)
    assert Screening.objects.count() == 3
    assert run(worker, path, valid_only=True).created == 0  # the original: nothing new


def test_a_missing_required_column_refuses_the_file(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    r = row(tree.grid1)
    del r["体温"]
    path = write_csv(tmp_path / "list.csv", [r])
    before = counts()

    outcome = run(worker, path)

    assert counts() == before
    assert outcome.status == "refused" and "体温" in outcome.message


def test_an_id_number_typed_as_a_number_in_excel_is_explained(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", [row(tree.grid1, 证件号码=float(make_id()[:17]))])

    outcome = run(worker, path)

    assert "as a number" in _errors(outcome)[(2, "证件号码")]


def test_a_known_number_under_another_name_is_refused(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    number = make_id()
    Person.objects.create(
        name="李娜", doc_number=number, grid=tree.grid1, division_path=tree.grid1.path
    )
    outcome = run(worker, write_csv(tmp_path / "l.csv", [row(tree.grid1, 证件号码=number)]))
    assert "another name" in _errors(outcome)[(2, "证件号码")]


def test_a_number_known_only_in_another_county_imports_like_a_new_one_and_stays_there(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    # given 李娜's number registered in 吉林市, and the same number under another name in a file
    # of 华阳社区 (the file must not learn that the number exists elsewhere)
    number = make_id()
    people_actions.register_person(
        actor=None, grid=tree.other_grid, name="李娜", doc_type="resident_id", doc_number=number
    )
    # when it is imported
    outcome = run(worker, write_csv(tmp_path / "l.csv", [row(tree.grid1, 证件号码=number)]))

    # then the row is accepted like any new person's (counted as a person created), and
    # 华阳社区 has a record of its own
    assert outcome.status == "done" and outcome.errors == [] and outcome.people_created == 1
    ours = Person.objects.visible_to(worker).get()
    assert ours.grid == tree.grid1 and Screening.objects.get().person == ours
    # and 吉林市 keeps its record, told that the person moved and that the name differs
    theirs = Person.objects.exclude(pk=ours.pk).get()
    assert theirs.grid == tree.other_grid and theirs.moved_out_at is not None
    move = PersonMove.objects.get(person=theirs)
    assert (move.successor, move.name_differs) == (ours, True)


# --- bad files ---------------------------------------------------------------------------------


def _refused(worker: User, path: Path, filename: str | None = None) -> str:
    before = counts()
    outcome = import_screening_file(actor=worker, path=path, filename=filename or path.name)
    assert counts() == before
    assert outcome.status == "refused", outcome
    return outcome.message


def test_a_50_mb_file_is_refused_before_it_is_read(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    assert "25 MB" in _refused(worker, path)


def test_a_zip_bomb_named_xlsx_is_refused(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros, a few hundred KB packed
                member.write(block)
    assert path.stat().st_size < 2 * 1024 * 1024
    assert "unsafe" in _refused(worker, path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("random.xlsx", os.urandom(4096)),
        ("report.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2048)),  # a .doc
        ("list.xlsx", "姓名,证件号码\n张伟,220102199001011234\n".encode()),
    ],
)
def test_a_file_named_xlsx_that_is_not_one_is_refused(
    worker: User, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert "not an Excel .xlsx file" in _refused(worker, path)


def test_random_binary_named_csv_is_refused(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(os.urandom(8192))
    assert "binary" in _refused(worker, path)


def test_undecodable_text_is_refused(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\xff\xfe\xfa\xfb,\x80\x81\n" * 20)
    assert "neither UTF-8 nor GBK" in _refused(worker, path)


def test_other_file_types_are_refused(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "list.xls"
    path.write_bytes(b"whatever")
    assert ".xlsx or a .csv" in _refused(worker, path)


# --- the template ------------------------------------------------------------------------------


def test_the_template_has_the_chinese_columns_and_reimports_empty(
    tree: SimpleNamespace, worker: User, tmp_path: Path, client_for: Callable[[User], Client]
) -> None:
    client = client_for(worker)
    xlsx = client.get("/bulk/templates/screenings.xlsx")
    assert xlsx.status_code == 200
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx.content)
    assert read_table(path, "t.xlsx").header == COLUMNS
    with zipfile.ZipFile(path) as z:
        assert "xl/worksheets/sheet2.xml" in z.namelist()  # the instructions
    text = client.get("/bulk/templates/screenings.csv").content.decode("utf-8-sig")
    assert text.strip().split(",") == COLUMNS


def test_the_rejects_of_an_xlsx_are_an_xlsx_holding_text_never_formulas(
    tree: SimpleNamespace, worker: User, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [row(tree.grid1), row(tree.grid1, 现住址='=HYPERLINK("http://x")', 体温=45.0)],
    )

    outcome = run(worker, path, valid_only=True)

    assert (outcome.created, outcome.rejected) == (1, 1)
    assert outcome.rejects_path is not None and outcome.rejects_path.suffix == ".xlsx"
    rejects = read_table(outcome.rejects_path, outcome.rejects_path.name)
    assert rejects.header == [*list(row(tree.grid1)), REASON]
    cells = rejects.rows[0][1]
    assert cells[3] == '=HYPERLINK("http://x")' and "体温" in cells[-1]


def test_a_grid_retired_while_the_file_is_checked_refuses_it_and_writes_nothing(
    tree: SimpleNamespace, worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangkong.regions.models import Division
    from fangkong.screening import importer

    checked = importer.validate_rows

    def then_retire(*args: Any, **kwargs: Any) -> Any:
        result = checked(*args, **kwargs)
        Division.objects.filter(pk=tree.grid1.pk).update(active=False)
        return result

    monkeypatch.setattr(importer, "validate_rows", then_retire)
    before = counts()

    outcome = run(worker, write_csv(tmp_path / "list.csv", [row(tree.grid1)]))

    assert outcome.status == "refused" and "retired" in outcome.message
    assert counts() == before
