"""What the outbreaks pages read: transmission chains as graphs, clusters and risk grades.

A chain is read one generation at a time (one query per generation, never per node): the
contacts of the generation's cases, with the case each became. The index case is generation 0;
a contact of a generation-g case is g+1; a contact that became a case is drawn as that case and
its own contacts continue the chain; a secondary contact (次密接) hangs from the close contact it
met.

Records outside the user's jurisdiction (ADR 0015, "Chains and clusters"): the walk reads them
to keep the chain connected, then :func:`_conceal` drops every one that leads to no record of
the user's, and draws each connected group of the rest as one anonymous node ("辖区外": no
number, date, county, person, category or link, an id of its own, not the record's), and counts
generations again through it, so that nothing tells how many records lie there or how deep.
A contact of the user's that became a case elsewhere is drawn as the user's contact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from fangkong.cases.models import Case
from fangkong.core.jurisdiction import ALL, scope_of
from fangkong.outbreaks.choices import Grade
from fangkong.outbreaks.models import Cluster, ClusterCase, RiskGrade
from fangkong.tracing.models import Contact

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

MAX_GENERATIONS = 50  # a chain deeper than this is a data error (a cycle the rules missed)
MAX_UP = 50  # how far up a case's chain is followed to find its index case


class _Scope:
    def __init__(self, user: User | AnonymousUser) -> None:
        self.prefix = scope_of(user)

    def __call__(self, *paths: str | None) -> bool:
        if self.prefix is None:
            return False
        if self.prefix == ALL:
            return True
        return any(p and p.startswith(self.prefix) for p in paths)


_PLACEHOLDER = 987654321987


def _link(name: str) -> str:
    """The address of a record's page with ``{ref}`` for its id (one reverse per graph, not per
    node); "" while the page does not exist."""
    try:
        return reverse(name, args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{ref}")
    except NoReverseMatch:
        return ""


@dataclass
class _Graph:
    nodes: dict[str, dict[str, Any]]
    edges: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        nodes = sorted(self.nodes.values(), key=lambda n: (n["generation"], n["id"]))
        generations: dict[int, int] = defaultdict(int)
        for n in nodes:
            generations[n["generation"]] += 1
        return {
            "nodes": nodes,
            "edges": self.edges,
            "links": {"case": _link("cases:detail"), "contact": _link("tracing:contact")},
            "generations": [{"generation": g, "nodes": c} for g, c in sorted(generations.items())],
        }


CASE_FIELDS = (
    "id",
    "number",
    "category",
    "outcome",
    "division_path",
    "reporting_path",
    "person__name",
)


def _case_node(
    row: dict[str, Any], generation: int, visible: _Scope, focus: int | None
) -> dict[str, Any]:
    seen = visible(row["division_path"], row["reporting_path"])
    return {
        "id": f"c{row['id']}",
        "kind": "case",
        "category": row["category"] if seen else "",
        "status": row["outcome"] if seen else "",
        "generation": generation,
        "label": f"{row['person__name']} {row['number']}" if seen else _("Case outside your area"),
        "ref": row["id"] if seen else None,
        "visible": seen,
        "focus": row["id"] == focus,
    }


def _contact_node(row: Mapping[str, Any], generation: int, visible: _Scope) -> dict[str, Any]:
    seen = visible(row["division_path"])
    return {
        "id": f"k{row['id']}",
        "kind": "contact",
        "category": row["kind"] if seen else "",
        "status": row["status"] if seen else "",
        "generation": generation,
        "label": row["name"] if seen else _("Contact outside your area"),
        "ref": row["id"] if seen else None,
        "visible": seen,
        "focus": False,
    }


def _walk(
    user: User | AnonymousUser, roots: list[dict[str, Any]], focus: int | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The graph below ``roots`` (case rows, generation 0), one query per generation, as the
    user may see it; with the node ids the roots are drawn as (a root the user may not see,
    and nothing of theirs below it, is not drawn)."""
    visible = _Scope(user)
    graph = _Graph(nodes={}, edges=[])
    node_of_case: dict[int, str] = {}  # case id → the node it is drawn as
    for root in roots:
        graph.nodes[f"c{root['id']}"] = _case_node(root, 0, visible, focus)
        node_of_case[root["id"]] = f"c{root['id']}"
    frontier = [root["id"] for root in roots]
    generation = 0
    while frontier and generation < MAX_GENERATIONS:
        rows = list(
            Contact.objects.filter(case_id__in=frontier)
            .order_by("source_contact_id", "id")  # close contacts before their secondaries
            .values(
                "id",
                "case_id",
                "source_contact_id",
                "name",
                "kind",
                "status",
                "relation",
                "division_path",
                "became_case_id",
            )
        )
        # the few contacts that became cases, in a query of their own (joining the cases and
        # their people to every contact row costs more than the rows: the benchmark's cluster)
        became_ids = [r["became_case_id"] for r in rows if r["became_case_id"] is not None]
        became = (
            {c["id"]: c for c in Case.objects.filter(id__in=became_ids).values(*CASE_FIELDS)}
            if became_ids
            else {}
        )
        next_frontier: list[int] = []
        node_of_contact: dict[int, str] = {}
        # close contacts first (source_contact null sorts first on SQLite and last on
        # PostgreSQL: split explicitly), then the secondaries that hang from them
        for row in [r for r in rows if r["source_contact_id"] is None] + [
            r for r in rows if r["source_contact_id"] is not None
        ]:
            source_id = row["source_contact_id"]
            source = node_of_contact.get(source_id) if source_id else None
            if source is None:
                source = node_of_case[row["case_id"]]
            parent_generation = graph.nodes[source]["generation"]
            case_id = row["became_case_id"]
            if case_id is not None:
                node_id = node_of_case.get(case_id, "")
                if not node_id:
                    case_row = became[case_id]
                    if not visible(
                        case_row["division_path"], case_row["reporting_path"]
                    ) and visible(row["division_path"]):
                        # the user's own contact became a case elsewhere: drawn as their contact
                        node_id = f"k{row['id']}"
                        graph.nodes[node_id] = _contact_node(row, parent_generation + 1, visible)
                    else:
                        node_id = f"c{case_id}"
                        graph.nodes[node_id] = _case_node(
                            case_row, parent_generation + 1, visible, focus
                        )
                    node_of_case[case_id] = node_id
                    next_frontier.append(case_id)
            else:
                node_id = f"k{row['id']}"
                graph.nodes[node_id] = _contact_node(row, parent_generation + 1, visible)
            node_of_contact[row["id"]] = node_id
            if node_id != source:  # a self-link is a data error; never draw it
                relation = row["relation"] if visible(row["division_path"]) else ""
                graph.edges.append({"source": source, "target": node_id, "relation": relation})
        frontier = next_frontier
        generation += 1
    root_ids = [f"c{row['id']}" for row in roots]
    if any(not n["visible"] for n in graph.nodes.values()):
        root_ids = _conceal(graph, root_ids)
    return graph.as_dict(), root_ids


def _outside_node(node_id: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "outside",
        "category": "",
        "status": "",
        "generation": 0,
        "label": _("Outside your area"),
        "ref": None,
        "visible": False,
        "focus": False,
    }


def _conceal(graph: _Graph, roots: list[str]) -> list[str]:
    """Redraw ``graph`` (in place) as the user may see it (ADR 0015). A node outside the
    jurisdiction that leads to none of the user's is dropped; each connected group of the
    others becomes one anonymous node ``x1``, ``x2``…, kept only where it joins the user's
    nodes (below one of theirs, or above two or more); generations are counted again from the
    top, the anonymous node being one. Linear in nodes and edges, no query. Answers the node
    ids the chain now starts from."""
    nodes, edges = graph.nodes, graph.edges
    walked = [k for k, n in nodes.items() if not n["visible"]]  # in the order of the walk
    outside = set(walked)
    # 1. the outside nodes above a node of the user's: up from those right above one
    parents: dict[str, list[str]] = defaultdict(list)
    stack: list[str] = []
    for e in edges:
        if e["source"] in outside:
            if e["target"] in outside:
                parents[e["target"]].append(e["source"])
            else:
                stack.append(e["source"])
    needed: set[str] = set(stack)
    while stack:
        for p in parents[stack.pop()]:
            if p not in needed:
                needed.add(p)
                stack.append(p)
    # 2. their connected groups, numbered in walking order
    around: dict[str, list[str]] = defaultdict(list)
    for target, sources in parents.items():
        if target in needed:
            for source in sources:  # a parent of a needed node is needed
                around[source].append(target)
                around[target].append(source)
    group_of: dict[str, str] = {}
    groups: list[str] = []
    for k in walked:
        if k in needed and k not in group_of:
            group = f"g{len(groups)}"
            groups.append(group)
            group_of[k] = group
            stack = [k]
            while stack:
                for other in around[stack.pop()]:
                    if other not in group_of:
                        group_of[other] = group
                        stack.append(other)
    # 3. the edges between them and the user's nodes: one each way, with no relation
    drawn: list[dict[str, Any]] = []
    bridges: list[tuple[str, str]] = []  # (source, target), one of them a group
    above: dict[str, set[str]] = defaultdict(set)  # group → the user's nodes pointing to it
    below: dict[str, set[str]] = defaultdict(set)  # group → the user's nodes it points to
    for e in edges:
        source, target = e["source"], e["target"]
        if source not in outside and target not in outside:
            drawn.append(e)
            continue
        if source in outside:
            if source not in group_of or target in outside:
                continue  # dropped, or inside one group
            below[group_of[source]].add(target)
            bridges.append((group_of[source], target))
        elif target in group_of:
            above[group_of[target]].add(source)
            bridges.append((source, group_of[target]))
    # 4. a group below none of the user's nodes and above one only joins nothing: dropped
    names: dict[str, str] = {}
    for group in groups:
        if above[group] or len(below[group]) > 1:
            names[group] = f"x{len(names) + 1}"
    dropped = set(groups) - set(names)
    for source, target in dict.fromkeys(bridges):
        if source in dropped or target in dropped:
            continue
        source, target = names.get(source, source), names.get(target, target)
        drawn.append({"source": source, "target": target, "relation": ""})
    kept = {k: n for k, n in nodes.items() if k not in outside}
    for name in names.values():
        kept[name] = _outside_node(name)
    graph.nodes, graph.edges = kept, drawn
    if not groups:  # only leaves dropped: the generations stand
        return [r for r in roots if r in kept]
    # 5. generations again, breadth first from the roots and every node nothing points to
    children: dict[str, list[str]] = defaultdict(list)
    pointed: set[str] = set()
    for e in drawn:
        children[e["source"]].append(e["target"])
        pointed.add(e["target"])
    drawn_roots = [names.get(group_of.get(r, r), r) for r in roots]
    start = list(
        dict.fromkeys([r for r in drawn_roots if r in kept] + [k for k in kept if k not in pointed])
    )
    level = dict.fromkeys(start, 0)
    queue = deque(start)
    while queue:
        k = queue.popleft()
        for child in children[k]:
            if child not in level:
                level[child] = level[k] + 1
                queue.append(child)
    for k, n in kept.items():
        n["generation"] = level.get(k, n["generation"])
    return start


def _case_rows(ids: list[int]) -> list[dict[str, Any]]:
    return list(Case.objects.filter(pk__in=ids).order_by("id").values(*CASE_FIELDS))


def index_case_id(case: Case) -> int:
    """The first case up the chain of ``case`` (following "became a case" back to the case
    whose contact it was), one query per step, stopping at a cycle."""
    current, seen = case.pk, {case.pk}
    for _step in range(MAX_UP):
        source = (
            Contact.objects.filter(became_case_id=current)
            .order_by("id")
            .values_list("case_id", flat=True)
            .first()
        )
        if source is None or source in seen:
            break
        seen.add(source)
        current = source
    return current


def chain_graph(user: User | AnonymousUser, case: Case) -> dict[str, Any]:
    """The transmission chain ``case`` belongs to, from its index case down; ``case`` (which the
    caller has fetched through ``visible_to``) is marked ``focus``."""
    root = index_case_id(case)
    graph, drawn_roots = _walk(user, _case_rows([root]), focus=case.pk)
    graph["index_case"] = drawn_roots[0] if drawn_roots else ""
    return graph


def cluster_graph(user: User | AnonymousUser, cluster: Cluster) -> dict[str, Any]:
    """The chains of a cluster's cases: its cases not infected by another of its cases are the
    index cases (generation 0), the rest and every contact below them."""
    ids = list(ClusterCase.objects.filter(cluster=cluster).values_list("case_id", flat=True))
    infected_inside = set(
        Contact.objects.filter(case_id__in=ids, became_case_id__in=ids).values_list(
            "became_case_id", flat=True
        )
    )
    roots = [i for i in ids if i not in infected_inside] or ids  # a cycle: start anywhere
    graph, _roots = _walk(user, _case_rows(sorted(roots)))
    return graph


# --- lists ---------------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Any]
    next_after: int | None


def clusters_for(
    user: User | AnonymousUser, *, kind: str = "", status: str = ""
) -> QuerySet[Cluster]:
    qs = Cluster.objects.visible_to(user)
    if kind:
        qs = qs.filter(unit_kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def cluster_page(qs: QuerySet[Cluster], *, after: int | None, size: int) -> Page:
    """Newest first by id, paged by key."""
    qs = qs.select_related("county").order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    return Page(items=items[:size], next_after=items[size - 1].pk if len(items) > size else None)


@dataclass
class ClusterCases:
    rows: list[dict[str, Any]]  # the cases the user may see, by diagnosis
    outside: int  # how many of the cluster's cases lie outside the user's jurisdiction

    @property
    def total(self) -> int:
        return len(self.rows) + self.outside


def cluster_cases(user: User | AnonymousUser, cluster: Cluster) -> ClusterCases:
    """The cases of a cluster as its page lists them: those the user may see, and only the
    number of the others (the cluster's own count), nothing of each (ADR 0015). One query."""
    visible = _Scope(user)
    rows = (
        Case.objects.filter(clusters=cluster)
        .order_by("diagnosed_at", "id")
        .values(*CASE_FIELDS, "diagnosed_at", "county__name")
    )
    out = []
    outside = 0
    for row in rows:
        if not visible(row["division_path"], row["reporting_path"]):
            outside += 1
            continue
        out.append(
            {
                "id": row["id"],
                "number": row["number"],
                "name": row["person__name"],
                "category": Case(category=row["category"]).get_category_display(),
                "diagnosed": row["diagnosed_at"],
                "county": row["county__name"],
            }
        )
    return ClusterCases(rows=out, outside=outside)


@dataclass
class GradeRow:
    grade: RiskGrade
    history: list[tuple[dt.date, str]]  # (day, grade or "") oldest first


HISTORY_DAYS = 14


def grades_on(user: User | AnonymousUser, day: dt.date) -> list[GradeRow]:
    """The grades of ``day`` of the counties the user sees, worst first, each with the grades
    of the 14 days before (two queries)."""
    today = list(
        RiskGrade.objects.visible_to(user)
        .filter(day=day)
        .select_related("county", "county__parent")
    )
    order: dict[str, int] = {Grade.HIGH: 0, Grade.MEDIUM: 1, Grade.LOW: 2}
    today.sort(key=lambda r: (order.get(r.grade, 3), r.division_path))
    first = day - dt.timedelta(days=HISTORY_DAYS - 1)
    past: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for county_id, on, grade in (
        RiskGrade.objects.visible_to(user)
        .filter(day__range=(first, day))
        .values_list("county_id", "day", "grade")
    ):
        past[county_id][on] = grade
    days = [first + dt.timedelta(days=i) for i in range(HISTORY_DAYS)]
    return [GradeRow(r, [(d, past[r.county_id].get(d, "")) for d in days]) for r in today]


def worst_by_city(rows: list[GradeRow]) -> list[dict[str, Any]]:
    """The worst county grade of each city (prefecture), for the city map: there are no county
    boundaries to draw (docs/outbreaks.md)."""
    rank = {Grade.LOW: 1, Grade.MEDIUM: 2, Grade.HIGH: 3}
    worst: dict[str, dict[str, Any]] = {}
    for row in rows:
        city = row.grade.county.parent
        if city is None:
            continue
        value = rank.get(Grade(row.grade.grade), 0)
        entry = worst.setdefault(
            city.short_code,
            {"code": city.short_code, "name": city.name, "value": 0, "counties": []},
        )
        entry["value"] = max(entry["value"], value)
        entry["counties"].append(f"{row.grade.county.name} {row.grade.get_grade_display()}")
    return list(worst.values())
