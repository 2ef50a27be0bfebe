"""Request-level helpers: the client address (shared by the login lockout and the audit log),
and the refusal of URLs carrying NUL characters."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

# Trust X-Forwarded-For only when a reverse proxy we control sets it (docs/deployment.md).
TRUST_PROXY = os.environ.get("FANGKONG_TRUST_X_FORWARDED_FOR", "") in {"1", "true", "yes"}


def client_ip(request: HttpRequest) -> str:
    if TRUST_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR") or "")


class RefuseNulMiddleware:
    """Refuse a URL carrying a NUL character with 400, before any view runs.

    PostgreSQL text cannot hold NUL, so a ``%00`` in a path or query parameter would otherwise
    reach a query and fail as a server error. No legitimate address or search contains one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if request.path.startswith("/api/"):
                body = {"code": "bad_request", "message": "请求地址含有无效字符（NUL）。"}
                return JsonResponse(body, status=400)
            from fangkong.core.views import bad_request

            return bad_request(request)
        return self.get_response(request)
