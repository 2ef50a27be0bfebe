"""The REST API's shared parts: authentication, error answers, base schema.

Every error is JSON ``{"code": <stable code>, "message": <for people>}``; validation errors add
``errors`` with the field paths. Nothing the client sends should produce a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, field_validator

from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction


class InputSchema(Schema):
    """Request bodies refuse fields they do not know, and text PostgreSQL cannot store."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("must not contain NUL characters"))
        return value


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fk_…`` — a machine token created by an administrator."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from fangkong.accounts.actions import authenticate_token

        api_token = authenticate_token(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class ActiveSessionAuth(SessionAuth):
    """The browser's session (with CSRF on unsafe methods), for active users only."""

    def __call__(self, request: HttpRequest) -> Any:
        # No session cookie: nothing to authenticate and nothing for CSRF to protect. Without
        # this, a machine POSTing with a bad bearer token got a CSRF 403 instead of 401.
        if self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "is_active", False):
            return user
        return None


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "too_many_requests",
}

# Lazy: each answer is in the language of its request (str() them when answering).
MESSAGES: dict[int, Promise] = {
    401: gettext_lazy("Log in first, or send a valid token in the Authorization header."),
    403: gettext_lazy("Your role does not allow this action."),
    404: gettext_lazy("The record does not exist, or it is not in your jurisdiction."),
    413: gettext_lazy("The request body is too large."),
}


def _error(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    message: str | Promise,
    code: str | None = None,
    **extra: Any,
) -> HttpResponse:
    body = {"code": code or STATUS_CODES.get(status, "error"), "message": str(message), **extra}
    return api.create_response(request, body, status=status)


def _validation_message(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", []) if x not in ("body", "payload", "query", "path")]
        kind = e.get("type", "")
        if kind == "extra_forbidden":
            msg = _("unknown field")
        elif kind == "missing":
            msg = _("required field missing")
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            msg = _("wrong type")
        else:
            msg = str(e.get("msg") or _("invalid value"))
        out.append({"field": ".".join(loc), "message": msg, "type": kind})
    return out


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = _validation_message(exc.errors)
        summary = pgettext("list separator", "; ").join(
            _("%(field)s: %(message)s")
            % {"field": d["field"] or _("request"), "message": d["message"]}
            for d in details[:5]
        )
        message = _("The request data is invalid: %(summary)s") % {"summary": summary}
        return _error(api, request, 422, message, errors=details)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, MESSAGES[401])

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        message = str(MESSAGES.get(status, exc))
        if status == 400 and "parse" in str(exc).lower():
            return _error(
                api, request, 400, _("The request body is not valid JSON."), code="bad_json"
            )
        if status == 403 and "csrf" in str(exc).lower():
            message = _("The CSRF token is missing or invalid; reload the page and try again.")
            return _error(api, request, 403, message, code="csrf_failed")
        return _error(api, request, status, message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, MESSAGES[404])

    @api.exception_handler(OutOfJurisdiction)
    def out_of_scope(request: HttpRequest, exc: OutOfJurisdiction) -> HttpResponse:
        return _error(api, request, 404, MESSAGES[404])

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, MESSAGES[403])

    @api.exception_handler(ActionError)
    def refused(request: HttpRequest, exc: ActionError) -> HttpResponse:
        extra = {"field": exc.field} if exc.field else {}
        return _error(api, request, exc.status, exc.message, code=exc.code, **extra)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return _error(api, request, 413, MESSAGES[413])

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return _error(api, request, 400, _("The request is invalid."))


def require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied
