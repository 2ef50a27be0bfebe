"""Request-level helpers: the client address (shared by the login lockout and the audit log),
the refusal of URLs carrying NUL characters, and JSON for every error under /api/."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The address the request came from. Behind our own reverse proxy (settings
    FANGKONG_TRUST_X_FORWARDED_FOR) that is the LAST X-Forwarded-For entry, the one the proxy
    appended: earlier entries come from the client and can be forged."""
    if settings.FANGKONG_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR") or "")


def request_language(request: HttpRequest) -> str:
    """The language of the request's answer: the one LocaleMiddleware chose, or (for a
    middleware that runs before it) the one it would choose from the cookie and Accept-Language.
    """
    chosen = getattr(request, "LANGUAGE_CODE", None)
    return str(chosen) if chosen else translation.get_language_from_request(request)


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
            # This runs before LocaleMiddleware: answer in the language it would have chosen.
            with translation.override(request_language(request)):
                if request.path.startswith("/api/"):
                    message = _("The address contains an invalid character (NUL).")
                    return JsonResponse({"code": "bad_request", "message": message}, status=400)
                from fangkong.core.views import bad_request

                return bad_request(request)
        return self.get_response(request)


class ApiMethodNotAllowedMiddleware:
    """A wrong HTTP method on an API address answers JSON like every other API error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            with translation.override(request_language(request)):
                message = _("This address does not support this request method.")
            body = {"code": "method_not_allowed", "message": message}
            json_response = JsonResponse(body, status=405)
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response


class BadInputMiddleware:
    """A page whose query string cannot be parsed (``core.parsing.BadInput``) answers the 400
    page with the parser's message, instead of a server error. (The API answers it as JSON.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from fangkong.core.parsing import BadInput

        if not isinstance(exception, BadInput):
            return None
        if request.path.startswith("/api/"):
            body = {"code": exception.code, "message": exception.message}
            if exception.field:
                body["field"] = exception.field
            return JsonResponse(body, status=400)
        from fangkong.core.views import bad_request

        return bad_request(request, exception)


class ApiNoStoreMiddleware:
    """Every answer under /api/ carries ``Cache-Control: no-store``: API answers hold personal
    data (unmasked numbers with ``?unmasked=1`` or a reveal), and no proxy or browser cache may
    keep them. Pages that show full numbers set the same header themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response
