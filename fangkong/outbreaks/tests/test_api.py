"""The REST API: chains as graph JSON, and the health colour by ID number (single, batch)."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.outbreaks.actions import detect_clusters, grade_counties
from fangkong.outbreaks.api import BATCH_MAX
from fangkong.outbreaks.colour import no_record, other_jurisdiction
from fangkong.outbreaks.models import Cluster
from fangkong.outbreaks.tests.fixtures import case_on, contact, household, id_number


def _client(
    make_user: Any, client_for: Any, division: Any, role: str = Role.HEALTH_COMMISSION
) -> Any:
    return client_for(make_user(division, roles=[role]))


def test_grade_now_grades_today_again_and_audits_who_asked(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    # given 南关区 graded low last night and this morning, then a case confirmed
    today = timezone.localdate()
    grade_counties(day=today - dt.timedelta(days=1))
    grade_counties(day=today)
    make_case(tree.grid1)
    health = make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION], username="ng_health")
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # when its health commission asks for today's grades again
    answer = client_for(health).post("/api/risk-grades/grade-now")

    # then 南关区 is medium at once (from low yesterday); the change and the request are audited
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["changed"] == 1
    assert [(g["county_name"], g["grade"], g["previous"]) for g in body["grades"]] == [
        ("南关区", "medium", "low")
    ]
    rows = AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    assert [(r.action, r.actor_label) for r in rows] == [
        ("outbreaks.grade_change", rows[0].actor_label),
        ("outbreaks.grade_now", "ng_health"),
    ]
    # and a command office, which only reads the grades, may not
    command = client_for(make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND]))
    assert command.post("/api/risk-grades/grade-now").status_code == 403


def test_case_chain_json(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    # given a case with a contact that became a case in 昌邑区
    a = make_case(tree.grid1)
    b = make_case(tree.other_grid, person=make_person(tree.other_grid, name="外县某人"))
    k = contact(a, name="外县某人", became_case=b)
    client = _client(make_user, client_for, tree.nanguan)

    # when its chain is asked for
    answer = client.get(f"/api/cases/{a.pk}/chain")

    # then two generations: the case and the contact the user typed; nothing of the other
    # county's case (ADR 0015)
    assert answer.status_code == 200
    data = answer.json()
    assert [n["generation"] for n in data["nodes"]] == [0, 1]
    text = json.dumps(data, ensure_ascii=False)
    assert b.number not in text and f"c{b.pk}" not in text
    assert data["edges"] == [{"source": f"c{a.pk}", "target": f"k{k.pk}", "relation": "household"}]


def test_chain_of_a_case_out_of_scope_is_404(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    case = make_case(tree.other_grid)
    client = _client(make_user, client_for, tree.nanguan)
    assert client.get(f"/api/cases/{case.pk}/chain").status_code == 404
    assert client.get("/api/cases/99999999/chain").status_code == 404
    assert client.get("/api/cases/abc/chain").status_code in (400, 404, 422)


def test_cluster_chain_and_list(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    a, b = make_person(tree.grid1), make_person(tree.grid1)
    household(tree.grid1, a, b)
    case_on(tree.grid1, days=2, person=a)
    case_on(tree.grid1, days=1, person=b)
    detect_clusters()
    grade_counties()
    cluster = Cluster.objects.get()
    client = _client(make_user, client_for, tree.nanguan)

    graph = client.get(f"/api/clusters/{cluster.pk}/chain").json()
    assert len(graph["nodes"]) == 2
    listed = client.get("/api/clusters").json()
    assert [c["id"] for c in listed["items"]] == [cluster.pk]
    grades = client.get("/api/risk-grades").json()
    assert [(g["county_name"], g["grade"]) for g in grades] == [("南关区", "medium")]

    other = _client(make_user, client_for, tree.changyi)
    assert other.get(f"/api/clusters/{cluster.pk}/chain").status_code == 404
    assert other.get("/api/clusters").json()["items"] == []


def test_health_colour_single(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    # given a case in 昌邑区, a clean person in 南关区, and checkpoint staff of 南关区
    case = make_case(tree.other_grid)
    clean = make_person(tree.grid1)
    client = _client(make_user, client_for, tree.nanguan, Role.CHECKPOINT_STAFF)

    # when they look up the case: red, the fact not given
    red = client.get("/api/health-colour", {"doc_number": case.person.doc_number.lower()})
    assert red.status_code == 200
    assert red.json()["colour"] == "red"
    assert red.json()["fact"] == other_jurisdiction()
    assert red.json()["doc_number"] == case.person.doc_number

    # and an unknown number answers exactly as a known clean one
    unknown = client.get("/api/health-colour", {"doc_number": id_number()}).json()
    known = client.get("/api/health-colour", {"doc_number": clean.doc_number}).json()
    del unknown["doc_number"], known["doc_number"]
    assert (
        unknown
        == known
        == {
            "doc_type": "resident_id",
            "colour": "green",
            "label": unknown["label"],
            "fact": no_record(),
        }
    )


def test_health_colour_bad_input(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    client = _client(make_user, client_for, tree.nanguan, Role.CHECKPOINT_STAFF)
    bad = client.get(
        "/api/health-colour", {"doc_number": "220102198001011235"}
    )  # check digit wrong
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_id_number"
    assert client.get("/api/health-colour").status_code in (400, 422)
    assert client.get("/api/health-colour", {"doc_type": "x", "doc_number": "1"}).status_code == 422


def test_health_colour_batch(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    case = make_case(tree.grid1)
    client = _client(make_user, client_for, tree.nanguan, Role.CHECKPOINT_STAFF)
    body = {
        "items": [
            {"doc_number": case.person.doc_number},
            {"doc_number": "123"},
            {"doc_type": "passport", "doc_number": "E1234567"},
        ]
    }
    answer = client.post("/api/health-colour/batch", body, content_type="application/json")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [i["index"] for i in items] == [0, 1, 2]
    assert items[0]["colour"] == "red" and case.number in items[0]["fact"]
    assert items[1]["colour"] is None and items[1]["error"]
    assert items[2]["colour"] == "green"


def test_health_colour_batch_limits(tree: SimpleNamespace, make_user: Any, client_for: Any) -> None:
    client = _client(make_user, client_for, tree.nanguan, Role.CHECKPOINT_STAFF)
    too_many = {"items": [{"doc_number": id_number()} for _i in range(BATCH_MAX + 1)]}
    body: dict[str, Any]
    for body in (too_many, {"items": []}, {"items": [{"doc_number": "1", "x": 1}]}, {}):
        answer = client.post("/api/health-colour/batch", body, content_type="application/json")
        assert answer.status_code == 422, body
    garbage = client.post("/api/health-colour/batch", "{", content_type="application/json")
    assert garbage.status_code in (400, 422)


def test_health_colour_needs_the_role(
    tree: SimpleNamespace, make_user: Any, client_for: Any
) -> None:
    client = _client(make_user, client_for, tree.grid1, Role.GRID_WORKER)
    assert client.get("/api/health-colour", {"doc_number": id_number()}).status_code == 403
