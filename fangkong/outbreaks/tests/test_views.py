"""The pages: risk grades with the map, clusters, chains, the health-colour look-up and the
person page's colour include."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.template import Context, Template
from django.test import RequestFactory

from fangkong.accounts.roles import Role
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.outbreaks.actions import detect_clusters, grade_counties
from fangkong.outbreaks.colour import other_jurisdiction
from fangkong.outbreaks.models import Cluster, ClusterCase
from fangkong.outbreaks.tests.fixtures import case_on, contact, household, id_number


def test_risk_page_shows_the_counties_and_the_map(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    case_on(tree.grid1, days=1)
    grade_counties()
    client = client_for(make_user(tree.changchun, roles=[Role.CITY_COMMAND]))
    page = client.get("/outbreaks/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "南关区" in text and "昌邑区" not in text
    assert 'id="risk-map"' in text and "risk-data" in text
    assert client.get("/outbreaks/", {"day": "2026-13-45"}).status_code in (200, 400)


def test_cluster_pages(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    # given a household cluster in 南关区
    a, b = make_person(tree.grid1, name="甲某"), make_person(tree.grid1, name="乙某")
    household(tree.grid1, a, b)
    case_on(tree.grid1, days=2, person=a)
    case_on(tree.grid1, days=1, person=b)
    detect_clusters()
    cluster = Cluster.objects.get()
    client = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))

    # then the list, the page with its cases and reason, and the chain page
    listed = client.get("/outbreaks/clusters/").content.decode()
    assert cluster.name in listed
    page = client.get(f"/outbreaks/clusters/{cluster.pk}/").content.decode()
    assert "甲某" in page and "乙某" in page and cluster.reason in page
    chain = client.get(f"/outbreaks/clusters/{cluster.pk}/chain/")
    assert chain.status_code == 200 and "chain-data" in chain.content.decode()

    # and another county sees none of it
    other = client_for(make_user(tree.changyi, roles=[Role.HEALTH_COMMISSION]))
    assert cluster.name not in other.get("/outbreaks/clusters/").content.decode()
    assert other.get(f"/outbreaks/clusters/{cluster.pk}/").status_code == 404


def test_cluster_page_shows_nothing_of_another_countys_case(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    # given a place cluster in 南关区 with two 南关区 cases and one case living in 昌邑区
    ours = [
        case_on(tree.grid1, days=d, person=make_person(tree.grid1, name=n))
        for d, n in ((3, "甲某"), (2, "乙某"))
    ]
    theirs = case_on(tree.other_grid, days=9, person=make_person(tree.other_grid, name="昌某"))
    cluster = Cluster.objects.create(
        name="东市场聚集",
        unit_kind="place",
        unit_key="1",
        division=tree.huayang,
        division_path=tree.huayang.path,
        county=tree.nanguan,
        reason="测试",
        detected_on=ours[1].diagnosed_at.date(),
        first_date=ours[0].diagnosed_at.date(),
        last_date=ours[1].diagnosed_at.date(),
        case_count=3,
    )
    ClusterCase.objects.bulk_create([ClusterCase(cluster=cluster, case=c) for c in (*ours, theirs)])
    client = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))

    # when the 南关区 user opens the cluster
    page = client.get(f"/outbreaks/clusters/{cluster.pk}/").content.decode()

    # then their cases are listed; of the other only that there is one: no name, number,
    # diagnosis day or county
    assert "甲某" in page and "乙某" in page and ours[0].number in page
    for secret in ("昌某", theirs.number, "昌邑区", theirs.diagnosed_at.date().isoformat()):
        assert secret not in page
    assert page.count("<tr>") == 1 + len(ours)  # the head and their two cases
    assert 'class="outside"' in page


def test_case_chain_page_hides_other_counties_names(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    a = make_case(tree.grid1)
    b = make_case(tree.other_grid, person=make_person(tree.other_grid, name="昌邑某人"))
    contact(a, name="南关密接", became_case=b)  # the name 南关区 typed
    client = client_for(make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION]))
    page = client.get(f"/outbreaks/cases/{a.pk}/chain/")
    assert page.status_code == 200
    graph = page.context["graph"]
    assert b.number not in page.content.decode() and b.number not in str(graph)
    assert "昌邑某人" not in str(graph) and "南关密接" in str(graph)
    assert f"c{b.pk}" not in {n["id"] for n in graph["nodes"]}
    assert client.get(f"/outbreaks/cases/{b.pk}/chain/").status_code == 404


def test_colour_lookup_page(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    case = make_case(tree.other_grid)
    client = client_for(make_user(tree.nanguan, roles=[Role.CHECKPOINT_STAFF]))
    assert client.get("/outbreaks/colour/").status_code == 200

    # when the ID number of a case of another county is entered
    page = client.post(
        "/outbreaks/colour/", {"doc_type": "resident_id", "doc_number": case.person.doc_number}
    )

    # then the badge says red in words, and the fact is not given
    text = page.content.decode()
    assert "colour-red" in text
    assert other_jurisdiction() in text
    assert case.number not in text

    # a bad number is a form error, not a colour
    bad = client.post("/outbreaks/colour/", {"doc_type": "resident_id", "doc_number": "12345"})
    assert bad.status_code == 200
    assert bad.context["form"].errors and "health-colour" not in bad.content.decode()
    clean = client.post(
        "/outbreaks/colour/", {"doc_type": "resident_id", "doc_number": id_number()}
    )
    assert "colour-green" in clean.content.decode()


def test_person_page_include(tree: SimpleNamespace, make_user: Any) -> None:
    case = make_case(tree.grid1)
    request = RequestFactory().get("/")
    request.user = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])
    html = Template(
        "{% load outbreaks %}{% health_colour person as colour %}"
        '{% include "outbreaks/_colour.html" %}'
    ).render(Context({"request": request, "person": case.person}))
    assert "colour-red" in html and case.number in html
