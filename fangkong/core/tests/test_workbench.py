"""Every role lands on its workbench (工作台): the grid's to-do list, the command office's figures
and roll-up, the checkpoint's sites and passages, and a plain statement for the other roles."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.care import actions as care_actions
from fangkong.care.tests.factories import add_person
from fangkong.checkpoints import actions as checkpoint_actions
from fangkong.checkpoints.choices import SiteKind
from fangkong.checkpoints.models import Checkpoint
from fangkong.checkpoints.tests.conftest import (
    NANGUAN_LON_LAT,
    machine,
    passage,
    person,
    post_json,
    resident_id,
)
from fangkong.core import workbench
from fangkong.observation.models import Observation
from fangkong.screening.tests.factories import check_in, days_ago, observe, screen
from fangkong.zeroreport import actions as zero_actions

Maker = Callable[..., User]
ClientFor = Callable[[User | None], Client]


def _page(client: Client) -> BeautifulSoup:
    response = client.get(reverse("core:home"))
    assert response.status_code == 200, response.status_code
    assert "core/workbench.html" in [t.name for t in response.templates]
    return BeautifulSoup(response.content, "html.parser")


def _text(soup: Any, selector: str) -> str:
    found = soup.select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return str(found.text)


def _todo(soup: BeautifulSoup) -> list[tuple[str, int, str]]:
    """(item key, count, address) of the to-do entries, in the order shown."""
    return [
        (
            str(li["data-item"]),
            int(_text(li, ".wb-count").replace(",", "")),
            str(li.select_one("a")["href"]),  # type: ignore[index]
        )
        for li in soup.select(".wb-items li")
    ]


def _done(soup: BeautifulSoup) -> list[str]:
    return [str(li["data-item"]) for li in soup.select(".wb-done li")]


def _checkpoint(division: Any, name: str = "南关区城乡结合部卡口") -> Checkpoint:
    lon, lat = NANGUAN_LON_LAT
    return checkpoint_actions.create_checkpoint(
        actor=None,
        division=division,
        name=name,
        kind=SiteKind.URBAN_FRINGE,
        longitude=lon,
        latitude=lat,
    )


def _flag_traveller_to(grid: Any, staff: User, checkpoint: Checkpoint) -> None:
    """A checkpoint hands a traveller with a fever over to ``grid``."""
    token, raw = account_actions.create_token(actor=None, user=staff, name="终端")
    checkpoint_actions.bind_tokens(actor=None, checkpoint=checkpoint, tokens=[token.pk])
    body = passage(
        checkpoint=checkpoint.pk,
        people=[
            person(
                name="乘客孙丽",
                doc_number=resident_id("220202", "19850315", "432"),
                temperature=38.4,
                destination=grid.code,
            )
        ],
    )
    response = post_json(machine(raw), "/api/passages", body)
    assert response.status_code == 201, response.content


def _busy_grid(tree: SimpleNamespace, make_user: Maker) -> None:
    """第一网格 with one of each thing to do today."""
    screen(tree.grid1, name="王发热", temperature="38.2")  # a fever found in screening
    feverish = observe(tree.grid1, name="赵体温", exposure_days_ago=3)
    check_in(feverish, day=days_ago(1), temperature="38.1")  # fever at the last check-in
    observe(tree.grid1, name="钱未报", exposure_days_ago=3)  # no check-in yesterday
    over = observe(tree.grid1, name="孙期满", exposure_days_ago=5)
    Observation.objects.filter(pk=over.pk).update(end_date=timezone.localdate())  # period over
    elder = add_person(tree.grid1, "周奶奶")
    care_actions.create_care_request(  # taken down five days ago, due two days ago: overdue
        actor=None,
        grid=tree.grid1,
        kind="medicine",
        description="降压药",
        person=elder,
        today=days_ago(5),
        requested_on=days_ago(5),
        due_on=days_ago(2),
    )
    staff = make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")
    _flag_traveller_to(tree.grid1, staff, _checkpoint(tree.nanguan))


def test_the_grid_worker_lands_on_a_to_do_list_most_urgent_first(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given a grid with a fever, a missed check-in, a flagged traveller, an overdue care
    # request, an observation period over and the day not confirmed
    _busy_grid(tree, make_user)
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")

    # when the grid worker opens the home page
    soup = _page(client_for(worker))

    # then every item waits there with its count, most urgent first, each one tap from its work
    todo = _todo(soup)
    assert [key for key, _n, _url in todo] == [
        "observation.fever",
        "screening.fever",
        "observation.missed",
        "checkpoints.pending",
        "care.overdue",
        "observation.due",
        "zeroreport.unconfirmed",
    ]
    counts = {key: n for key, n, _url in todo}
    assert counts["observation.fever"] == 1
    assert counts["screening.fever"] == 1
    assert counts["checkpoints.pending"] == 1
    assert counts["care.overdue"] == 1
    assert counts["observation.due"] == 1
    assert counts["zeroreport.unconfirmed"] == 1
    assert counts["observation.missed"] >= 2  # 钱未报 and the others without yesterday's
    urls = {key: url for key, _n, url in todo}
    assert urls["observation.fever"] == "/observation/?fever=on"
    assert urls["checkpoints.pending"] == reverse("checkpoints:todo")
    assert urls["care.overdue"] == reverse("care:grid", args=[tree.grid1.code])
    assert urls["zeroreport.unconfirmed"] == reverse("zeroreport:grid", args=[tree.grid1.code])
    # the two daily jobs as big buttons, and the division page one tap away
    quick = [(a.text, a["href"]) for a in soup.select(".wb-quick a")]
    assert quick == [
        ("新增排查", reverse("screening:new")),
        ("健康打卡", reverse("observation:list")),
    ]
    assert soup.select_one(f".wb-head a[href='{tree.grid1.get_absolute_url()}']") is not None


def test_each_link_of_the_to_do_list_opens_the_list_of_what_it_counts(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given the busy grid and its worker
    _busy_grid(tree, make_user)
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    client = client_for(worker)

    # when they follow the fever, missed and period-over entries
    pages = {key: client.get(url) for key, _n, url in _todo(_page(client))}

    # then each opens, and its list shows the people it counted
    assert all(r.status_code == 200 for r in pages.values())

    def listed(key: str) -> str:
        soup = BeautifulSoup(pages[key].content, "html.parser")
        return " ".join(t.text for t in soup.select("main table.table tbody"))

    assert "赵体温" in listed("observation.fever")
    assert "钱未报" not in listed("observation.fever")
    assert "钱未报" in listed("observation.missed")
    assert "孙期满" in listed("observation.due")
    assert "钱未报" not in listed("observation.due")
    assert "王发热" in listed("screening.fever")


def test_a_quiet_grid_says_nothing_waits_and_confirming_the_day_clears_the_last_item(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given a grid with nothing abnormal
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    client = client_for(worker)
    assert [key for key, _n, _url in _todo(_page(client))] == ["zeroreport.unconfirmed"]

    # when the day is confirmed
    zero_actions.confirm_day(actor=worker, grid=tree.grid1, zero_report=True)

    # then nothing waits, and the items checked are listed as such
    soup = _page(client)
    assert _todo(soup) == []
    assert soup.select_one(".wb-clear") is not None
    assert "zeroreport.unconfirmed" in _done(soup)
    assert "checkpoints.pending" in _done(soup)


def test_the_village_secretary_sees_the_village_s_work(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given the busy 第一网格 and a quiet 第二网格 in 华阳社区
    _busy_grid(tree, make_user)
    secretary = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])

    # when the village secretary opens the home page
    todo = {key: (n, url) for key, n, url in _todo(_page(client_for(secretary)))}

    # then the village's counts, and the grids not confirmed (both) lead to the roll-up
    assert todo["checkpoints.pending"][0] == 1
    assert todo["zeroreport.unconfirmed"] == (
        2,
        reverse("zeroreport:rollup", args=[tree.huayang.code]),
    )
    assert todo["care.overdue"][1] == reverse("care:list") + "?overdue=on"


def test_the_county_command_office_sees_what_needs_action_and_the_roll_up(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given the busy grid, its figures stored, and the county's command office
    _busy_grid(tree, make_user)
    zero_actions.refresh_grid_days(actor=None, day=timezone.localdate())
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])

    # when the county opens the home page
    soup = _page(client_for(county))

    # then the figures that need action, unconfirmed grids first, and the roll-up below
    todo = _todo(soup)
    keys = [key for key, _n, _url in todo]
    assert keys[0] == "zeroreport.unconfirmed_below"
    counts = {key: n for key, n, _url in todo}
    assert counts["zeroreport.unconfirmed_below"] == 2  # 第一网格 and 第二网格 of 南关区
    assert counts["zeroreport.fever_below"] == 1  # the screening today (the check-in was yesterday)
    assert counts["checkpoints.pending_below"] == 1
    rows = [tr["data-code"] for tr in soup.select(".zr-rollup tbody tr[data-code]")]
    assert rows == [tree.nanling.code]
    assert soup.select_one(".wb-quick") is None  # no screening buttons for the county


def test_checkpoint_staff_land_on_their_checkpoints_and_today_s_passages(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given a checkpoint of 南关区 that registered a passage today, and a closed one
    staff = make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF], username="kakou")
    site = _checkpoint(tree.nanguan)
    closed = _checkpoint(tree.nanguan, name="已关闭卡口")
    checkpoint_actions.close_checkpoint(actor=None, checkpoint=closed)
    _flag_traveller_to(tree.grid1, staff, site)

    # when the staff open the home page
    soup = _page(client_for(staff))

    # then the open checkpoint's form is one tap away, and today's passage is listed
    register = [a["href"] for a in soup.select(".wb-sites a")]
    assert register == [reverse("checkpoints:register", args=[site.pk])]
    assert "乘客孙丽" in _text(soup, ".passages")
    assert soup.select_one(".wb-todo") is None


@pytest.mark.parametrize(
    ("role", "words"),
    [
        (Role.HEALTH_COMMISSION, "卫生健康"),
        (Role.CLINIC_STAFF, "发热门诊"),
        (Role.SUPPLIES_OFFICER, "物资"),
        (Role.ORGANIZATION_DEPT, "组织部"),
        (Role.PUBLICITY_OFFICE, "宣传"),
    ],
)
def test_the_other_roles_read_what_they_can_do_here(
    role: str, words: str, tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given a user of the role in 南关区
    user = make_user(tree.nanguan, roles=[role])

    # when they open the home page
    soup = _page(client_for(user))

    # then a plain statement of their work, and their pages as buttons
    assert words in _text(soup, ".wb-notes")
    assert soup.select(".wb-links a"), "the pages the role may open"


def test_the_audit_administrator_still_goes_to_the_audit_log(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    auditor = make_user(tree.province, roles=[Role.AUDIT_ADMIN])
    response = client_for(auditor).get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:list")


def test_the_workbench_costs_the_same_queries_for_a_few_records_as_for_many(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given the grid worker with a little, then a lot more, to do
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")
    client = client_for(worker)
    _page(client)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as few:
        _page(client)
    for i in range(6):
        o = observe(tree.grid1, name=f"观察{i}", exposure_days_ago=3)
        check_in(o, day=days_ago(1), temperature="38.0")
        screen(tree.grid1, name=f"发热{i}", temperature="38.5")

    # when the page is opened again
    with CaptureQueriesContext(connection) as many:
        soup = _page(client)

    # then the counts grew and the number of queries did not
    assert dict((k, n) for k, n, _u in _todo(soup))["observation.fever"] == 6
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_profile_follows_the_roles_and_the_home(
    tree: SimpleNamespace, make_user: Maker
) -> None:
    cases = {
        (Role.GRID_WORKER, "grid1"): workbench.Profile.GRID,
        (Role.VILLAGE_SECRETARY, "huayang"): workbench.Profile.GRID,
        (Role.TOWNSHIP_COMMAND, "nanling"): workbench.Profile.COMMAND,
        (Role.COUNTY_COMMAND, "nanguan"): workbench.Profile.COMMAND,
        (Role.PROVINCE_COMMAND, "province"): workbench.Profile.COMMAND,
        (Role.CHECKPOINT_STAFF, "nanguan"): workbench.Profile.CHECKPOINT,
        (Role.HEALTH_COMMISSION, "nanguan"): workbench.Profile.OTHER,
        (Role.SYSADMIN, "province"): workbench.Profile.OTHER,
        (Role.AUDIT_ADMIN, "province"): workbench.Profile.AUDIT,
    }
    for (role, home), expected in cases.items():
        user = User.objects.get(pk=make_user(getattr(tree, home), roles=[role]).pk)
        assert workbench.profile(user) == expected, role


def test_on_a_phone_header_the_daily_jobs_need_no_menu(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    # given a grid worker and a county command office
    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])

    # when each opens any page
    for user, expected in (
        (worker, [reverse("screening:new"), reverse("observation:list")]),
        (county, []),
    ):
        response = client_for(user).get(reverse("people:list"))
        soup = BeautifulSoup(response.content, "html.parser")
        # then the grid worker's two daily jobs are in the header, outside the menu
        assert [a["href"] for a in soup.select("header .quick-header a")] == expected


def test_the_menu_puts_first_what_the_role_uses_most(
    tree: SimpleNamespace, make_user: Maker, client_for: ClientFor
) -> None:
    def menu(user: User) -> list[str]:
        response = client_for(user).get(reverse("regions:search"))
        return [str(label) for label, _url in response.context["nav_items"]]

    worker = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    county = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    staff = make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF])
    assert menu(worker)[:6] == ["首页", "排查登记", "医学观察", "重点关注人员", "帮扶关爱", "日报"]
    assert menu(county)[:3] == ["首页", "日报", "重点关注人员"]
    assert menu(staff)[:2] == ["首页", "卡口"]
