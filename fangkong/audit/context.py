"""Where the current action comes from (client address, web/api/cli), for the audit row.

Set by :class:`AuditContextMiddleware` for web and API requests; the command line sets
channel "cli". A context variable keeps it per request without passing it through every action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from fangkong.core.middleware import client_ip


@dataclass(frozen=True)
class Origin:
    client_ip: str = ""
    channel: str = "system"


_origin: ContextVar[Origin] = ContextVar(
    "fangkong_audit_origin",
    default=Origin(),  # noqa: B039 - Origin is a frozen dataclass
)


def current_origin() -> Origin:
    return _origin.get()


@contextmanager
def origin(client_ip: str = "", channel: str = "system") -> Iterator[None]:
    token = _origin.set(Origin(client_ip=client_ip, channel=channel))
    try:
        yield
    finally:
        _origin.reset(token)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with origin(client_ip=client_ip(request), channel=channel):
            return self.get_response(request)
