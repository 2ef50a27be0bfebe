"""The audit log: append-only at every layer, and browsable by administrators inside their own
subtree, filtered by actor, record, action and date, a page at a time."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.actions import record
from fangkong.audit.models import AppendOnlyError, AuditEvent
from fangkong.regions import actions as region_actions

SHANGHAI = ZoneInfo("Asia/Shanghai")
AUDIT_URL = "/audit/"
OLDER_LINK = re.compile(r'href="\?([^"]*before=\d+)"')


def write_event(action: str, label: str, path: str, actor: User | None = None) -> AuditEvent:
    """One audit row, written the way every action writes one (inside a transaction)."""
    with transaction.atomic():
        return record(
            actor=actor,
            action=action,
            object_type="test.thing",
            object_id=label,
            object_repr=label,
            division_path=path,
            changes={"state": ["old", "new"]},
        )


def listed(response: Any) -> list[str]:
    """The records (object_repr) of the rows a page shows, newest first."""
    return [e.object_repr for e in response.context["items"]]


@pytest.fixture
def event(tree: Any) -> AuditEvent:
    region_actions.rename_grid(actor=None, grid=tree.grid1, name="华阳东区")
    return AuditEvent.objects.get(action="grid.rename")


# --- append-only -------------------------------------------------------------------------------


def test_an_audit_row_cannot_be_changed_or_removed_through_the_application(
    event: AuditEvent,
) -> None:
    # Given a row describing a rename
    original = AuditEvent.objects.filter(pk=event.pk).values().get()
    rows = AuditEvent.objects.filter(pk=event.pk)

    # When anyone tries to change or remove it through the ORM, then every path refuses
    event.changes = {"name": ["第一网格", "篡改"]}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        rows.update(action="grid.create")
    with pytest.raises(AppendOnlyError):
        rows.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["changes"])

    # ... and the row is exactly as written
    assert AuditEvent.objects.filter(pk=event.pk).values().get() == original


def test_the_database_itself_refuses_to_update_an_audit_row(event: AuditEvent) -> None:
    # Given a row, and someone with a database shell (SQLite or PostgreSQL)
    original = AuditEvent.objects.filter(pk=event.pk).values().get()

    # When they run UPDATE on it directly
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s, changes = %s WHERE id = %s",
            ["someone else", "{}", event.pk],
        )

    # Then the trigger refuses it and the row is unchanged
    assert AuditEvent.objects.filter(pk=event.pk).values().get() == original


def test_every_row_records_who_what_which_record_and_the_change(event: AuditEvent) -> None:
    assert event.actor is None and event.actor_label == "系统"
    assert event.object_type == "regions.division"
    assert event.object_repr == "华阳东区"
    assert event.changes == {"name": ["第一网格", "华阳东区"]}
    assert event.at is not None
    assert event.division_path.endswith("220102001001001/")


# --- the audit list page -----------------------------------------------------------------------


@pytest.fixture
def people(tree: Any, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": make_user(tree.province, roles=[Role.AUDIT_ADMIN], username="prov_admin"),
        "county_admin": make_user(tree.nanguan, roles=[Role.AUDIT_ADMIN], username="nanguan_admin"),
        "huayang": make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang_sec"),
        "dongshi": make_user(tree.dongshi, roles=[Role.VILLAGE_SECRETARY], username="dongshi_sec"),
        "worker": make_user(tree.huayang, roles=[Role.GRID_WORKER], username="huayang_worker"),
    }


@pytest.fixture
def history(tree: Any, people: dict[str, User]) -> None:
    """Renames by two secretaries in two subtrees, and a province-wide system row."""
    region_actions.rename_grid(actor=people["huayang"], grid=tree.grid1, name="华阳东区")
    region_actions.rename_grid(actor=people["huayang"], grid=tree.grid2, name="华阳西区")
    region_actions.rename_grid(actor=people["dongshi"], grid=tree.other_grid, name="东市场一区")
    write_event("divisions.import", "行政区划导入", "")


def test_a_province_administrator_sees_the_provinces_log_with_the_changes(
    history: None, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    response = client_for(people["admin"]).get(AUDIT_URL, {"action": "grid.rename"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "「第一网格」改为「华阳东区」" in page
    assert "huayang_sec" in page and "dongshi_sec" in page
    assert listed(response) == ["东市场一区", "华阳西区", "华阳东区"]


def test_rows_about_the_whole_installation_are_for_superusers(
    history: None,
    people: dict[str, User],
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # Given a row with no division (a division import), a province administrator and a
    # superuser without a home division
    root = make_user(None, username="root", is_superuser=True, is_staff=True)

    # When each opens the log, then only the superuser sees that row
    assert "行政区划导入" not in listed(client_for(people["admin"]).get(AUDIT_URL))
    assert listed(client_for(root).get(AUDIT_URL))[:4] == [
        "行政区划导入",
        "东市场一区",
        "华阳西区",
        "华阳东区",
    ]


def test_the_log_filters_by_actor(
    history: None, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    response = client_for(people["admin"]).get(AUDIT_URL, {"actor": "huayang_sec"})
    assert listed(response) == ["华阳西区", "华阳东区"]


def test_the_log_filters_by_record_id_or_name(
    tree: Any,
    history: None,
    people: dict[str, User],
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(people["admin"])
    by_name = client.get(AUDIT_URL, {"record": "西区"})
    assert listed(by_name) == ["华阳西区"]
    by_id = client.get(AUDIT_URL, {"record": str(tree.other_grid.pk), "action": "grid."})
    assert [e.object_id for e in by_id.context["items"]] == [str(tree.other_grid.pk)] * 2
    assert {e.action for e in by_id.context["items"]} == {"grid.create", "grid.rename"}


def test_the_log_filters_by_action(
    history: None, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(people["admin"])
    assert listed(client.get(AUDIT_URL, {"action": "grid.rename"})) == [
        "东市场一区",
        "华阳西区",
        "华阳东区",
    ]
    assert listed(client.get(AUDIT_URL, {"action": "grid.create"})) == [
        "第一网格",
        "第二网格",
        "第一网格",
    ]
    assert listed(client.get(AUDIT_URL, {"action": "grid.rename", "actor": "dongshi_sec"})) == [
        "东市场一区"
    ]


def test_the_log_filters_by_local_calendar_date(
    tree: Any,
    people: dict[str, User],
    client_for: Callable[[User | None], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given rows written just before, during and just after 29 January 2020, Beijing time
    moments = {
        "28日深夜": dt.datetime(2020, 1, 28, 23, 59, tzinfo=SHANGHAI),
        "29日凌晨": dt.datetime(2020, 1, 29, 0, 1, tzinfo=SHANGHAI),  # still the 28th in UTC
        "29日深夜": dt.datetime(2020, 1, 29, 23, 59, tzinfo=SHANGHAI),
        "30日凌晨": dt.datetime(2020, 1, 30, 0, 1, tzinfo=SHANGHAI),
    }
    for label, moment in moments.items():
        with monkeypatch.context() as m:
            m.setattr(timezone, "now", lambda moment=moment: moment.astimezone(dt.UTC))
            write_event("test.dated", label, tree.huayang.path)
    client = client_for(people["admin"])

    def shown(**dates: str) -> list[str]:
        return listed(client.get(AUDIT_URL, {"action": "test.dated", **dates}))

    # When the administrator asks for the 29th, from the 29th, and up to the 29th
    # Then the day is the local calendar day, both ends included
    assert shown(**{"from": "2020-01-29", "to": "2020-01-29"}) == ["29日深夜", "29日凌晨"]
    assert shown(**{"from": "2020-01-29"}) == ["30日凌晨", "29日深夜", "29日凌晨"]
    assert shown(to="2020-01-29") == ["29日深夜", "29日凌晨", "28日深夜"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2020-02-30"}, "开始日期格式应为 YYYY-MM-DD。"),
        ({"from": "昨天"}, "开始日期格式应为 YYYY-MM-DD。"),
        ({"to": "2020/01/29"}, "结束日期格式应为 YYYY-MM-DD。"),
        ({"to": "<script>"}, "结束日期格式应为 YYYY-MM-DD。"),
    ],
)
def test_a_bad_date_is_answered_with_a_message_not_a_crash(
    history: None,
    people: dict[str, User],
    client_for: Callable[[User | None], Client],
    query: dict[str, str],
    message: str,
) -> None:
    response = client_for(people["admin"]).get(AUDIT_URL, query)

    # The page answers with the message, keeps what was typed (escaped) for correction, and
    # lists the rows unfiltered by the bad date
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    (typed,) = query.values()
    assert f'value="{html.escape(typed)}"' in page
    assert len(listed(response)) >= 4


@pytest.mark.parametrize("before", ["99999999999999999999999", "abc", "-1", ""])
def test_a_strange_page_marker_does_not_crash(
    history: None,
    people: dict[str, User],
    client_for: Callable[[User | None], Client],
    before: str,
) -> None:
    response = client_for(people["admin"]).get(AUDIT_URL, {"before": before})
    assert response.status_code == 200


def test_the_log_pages_by_key_and_keeps_the_filters(
    tree: Any, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    # Given 60 matching rows among others
    for i in range(60):
        write_event("test.bulk", f"记录{i:02d}", tree.huayang.path)
    write_event("test.other", "其他", tree.huayang.path)
    client = client_for(people["admin"])

    # When the first page is opened
    first = client.get(AUDIT_URL, {"action": "test.bulk"})

    # Then it shows the 50 newest, and a link to older rows that keeps the filter
    assert listed(first) == [f"记录{i:02d}" for i in range(59, 9, -1)]
    oldest_shown = first.context["items"][-1].pk
    link = OLDER_LINK.search(first.content.decode())
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert query == f"action=test.bulk&before={oldest_shown}"

    # When the user follows it
    second = client.get(f"{AUDIT_URL}?{query}")

    # Then the remaining 10 follow without overlap, and there is no further page
    assert listed(second) == [f"记录{i:02d}" for i in range(9, -1, -1)]
    assert second.context["next_before"] is None
    assert OLDER_LINK.search(second.content.decode()) is None


def test_the_log_page_runs_the_same_number_of_queries_for_5_or_60_rows(
    tree: Any, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(people["admin"])
    client.get(AUDIT_URL)  # warm the session and permission caches

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(AUDIT_URL, {"action": "test.q"}).status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        write_event("test.q", f"q{i}", tree.huayang.path, actor=people["huayang"])
    few = queries_for_page()
    for i in range(55):
        write_event("test.q", f"q{i}", tree.huayang.path, actor=people["dongshi"])
    many = queries_for_page()

    assert few == many


def test_a_county_administrator_sees_only_rows_inside_their_subtree(
    tree: Any,
    history: None,
    people: dict[str, User],
    client_for: Callable[[User | None], Client],
) -> None:
    # Given rows from 南关区 (华阳社区), 昌邑区 (东市场社区) and the whole province
    client = client_for(people["county_admin"])

    # When 南关区's administrator opens the log
    response = client.get(AUDIT_URL)

    # Then only rows of 南关区's subtree appear
    items = response.context["items"]
    assert items
    assert all(e.division_path.startswith(tree.nanguan.path) for e in items)
    assert "华阳东区" in listed(response)
    assert "东市场一区" not in listed(response)
    assert "行政区划导入" not in listed(response)
    # ... and asking for another subtree's record by name or actor finds nothing
    assert listed(client.get(AUDIT_URL, {"record": "东市场一区"})) == []
    assert listed(client.get(AUDIT_URL, {"actor": "dongshi_sec"})) == []


def test_the_log_is_for_administrators_only(
    history: None, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    assert client_for(people["worker"]).get(AUDIT_URL).status_code == 403
    assert client_for(people["huayang"]).get(AUDIT_URL).status_code == 403
    anonymous = client_for(None).get(AUDIT_URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_actions_through_the_web_record_channel_and_address(
    tree: Any, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    mark = AuditEvent.objects.aggregate(m=Max("id"))["m"]
    client_for(people["huayang"]).post(
        f"/grids/{tree.grid1.code}/rename/", {"name": "华阳东区"}, REMOTE_ADDR="10.22.1.7"
    )
    event = AuditEvent.objects.get(id__gt=mark)
    assert (event.action, event.actor_label, event.channel, event.client_ip) == (
        "grid.rename",
        "huayang_sec",
        "web",
        "10.22.1.7",
    )


def test_a_change_named_like_a_reverse_relation_reads_as_it_was_recorded(
    tree: Any, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    # given a passage's audit row whose changes name ``people`` (a reverse relation there)
    with transaction.atomic():
        record(
            actor=None,
            action="passage.register",
            object_type="checkpoints.passage",
            object_id="1",
            object_repr="通行记录 1",
            division_path=tree.nanguan.path,
            changes={"people": [None, 2], "checkpoint": [None, "南关区卡口"]},
        )

    # when the audit administrator opens the log
    response = client_for(people["admin"]).get(AUDIT_URL)

    # then the page shows the row with its values, not a server error
    assert response.status_code == 200
    assert "通行记录 1" in response.content.decode()


def test_counts_an_action_notes_are_labelled_by_the_app_that_records_them(
    tree: Any, people: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    # given the demo's zero-report history row, whose changes are counts and no model field
    with transaction.atomic():
        record(
            actor=None,
            action="grid_days.refresh",
            obj=tree.nanguan,
            division_path=tree.nanguan.path,
            changes={"days": [None, 30], "confirmed": [None, 9214]},
        )

    # when the audit administrator opens the log
    page = client_for(people["admin"]).get(AUDIT_URL).content.decode()

    # then the keys read as words (zeroreport's AUDIT_FIELDS), not as the stored keys
    assert '">days</b>' not in page and '">confirmed</b>' not in page
    assert "天数" in page and "已确认天数" in page
