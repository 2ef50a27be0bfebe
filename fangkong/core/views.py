"""Site-wide views: home (the user's workbench, core/workbench.py), health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fangkong.core import workbench
from fangkong.core.jurisdiction import user_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Every role lands on its workbench: the work of the day, most urgent first."""
    user = user_of(request)
    kind = workbench.profile(user)
    if kind == workbench.Profile.AUDIT:
        # the audit administrator reads the audit log and nothing else (三员分立)
        return redirect("audit:list")
    division = getattr(user, "home_division", None)
    if division is None:
        return render(request, "core/no_division.html")
    bench = workbench.build(user, division)
    # each app's panel is drawn by its own template from its own context
    panels = [render_to_string(t, context, request=request) for t, context in bench.panels]
    return render(
        request, "core/workbench.html", {"bench": bench, "division": division, "panels": panels}
    )


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # A URL under /api/ that matches no endpoint still answers JSON, like every API error.
        from fangkong.core.api import MESSAGES

        return JsonResponse({"code": "not_found", "message": MESSAGES[404]}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from fangkong.core.errors import ActionError

    # a query parameter refused by core.parsing says which one and why
    message = exception.message if isinstance(exception, ActionError) else ""
    if request.path.startswith("/api/"):
        # e.g. a multipart body without its boundary, refused by Django before the API runs:
        # JSON like every API error
        text = message or _("The request is invalid.")
        return JsonResponse({"code": "bad_request", "message": text}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
