"""Site-wide views: home (the user's own division), health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.audit.permissions import AuditPerm
from fangkong.regions.permissions import RegionsPerm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    division = getattr(request.user, "home_division", None)
    user = request.user
    if not user.has_perm(RegionsPerm.VIEW_DIVISION) and user.has_perm(AuditPerm.VIEW_AUDITEVENT):
        # the audit administrator reads the audit log and nothing else (三员分立)
        return redirect("audit:list")
    if division is None:
        return render(request, "core/no_division.html")
    return redirect(division.get_absolute_url())


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
