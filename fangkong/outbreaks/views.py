"""Pages of the outbreak picture: county risk grades (table and map), clusters, transmission
chains as graphs, and the health-colour look-up for checkpoints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.cases.models import Case
from fangkong.cases.permissions import CasesPerm
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import parse_date, parse_id
from fangkong.core.permissions import require
from fangkong.outbreaks import actions, colour, selectors
from fangkong.outbreaks.forms import ClusterFilterForm, ColourForm
from fangkong.outbreaks.models import Cluster
from fangkong.outbreaks.permissions import OutbreaksPerm
from fangkong.tracing.permissions import TracingPerm

PAGE = 50
LABELS_UP_TO = 300  # a bigger graph is drawn without labels (the tooltip names a node)


@login_required
def risk_grades(request: HttpRequest) -> HttpResponse:
    """Every county the user sees, worst first, with its last 14 days; and the city map
    coloured by each city's worst county."""
    require(request, OutbreaksPerm.VIEW_RISKGRADE)
    today = timezone.localdate()
    day = parse_date(request.GET.get("day"), field="day") or today
    rows = selectors.grades_on(user_of(request), day)
    return render(
        request,
        "outbreaks/risk.html",
        {
            "day": day,
            "today": today,
            "rows": rows,
            "map_data": {"cities": selectors.worst_by_city(rows)},
            "changed": [r for r in rows if r.grade.changed],
            "can_grade": day == today and request.user.has_perm(OutbreaksPerm.COMPUTE_RISKGRADE),
        },
    )


@login_required
@require_POST
def grade_now(request: HttpRequest) -> HttpResponse:
    """Grade today again (the health commission, after confirming a case): back to the table."""
    require(request, OutbreaksPerm.COMPUTE_RISKGRADE)
    try:
        grades = actions.grade_now(actor=user_of(request))
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            ngettext(
                "Graded again: %(n)s county changed grade.",
                "Graded again: %(n)s counties changed grade.",
                len(grades.changed),
            )
            % {"n": len(grades.changed)},
        )
    return redirect("outbreaks:risk")


@login_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    require(request, OutbreaksPerm.VIEW_CLUSTER)
    form = ClusterFilterForm(request.GET)
    values: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.clusters_for(
        user_of(request), kind=values.get("kind", ""), status=values.get("status", "")
    )
    page = selectors.cluster_page(
        qs, after=parse_id(request.GET.get("after"), field="after"), size=PAGE
    )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "outbreaks/cluster_list.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "query_string": params.urlencode(),
        },
    )


def _cluster(request: HttpRequest, pk: int) -> Cluster:
    cluster: Cluster = get_visible_or_404(
        Cluster.objects.select_related("county", "division"), request.user, pk=pk
    )
    return cluster


@login_required
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, OutbreaksPerm.VIEW_CLUSTER)
    cluster = _cluster(request, pk)
    return render(
        request,
        "outbreaks/cluster_detail.html",
        {"cluster": cluster, "cases": selectors.cluster_cases(user_of(request), cluster)},
    )


def _chain_page(request: HttpRequest, title: str, graph: dict[str, Any], back: Any) -> HttpResponse:
    return render(
        request,
        "outbreaks/chain.html",
        {
            "title": title,
            "graph": graph,
            "labels": len(graph["nodes"]) <= LABELS_UP_TO,
            "back": back,
            "cases": sum(1 for n in graph["nodes"] if n["kind"] == "case"),
            "contacts": sum(1 for n in graph["nodes"] if n["kind"] == "contact"),
        },
    )


@login_required
def cluster_chain(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, OutbreaksPerm.VIEW_CLUSTER, TracingPerm.VIEW_CONTACT)
    cluster = _cluster(request, pk)
    graph = selectors.cluster_graph(user_of(request), cluster)
    return _chain_page(request, cluster.name, graph, cluster)


@login_required
def case_chain(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CasesPerm.VIEW_CASE, TracingPerm.VIEW_CONTACT)
    case: Case = get_visible_or_404(Case.objects.select_related("person"), request.user, pk=pk)
    graph = selectors.chain_graph(user_of(request), case)
    return _chain_page(request, f"{case.person.name} {case.number}", graph, None)


@login_required
@require_http_methods(["GET", "POST"])
def colour_lookup(request: HttpRequest) -> HttpResponse:
    """The checkpoint's look-up: an ID number in, the colour out as a big badge with its name
    and the fact (when the record behind it is in the caller's jurisdiction). A POST, so the ID
    number stays out of addresses and logs; it writes nothing."""
    require(request, OutbreaksPerm.LOOKUP_COLOUR)
    result = None
    form = ColourForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.identity is not None:
        key = (form.identity.doc_type, form.identity.doc_number)
        result = colour.colours_for_user(user_of(request), [key], timezone.localdate())[key]
        form = ColourForm(initial={"doc_type": key[0]})  # ready for the next person
    return render(request, "outbreaks/colour.html", {"form": form, "result": result})
