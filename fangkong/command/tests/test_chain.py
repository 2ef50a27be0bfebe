"""The chain of a village or grid: the five secretaries, province first, and the 包保 leaders
covering each level, in three queries whatever the depth."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from fangkong.command import actions, selectors
from fangkong.command.tests.factories import (
    make_group,
    make_member,
    make_responsibility,
    make_secretary,
)


def test_the_chain_of_a_grid_lists_five_secretaries_and_the_covering_leaders(
    cmd: SimpleNamespace, django_assert_num_queries
) -> None:
    # given the five secretaries of 第一网格's chain
    t = cmd.tree
    for division, name in [
        (t.province, "省委书记甲"),
        (t.changchun, "市委书记乙"),
        (t.nanguan, "区委书记丙"),
        (t.nanling, "街道书记丁"),
        (t.huayang, "社区书记戊"),
    ]:
        make_secretary(division, name)
    make_secretary(t.changyi, "别区书记")  # not in the chain
    # and the county's deputy covering 南岭街道, the leader 南关区 for supplies,
    # a city leader covering 华阳社区, and an ended responsibility
    make_responsibility(cmd.deputy, t.nanling, field="grid")
    make_responsibility(cmd.leader, field="supplies")
    city = make_group(t.changchun)
    city_leader = make_member(city, "市领导", "副市长", "deputy")
    make_responsibility(city_leader, t.huayang)
    old = make_responsibility(cmd.deputy, t.huayang)
    actions.end_responsibility(actor=None, responsibility=old, on=dt.date(2020, 1, 30))

    # when the chain of the grid is read
    with django_assert_num_queries(3):
        links = selectors.chain(t.grid1)
        names = [
            (link.division.name, link.secretary.name if link.secretary else None) for link in links
        ]
        leaders = {link.division.name: [r.member.name for r in link.leaders] for link in links}

    # then province first, five secretaries and the grid (without one)
    assert names == [
        ("吉林省", "省委书记甲"),
        ("长春市", "市委书记乙"),
        ("南关区", "区委书记丙"),
        ("南岭街道", "街道书记丁"),
        ("华阳社区", "社区书记戊"),
        ("第一网格", None),
    ]
    # and the leaders covering each level today
    assert leaders["南关区"] == ["李建国"]
    assert leaders["南岭街道"] == ["王晓梅"]
    assert leaders["华阳社区"] == ["市领导"]
    assert leaders["吉林省"] == []
