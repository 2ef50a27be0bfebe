"""Browsing the audit log: administrators, inside their own subtree."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.labels import labelled
from fangkong.audit.models import AuditEvent
from fangkong.audit.permissions import AuditPerm
from fangkong.core.parsing import BadInput, parse_date, parse_id
from fangkong.core.permissions import require

PAGE = 50


def _day(value: str, field: str, message: str, errors: list[str]) -> dt.date | None:
    try:
        return parse_date(value, field=field)
    except BadInput:
        errors.append(message)
        return None


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require(request, AuditPerm.VIEW_AUDITEVENT)
    qs = AuditEvent.objects.visible_to(request.user)
    errors: list[str] = []
    actor = (request.GET.get("actor") or "").strip()[:150]
    record = (request.GET.get("record") or "").strip()[:100]
    action = (request.GET.get("action") or "").strip()[:64]
    start, end = request.GET.get("from") or "", request.GET.get("to") or ""
    if actor:
        qs = qs.filter(actor_label=actor)
    if record:
        qs = qs.filter(Q(object_id=record) | Q(object_repr__contains=record))
    if action:
        qs = qs.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    # A bad date is shown above the unfiltered list, a bad page marker is ignored (as documented
    # in the tests); both are parsed with the shared bounds (core.parsing).
    first_day = _day(start, "from", _("The start date should be in the form YYYY-MM-DD."), errors)
    last_day = _day(end, "to", _("The end date should be in the form YYYY-MM-DD."), errors)
    if first_day is not None:
        qs = qs.filter(at__gte=dt.datetime.combine(first_day, dt.time.min, tzinfo=tz))
    if last_day is not None:
        next_day = last_day + dt.timedelta(days=1)
        qs = qs.filter(at__lt=dt.datetime.combine(next_day, dt.time.min, tzinfo=tz))
    try:
        before = parse_id(request.GET.get("before"), field="before")
    except BadInput:
        before = None
    if before is not None:
        qs = qs.filter(pk__lt=before)
    items = list(qs.select_related("actor").order_by("-pk")[: PAGE + 1])
    next_before = items[PAGE - 1].pk if len(items) > PAGE else None
    params = request.GET.copy()
    params.pop("before", None)
    return render(
        request,
        "audit/list.html",
        {
            "items": items[:PAGE],
            "rows": [labelled(e) for e in items[:PAGE]],
            "next_before": next_before,
            "errors": errors,
            "filters": {
                "actor": actor,
                "record": record,
                "action": action,
                "from": start,
                "to": end,
            },
            "query_string": params.urlencode(),
        },
    )
