"""The jurisdiction-matrix entries of the outbreaks app (疫情态势): risk grades, clusters,
transmission chains and the health-colour look-up, with builders that make fresh cases in a new
grid of 华阳社区 for each call (see fangkong/core/tests/endpoints.py).

The health colour is answered across jurisdictions on purpose (ADR 0016): its look-ups are
entered as lists whose marker is the fact behind a red colour (the case's number), which the
record's own side reads and another county does not."""

from __future__ import annotations

from fangkong.cases.models import Case as CaseRecord
from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World
from fangkong.outbreaks.actions import detect_clusters, grade_counties
from fangkong.outbreaks.choices import UnitKind
from fangkong.outbreaks.models import Cluster
from fangkong.outbreaks.tests.fixtures import case_on, contact, household


def _case(w: World) -> CaseRecord:
    grid = w.grid()
    return case_on(grid, days=1, person=w.person(grid, name=w.name("矩阵病例")))


def _cluster(w: World) -> Cluster:
    """Two cases of one household of a new grid, flagged as a cluster by the daily rules."""
    grid = w.grid()
    a, b = w.person(grid, name=w.name("矩阵聚集")), w.person(grid, name=w.name("矩阵聚集"))
    home = household(grid, a, b)
    case_on(grid, days=2, person=a)
    case_on(grid, days=1, person=b)
    detect_clusters()
    return Cluster.objects.get(unit_kind=UnitKind.HOUSEHOLD, unit_key=str(home.pk))


def cluster_record(w: World) -> Target:
    cluster = _cluster(w)
    return Target(home=cluster.division, args={"pk": cluster.pk})


def cluster_listed(w: World) -> Target:
    cluster = _cluster(w)
    return Target(home=cluster.division, marker=cluster.name)


def chain_record(w: World) -> Target:
    case = _case(w)
    contact(case, name=w.name("矩阵密接"))
    return Target(home=case.address_division, args={"pk": case.pk})


def graded(w: World) -> Target:
    """Every county graded today: the caller's list shows 南关区 only within its subtree."""
    grade_counties()
    return Target(home=w.tree.nanguan, marker=w.tree.nanguan.name)


def _red(w: World) -> tuple[CaseRecord, dict[str, str]]:
    case = _case(w)
    return case, {"doc_type": case.person.doc_type, "doc_number": case.person.doc_number}


def colour_page(w: World) -> Target:
    case, identity = _red(w)
    return Target(home=case.address_division, data=identity, marker=case.number)


def colour_api(w: World) -> Target:
    case, identity = _red(w)
    return Target(home=case.address_division, query=identity, marker=case.number)


def colour_batch(w: World) -> Target:
    case, identity = _red(w)
    return Target(home=case.address_division, data={"items": [identity]}, marker=case.number)


CASES: list[Case] = [
    # outbreaks (疫情态势)
    Case("outbreaks:risk", "GET", LIST, graded),
    Case(
        "outbreaks:grade_now",
        "POST",
        OWN,
        ok=(302,),
        reason="recomputes every county's grade from the records, as the nightly run does",
    ),
    Case("outbreaks:clusters", "GET", LIST, cluster_listed),
    Case("outbreaks:cluster", "GET", SCOPED, cluster_record),
    Case("outbreaks:cluster_chain", "GET", SCOPED, cluster_record),
    Case("outbreaks:chain", "GET", SCOPED, chain_record),
    Case("outbreaks:colour", "GET", OWN, reason="an empty look-up form; no record read"),
    # the colour of anyone, the fact behind it only inside the jurisdiction (ADR 0016)
    Case("outbreaks:colour", "POST", LIST, colour_page, writes=False),
    # REST API: outbreaks
    Case("GET /api/risk-grades", "GET", LIST, graded),
    Case(
        "POST /api/risk-grades/grade-now",
        "POST",
        OWN,
        reason="recomputes every county's grade from the records, as the nightly run does",
    ),
    Case("GET /api/clusters", "GET", LIST, cluster_listed),
    Case("GET /api/clusters/{pk}/chain", "GET", SCOPED, cluster_record),
    Case("GET /api/cases/{pk}/chain", "GET", SCOPED, chain_record),
    Case("GET /api/health-colour", "GET", LIST, colour_api),
    Case("POST /api/health-colour/batch", "POST", LIST, colour_batch, writes=False),
]
