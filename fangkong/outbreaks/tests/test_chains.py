"""Transmission chains as graphs: generations, and nothing of another jurisdiction's people."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.roles import Role
from fangkong.cases.models import Case
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.outbreaks.models import Cluster, ClusterCase
from fangkong.outbreaks.selectors import chain_graph, cluster_graph
from fangkong.outbreaks.tests.fixtures import contact
from fangkong.tracing.choices import ContactKind


def _chain(tree: SimpleNamespace, b_grid: Any = None) -> SimpleNamespace:
    """Index case A (华阳社区) → close contact c1, and c2 who became case B → B's close contact
    c3 → c3's secondary contact c4."""
    t = SimpleNamespace()
    t.a = make_case(tree.grid1, person=make_person(tree.grid1, name="甲指示"))
    t.c1 = contact(t.a, name="乙密接")
    b_grid = b_grid or tree.grid2
    t.b = make_case(b_grid, person=make_person(b_grid, name="丙续发"))
    t.c2 = contact(t.a, name="丙续发", became_case=t.b)
    t.c3 = contact(t.b, name="丁密接")
    t.c4 = contact(t.b, name="戊次密接", kind=ContactKind.SECONDARY, source=t.c3)
    return t


def _by_id(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in graph["nodes"]}


def test_generations_follow_the_chain(tree: SimpleNamespace, make_user: Any) -> None:
    # given a chain of two cases, their contacts and a secondary contact
    t = _chain(tree)
    user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])

    # when the chain of the second case is read
    graph = chain_graph(user, t.b)

    # then it starts at the index case, a contact that became a case continues the chain
    nodes = _by_id(graph)
    assert graph["index_case"] == f"c{t.a.pk}"
    assert {k: n["generation"] for k, n in nodes.items()} == {
        f"c{t.a.pk}": 0,
        f"k{t.c1.pk}": 1,
        f"c{t.b.pk}": 1,
        f"k{t.c3.pk}": 2,
        f"k{t.c4.pk}": 3,
    }
    assert nodes[f"c{t.b.pk}"]["focus"] and not nodes[f"c{t.a.pk}"]["focus"]
    assert nodes[f"c{t.b.pk}"]["kind"] == "case"
    assert nodes[f"k{t.c4.pk}"]["category"] == ContactKind.SECONDARY
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert edges == {
        (f"c{t.a.pk}", f"k{t.c1.pk}"),
        (f"c{t.a.pk}", f"c{t.b.pk}"),
        (f"c{t.b.pk}", f"k{t.c3.pk}"),
        (f"k{t.c3.pk}", f"k{t.c4.pk}"),
    }
    assert [g["nodes"] for g in graph["generations"]] == [1, 2, 1, 1]


def _ids(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


def test_a_chain_ending_in_another_county_shows_nothing_of_it(
    tree: SimpleNamespace, make_user: Any
) -> None:
    # given a chain whose second case B lives in 昌邑区 (吉林市), with B's contacts there
    t = _chain(tree, b_grid=tree.other_grid)
    user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])

    # when a 南关区 user reads the chain of the index case
    graph = chain_graph(user, t.a)

    # then they see their case and their two contacts, the one who became a case elsewhere as
    # the contact they typed, and nothing of 昌邑区: no node, no number, no date, no name
    assert _ids(graph) == {f"c{t.a.pk}", f"k{t.c1.pk}", f"k{t.c2.pk}"}
    nodes = _by_id(graph)
    assert nodes[f"k{t.c2.pk}"]["label"] == "丙续发" and nodes[f"k{t.c2.pk}"]["visible"]
    text = json.dumps(graph, ensure_ascii=False, default=str)
    for secret in ("丁密接", "戊次密接", t.b.number, "昌邑", f"c{t.b.pk}", "outside"):
        assert secret not in text
    assert [g["nodes"] for g in graph["generations"]] == [1, 2]


def test_a_chain_through_another_county_shows_one_anonymous_node(
    tree: SimpleNamespace, make_user: Any
) -> None:
    # given the chain A (南关区) → B (昌邑区) → B's close contact c3 → c3's secondary contact
    # c4, who became case D back in 南关区
    t = _chain(tree, b_grid=tree.other_grid)
    d = make_case(tree.grid1, person=make_person(tree.grid1, name="己回流"))
    t.c4.became_case = d
    t.c4.save(update_fields=["became_case"])
    nanguan = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])

    # when the 南关区 user reads the chain of D
    graph = chain_graph(nanguan, d)

    # then D hangs from their contact c2 through one anonymous node, which has no number,
    # date, county, person, category or link, and an id that is not the record's
    nodes = _by_id(graph)
    assert _ids(graph) == {f"c{t.a.pk}", f"k{t.c1.pk}", f"k{t.c2.pk}", "x1", f"c{d.pk}"}
    assert nodes["x1"] == {
        "id": "x1",
        "kind": "outside",
        "category": "",
        "status": "",
        "generation": 2,
        "label": nodes["x1"]["label"],
        "ref": None,
        "visible": False,
        "focus": False,
    }
    assert nodes[f"c{d.pk}"]["generation"] == 3 and nodes[f"c{d.pk}"]["focus"]
    edges = {(e["source"], e["target"], e["relation"]) for e in graph["edges"]}
    assert (f"k{t.c2.pk}", "x1", "") in edges and ("x1", f"c{d.pk}", "") in edges
    text = json.dumps(graph, ensure_ascii=False, default=str)
    for secret in ("丁密接", "戊次密接", t.b.number, "昌邑", f"k{t.c3.pk}", f"k{t.c4.pk}"):
        assert secret not in text

    # and the 昌邑区 user reading B's chain sees their own records only: nothing above B
    # (one case of another county above one of theirs joins nothing), the contact c4 they
    # typed, and nothing of D
    changyi = make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION])
    theirs = chain_graph(changyi, t.b)
    assert _ids(theirs) == {f"c{t.b.pk}", f"k{t.c3.pk}", f"k{t.c4.pk}"}
    assert theirs["index_case"] == f"c{t.b.pk}"
    assert _by_id(theirs)[f"c{t.b.pk}"]["generation"] == 0
    text = json.dumps(theirs, ensure_ascii=False, default=str)
    for secret in ("甲指示", "乙密接", t.a.number, d.number, "己回流", "南关", f"c{t.a.pk}"):
        assert secret not in text


def test_an_anonymous_node_joins_two_cases_of_the_user(
    tree: SimpleNamespace, make_user: Any
) -> None:
    # given a 南关区 case whose two contacts became cases in 昌邑区
    a = make_case(tree.grid1)
    b1, b2 = make_case(tree.other_grid), make_case(tree.other_grid)
    contact(a, became_case=b1)
    contact(a, became_case=b2)
    contact(a, name="南关密接")
    user = make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION])

    # when the 昌邑区 user reads the chain
    graph = chain_graph(user, b1)

    # then one anonymous node above both keeps the chain whole, and nothing else of 南关区
    assert _ids(graph) == {"x1", f"c{b1.pk}", f"c{b2.pk}"}
    assert graph["index_case"] == "x1"
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {
        ("x1", f"c{b1.pk}"),
        ("x1", f"c{b2.pk}"),
    }
    assert "南关密接" not in json.dumps(graph, ensure_ascii=False)


def test_a_chain_costs_one_query_per_generation(tree: SimpleNamespace, make_user: Any) -> None:
    # given a small chain and the same chain with many more contacts in each generation
    user = make_user(tree.province, roles=[Role.HEALTH_COMMISSION])
    small = _chain(tree)
    with CaptureQueriesContext(connection) as few:
        chain_graph(user, small.a)
    big = _chain(tree)
    for _i in range(30):
        contact(big.a)
        contact(big.b)
    with CaptureQueriesContext(connection) as many:
        graph = chain_graph(user, big.a)

    # then the same number of queries
    assert len(graph["nodes"]) == 65
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_cycle_in_the_data_does_not_loop(tree: SimpleNamespace, make_user: Any) -> None:
    user = make_user(tree.province, roles=[Role.HEALTH_COMMISSION])
    a = make_case(tree.grid1)
    b = make_case(tree.grid1)
    contact(a, became_case=b)
    contact(b, became_case=a, name="回环")
    graph = chain_graph(user, b)
    assert {n["id"] for n in graph["nodes"]} == {f"c{a.pk}", f"c{b.pk}"}


def test_a_cluster_graph_starts_at_its_index_cases(tree: SimpleNamespace, make_user: Any) -> None:
    # given a cluster of the two cases of a chain
    t = _chain(tree)
    cluster = Cluster.objects.create(
        name="华阳社区聚集",
        unit_kind="village",
        unit_key=str(tree.huayang.pk),
        division=tree.huayang,
        division_path=tree.huayang.path,
        county=tree.nanguan,
        reason="测试",
        detected_on=t.a.diagnosed_at.date(),
        first_date=t.a.diagnosed_at.date(),
        last_date=t.b.diagnosed_at.date(),
        case_count=2,
    )
    ClusterCase.objects.bulk_create([ClusterCase(cluster=cluster, case=c) for c in (t.a, t.b)])
    user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])

    # when its graph is read
    graph = cluster_graph(user, cluster)

    # then the case infected inside the cluster is generation 1
    nodes = _by_id(graph)
    assert nodes[f"c{t.a.pk}"]["generation"] == 0
    assert nodes[f"c{t.b.pk}"]["generation"] == 1
    assert Case.objects.count() == 2
