"""The search in the menu finds people as well as divisions (issue #8): by name, name prefix,
full ID number or phone, inside the user's jurisdiction, masked as the people list masks them,
with the people list's own rule (``people.selectors.search_filter``); roles that do not see
people find divisions only."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.care.tests.factories import resident_id
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import mask_id, mask_phone
from fangkong.people.models import Person

SEARCH = "/search/"


def add(grid: Any, name: str, phone: str = "") -> Person:
    person, _created = people_actions.register_person(
        actor=None,
        grid=grid,
        name=name,
        doc_type=DocType.RESIDENT_ID,
        doc_number=resident_id(),
        phone=phone,
        address="华阳街1号",
    )
    return person


@pytest.fixture
def town(tree: SimpleNamespace) -> SimpleNamespace:
    """张伟 and 张伟民 in 华阳社区, 李娜 with a phone, and a 张伟 in the sibling 东市场社区."""
    return SimpleNamespace(
        zhangwei=add(tree.grid1, "张伟", "13912345678"),
        zhangweimin=add(tree.grid2, "张伟民"),
        lina=add(tree.grid1, "李娜", "13812345678"),
        far_zhangwei=add(tree.other_grid, "张伟", "13712345678"),
    )


def found_people(response: Any) -> list[int]:
    people = response.context["people"]
    return [p.pk for p in people.items] if people else []


def listed_people(client: Client, query: str) -> list[int]:
    """The people the people list shows for the same query, in its order."""
    response = client.get("/people/", {"q": query})
    assert response.status_code == 200
    return [p.pk for p in response.context["page"].items]


def test_the_search_finds_people_by_name_prefix_id_number_and_phone(
    tree: SimpleNamespace,
    town: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given the secretary of 华阳社区
    client = client_for(make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY]))

    # when they search for a name, a name prefix, a full ID number and a phone
    by_name = client.get(SEARCH, {"q": "张伟"})
    by_prefix = client.get(SEARCH, {"q": "张"})
    by_id = client.get(SEARCH, {"q": town.lina.doc_number})
    by_phone = client.get(SEARCH, {"q": "13812345678"})

    # then they find the people of their village, never the 张伟 of another village
    assert set(found_people(by_name)) == {town.zhangwei.pk, town.zhangweimin.pk}
    assert set(found_people(by_prefix)) == {town.zhangwei.pk, town.zhangweimin.pk}
    assert found_people(by_id) == [town.lina.pk]
    assert found_people(by_phone) == [town.lina.pk]
    assert town.far_zhangwei.pk not in found_people(by_name)
    # and each result links to the person's page
    assert town.lina.get_absolute_url() in by_id.content.decode()


def test_a_partial_id_number_or_phone_finds_nobody_as_in_the_people_list(
    tree: SimpleNamespace,
    town: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY]))

    response = client.get(SEARCH, {"q": "1381234"})

    assert found_people(response) == []


@pytest.mark.parametrize("query", ["张伟", "张", "李", "13812345678", "13712345678", "王"])
def test_the_menu_search_finds_exactly_the_people_the_people_list_finds(
    query: str,
    tree: SimpleNamespace,
    town: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given a county commander and the people list's search for the same query
    client = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    expected = listed_people(client, query)

    # when they search in the menu
    response = client.get(SEARCH, {"q": query})

    # then the same people come first, in the same order
    assert found_people(response) == expected


def test_people_are_shown_masked_as_in_the_people_list(
    tree: SimpleNamespace,
    town: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given a grid worker, who may reveal numbers on a person's page (audited)
    client = client_for(make_user(tree.grid1, roles=[Role.GRID_WORKER]))

    # when they find 李娜 by her phone
    page = client.get(SEARCH, {"q": "13812345678"}).content.decode()

    # then the search shows her ID number and phone masked, as the list does
    assert "李娜" in page
    assert mask_id(town.lina.doc_number) in page and mask_phone(town.lina.phone) in page
    assert town.lina.doc_number not in page
    results = page.split('id="results"')[1]
    assert "13812345678" not in results  # only in the search box, as typed


@pytest.mark.parametrize(
    "role", [Role.SUPPLIES_OFFICER, Role.PUBLICITY_OFFICE, Role.CHECKPOINT_STAFF]
)
def test_roles_that_do_not_see_people_find_divisions_only(
    role: str,
    tree: SimpleNamespace,
    town: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(make_user(tree.nanguan, roles=[role]))

    by_name = client.get(SEARCH, {"q": "张伟"})
    by_place = client.get(SEARCH, {"q": "华阳"})

    assert by_name.status_code == 200 and found_people(by_name) == []
    assert town.zhangwei.get_absolute_url() not in by_name.content.decode()
    assert [d.name for d in by_place.context["page"].items] == ["华阳社区"]
    assert "搜索行政区划" in by_place.content.decode()


def test_people_and_divisions_are_found_together_within_a_division(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given 华阳明, a person in 华阳社区's first grid, and the division 华阳社区
    client = client_for(make_user(tree.nanling, roles=[Role.TOWNSHIP_COMMAND]))
    add(tree.grid1, "华阳明")

    # when the township searches 华阳 below 华阳社区, then below 恒安社区
    inside = client.get(SEARCH, {"q": "华阳", "within": tree.huayang.code})
    outside = client.get(SEARCH, {"q": "华阳", "within": tree.hengan.code})

    # then the person is found under their village only; the division where it lies
    assert [p.name for p in inside.context["people"].items] == ["华阳明"]
    assert [d.name for d in inside.context["page"].items] == ["华阳社区"]
    assert outside.context["people"].items == []


def test_the_search_shows_a_few_people_and_links_to_all_of_them_in_a_bounded_number_of_queries(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given a grid worker, and two people named 王…
    user = make_user(tree.grid1, roles=[Role.GRID_WORKER])
    client = client_for(user)
    for i in range(2):
        add(tree.grid1, f"王{i}")
    client.get(SEARCH, {"q": "王"})  # the session and the permissions, once
    with CaptureQueriesContext(connection) as few:
        response = client.get(SEARCH, {"q": "王"})
    assert len(found_people(response)) == 2
    assert "/people/?q=" not in response.content.decode()

    # when there are 25 of them
    for i in range(2, 25):
        add(tree.grid1, f"王{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(SEARCH, {"q": "王"})

    # then the search shows ten, links to the people list for the rest, and runs the same
    # number of queries
    assert len(found_people(response)) == 10
    assert "/people/?q=%E7%8E%8B" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_search_box_hint_is_short_enough_for_a_phone(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    for role in (Role.GRID_WORKER, Role.SUPPLIES_OFFICER):
        page = client_for(make_user(tree.huayang, roles=[role])).get(SEARCH).content.decode()
        (placeholder,) = re.findall(r'name="q"[^>]*placeholder="([^"]*)"', page)
        # about 12 Chinese characters fit a 390 px wide screen beside the button
        assert 0 < len(placeholder) <= 12, placeholder


# --- where someone lives: the division-code input's suggestions --------------------------------


def test_a_division_code_input_suggests_divisions_of_the_whole_province(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    # given the health commission of 南关区, adding a contact who lives in 昌邑区
    health = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    client = client_for(health)
    form = client.get(f"/tracing/cases/{_any_case(tree).pk}/contacts/new/").content.decode()
    # the input asks for suggestions as it is typed, into its own list
    assert 'list="id_residence-suggest"' in form and '<datalist id="id_residence-suggest">' in form

    # when "东市场" is typed (the input's name is the parameter), by name, then by code
    by_name = client.get("/divisions/suggest/", {"residence": "东市场"}).content.decode()
    by_code = client.get("/divisions/suggest/", {"residence": tree.dongshi.code}).content.decode()

    # then the community of the other county is offered with its place in the tree
    for answer in (by_name, by_code):
        assert f'<option value="{tree.dongshi.code}">' in answer
        assert "昌邑区" in answer and "东市场社区" in answer
    # nothing typed, nothing offered; not logged in, the login page
    assert "<option" not in client.get("/divisions/suggest/", {"residence": ""}).content.decode()
    assert Client().get("/divisions/suggest/", {"residence": "东市场"}).status_code == 302


def _any_case(tree: SimpleNamespace) -> Any:
    from fangkong.tracing.tests.factories import tracing_case

    return tracing_case(tree.grid1)
