"""The registry of every endpoint, and how the jurisdiction matrix calls each one.

``test_jurisdiction_matrix`` enumerates, when tests are collected, every URL pattern of the
project (walking ``get_resolver()`` through every ``include``) and every operation of the REST
API (``fangkong.api.api``, every router, every method). Each one must have an entry in its
app's ``tests/endpoints.py`` (``CASES``, collected by :func:`all_cases`; core's own are at the
end of this file); one that has none is collected as a failing case named after it, so an
endpoint added without thinking about jurisdiction breaks the build. URL patterns are keyed by
their namespaced name (``regions:grid_retire``; a pattern without a name by its route), API
operations by method and path (``POST /api/grids/{code}/retire``). An entry says which HTTP
method to send, what kind of endpoint it is, and how to build the record it acts on:

``SCOPED``
    a record in the URL (or, for creates, in the body): in-scope callers succeed, the sibling
    gets 404 (or, where the record is named in a form field, the same form error a code that
    does not exist gets; in a batch API body, the same per-record answer) and nothing is
    written.
``LIST``
    an unscoped list: no record in the URL; the sibling gets 200 but does not see the record.
``OWN``
    the caller's own account or session, or nobody's data: every logged-in caller succeeds.
    The entry's ``reason`` says why jurisdiction does not matter (as for ``PUBLIC``).
``PUBLIC``
    no login needed (login page, language switch, health check, OpenAPI schema and docs).

Everything but ``PUBLIC`` sends an anonymous visitor to the login page, or answers 401 in the
API. ``build`` creates fresh records for each call, so a write that consumes its record
(retiring a grid, ending an assignment) never sees the result of another caller's write.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from ninja import NinjaAPI
from ninja.utils import normalize_path, replace_path_param_notation

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.roles import Role
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType
from fangkong.people.idcard import compose_resident_id
from fangkong.people.models import Person
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridAssignment, GridStaff

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PASSWORD = "Matrix-Passw0rd-2020"
NO_SUCH_DIVISION = "229999999999"  # a well-formed code no division has


class Kind(StrEnum):
    SCOPED = "scoped"
    LIST = "unscoped list"
    OWN = "own"
    PUBLIC = "public"


# --- enumerating what the project serves -------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern (``key`` = its namespaced name) or one API operation (``METHOD /path``)."""

    key: str
    where: str  # route and view, for messages

    def __str__(self) -> str:
        return f"{self.key}  ({self.where})"


def _view_name(callback: Any) -> str:
    func = getattr(callback, "view_class", None) or getattr(callback, "func", callback)
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def api_endpoints(api: NinjaAPI, base: str | None = None) -> tuple[list[Endpoint], set[str]]:
    """Every operation of ``api`` and the URL routes they are served at.

    Reads the routers ninja binds when it builds its URLs (``api.urls``), so nested routers and
    operations hidden from the schema are included. ``base`` is where the API is mounted;
    by default, where the URLconf mounts it.
    """
    _patterns, _app, namespace = api.urls
    base = base or reverse(f"{namespace}:api-root")  # "/api/"
    endpoints, routes = [], set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = normalize_path(f"{base}/{prefix}/{path}")
            routes.add(replace_path_param_notation(full).lstrip("/"))
            for operation in path_view.operations:
                for method in operation.methods:
                    endpoints.append(Endpoint(f"{method} {full}", _view_name(operation.view_func)))
    return endpoints, routes


def url_endpoints(
    patterns: Sequence[URLPattern | URLResolver], api_routes: set[str]
) -> list[Endpoint]:
    """Every URL pattern, through every include, except those serving API operations (which
    :func:`api_endpoints` lists one per method)."""

    def walk(
        patterns: Iterable[URLPattern | URLResolver], prefix: str, namespaces: tuple[str, ...]
    ) -> Iterator[tuple[str, str, str]]:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = (*namespaces, p.namespace) if p.namespace else namespaces
                yield from walk(p.url_patterns, route, ns)
            elif route not in api_routes:
                key = ":".join((*namespaces, p.name)) if p.name else route
                yield key, route, _view_name(p.callback)

    routes: dict[str, str] = {}  # key → route
    found = []
    for key, route, view in walk(patterns, "", ()):
        if routes.setdefault(key, route) != route:
            key = route  # a second pattern reusing a name is registered by its route
        found.append(Endpoint(key, f"{route} → {view}"))
    return found


def all_endpoints() -> list[Endpoint]:
    """What the running project serves: URL patterns, then API operations."""
    from fangkong.api import api

    resolver = get_resolver()
    operations, routes = api_endpoints(api)
    return [*url_endpoints(resolver.url_patterns, routes), *operations]


# --- what a case needs -------------------------------------------------------------------------


class World:
    """Fresh records for one case, made through the application's own actions."""

    def __init__(self, tree: SimpleNamespace):
        self.tree = tree
        self._numbers = itertools.count(1)

    def number(self) -> int:
        return next(self._numbers)

    def name(self, stem: str) -> str:
        return f"{stem}{self.number()}号"

    def phone(self) -> str:
        return f"139{self.number():08d}"

    def grid(self, village: Division | None = None) -> Division:
        return region_actions.create_grid(
            actor=None, village=village or self.tree.huayang, name=self.name("矩阵网格")
        )

    def staff(self, village: Division | None = None, name: str | None = None) -> GridStaff:
        return region_actions.create_staff(
            actor=None,
            village=village or self.tree.huayang,
            name=name or self.name("矩阵网格员"),
            phone=self.phone(),
            kind=StaffKind.GRID_WORKER,
        )

    def assignment(self, grid: Division, staff: GridStaff) -> GridAssignment:
        return region_actions.assign_staff(actor=None, grid=grid, staff=staff)

    def user(self, division: Division | None = None) -> User:
        return account_actions.create_user(
            actor=None,
            username=f"matrix_subject_{self.number()}",
            password=PASSWORD,
            home_division=division or self.tree.huayang,
            roles=[Role.GRID_WORKER],
            full_name=self.name("矩阵用户"),
        )

    def id_number(self) -> str:
        """A fresh, valid resident ID number (南关区, a different birth date each time)."""
        n = self.number()
        return compose_resident_id("220102", dt.date(1960, 1, 1) + dt.timedelta(days=n), n % 1000)

    def person(self, grid: Division | None = None, name: str | None = None) -> Person:
        person, _created = people_actions.register_person(
            actor=None,
            grid=grid or self.tree.grid1,
            name=name or self.name("矩阵居民"),
            doc_type=DocType.RESIDENT_ID,
            doc_number=self.id_number(),
            phone=self.phone(),
            address=self.name("华阳街"),
        )
        return person

    def token(self, user: User) -> ApiToken:
        token, _raw = account_actions.create_token(
            actor=None, user=user, name=f"matrix-token-{self.number()}"
        )
        return token


@dataclass
class Target:
    """What one call acts on. ``home`` is the record's division: the "home" caller lives there,
    the "above" caller at the province, the "sibling" at the same level on the 吉林市 side."""

    home: Division
    args: dict[str, Any] = field(default_factory=dict)  # URL arguments
    query: dict[str, str] = field(default_factory=dict)  # query string
    data: dict[str, Any] | None = None  # form fields, or the JSON body for the API
    marker: str = ""  # LIST: text that shows the record in the answer
    absent: dict[str, Any] | None = None  # form_ref: the body naming a record that does not exist


@dataclass(frozen=True)
class Case:
    key: str
    method: str
    kind: Kind
    build: Callable[[World], Target] | None = None
    variant: str = ""
    ok: tuple[int, ...] = (200,)  # what a caller who may do it gets
    anon_ok: tuple[int, ...] | None = None  # PUBLIC: what an anonymous visitor gets, if different
    writes: bool | None = None  # default: every method but GET writes (and audits)
    form_ref: bool = False  # SCOPED by a record named in a form field (see module docstring)
    # OWN and PUBLIC: one line saying why the caller's jurisdiction does not matter here
    reason: str = ""
    # the callers' roles, where the default (every role one account may hold) is not it: the
    # security and the audit administrator hold theirs alone (三员分立)
    roles: tuple[str, ...] | None = None

    @property
    def is_api(self) -> bool:
        return self.key.split(" ", 1)[0] in HTTP_METHODS

    @property
    def is_write(self) -> bool:
        return self.method != "GET" if self.writes is None else self.writes

    @property
    def id(self) -> str:
        label = self.key if self.is_api else f"{self.method} {self.key}"
        return f"{label}[{self.variant}]" if self.variant else label

    def target(self, world: World) -> Target:
        if self.build is None:
            return Target(home=world.tree.huayang)
        return self.build(world)

    def url(self, target: Target) -> str:
        if self.is_api:
            return self.key.split(" ", 1)[1].format(**target.args)
        return reverse(self.key, kwargs=target.args or None)


def form(
    key: str, build: Callable[[World], Target], *, post_ok: tuple[int, ...] = (302,)
) -> list[Case]:
    """A form page: GET shows it, POST submits it."""
    return [
        Case(key, "GET", Kind.SCOPED, build),
        Case(key, "POST", Kind.SCOPED, build, ok=post_ok),
    ]


# --- builders shared by the apps' entries --------------------------------------------------


def village(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"code": w.tree.huayang.code})


def fixture_grid(w: World) -> Target:
    return Target(home=w.tree.grid1, args={"code": w.tree.grid1.code})


def switch_language(w: World) -> Target:
    return Target(home=w.tree.huayang, data={"language": "en"})


def exported(
    name: str, build: Callable[[World], Target], fmt: str = "csv", api: bool = False
) -> Callable[[World], Target]:
    """The list ``build`` makes a record for, exported: the file shows the record where the
    list page does (a CSV: the marker is in its text)."""

    def export(w: World) -> Target:
        target = build(w)
        if api:
            target.args = {"name": name}
            target.query = {**target.query, "format": fmt}
        else:
            target.args = {"name": name, "fmt": fmt}
        return target

    return export


def form_as(key: str, build: Callable[[World], Target], roles: tuple[str, ...]) -> list[Case]:
    """A form page for callers holding ``roles``."""
    return [
        Case(key, "GET", Kind.SCOPED, build, roles=roles),
        Case(key, "POST", Kind.SCOPED, build, ok=(302,), roles=roles),
    ]


# --- the registry ------------------------------------------------------------------------------

SCOPED, LIST, OWN, PUBLIC = Kind.SCOPED, Kind.LIST, Kind.OWN, Kind.PUBLIC
SECURITY = (Role.SECURITY_ADMIN.value,)
AUDIT = (Role.AUDIT_ADMIN.value,)

# core's own entries; each app's are in its tests/endpoints.py
CASES: list[Case] = [
    # core
    Case(
        "core:home",
        "GET",
        OWN,
        ok=(200, 302),
        reason="the caller's own workbench (counts in their own area); no record in the URL",
    ),
    Case(
        "core:health",
        "GET",
        PUBLIC,
        reason="the health check of the load balancer: 'ok' and nothing else",
    ),
    # site-wide and API plumbing
    Case(
        "set_language",
        "POST",
        PUBLIC,
        switch_language,
        ok=(302,),
        writes=False,
        reason="sets the visitor's language cookie; no record",
    ),
    # public in development and tests only: production asks for a login or a token
    # (settings.FANGKONG_PUBLIC_API_DOCS; test_account_policy.py checks it)
    Case(
        "api:openapi-json",
        "GET",
        PUBLIC,
        reason="the API's description, no records (login required in production)",
    ),
    Case(
        "api:openapi-view",
        "GET",
        PUBLIC,
        reason="the API's documentation page, no records (login required in production)",
    ),
    Case(
        "api:api-root", "GET", PUBLIC, ok=(404,), reason="ninja's anchor for reverse(); always 404"
    ),
]


# --- collecting every app's entries ---------------------------------------------------------------


@functools.cache
def all_cases() -> tuple[Case, ...]:
    """Every app's ``CASES`` (``<app>/tests/endpoints.py``, core's here), in app order."""
    from fangkong.core.discovery import app_modules

    return tuple(
        case
        for _config, module in app_modules("tests.endpoints")
        for case in getattr(module, "CASES", ())
    )


def registry(cases: Iterable[Case] | None = None) -> dict[str, list[Case]]:
    by_key: dict[str, list[Case]] = defaultdict(list)
    for case in all_cases() if cases is None else cases:
        by_key[case.key].append(case)
    return dict(by_key)


def unregistered(
    endpoints: Iterable[Endpoint], cases: Iterable[Case] | None = None
) -> list[Endpoint]:
    """Endpoints the project serves that have no entry: each one fails the matrix."""
    known = registry(cases)
    return [e for e in endpoints if e.key not in known]


def stale(endpoints: Iterable[Endpoint], cases: Iterable[Case] | None = None) -> list[str]:
    """Entries for endpoints the project no longer serves."""
    served = {e.key for e in endpoints}
    return sorted({c.key for c in (all_cases() if cases is None else cases)} - served)
