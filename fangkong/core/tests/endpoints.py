"""The registry of every endpoint, and how the jurisdiction matrix calls each one.

``test_jurisdiction_matrix`` enumerates, when tests are collected, every URL pattern of the
project (walking ``get_resolver()`` through every ``include``) and every operation of the REST
API (``fangkong.api.api``, every router, every method). Each one must have an entry here; one
that has none is collected as a failing case named after it, so an endpoint added without
thinking about jurisdiction breaks the build. URL patterns are keyed by their namespaced name
(``regions:grid_retire``; a pattern without a name by its route), API operations by method and
path (``POST /api/grids/{code}/retire``). An entry says which HTTP method to send, what kind of
endpoint it is, and how to build the record it acts on:

``SCOPED``
    a record in the URL (or, for creates, in the body): in-scope callers succeed, the sibling
    gets 404 (or, where the record is named in a form field, the same form error a code that
    does not exist gets) and nothing is written.
``LIST``
    an unscoped list: no record in the URL; the sibling gets 200 but does not see the record.
``OWN``
    the caller's own account or session: every logged-in caller succeeds.
``PUBLIC``
    no login needed (login page, language switch, health check, OpenAPI schema and docs).

Everything but ``PUBLIC`` sends an anonymous visitor to the login page, or answers 401 in the
API. ``build`` creates fresh records for each call, so a write that consumes its record
(retiring a grid, ending an assignment) never sees the result of another caller's write.
"""

from __future__ import annotations

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


# --- builders: one fresh record per call -------------------------------------------------------


def village(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"code": w.tree.huayang.code})


def fixture_grid(w: World) -> Target:
    return Target(home=w.tree.grid1, args={"code": w.tree.grid1.code})


def new_grid(w: World) -> Target:
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"name": w.name("新名"), "note": ""})


def new_grid_in_village(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        args={"code": w.tree.huayang.code},
        data={"name": w.name("新建网格"), "note": "矩阵"},
    )


def new_staff_in_village(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        args={"code": w.tree.huayang.code},
        data={
            "name": w.name("新网格员"),
            "phone": w.phone(),
            "kind": StaffKind.PARTY_MEMBER.value,
            "party_organisation": "华阳社区党委",
        },
    )


def merge(w: World) -> Target:
    source, into = w.grid(), w.grid()
    return Target(
        home=w.tree.huayang,
        args={"code": source.code},
        data={"target": into.code, "reason": "矩阵合并"},
    )


def retire(w: World) -> Target:
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"reason": "矩阵撤销"})


def assign_form(w: World) -> Target:
    grid, staff = w.grid(), w.staff()
    return Target(home=w.tree.huayang, args={"code": grid.code}, data={"staff": staff.pk})


def assign_api(w: World) -> Target:
    grid, staff = w.grid(), w.staff()
    return Target(home=w.tree.huayang, args={"code": grid.code}, data={"staff_id": staff.pk})


def end_assignment(w: World) -> Target:
    grid = w.grid()
    assignment = w.assignment(grid, w.staff())
    return Target(home=grid, args={"pk": assignment.pk}, data={"reason": "矩阵调离"})


def staff_record(w: World) -> Target:
    staff = w.staff()
    return Target(
        home=w.tree.huayang,
        args={"pk": staff.pk},
        data={
            "name": w.name("改名网格员"),
            "phone": staff.phone,
            "kind": staff.kind,
            "party_organisation": "",
            "active": "on",
        },
    )


def staff_listed(w: World) -> Target:
    staff = w.staff(name=w.name("列表标记人"))
    return Target(home=w.tree.huayang, marker=staff.name)


def division_listed(w: World) -> Target:
    return Target(home=w.tree.huayang, query={"q": "华阳"}, marker=w.tree.huayang.code)


def search_within(w: World) -> Target:
    return Target(home=w.tree.huayang, query={"q": "网格", "within": w.tree.huayang.code})


def user_record(w: World) -> Target:
    user = w.user()
    return Target(
        home=w.tree.huayang,
        args={"pk": user.pk},
        data={
            "full_name": w.name("改名用户"),
            "phone": "",
            "title": "",
            "home_division": w.tree.huayang.code,
            "roles": [Role.GRID_WORKER.value],
            "is_active": "on",
        },
    )


def user_patch(w: World) -> Target:
    user = w.user()
    return Target(home=w.tree.huayang, args={"pk": user.pk}, data={"full_name": w.name("改名")})


def user_password(w: World) -> Target:
    user = w.user()
    return Target(home=w.tree.huayang, args={"pk": user.pk}, data={"password": "Matrix-Reset-2020"})


def user_listed(w: World) -> Target:
    user = w.user()
    return Target(home=w.tree.huayang, marker=user.username)


def new_user_form(w: World) -> Target:
    data = {
        "username": f"matrix_new_{w.number()}",
        "full_name": w.name("新用户"),
        "phone": "",
        "title": "",
        "home_division": w.tree.huayang.code,
        "roles": [Role.GRID_WORKER.value],
        "password": "Matrix-New-Passw0rd-2020",
    }
    return Target(
        home=w.tree.huayang, data=data, absent={**data, "home_division": NO_SUCH_DIVISION}
    )


def new_user_api(w: World) -> Target:
    data = new_user_form(w).data or {}
    return Target(home=w.tree.huayang, data={k: v for k, v in data.items() if v != ""})


def new_token_form(w: World) -> Target:
    data = {"name": f"matrix-token-{w.number()}", "username": w.user().username, "expires_at": ""}
    return Target(home=w.tree.huayang, data=data, absent={**data, "username": "matrix_nobody"})


def token_listed(w: World) -> Target:
    return Target(home=w.tree.huayang, marker=w.token(w.user()).name)


def token_record(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": w.token(w.user()).pk})


def audit_listed(w: World) -> Target:
    # Registering a grid worker writes an audit row whose record is the worker.
    return Target(home=w.tree.huayang, marker=w.staff(name=w.name("审计标记人")).name)


def own_password(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        data={"old_password": PASSWORD, "new_password": "Matrix-Changed-Passw0rd-2020"},
    )


def switch_language(w: World) -> Target:
    return Target(home=w.tree.huayang, data={"language": "en"})


def api_new_grid(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        data={"village": w.tree.huayang.code, "name": w.name("接口网格"), "note": ""},
    )


def api_new_staff(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        data={
            "village": w.tree.huayang.code,
            "name": w.name("接口网格员"),
            "phone": w.phone(),
            "kind": StaffKind.GRID_WORKER.value,
        },
    )


def api_staff(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": w.staff().pk})


def api_user(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": w.user().pk})


# --- the registry ------------------------------------------------------------------------------

SCOPED, LIST, OWN, PUBLIC = Kind.SCOPED, Kind.LIST, Kind.OWN, Kind.PUBLIC

CASES: list[Case] = [
    # core
    Case("core:home", "GET", OWN, ok=(302,)),  # redirects to the caller's own division
    Case("core:health", "GET", PUBLIC),
    # regions: the tree
    Case("regions:division", "GET", SCOPED, village, variant="village"),
    Case("regions:division", "GET", SCOPED, fixture_grid, variant="grid"),
    Case("regions:search", "GET", LIST, division_listed),
    Case("regions:search", "GET", SCOPED, search_within, variant="within"),
    Case("regions:geojson", "GET", OWN),  # the province's map outline, the same for everyone
    # regions: grids and staff
    *form("regions:grid_create", new_grid_in_village),
    *form("regions:grid_rename", new_grid),
    *form("regions:grid_merge", merge),
    *form("regions:grid_retire", retire),
    *form("regions:grid_assign", assign_form),
    *form("regions:assignment_end", end_assignment),
    *form("regions:staff_create", new_staff_in_village),
    Case("regions:staff_list", "GET", LIST, staff_listed),
    *form("regions:staff_edit", staff_record),
    # accounts
    Case("accounts:login", "GET", PUBLIC, ok=(302,), anon_ok=(200,)),  # signed in: sent home
    # Logging out audits who left (nothing for the anonymous visitor, who has no session).
    Case("accounts:logout", "POST", PUBLIC, ok=(302,), writes=True),
    Case("accounts:profile", "GET", OWN),
    Case("accounts:profile", "POST", OWN, own_password, ok=(302,)),
    Case("accounts:user_list", "GET", LIST, user_listed),
    Case("accounts:user_create", "GET", OWN),  # an empty form
    Case("accounts:user_create", "POST", SCOPED, new_user_form, ok=(302,), form_ref=True),
    *form("accounts:user_edit", user_record),
    Case("accounts:user_password", "POST", SCOPED, user_password, ok=(302,)),
    Case("accounts:token_list", "GET", LIST, token_listed),
    # a successful POST answers 200: the page shows the new raw token once
    Case("accounts:token_list", "POST", SCOPED, new_token_form, form_ref=True),
    Case("accounts:token_revoke", "POST", SCOPED, token_record, ok=(302,)),
    # audit
    Case("audit:list", "GET", LIST, audit_listed),
    # site-wide and API plumbing
    Case("set_language", "POST", PUBLIC, switch_language, ok=(302,), writes=False),
    Case("api:openapi-json", "GET", PUBLIC),
    Case("api:openapi-view", "GET", PUBLIC),
    Case("api:api-root", "GET", PUBLIC, ok=(404,)),  # ninja's anchor for reverse(); always 404
    # REST API: users
    Case("GET /api/me", "GET", OWN),
    Case("GET /api/users", "GET", LIST, user_listed),
    Case("POST /api/users", "POST", SCOPED, new_user_api, ok=(201,)),
    Case("GET /api/users/{pk}", "GET", SCOPED, api_user),
    Case("PATCH /api/users/{pk}", "PATCH", SCOPED, user_patch),
    Case("POST /api/users/{pk}/password", "POST", SCOPED, user_password, ok=(204,)),
    # REST API: divisions
    Case("GET /api/divisions/search", "GET", LIST, division_listed),
    Case("GET /api/divisions/search", "GET", SCOPED, search_within, variant="within"),
    Case("GET /api/divisions/{code}", "GET", SCOPED, village),
    Case("GET /api/divisions/{code}/children", "GET", SCOPED, village),
    # REST API: grids
    Case("POST /api/grids", "POST", SCOPED, api_new_grid, ok=(201,)),
    Case("GET /api/grids/{code}", "GET", SCOPED, fixture_grid),
    Case("PATCH /api/grids/{code}", "PATCH", SCOPED, new_grid),
    Case("POST /api/grids/{code}/merge", "POST", SCOPED, merge),
    Case("POST /api/grids/{code}/retire", "POST", SCOPED, retire),
    Case("POST /api/grids/{code}/assignments", "POST", SCOPED, assign_api, ok=(201,)),
    Case("POST /api/assignments/{pk}/end", "POST", SCOPED, end_assignment),
    # REST API: grid staff
    Case("GET /api/staff", "GET", LIST, staff_listed),
    Case("POST /api/staff", "POST", SCOPED, api_new_staff, ok=(201,)),
    Case("GET /api/staff/{pk}", "GET", SCOPED, api_staff),
]


def registry(cases: Iterable[Case] = CASES) -> dict[str, list[Case]]:
    by_key: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_key[case.key].append(case)
    return dict(by_key)


def unregistered(endpoints: Iterable[Endpoint], cases: Iterable[Case] = CASES) -> list[Endpoint]:
    """Endpoints the project serves that have no entry: each one fails the matrix."""
    known = registry(cases)
    return [e for e in endpoints if e.key not in known]


def stale(endpoints: Iterable[Endpoint], cases: Iterable[Case] = CASES) -> list[str]:
    """Entries for endpoints the project no longer serves."""
    served = {e.key for e in endpoints}
    return sorted({c.key for c in cases} - served)
