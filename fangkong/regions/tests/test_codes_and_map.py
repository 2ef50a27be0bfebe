"""What a division page shows by role and level (issue #8): grid workers see names, not
division codes (代码 220102001001001); the map of prefectures is shown on the province's and a
prefecture's page only, where it says something."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role

ClientFor = Callable[[User | None], Client]


def test_a_grid_worker_sees_their_grid_without_its_code(
    tree: SimpleNamespace, make_user: Callable[..., User], client_for: ClientFor
) -> None:
    client = client_for(make_user(tree.grid1, roles=[Role.GRID_WORKER]))

    grid_page = client.get(tree.grid1.get_absolute_url()).content.decode()
    search = client.get("/search/", {"q": "第一"}).content.decode()

    assert "第一网格" in grid_page and tree.grid1.code not in grid_page.replace(
        f"/{tree.grid1.code}/", ""
    )
    assert "代码" not in grid_page
    assert "第一网格" in search and f'<small class="muted">{tree.grid1.code}' not in search


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.VILLAGE_SECRETARY, "huayang"),
        (Role.TOWNSHIP_COMMAND, "nanling"),
        (Role.COUNTY_COMMAND, "nanguan"),
    ],
)
def test_command_offices_keep_the_codes(
    role: str,
    home: str,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    client = client_for(make_user(getattr(tree, home), roles=[role]))

    grid_page = client.get(tree.grid1.get_absolute_url()).content.decode()
    village_page = client.get(tree.huayang.get_absolute_url()).content.decode()

    assert f"代码 {tree.grid1.code}" in grid_page
    assert f"代码 {tree.huayang.code}" in village_page
    # and each grid in the village's list with its code
    assert f'<small class="muted">{tree.grid1.code}</small>' in village_page


@pytest.mark.parametrize(
    ("division", "has_map"),
    [
        ("province", True),
        ("changchun", True),
        ("nanguan", False),
        ("nanling", False),
        ("huayang", False),
    ],
)
def test_the_prefecture_map_is_shown_down_to_the_prefecture_only(
    division: str,
    has_map: bool,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    client = client_for(make_user(tree.province, roles=[Role.PROVINCE_COMMAND]))

    page = client.get(getattr(tree, division).get_absolute_url()).content.decode()

    assert ('id="map"' in page) is has_map
    assert ("fangkong/map.js" in page) is has_map
