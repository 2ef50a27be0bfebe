"""Export of the lists: the file holds what the list page shows, masked by role, audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.bulk import exports
from fangkong.care.tests import endpoints as care_cases
from fangkong.checkpoints.tests import endpoints as checkpoints_cases
from fangkong.core.tests import endpoints as e
from fangkong.observation.tests import endpoints as observation_cases
from fangkong.people.idcard import mask_id, mask_phone
from fangkong.screening.tests import endpoints as screening_cases

Make = Callable[..., User]
ClientFor = Callable[[User | None], Client]


@pytest.fixture
def world(tree: SimpleNamespace) -> e.World:
    return e.World(tree)


def url(name: str, fmt: str = "csv") -> str:
    return reverse("bulk:export", args=[name, fmt])


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[list[str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(body(response)))
    return sheet.get_sheet_by_index(0).to_python()


def secretary(make_user: Make, tree: SimpleNamespace) -> User:
    """The village secretary of 华阳社区: sees its grids, may export and see full numbers."""
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])


# --- the file is the list ----------------------------------------------------------------------


def test_people_export_equals_the_filtered_list_in_order(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    # given people in two grids of the village, and one in another city
    mine = [world.person(tree.grid1) for _ in range(3)] + [world.person(tree.grid2)]
    stranger = world.person(tree.other_grid)
    client = client_for(secretary(make_user, tree))

    for query in ({}, {"grid": tree.grid1.code}, {"q": mine[1].name}, {"status": "normal"}):
        # when the list page and its export are asked with the same filters
        page = client.get(reverse("people:list"), query)
        exported = client.get(url("people"), query)

        # then the file has the page's rows, in the page's order, and a Chinese header
        assert exported.status_code == 200
        rows = csv_rows(exported)
        assert rows[0][:4] == ["编号", "姓名", "证件类型", "证件号码"]
        assert [int(r[0]) for r in rows[1:]] == [p.pk for p in page.context["page"].items]
        assert stranger.name not in body(client.get(url("people"), query)).decode()
    assert {r[1] for r in csv_rows(client.get(url("people")))[1:]} == {p.name for p in mine}


@pytest.mark.parametrize(
    ("name", "page_url", "make", "query"),
    [
        ("screenings", "screening:list", screening_cases._screening, {"outcome": "no_risk"}),
        ("observations", "observation:list", observation_cases._observation, {"status": "active"}),
        ("care", "care:list", care_cases._care, {"status": "open"}),
    ],
)
def test_each_list_export_equals_its_page(
    name: str,
    page_url: str,
    make: Callable[[e.World], Any],
    query: dict[str, str],
    tree: SimpleNamespace,
    world: e.World,
    make_user: Make,
    client_for: ClientFor,
) -> None:
    # given three records in the village
    for _ in range(3):
        make(world)
    client = client_for(secretary(make_user, tree))

    for q in ({}, query):
        # when the page and the export are asked alike
        page = client.get(reverse(page_url), q)
        rows = csv_rows(client.get(url(name), q))

        # then the same records, in the same order
        assert [int(r[0]) for r in rows[1:]] == [x.pk for x in page.context["page"].items]
        assert len(rows) == 4


def test_passages_export_one_row_per_traveller_in_the_list_order(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    # given three passages at 南关区's checkpoints, one with a fever flagged
    plain = [checkpoints_cases._passage(world)[0] for _ in range(2)]
    fever, fever_name = checkpoints_cases._passage(world, fever=True)
    user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    client = client_for(user)

    # when the passage list and its export are asked
    page = client.get(reverse("checkpoints:passages"))
    rows = csv_rows(client.get(url("passages")))

    # then each traveller is a row, passages newest first as on the page
    assert [int(r[0]) for r in rows[1:]] == [p.pk for p in page.context["page"].items]
    assert {int(r[0]) for r in rows[1:]} == {p.pk for p in [*plain, fever]}
    flagged = next(r for r in rows if r[5] == fever_name)
    assert flagged[12] == "38.2"  # temperature, one decimal
    assert flagged[2].startswith("矩阵卡口")

    # and the flagged-only filter keeps the fever
    rows = csv_rows(client.get(url("passages"), {"flagged": "1"}))
    assert [r[5] for r in rows[1:]] == [fever_name]

    # and the destination grid's to-do list exports the handed-over traveller
    grid_user = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    rows = csv_rows(client_for(grid_user).get(url("handovers")))
    assert [r[1] for r in rows[1:]] == [fever_name]


def test_out_of_jurisdiction_rows_never_appear(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    # given a person in 吉林市 and one in 长春市
    here = world.person(tree.grid1)
    there = world.person(tree.other_grid)
    client = client_for(make_user(tree.dongshi, roles=[Role.VILLAGE_SECRETARY]))

    # when 东市场社区 exports its people, and asks for 华阳社区's
    rows = csv_rows(client.get(url("people")))
    other = client.get(url("people"), {"within": tree.huayang.code})

    # then only its own person, and the other village is not found
    assert [r[1] for r in rows[1:]] == [there.name]
    assert here.name not in str(rows)
    assert other.status_code == 404


# --- masking and the audit log -----------------------------------------------------------------


def test_numbers_are_masked_unless_the_role_may_see_them_and_asks(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    person = world.person(tree.grid1)
    township = client_for(make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND]))
    village = client_for(secretary(make_user, tree))

    # a township command office (no full numbers) gets them masked
    row = csv_rows(township.get(url("people")))[1]
    assert row[3] == mask_id(person.doc_number) and row[6] == mask_phone(person.phone)
    # and may not ask for them
    assert township.get(url("people"), {"unmasked": "1"}).status_code == 403

    # the village secretary's export is masked too, unless they ask for full numbers
    assert csv_rows(village.get(url("people")))[1][3] == mask_id(person.doc_number)
    row = csv_rows(village.get(url("people"), {"unmasked": "1"}))[1]
    assert row[3] == person.doc_number and row[6] == person.phone

    # and the audit log says which export showed them
    masked = [
        ev.changes["export_masked"]
        for ev in AuditEvent.objects.filter(action="bulk.export").order_by("pk")
    ]
    assert masked == [True, True, False]


def test_every_export_writes_one_audit_row_when_it_starts(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    for _ in range(2):
        world.person(tree.grid1)
    user = secretary(make_user, tree)
    before = AuditEvent.objects.count()

    response = client_for(user).get(url("people", "xlsx"), {"grid": tree.grid1.code, "q": ""})

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="bulk.export")
    assert AuditEvent.objects.count() == before + 1
    assert event.actor == user
    assert event.object_id == "people"
    assert event.division_path == tree.huayang.path
    assert event.changes == {
        "export_list": "people",
        "export_format": "xlsx",
        "export_filters": {"grid": tree.grid1.code},
        "export_rows": 2,
        "export_masked": True,
    }
    # the audit page names it
    auditor = client_for(make_user(tree.province, roles=[Role.AUDIT_ADMIN]))
    assert "导出清单" in auditor.get(reverse("audit:list")).content.decode()


# --- the formats -------------------------------------------------------------------------------


def test_xlsx_opens_with_the_same_rows_as_the_csv(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    for _ in range(3):
        screening_cases._screening(world)
    client = client_for(secretary(make_user, tree))

    as_csv = csv_rows(client.get(url("screenings")))
    response = client.get(url("screenings", "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = xlsx_rows(response)
    as_text = [[str(int(v)) if isinstance(v, float) else str(v) for v in r] for r in sheet]
    assert as_text == as_csv
    assert sheet[0][:3] == ["编号", "排查日期", "姓名"]


def test_csv_is_utf8_with_bom_and_chinese_headers_and_names_the_file(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    world.person(tree.grid1, name="张三丰")
    response = client_for(secretary(make_user, tree)).get(url("people"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=utf-8''%E4%BA%BA%E5%91%98" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    raw = body(response)
    assert raw[:3] == b"\xef\xbb\xbf"
    text = raw.decode("utf-8-sig")
    assert text.startswith("编号,姓名,证件类型,证件号码,性别,出生日期,联系电话")
    assert "张三丰" in text


def test_an_empty_list_gives_the_headers_only(
    tree: SimpleNamespace, make_user: Make, client_for: ClientFor
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))  # sees every list
    for name in exports.LISTS:
        rows = csv_rows(client.get(url(name)))
        assert rows == [[c.header for c in exports.LISTS[name].columns]], name
        sheet = xlsx_rows(client.get(url(name, "xlsx")))
        assert sheet == [rows[0]], name


def test_free_text_cannot_run_as_a_formula(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    person = world.person(tree.grid1, name="=HYPERLINK(1)")
    rows = csv_rows(client_for(secretary(make_user, tree)).get(url("people")))
    assert rows[1][1] == "'" + person.name


def test_too_many_rows_for_excel_points_to_csv(
    tree: SimpleNamespace,
    world: e.World,
    make_user: Make,
    client_for: ClientFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    world.person(tree.grid1)
    world.person(tree.grid1)
    client = client_for(secretary(make_user, tree))

    response = client.get(url("people", "xlsx"))

    assert response.status_code == 400
    assert "超过 Excel 工作表的行数上限" in response.content.decode()
    assert not AuditEvent.objects.filter(action="bulk.export").exists()
    assert client.get(url("people")).status_code == 200


def test_excel_made_while_waiting_is_capped_and_points_to_csv(
    tree: SimpleNamespace,
    world: e.World,
    make_user: Make,
    client_for: ClientFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "XLSX_ONLINE_MAX_ROWS", 1)
    world.person(tree.grid1)
    world.person(tree.grid1)
    client = client_for(secretary(make_user, tree))

    response = client.get(url("people", "xlsx"))

    assert response.status_code == 400
    assert "请导出为 CSV" in response.content.decode()
    assert not AuditEvent.objects.filter(action="bulk.export").exists()
    assert client.get(url("people")).status_code == 200


# --- bad input and who may ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("people", {"status": "nonsense"}),
        ("people", {"within": "abc"}),
        ("screenings", {"date_from": "2020-13-45"}),
        ("screenings", {"outcome": "maybe"}),
        ("observations", {"status": "sleeping"}),
        ("passages", {"from": "yesterday"}),
        ("passages", {"flagged": "2"}),
        ("passages", {"checkpoint": "x1"}),
        ("care", {"kind": "gold"}),
        ("handovers", {"status": "lost"}),
    ],
)
def test_bad_filters_answer_400_and_write_nothing(
    name: str,
    query: dict[str, str],
    tree: SimpleNamespace,
    make_user: Make,
    client_for: ClientFor,
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    before = AuditEvent.objects.count()

    page = client.get(url(name), query)
    api = client.get(f"/api/exports/{name}", {**query, "format": "csv"})

    assert page.status_code == 400, page
    assert "无法导出此清单" in page.content.decode()
    assert api.status_code == 400
    assert api.json()["code"] == "bad_filter" and api.json()["message"]
    assert AuditEvent.objects.count() == before


def test_unknown_list_or_format(
    tree: SimpleNamespace, make_user: Make, client_for: ClientFor
) -> None:
    client = client_for(secretary(make_user, tree))
    assert client.get(url("secrets")).status_code == 404
    assert client.get(url("people", "pdf")).status_code == 400
    assert client.get("/api/exports/secrets").json()["code"] == "not_found"
    assert client.get("/api/exports/people", {"format": "pdf"}).status_code == 400


def test_who_may_export(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    world.person(tree.grid1)
    # anonymous: the login page, or 401 in the API
    anonymous = client_for(None)
    response = anonymous.get(url("people"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert anonymous.get("/api/exports/people").status_code == 401
    # a grid worker works on the phone and does not export; a checkpoint's staff has no people
    grid_worker = client_for(make_user(tree.grid1, roles=[Role.GRID_WORKER]))
    assert grid_worker.get(url("people")).status_code == 403
    staff = client_for(make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF]))
    assert staff.get(url("people")).status_code == 403
    assert staff.get(url("passages")).status_code == 200
    assert not AuditEvent.objects.filter(action="bulk.export", object_id="people").exists()


def test_api_streams_the_same_file_with_a_token(
    tree: SimpleNamespace, world: e.World, make_user: Make, client_for: ClientFor
) -> None:
    person = world.person(tree.grid1)
    user = secretary(make_user, tree)
    from fangkong.accounts import actions as account_actions

    _token, raw = account_actions.create_token(actor=None, user=user, name="export")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    as_api = api.get("/api/exports/people", {"grid": tree.grid1.code})
    as_page = client_for(user).get(url("people"), {"grid": tree.grid1.code})

    assert as_api.status_code == 200
    assert csv_rows(as_api) == csv_rows(as_page)
    assert csv_rows(api.get("/api/exports/people"))[1][1] == person.name
    xlsx = api.get("/api/exports/people", {"format": "xlsx"})
    assert xlsx_rows(xlsx)[1][1] == person.name
    out_of_reach = api.get("/api/exports/people", {"within": tree.dongshi.code})
    assert out_of_reach.status_code == 404
    assert json.loads(out_of_reach.content)["code"] == "not_found"


def test_write_csv_and_xlsx_without_http(
    tree: SimpleNamespace, world: e.World, make_user: Make
) -> None:
    for _ in range(3):
        world.person(tree.grid1)
    user = secretary(make_user, tree)

    out = io.BytesIO()
    assert exports.write_csv("people", user, {"grid": tree.grid1.code}, out) == 3
    assert out.getvalue().decode("utf-8-sig").count("\r\n") == 4
    book = io.BytesIO()
    assert exports.write_xlsx("people", user, {}, book) == 3
    assert (
        len(
            CalamineWorkbook.from_filelike(io.BytesIO(book.getvalue()))
            .get_sheet_by_index(0)
            .to_python()
        )
        == 4
    )
    assert AuditEvent.objects.filter(action="bulk.export").count() == 2


@pytest.mark.parametrize(
    ("page_url", "name"),
    [
        ("people:list", "people"),
        ("screening:list", "screenings"),
        ("observation:list", "observations"),
        ("checkpoints:passages", "passages"),
        ("checkpoints:todo", "handovers"),
        ("care:list", "care"),
    ],
)
def test_each_list_page_offers_its_export_with_its_filters(
    page_url: str, name: str, tree: SimpleNamespace, make_user: Make, client_for: ClientFor
) -> None:
    county = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    html = county.get(reverse(page_url), {"status": "x"}).content.decode()
    assert f'href="{url(name)}?status=x"' in html
    assert f'href="{url(name, "xlsx")}?status=x"' in html

    grid_worker = client_for(make_user(tree.grid1, roles=[Role.GRID_WORKER]))
    if page_url in ("people:list", "care:list", "checkpoints:todo"):
        assert url(name) not in grid_worker.get(reverse(page_url)).content.decode()


def test_the_connection_is_left_as_it_was(
    tree: SimpleNamespace, world: e.World, make_user: Make
) -> None:
    """On PostgreSQL the export plans its cursor for reading everything, then puts it back."""
    from django.db import connection

    world.person(tree.grid1)
    user = secretary(make_user, tree)
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        before = cursor.fetchone()
    assert exports.write_csv("screenings", user, {}, io.BytesIO()) == 0
    assert exports.write_csv("people", user, {}, io.BytesIO()) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone() == before
