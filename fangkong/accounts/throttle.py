"""Throttles for what django-axes does not cover (it guards the login form): the old-password
check on the account page, the personal check-in link and API token authentication.

Failures are counted in Django's cache, alias ``throttle`` (settings.CACHES): a database table,
so every worker process sees the same counts and nothing else has to run beside the database
(docs/accounts.md, "Throttling"). After ``attempts`` failures within ``window`` seconds the key is
refused for ``lockout`` seconds, even with the right answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: int  # seconds in which the failures are counted
    lockout: int  # seconds refused once the limit is reached


# A wrong current password on the account page, per account.
OLD_PASSWORD = Limit("old-password", attempts=5, window=15 * 60, lockout=15 * 60)
# Personal check-in links that open nothing, per client address.
CHECK_IN_LINK = Limit("check-in-link", attempts=20, window=10 * 60, lockout=15 * 60)
# Bearer tokens that are not valid, per client address.
API_TOKEN = Limit("api-token", attempts=20, window=10 * 60, lockout=15 * 60)


def _cache() -> Any:
    return caches["throttle"]


def _key(limit: Limit, kind: str, who: str) -> str:
    digest = hashlib.sha256(who.encode("utf-8")).hexdigest()[:32]
    return f"{limit.scope}:{kind}:{digest}"


def is_blocked(limit: Limit, who: str) -> bool:
    return bool(_cache().get(_key(limit, "blocked", who)))


def record_failure(limit: Limit, who: str) -> bool:
    """Count one failure; True when this failure (or an earlier one) blocked ``who``."""
    cache = _cache()
    if cache.get(_key(limit, "blocked", who)):
        return True
    count_key = _key(limit, "count", who)
    cache.add(count_key, 0, timeout=limit.window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=limit.window)
        count = 1
    if count >= limit.attempts:
        cache.set(_key(limit, "blocked", who), 1, timeout=limit.lockout)
        cache.delete(count_key)
        return True
    return False


def clear(limit: Limit, who: str) -> None:
    _cache().delete_many([_key(limit, "count", who), _key(limit, "blocked", who)])


def message(limit: Limit) -> str:
    return _(
        "Too many failed attempts. Wait %(minutes)d minutes and try again; the right answer "
        "is refused too until then."
    ) % {"minutes": max(1, limit.lockout // 60)}


def throttled(request: HttpRequest, limit: Limit) -> HttpResponse:
    """The 429 answer: JSON under /api/, a page that says why elsewhere."""
    if request.path.startswith("/api/"):
        body = {"code": "too_many_requests", "message": message(limit)}
        response: HttpResponse = JsonResponse(body, status=429)
    else:
        context = {"message": message(limit)}
        response = render(request, "accounts/throttled.html", context, status=429)
    response["Retry-After"] = str(limit.lockout)
    return response
