"""The REST API's shared parts: authentication, error answers, base schema.

Every error is JSON ``{"code": <stable code>, "message": <for people>}``; validation errors add
``errors`` with the field paths. Nothing the client sends should produce a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, Field, field_validator

from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.core.parsing import MAX_DATE, MIN_DATE, date_out_of_bounds
from fangkong.core.validators import (
    FORBIDDEN_CHARACTERS,
    TEXT_PATTERN,
    forbidden_character_message,
)

# Text that is not blank once stripped, and holds no forbidden character.
_NOT_BLANK_TEXT_PATTERN = (
    f"^[^{FORBIDDEN_CHARACTERS}]*[^\\s{FORBIDDEN_CHARACTERS}][^{FORBIDDEN_CHARACTERS}]*$"
)


def describe_text(schema: dict[str, Any]) -> None:
    """Say in the description (``pattern``) what ``check_input_value`` refuses in free text:
    the forbidden characters, and (text being stripped first) a blank value where one character
    is required, so that clients (and schemathesis) know."""
    for prop in schema.get("properties", {}).values():
        if any(b.get("type") == "number" for b in prop.get("anyOf", [])):
            continue  # a Decimal (bounded or not): its text is a number (``_describe_decimals``)
        for branch in [prop, *prop.get("anyOf", [])]:
            if branch.get("type") != "string" or {"pattern", "enum", "format"} & set(branch):
                continue
            required = branch.get("minLength", 0) >= 1
            branch["pattern"] = _NOT_BLANK_TEXT_PATTERN if required else TEXT_PATTERN


def check_input_value(value: Any) -> Any:
    """The checks every field of a request body passes (``InputSchema``): no NUL, no invisible
    or control character in text (``core.validators``), no date outside 1900-2100."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("must not contain NUL characters"))
        message = forbidden_character_message(value)
        if message is not None:
            raise ValueError(message)
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(day, dt.date) and date_out_of_bounds(day):
        raise ValueError(
            _("Enter a date between %(min)s and %(max)s.")
            % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}
        )
    return value


class InputSchema(Schema):
    """Request bodies refuse fields they do not know, text PostgreSQL cannot store (NUL), invisible
    and control characters (``core.validators.FORBIDDEN_CHARACTERS``), and dates outside
    1900-01-01 … 2100-12-31 (``core.parsing``: date arithmetic never overflows)."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=describe_text
    )

    @field_validator("*", mode="after")
    @classmethod
    def _checked(cls, value: Any) -> Any:
        return check_input_value(value)


class FieldErrorOut(Schema):
    field: str = Field(..., description="the field's path, dotted; empty for the whole request")
    message: str
    type: str


class ErrorOut(Schema):
    """Every error answer: a stable ``code`` and a ``message`` for people (in the request's
    language); a refused field names it, a validation error lists every field."""

    code: str = Field(..., description="stable: bad_request, not_found, validation_error, …")
    message: str
    field: str | None = None
    errors: list[FieldErrorOut] | None = None


# What any operation may answer (bad input or JSON, no or a bad login, a role without the
# permission, a record unknown or out of the jurisdiction, an invalid request, too many tries),
# and what a request with a body may answer besides (a conflict with a record, a body too large).
STANDARD_ERRORS = (400, 401, 403, 404, 422, 429)
BODY_ERRORS = (409, 413)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class FangkongAPI(NinjaAPI):
    """The API, whose OpenAPI description declares the error answers of every operation."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        declare_error_responses(schema)
        _describe_decimals(schema)
        return schema


# A decimal (a temperature, a coordinate) may be sent as a number or as its text: "37.5".
DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"


def _describe_decimals(node: Any) -> None:
    """Pydantic describes a ``Decimal`` as a number or *any* string; say which strings."""
    if isinstance(node, dict):
        branches = node.get("anyOf")
        if isinstance(branches, list) and any(
            isinstance(b, dict) and b.get("type") == "number" for b in branches
        ):
            for branch in branches:
                if branch == {"type": "string"}:
                    branch["pattern"] = DECIMAL_PATTERN
        for value in node.values():
            _describe_decimals(value)
    elif isinstance(node, list):
        for value in node:
            _describe_decimals(value)


def declare_error_responses(schema: dict[str, Any]) -> None:
    """Add ``ErrorOut`` for the standard error codes to every operation of the description,
    keeping any answer an operation declares itself (e.g. a passage's own 400). Done on the
    description only: the operations themselves (which status a plain return value gets) are
    left as they are."""
    ref = "#/components/schemas/{model}"
    error = ErrorOut.model_json_schema(ref_template=ref)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error.pop("$defs", {}))
    components["ErrorOut"] = error
    content = {"application/json": {"schema": {"$ref": ref.format(model="ErrorOut")}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            codes: tuple[int, ...] = STANDARD_ERRORS
            if method.upper() in WRITE_METHODS:
                codes += BODY_ERRORS
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code not in responses and str(code) not in responses:
                    answer = {"description": STATUS_CODES[code], "content": content}
                    responses[code] = answer


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fk_…`` — a machine token created by an administrator."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from fangkong.accounts import throttle
        from fangkong.accounts.actions import authenticate_token
        from fangkong.core.middleware import client_ip

        api_token = authenticate_token(token)
        if api_token is None:
            # Too many bad tokens from one address: 429 instead of 401. A good token costs no
            # lookup here, so machine terminals are not slowed (accounts.throttle).
            if throttle.record_failure(throttle.API_TOKEN, client_ip(request)):
                raise HttpError(429, throttle.message(throttle.API_TOKEN))
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


def docs_access(view: Any) -> Any:
    """The OpenAPI description and the docs page: open where FANGKONG_PUBLIC_API_DOCS is on
    (development), otherwise for a logged-in session or a valid bearer token only."""
    from functools import wraps

    from django.conf import settings
    from django.contrib.auth.views import redirect_to_login
    from django.http import JsonResponse

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.FANGKONG_PUBLIC_API_DOCS or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and TokenAuth().authenticate(request, header[7:].strip()):
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            body = {"code": "unauthorized", "message": str(MESSAGES[401])}
            return JsonResponse(body, status=401)
        return redirect_to_login(request.get_full_path())

    return wrapped


def numbered_page(items: Any, number: int, size: int = 50) -> dict[str, Any]:
    """A page of ``items`` by number, as the list operations answer it: ``count``, ``page``,
    ``pages`` and ``items`` (Django's ``Paginator``: an out-of-range number gives the last
    page)."""
    from django.core.paginator import Paginator

    page = Paginator(items, size).get_page(number)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": list(page.object_list),
    }
