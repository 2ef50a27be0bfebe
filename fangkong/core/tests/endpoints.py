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
    does not exist gets; in a batch API body, the same per-record answer) and nothing is
    written.
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

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from ninja import NinjaAPI
from ninja.utils import normalize_path, replace_path_param_notation

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.roles import Role
from fangkong.care import actions as care_actions
from fangkong.care.choices import CareKind
from fangkong.care.models import CareRequest
from fangkong.checkpoints import actions as checkpoint_actions
from fangkong.checkpoints.intake import PassageInput, PersonInput
from fangkong.checkpoints.models import Checkpoint, Handover, Passage
from fangkong.people import actions as people_actions
from fangkong.people.choices import DocType, RevealReason
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


def person_record(w: World) -> Target:
    """A person in 第一网格; the body is a reason for showing their full number."""
    person = w.person()
    return Target(
        home=w.tree.grid1, args={"pk": person.pk}, data={"reason": RevealReason.CONTACT.value}
    )


def person_listed(w: World) -> Target:
    return Target(home=w.tree.grid1, marker=w.person(name=w.name("列表居民")).name)


def person_unmasked(w: World) -> Target:
    person = w.person()
    return Target(home=w.tree.grid1, query={"unmasked": "true"}, marker=person.doc_number)


def people_within(w: World) -> Target:
    w.person()
    return Target(home=w.tree.huayang, query={"within": w.tree.huayang.code})


def new_person(w: World) -> Target:
    grid = w.tree.grid1
    return Target(
        home=grid,
        query={"grid": grid.code},
        data={
            "grid": grid.code,
            "name": w.name("新居民"),
            "doc_type": DocType.RESIDENT_ID.value,
            "doc_number": w.id_number(),
            "phone": w.phone(),
            "address": w.name("华阳街"),
        },
    )


def person_edit(w: World) -> Target:
    person = w.person()
    return Target(
        home=w.tree.grid1,
        args={"pk": person.pk},
        data={"name": person.name, "phone": w.phone(), "address": w.name("新地址")},
    )


def person_move(w: World) -> Target:
    """A person of 第一网格 moving to 第二网格: only someone above both grids may do it."""
    person = w.person()
    return Target(home=w.tree.huayang, args={"pk": person.pk}, data={"grid": w.tree.grid2.code})


# care (帮扶关爱): records live in a fresh grid, so the "home" caller is a grid worker's account


def _party_member(w: World, grid: Division) -> GridStaff:
    """A party member of the grid's village who works the grid (so its grid worker may pick)."""
    staff = region_actions.create_staff(
        actor=None,
        village=grid.parent,  # type: ignore[arg-type]
        name=w.name("矩阵党员"),
        phone=w.phone(),
        kind=StaffKind.PARTY_MEMBER,
    )
    w.assignment(grid, staff)
    return staff


def _care(w: World, *, assigned: bool = False) -> CareRequest:
    grid = w.grid()
    care = care_actions.create_care_request(
        actor=None,
        grid=grid,
        person=w.person(grid, name=w.name("关爱对象")),
        kind=CareKind.FOOD,
        description="矩阵：代购米面油",
    )
    if assigned:
        care_actions.assign_care_request(actor=None, care=care, staff=_party_member(w, grid))
    return care


def care_grid(w: World) -> Target:
    grid = w.grid()
    w.person(grid)
    return Target(home=grid, args={"code": grid.code})


def care_new(w: World) -> Target:
    grid = w.grid()
    person = w.person(grid)
    return Target(
        home=grid,
        args={"code": grid.code},
        data={
            "person": person.pk,
            "kind": CareKind.MEDICINE.value,
            "urgency": "urgent",
            "description": "矩阵：代购降压药",
            "requested_on": "",
            "due_on": "",
        },
    )


def care_new_api(w: World) -> Target:
    grid = w.grid()
    return Target(
        home=grid,
        data={
            "grid": grid.code,
            "person_id": w.person(grid).pk,
            "kind": CareKind.MEDICINE.value,
            "description": "矩阵：代购降压药",
        },
    )


def care_record(w: World) -> Target:
    care = _care(w)
    return Target(home=care.grid, args={"pk": care.pk})


def care_listed(w: World) -> Target:
    care = _care(w)
    return Target(home=w.tree.huayang, marker=care.person.name)  # type: ignore[union-attr]


def care_within(w: World) -> Target:
    _care(w)
    return Target(home=w.tree.huayang, query={"within": w.tree.huayang.code})


def care_assign_form(w: World) -> Target:
    care = _care(w)
    staff = _party_member(w, care.grid)
    return Target(home=care.grid, args={"pk": care.pk}, data={"staff": staff.pk})


def care_assign_api(w: World) -> Target:
    care = _care(w)
    staff = _party_member(w, care.grid)
    return Target(home=care.grid, args={"pk": care.pk}, data={"staff_id": staff.pk})


def care_done(w: World) -> Target:
    care = _care(w, assigned=True)
    return Target(home=care.grid, args={"pk": care.pk}, data={"note": "矩阵：已送到家"})


def care_cancel(w: World) -> Target:
    care = _care(w)
    return Target(home=care.grid, args={"pk": care.pk}, data={"reason": "矩阵：重复登记"})


# --- screening and observation ----------------------------------------------------------------


def _screening_form(w: World, grid: Division) -> dict[str, Any]:
    return {
        "grid": grid.code,
        "doc_type": DocType.RESIDENT_ID.value,
        "doc_number": w.id_number(),
        "name": w.name("矩阵排查"),
        "phone": w.phone(),
        "address": w.name("华阳小区"),
        "household_size": "3",
        "screened_on": dt.date.today().isoformat(),
        "temperature": "36.6",
        "contact": "none",
        "client_uuid": str(uuid.uuid4()),
    }


def screening_new_page(w: World) -> Target:
    return Target(home=w.tree.grid1, query={"grid": w.tree.grid1.code})


def screening_new_form(w: World) -> Target:
    data = _screening_form(w, w.tree.grid1)
    return Target(home=w.tree.grid1, data=data, absent={**data, "grid": "220102001001999"})


def screening_preview(w: World) -> Target:
    return Target(home=w.tree.grid1, data={**_screening_form(w, w.tree.grid1), "temperature": 38})


def _screening(w: World) -> Any:
    from fangkong.screening.actions import register_screening

    return register_screening(
        actor=None,
        grid=w.tree.grid1,
        name=w.name("矩阵排查"),
        doc_number=w.id_number(),
        phone=w.phone(),
        address=w.name("华阳小区"),
        temperature="36.6",
    )


def screening_record(w: World) -> Target:
    return Target(home=w.tree.grid1, args={"pk": _screening(w).pk})


def screening_listed(w: World) -> Target:
    return Target(home=w.tree.grid1, marker=_screening(w).person.name)


def screening_person_known(w: World) -> Target:
    person = w.person(w.tree.grid1)
    query = {"doc_type": person.doc_type, "doc_number": person.doc_number}
    return Target(home=w.tree.grid1, query=query, marker=person.name)


def screening_api_new(w: World) -> Target:
    form = _screening_form(w, w.tree.grid1)
    data = {
        "grid": form["grid"],
        "person": {"name": form["name"], "doc_number": form["doc_number"]},
        "phone": form["phone"],
        "address": form["address"],
        "temperature": 36.6,
        "client_uuid": form["client_uuid"],
    }
    return Target(home=w.tree.grid1, data=data)


def screening_api_preview(w: World) -> Target:
    data = {"temperature": 37.0, "arrival_date": dt.date.today().isoformat(), "origin_code": "42"}
    return Target(home=w.tree.grid1, data=data)


def _key_area(w: World, division: Division) -> Any:
    from fangkong.screening.actions import declare_key_area

    return declare_key_area(
        actor=None,
        division=division,
        code=f"42{w.number() % 90 + 10:02d}",
        name=w.name("矩阵重点地区"),
        start_date=dt.date(2020, 1, 1),
    )


def key_area_new(w: World) -> Target:
    # Declared at the caller's own division (a command office): nobody's is out of scope.
    data = {"code": f"42{w.number() % 90 + 10:02d}", "name": w.name("矩阵重点地区")}
    return Target(home=w.tree.changchun, data={**data, "start_date": "2020-01-01"})


def key_area_record(w: World) -> Target:
    area = _key_area(w, w.tree.changchun)
    return Target(home=w.tree.changchun, args={"pk": area.pk}, data={"note": "矩阵"})


def _observation(w: World) -> Any:
    from fangkong.observation.actions import start_observation

    observation, _created = start_observation(
        actor=None,
        person=w.person(w.tree.grid1),
        grid=w.tree.grid1,
        last_exposure=dt.date.today() - dt.timedelta(days=3),
        reason="矩阵：自湖北返回",
    )
    return observation


def observation_record(w: World) -> Target:
    return Target(home=w.tree.grid1, args={"pk": _observation(w).pk})


def observation_listed(w: World) -> Target:
    return Target(home=w.tree.grid1, marker=_observation(w).person.name)


def observation_check_in(w: World) -> Target:
    data = {
        "temperature": "36.6",
        "day": dt.date.today().isoformat(),
        "client_uuid": str(uuid.uuid4()),
    }
    return Target(home=w.tree.grid1, args={"pk": _observation(w).pk}, data=data)


def observation_end(prefix: str) -> Callable[[World], Target]:
    def build(w: World) -> Target:
        data = {f"{prefix}note": "矩阵：解除或转诊", "note": "矩阵：解除或转诊"}
        return Target(home=w.tree.grid1, args={"pk": _observation(w).pk}, data=data)

    return build


def observation_batch(w: World) -> Target:
    item = {"client_uuid": str(uuid.uuid4()), "temperature": 36.6}
    data = {"items": [{**item, "observation_id": _observation(w).pk}]}
    absent = {"items": [{**item, "observation_id": 999_999_999}]}
    return Target(home=w.tree.grid1, data=data, absent=absent)


def personal_link(w: World) -> Target:
    from fangkong.observation.links import make_token

    data = {"temperature": "36.7", "client_uuid": str(uuid.uuid4())}
    return Target(home=w.tree.grid1, args={"token": make_token(_observation(w))}, data=data)


# --- checkpoints (卡口) ---------------------------------------------------------------------------


def _checkpoint(w: World, active: bool = True) -> Checkpoint:
    """A fresh checkpoint run by 南关区 (a county: the sibling caller sits at 昌邑区)."""
    checkpoint = checkpoint_actions.create_checkpoint(
        actor=None,
        division=w.tree.nanguan,
        name=w.name("矩阵卡口"),
        kind="urban_fringe",
        longitude=Decimal("125.39"),
        latitude=Decimal("43.78"),
    )
    if not active:
        checkpoint = checkpoint_actions.close_checkpoint(actor=None, checkpoint=checkpoint)
    return checkpoint


def _traveller(w: World, name: str | None = None, fever: bool = False) -> dict[str, Any]:
    return {
        "name": name or w.name("矩阵旅客"),
        "doc_type": DocType.RESIDENT_ID.value,
        "doc_number": w.id_number(),
        "phone": w.phone(),
        "temperature": "38.2" if fever else "36.5",
        "origin_code": "2201",
        "destination": w.tree.grid1.code,
    }


def _plate(w: World) -> str:
    return f"吉A{w.number():05d}"


def _passage(w: World, fever: bool = False) -> tuple[Passage, str]:
    """A passage at a fresh checkpoint; with ``fever``, its traveller is handed to 第一网格."""
    name = w.name("矩阵旅客")
    registered, _created = checkpoint_actions.register_passage(
        actor=None,
        checkpoint=_checkpoint(w),
        passage=PassageInput(
            direction="in", plate=_plate(w), people=[PersonInput(**_traveller(w, name, fever))]
        ),
    )
    return registered, name


def checkpoint_listed(w: World) -> Target:
    checkpoint = _checkpoint(w)
    return Target(home=w.tree.nanguan, marker=checkpoint.name)


def checkpoint_record(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk})


def closed_checkpoint(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w, active=False).pk})


def _site_fields(w: World) -> dict[str, Any]:
    return {
        "name": w.name("矩阵新卡口"),
        "kind": "bus_station",
        "division": w.tree.nanguan.code,
        "longitude": "125.33",
        "latitude": "43.86",
        "note": "",
    }


def checkpoint_new_form(w: World) -> Target:
    data = _site_fields(w)
    return Target(home=w.tree.nanguan, data=data, absent={**data, "division": NO_SUCH_DIVISION})


def checkpoint_new_api(w: World) -> Target:
    return Target(home=w.tree.nanguan, data=_site_fields(w))


def checkpoint_edit(w: World) -> Target:
    return Target(
        home=w.tree.nanguan,
        args={"pk": _checkpoint(w).pk},
        data={**_site_fields(w), "name": w.name("矩阵改名卡口")},
    )


def checkpoint_close(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk}, data={"reason": "矩阵撤点"})


def passage_form(w: World) -> Target:
    person = {**_traveller(w), "origin": "22", "origin_detail": "长春市"}
    person.pop("origin_code")
    data = {
        "uuid": str(uuid.uuid4()),
        "plate": _plate(w),
        "direction": "in",
        "passed_at": "",
        "people-TOTAL_FORMS": "1",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "60",
        **{f"people-0-{k}": v for k, v in person.items()},
    }
    return Target(home=w.tree.nanguan, args={"pk": _checkpoint(w).pk}, data=data)


def passage_api(w: World) -> Target:
    body = {
        "checkpoint": _checkpoint(w).pk,
        "uuid": str(uuid.uuid4()),
        "plate": _plate(w),
        "direction": "in",
        "people": [_traveller(w, fever=True)],
    }
    return Target(home=w.tree.nanguan, data=body)


def passage_batch(w: World) -> Target:
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "direction": "in",
            "plate": _plate(w),
            "people": [_traveller(w)],
        }
        for _ in range(2)
    ]
    return Target(home=w.tree.nanguan, data={"checkpoint": _checkpoint(w).pk, "passages": records})


def passage_listed(w: World) -> Target:
    registered, _name = _passage(w)
    return Target(home=w.tree.nanguan, marker=registered.plate)


def passages_at(w: World) -> Target:
    registered, _name = _passage(w)
    return Target(home=w.tree.nanguan, query={"checkpoint": str(registered.checkpoint_id)})


def passage_record(w: World) -> Target:
    registered, _name = _passage(w)
    return Target(home=w.tree.nanguan, args={"pk": registered.pk})


def flagged_listed(w: World) -> Target:
    """A feverish traveller handed to 第一网格: in its to-do list (the sibling: 东市场's grid)."""
    _registered, name = _passage(w, fever=True)
    return Target(home=w.tree.grid1, marker=name)


def flagged_record(w: World) -> Target:
    registered, _name = _passage(w, fever=True)
    handover = Handover.objects.get(entry__passage=registered)
    data = {"outcome": "visited", "note": "矩阵核实"}
    return Target(home=w.tree.grid1, args={"pk": handover.pk}, data=data)


# --- exports (bulk/exports.py) -------------------------------------------------------------------


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


# --- zero reporting (zeroreport) ---------------------------------------------------------------


def zero_confirm(w: World) -> Target:
    """A fresh, quiet grid: its day may be confirmed as a zero report."""
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"zero_report": "on"})


def zero_confirm_api(w: World) -> Target:
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"zero_report": True})


# --- imports (bulk/actions.py, screening/importer.py) --------------------------------------------


def _import_csv(w: World, *, bad: bool = False) -> tuple[bytes, str]:
    """A screening list for 第一网格 of 华阳社区 (and a row with a 45 ℃ temperature)."""
    name = w.name("矩阵导入")
    lines = ["姓名,证件号码,联系电话,现住址,网格编码,排查日期,体温"]
    from django.utils import timezone

    day = timezone.localdate() - dt.timedelta(days=1)
    lines.append(f"{name},{w.id_number()},{w.phone()},华阳街1号,{w.tree.grid1.code},{day},36.6")
    if bad:
        lines.append(f"{name}乙,{w.id_number()},{w.phone()},华阳街2号,{w.tree.grid1.code},{day},45")
    return ("\n".join(lines) + "\n").encode(), name


def _import_job(w: World, *, bad: bool = False) -> Any:
    import tempfile
    from pathlib import Path

    from fangkong.screening.importer import import_screening_file

    content, name = _import_csv(w, bad=bad)
    path = Path(tempfile.mkdtemp()) / f"{name}.csv"
    path.write_bytes(content)
    outcome = import_screening_file(actor=w.user(), path=path, filename=path.name)
    from fangkong.bulk.models import ImportJob

    assert outcome.job_id is not None
    return ImportJob.objects.get(pk=outcome.job_id)


def import_upload(w: World) -> Target:
    """An upload naming a grid of 华阳社区: whoever uploads gets their own job; a caller from
    elsewhere finds its rows refused (the grid is not theirs), the attempt audited."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content, name = _import_csv(w)
    upload = SimpleUploadedFile(f"{name}.csv", content, content_type="text/csv")
    return Target(home=w.tree.huayang, data={"file": upload, "kind": "screenings"})


def import_record(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": _import_job(w).pk})


def import_refused(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": _import_job(w, bad=True).pk})


def import_template(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"kind": "xlsx"})


def import_listed(w: World) -> Target:
    return Target(home=w.tree.huayang, marker=_import_job(w).filename)


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
    # people (人员)
    Case("people:list", "GET", LIST, person_listed),
    Case("people:list", "GET", SCOPED, people_within, variant="within"),
    *form("people:create", new_person),
    Case("people:detail", "GET", SCOPED, person_record),
    *form("people:edit", person_edit),
    *form("people:move", person_move),
    # the page with the full number once, its viewing audited
    Case("people:reveal", "POST", SCOPED, person_record),
    # REST API: people
    Case("GET /api/people", "GET", LIST, person_listed),
    Case("GET /api/people", "GET", LIST, person_unmasked, variant="unmasked"),
    Case("GET /api/people", "GET", SCOPED, people_within, variant="within"),
    Case("POST /api/people", "POST", SCOPED, new_person, ok=(201,)),
    Case("GET /api/people/{pk}", "GET", SCOPED, person_record),
    Case("PATCH /api/people/{pk}", "PATCH", SCOPED, person_edit),
    Case("POST /api/people/{pk}/move", "POST", SCOPED, person_move),
    Case("POST /api/people/{pk}/reveal", "POST", SCOPED, person_record),
    # care (帮扶关爱)
    Case("care:list", "GET", LIST, care_listed),
    Case("care:list", "GET", SCOPED, care_within, variant="within"),
    Case("care:grid", "GET", SCOPED, care_grid),
    *form("care:create", care_new),
    Case("care:detail", "GET", SCOPED, care_record),
    *form("care:assign", care_assign_form),
    *form("care:done", care_done),
    *form("care:cancel", care_cancel),
    # REST API: care
    Case("GET /api/care-requests", "GET", LIST, care_listed),
    Case("GET /api/care-requests", "GET", SCOPED, care_within, variant="within"),
    Case("POST /api/care-requests", "POST", SCOPED, care_new_api, ok=(201,)),
    Case("GET /api/care-requests/{pk}", "GET", SCOPED, care_record),
    Case("POST /api/care-requests/{pk}/assign", "POST", SCOPED, care_assign_api),
    Case("POST /api/care-requests/{pk}/done", "POST", SCOPED, care_done),
    Case("POST /api/care-requests/{pk}/cancel", "POST", SCOPED, care_cancel),
    # screening (排查登记)
    Case("screening:list", "GET", LIST, screening_listed),
    Case("screening:new", "GET", SCOPED, screening_new_page),
    Case("screening:new", "POST", SCOPED, screening_new_form, ok=(302,), form_ref=True),
    # the live outcome of the form: the rules only, nothing written
    Case("screening:preview", "POST", OWN, screening_preview, writes=False),
    Case("screening:person_lookup", "GET", LIST, screening_person_known),
    Case("screening:detail", "GET", SCOPED, screening_record),
    Case("screening:key_areas", "GET", OWN),  # everyone logged in reads the key areas
    # a command office declares a key area at its own division
    Case("screening:key_areas", "POST", OWN, key_area_new, ok=(302,)),
    Case("screening:key_area_end", "POST", SCOPED, key_area_record, ok=(302,)),
    # REST API: screening
    Case("GET /api/screenings", "GET", LIST, screening_listed),
    Case("POST /api/screenings", "POST", SCOPED, screening_api_new, ok=(201,)),
    Case("GET /api/screenings/{pk}", "GET", SCOPED, screening_record),
    Case("POST /api/screenings/preview", "POST", OWN, screening_api_preview, writes=False),
    Case("GET /api/key-areas", "GET", OWN),
    Case("POST /api/key-areas", "POST", OWN, key_area_new, ok=(201,)),
    Case("POST /api/key-areas/{pk}/end", "POST", SCOPED, key_area_record),
    # medical observation (医学观察)
    Case("observation:list", "GET", LIST, observation_listed),
    Case("observation:detail", "GET", SCOPED, observation_record),
    Case("observation:check_in", "POST", SCOPED, observation_check_in, ok=(302,)),
    Case("observation:release", "POST", SCOPED, observation_end("release-"), ok=(302,)),
    Case("observation:refer", "POST", SCOPED, observation_end("refer-"), ok=(302,)),
    Case("observation:rotate_link", "POST", SCOPED, observation_record, ok=(302,)),
    # the personal check-in link: no account; the signed token decides
    Case("observation:personal", "GET", PUBLIC, personal_link),
    Case("observation:personal", "POST", PUBLIC, personal_link, ok=(302,), writes=True),
    # REST API: observation
    Case("GET /api/observations", "GET", LIST, observation_listed),
    Case("GET /api/observations/{pk}", "GET", SCOPED, observation_record),
    Case("POST /api/observations/{pk}/check-ins", "POST", SCOPED, observation_check_in, ok=(201,)),
    # one record naming an observation out of scope is rejected like one that does not exist
    Case("POST /api/check-ins/batch", "POST", SCOPED, observation_batch, form_ref=True),
    Case("POST /api/observations/{pk}/release", "POST", SCOPED, observation_end("")),
    Case("POST /api/observations/{pk}/refer", "POST", SCOPED, observation_end("")),
    # checkpoints (卡口)
    Case("checkpoints:list", "GET", LIST, checkpoint_listed),
    Case("checkpoints:create", "GET", OWN),  # an empty form
    Case("checkpoints:create", "POST", SCOPED, checkpoint_new_form, ok=(302,), form_ref=True),
    Case("checkpoints:detail", "GET", SCOPED, checkpoint_record),
    *form("checkpoints:edit", checkpoint_edit),
    *form("checkpoints:close", checkpoint_close),
    Case("checkpoints:reopen", "POST", SCOPED, closed_checkpoint, ok=(302,)),
    *form("checkpoints:register", passage_form),
    # pieces of the registration form (htmx): a person row, destination suggestions drawn from
    # the whole province (division names, nobody's data), the same for every caller
    Case("checkpoints:person_row", "GET", OWN),
    Case("checkpoints:destinations", "GET", OWN),
    Case("checkpoints:passages", "GET", LIST, passage_listed),
    Case("checkpoints:passages", "GET", SCOPED, passages_at, variant="checkpoint"),
    Case("checkpoints:passage", "GET", SCOPED, passage_record),
    # the destination's side: scoped by where the flagged traveller is going
    Case("checkpoints:todo", "GET", LIST, flagged_listed),
    *form("checkpoints:handle", flagged_record),
    Case("checkpoints:reveal", "POST", SCOPED, flagged_record),  # audited
    # REST API: checkpoints
    Case("GET /api/checkpoints", "GET", LIST, checkpoint_listed),
    Case("POST /api/checkpoints", "POST", SCOPED, checkpoint_new_api, ok=(201,)),
    Case("GET /api/checkpoints/{pk}", "GET", SCOPED, checkpoint_record),
    Case("POST /api/passages", "POST", SCOPED, passage_api, ok=(201,)),
    Case("POST /api/passages/batch", "POST", SCOPED, passage_batch),
    Case("GET /api/passages", "GET", LIST, passage_listed),
    Case("GET /api/passages", "GET", SCOPED, passages_at, variant="checkpoint"),
    Case("GET /api/passages/{pk}", "GET", SCOPED, passage_record),
    Case("GET /api/todo/passages", "GET", LIST, flagged_listed),
    Case("POST /api/todo/passages/{pk}/handle", "POST", SCOPED, flagged_record),
    # exports (bulk/exports.py): every list as a file, exactly what its page shows
    Case("bulk:export", "GET", LIST, exported("people", person_listed), variant="people"),
    Case(
        "bulk:export", "GET", LIST, exported("screenings", screening_listed), variant="screenings"
    ),
    Case(
        "bulk:export",
        "GET",
        LIST,
        exported("observations", observation_listed),
        variant="observations",
    ),
    Case("bulk:export", "GET", LIST, exported("passages", passage_listed), variant="passages"),
    Case("bulk:export", "GET", LIST, exported("care", care_listed), variant="care"),
    Case("bulk:export", "GET", LIST, exported("handovers", flagged_listed), variant="handovers"),
    # a division out of reach in the filters answers 404, and nothing is audited
    Case("bulk:export", "GET", SCOPED, exported("people", people_within, "xlsx"), variant="within"),
    Case("GET /api/exports/{name}", "GET", LIST, exported("people", person_listed, api=True)),
    Case(
        "GET /api/exports/{name}",
        "GET",
        SCOPED,
        exported("care", care_within, "xlsx", api=True),
        variant="within",
    ),
    # zero reporting (零报告): a grid's day, roll-ups and the dashboard; "update now" audits
    Case("zeroreport:grid", "GET", SCOPED, fixture_grid),
    Case("zeroreport:confirm", "POST", SCOPED, zero_confirm, ok=(302,)),
    Case("zeroreport:rollup", "GET", SCOPED, village),
    Case("zeroreport:dashboard", "GET", SCOPED, village),
    Case("zeroreport:refresh", "POST", SCOPED, village, ok=(302,)),
    Case("GET /api/zero/grids/{code}", "GET", SCOPED, fixture_grid),
    Case("POST /api/zero/grids/{code}/confirm", "POST", SCOPED, zero_confirm_api),
    Case("GET /api/zero/divisions/{code}", "GET", SCOPED, village),
    Case("GET /api/zero/divisions/{code}/dashboard", "GET", SCOPED, village),
    Case("POST /api/zero/divisions/{code}/refresh", "POST", SCOPED, village),
    # imports (bulk/actions.py): a job is its uploader's, seen from their division and above
    Case("bulk:import_list", "GET", LIST, import_listed),
    Case("bulk:import_new", "GET", OWN),
    Case("bulk:import_new", "POST", OWN, import_upload, ok=(302,)),
    Case("bulk:import_detail", "GET", SCOPED, import_record),
    Case("bulk:import_progress", "GET", SCOPED, import_record),
    Case("bulk:import_rejects", "GET", SCOPED, import_refused),
    Case("bulk:import_valid_only", "POST", SCOPED, import_refused, ok=(302,)),
    Case("bulk:screening_template", "GET", OWN, import_template),  # empty: nobody's data
    Case("POST /api/imports", "POST", OWN, import_upload, ok=(201,)),
    Case("GET /api/imports/{pk}", "GET", SCOPED, import_record),
    Case("GET /api/imports/{pk}/rejects", "GET", SCOPED, import_refused),
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
