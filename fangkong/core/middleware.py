"""The client address of a request, shared by the login lockout and the audit log."""

from __future__ import annotations

import os

from django.http import HttpRequest

# Trust X-Forwarded-For only when a reverse proxy we control sets it (docs/deployment.md).
TRUST_PROXY = os.environ.get("FANGKONG_TRUST_X_FORWARDED_FOR", "") in {"1", "true", "yes"}


def client_ip(request: HttpRequest) -> str:
    if TRUST_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR") or "")
