"""The REST API of the outbreaks app (mounted in fangkong/api.py): transmission chains as graph
JSON, clusters, risk grades, and the health colour by ID number (single and batch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from fangkong.cases.models import Case
from fangkong.cases.permissions import CasesPerm
from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId
from fangkong.core.permissions import require
from fangkong.outbreaks import actions, colour, selectors
from fangkong.outbreaks.choices import ClusterStatus, Colour, Grade, UnitKind
from fangkong.outbreaks.models import Cluster
from fangkong.outbreaks.permissions import OutbreaksPerm
from fangkong.people.actions import clean_identity
from fangkong.people.choices import DocType
from fangkong.tracing.permissions import TracingPerm

router = Router(tags=["outbreaks"])

BATCH_MAX = 1000


class NodeOut(Schema):
    id: str = Field(..., description="c<case id>, k<contact id>; x1, x2… for outside nodes")
    kind: str = Field(
        ...,
        description="case, contact, or outside: records of another jurisdiction, drawn only "
        "where the chain needs them to stay connected, one node per connected group, with no "
        "name, number, date or link (ADR 0015)",
    )
    category: str = Field(..., description="a case's category or a contact's kind; '' outside")
    status: str = Field(..., description="a case's course or a contact's tracing status")
    generation: int = Field(..., description="0: the index case; a contact of g is g+1")
    label: str = Field(..., description="name and number; outside your jurisdiction, none")
    ref: int | None = Field(None, description="the record's id, when you may open it")
    visible: bool
    focus: bool


class EdgeOut(Schema):
    source: str
    target: str
    relation: str


class GenerationOut(Schema):
    generation: int
    nodes: int


class GraphOut(Schema):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    generations: list[GenerationOut]
    links: dict[str, str] = Field(..., description="page addresses with {ref} for the id")
    index_case: str = Field("", description="the node of the index case (a case's chain)")


@router.get("/cases/{pk}/chain", response=GraphOut, summary="The transmission chain of a case")
def case_chain(request: HttpRequest, pk: ApiId) -> HttpResponse:
    """From its index case down, generation by generation."""
    require(request, CasesPerm.VIEW_CASE, TracingPerm.VIEW_CONTACT)
    case: Case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
    # built to GraphOut's shape by the selector and sent as it is: validating thousands of nodes
    # on the way out costs more than building them (docs/outbreaks.md, the benchmark)
    return JsonResponse(selectors.chain_graph(user_of(request), case))


@router.get(
    "/clusters/{pk}/chain", response=GraphOut, summary="The transmission chains of a cluster"
)
def cluster_chain(request: HttpRequest, pk: ApiId) -> HttpResponse:
    require(request, OutbreaksPerm.VIEW_CLUSTER, TracingPerm.VIEW_CONTACT)
    cluster: Cluster = get_visible_or_404(Cluster.objects.all(), request.user, pk=pk)
    return JsonResponse(selectors.cluster_graph(user_of(request), cluster))


class ClusterOut(Schema):
    id: int
    name: str
    unit_kind: UnitKind
    status: ClusterStatus
    reason: str
    county_code: str = Field(..., alias="county.code")
    county_name: str = Field(..., alias="county.name")
    detected_on: dt.date
    first_date: dt.date
    last_date: dt.date
    case_count: int


class ClusterPage(Schema):
    items: list[ClusterOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class ClusterQuery(Schema):
    kind: UnitKind | None = None
    status: ClusterStatus | None = None
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/clusters", response=ClusterPage, summary="Clusters in your jurisdiction")
def list_clusters(request: HttpRequest, query: Query[ClusterQuery]) -> dict[str, Any]:
    """Newest first, paged by key."""
    require(request, OutbreaksPerm.VIEW_CLUSTER)
    qs = selectors.clusters_for(user_of(request), kind=query.kind or "", status=query.status or "")
    page = selectors.cluster_page(qs, after=query.after, size=query.limit)
    return {"items": page.items, "next_after": page.next_after}


class GradeOut(Schema):
    county_code: str
    county_name: str
    day: dt.date
    grade: Grade
    previous: Grade | None
    cumulative: int
    new_14d: int
    clusters_14d: int


class GradeQuery(Schema):
    day: ApiDate | None = Field(None, description="default today")


@router.get("/risk-grades", response=list[GradeOut], summary="Risk grades of your counties")
def list_grades(request: HttpRequest, query: Query[GradeQuery]) -> list[dict[str, Any]]:
    require(request, OutbreaksPerm.VIEW_RISKGRADE)
    return _grades(request, query.day or timezone.localdate())


class GradeNowOut(Schema):
    changed: int = Field(..., description="counties (of the whole province) whose grade changed")
    grades: list[GradeOut] = Field(..., description="today's grades of your counties")


@router.post(
    "/risk-grades/grade-now", response=GradeNowOut, summary="Grade every county again today"
)
def grade_now(request: HttpRequest) -> dict[str, Any]:
    """Today's clusters and grades computed again now, as the nightly run does (a case
    confirmed this morning need not wait for the night); the request is audited as yours."""
    require(request, OutbreaksPerm.COMPUTE_RISKGRADE)
    result = actions.grade_now(actor=user_of(request))
    return {"changed": len(result.changed), "grades": _grades(request, timezone.localdate())}


def _grades(request: HttpRequest, day: dt.date) -> list[dict[str, Any]]:
    rows = selectors.grades_on(user_of(request), day)
    return [
        {
            "county_code": r.grade.county.code,
            "county_name": r.grade.county.name,
            "day": r.grade.day,
            "grade": r.grade.grade,
            "previous": r.grade.previous or None,
            "cumulative": r.grade.cumulative,
            "new_14d": r.grade.new_14d,
            "clusters_14d": r.grade.clusters_14d,
        }
        for r in rows
    ]


# --- the health colour -------------------------------------------------------------------------


class ColourOut(Schema):
    doc_type: DocType
    doc_number: str = Field(..., description="as normalised (upper case, no spaces)")
    colour: Colour
    label: str = Field(..., description="the colour in words")
    fact: str = Field(
        ...,
        description="what decided it; a record of another jurisdiction is not described",
    )


class ColourQuery(Schema):
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., min_length=1, max_length=40)


class IdentityIn(InputSchema):
    doc_type: DocType = DocType.RESIDENT_ID
    doc_number: str = Field(..., min_length=1, max_length=40)


class BatchIn(InputSchema):
    items: list[IdentityIn] = Field(..., min_length=1, max_length=BATCH_MAX)


class BatchItemOut(Schema):
    index: int
    doc_type: DocType
    doc_number: str
    colour: Colour | None = None
    label: str = ""
    fact: str = ""
    error: str = Field("", description="why this ID number was not looked up")


class BatchOut(Schema):
    items: list[BatchItemOut]


def _out(identity: tuple[str, str], result: colour.HealthColour) -> dict[str, Any]:
    return {
        "doc_type": identity[0],
        "doc_number": identity[1],
        "colour": result.colour,
        "label": result.label,
        "fact": result.fact,
    }


@router.get("/health-colour", response=ColourOut, summary="A person's health colour by ID number")
def health_colour(request: HttpRequest, query: Query[ColourQuery]) -> dict[str, Any]:
    """Red, yellow or green and the fact that decided it (docs/outbreaks.md). An unknown number
    answers green, "no record", exactly as a known one with nothing against it."""
    require(request, OutbreaksPerm.LOOKUP_COLOUR)
    identity = clean_identity(query.doc_type, query.doc_number)
    key = (identity.doc_type, identity.doc_number)
    results = colour.colours_for_user(user_of(request), [key], timezone.localdate())
    return _out(key, results[key])


@router.post(
    "/health-colour/batch", response=BatchOut, summary="The health colours of up to 1,000 people"
)
def health_colour_batch(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    """One answer per item, in order; a bad ID number answers its own ``error`` and the others
    are looked up."""
    require(request, OutbreaksPerm.LOOKUP_COLOUR)
    keys: list[tuple[str, str] | str] = []
    for item in payload.items:
        try:
            identity = clean_identity(item.doc_type, item.doc_number)
        except ActionError as exc:
            keys.append(exc.message)
            continue
        keys.append((identity.doc_type, identity.doc_number))
    wanted = [k for k in keys if isinstance(k, tuple)]
    results = colour.colours_for_user(user_of(request), wanted, timezone.localdate())
    out = []
    for index, (item, key) in enumerate(zip(payload.items, keys, strict=True)):
        if isinstance(key, str):
            out.append(
                {
                    "index": index,
                    "doc_type": item.doc_type,
                    "doc_number": item.doc_number,
                    "error": key,
                }
            )
        else:
            out.append({"index": index, **_out(key, results[key])})
    return {"items": out}
