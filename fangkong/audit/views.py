"""Browsing the audit log: administrators, inside their own subtree."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.labels import labelled
from fangkong.audit.models import AuditEvent

PAGE = 50


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("audit.view_auditevent"):
        raise PermissionDenied
    qs = AuditEvent.objects.visible_to(request.user)
    errors = []
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
    if start:
        d = _date(start)
        if d is None:
            errors.append(_("The start date should be in the form YYYY-MM-DD."))
        else:
            qs = qs.filter(at__gte=dt.datetime.combine(d, dt.time.min, tzinfo=tz))
    if end:
        d = _date(end)
        if d is None:
            errors.append(_("The end date should be in the form YYYY-MM-DD."))
        else:
            qs = qs.filter(
                at__lt=dt.datetime.combine(d + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            )
    before = request.GET.get("before") or ""
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    items = list(qs.order_by("-pk")[: PAGE + 1])
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
