"""Every endpoint × four callers: jurisdiction decides, and out of scope looks like not found.

For each URL pattern and API operation (enumerated from the resolver and the ninja routers when
tests are collected; see ``endpoints.py`` for the registry), a record at a division is built and
four callers ask for it: a user whose home is the record's division, a user at the province, a
user at the same level in the sibling subtree (吉林市 side) and an anonymous visitor. Every user
holds every role, so only jurisdiction can tell them apart. Expected: 200 / 200 / 404 /
login page (401 in the API); writes succeed in scope and write nothing out of scope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import get_resolver, include, path, reverse
from ninja import NinjaAPI, Router

from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.roles import COMBINABLE_ROLES
from fangkong.api import api
from fangkong.audit.models import AuditEvent
from fangkong.core.api import MESSAGES
from fangkong.core.jurisdiction import OutOfJurisdiction, scope_of
from fangkong.core.tests.endpoints import (
    PASSWORD,
    Case,
    Endpoint,
    Kind,
    Target,
    World,
    all_cases,
    all_endpoints,
    api_endpoints,
    registry,
    stale,
    unregistered,
    url_endpoints,
)
from fangkong.regions import actions as region_actions
from fangkong.regions.models import Division, GridAssignment, GridStaff

# Every role one account may hold: not the security and audit administrators (三员分立); the
# endpoints that need one of those name it in their entry (``Case.roles``).
ALL_ROLES = list(COMBINABLE_ROLES)
CALLERS = ("home", "above", "sibling", "anonymous")
# The same level on the 吉林市 side of the ``tree`` fixture: outside every 长春市 record's subtree.
SIBLING = {2: "jilin_city", 3: "changyi", 4: "xinghua", 5: "dongshi", 6: "other_grid"}
REGISTRY_FILE = "the app's tests/endpoints.py, CASES"

ENDPOINTS = all_endpoints()
REGISTERED = registry()


def _cases() -> list[Any]:
    params = []
    for endpoint in ENDPOINTS:
        for case in REGISTERED.get(endpoint.key, [None]):
            case_id = case.id if case else f"UNREGISTERED {endpoint.key}"
            params.append(pytest.param(endpoint, case, id=case_id))
    return params


def _tables() -> tuple[Any, ...]:
    """Every table of the project's apps (a new app's included): its rows and, where it has
    one, its latest ``updated_at``, so that a write that changes a row shows too."""
    state: list[Any] = []
    for model in django_apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("fangkong.") or meta.proxy or not meta.managed:
            continue
        figures: dict[str, Any] = {"rows": Count("pk")}
        if "updated_at" in {f.name for f in meta.concrete_fields}:
            figures["updated"] = Max("updated_at")
        state.append((meta.label, *model._base_manager.aggregate(**figures).values()))
    return tuple(state)


def _db_state(case: Case) -> tuple[Any, ...]:
    """What a write would change: the audit rows (every action writes one) and, for endpoints
    that write, every table's rows, active or open where a write flips a flag."""
    audit = AuditEvent.objects.count()
    if not case.is_write:
        return (audit,)
    return (
        audit,
        Division.objects.filter(active=True).count(),
        GridStaff.objects.filter(active=True).count(),
        GridAssignment.objects.filter(ended_at=None).count(),
        User.objects.filter(is_active=True).count(),
        ApiToken.objects.filter(revoked_at=None).count(),
        _tables(),
    )


def _caller(
    who: str,
    target: Target,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    roles: Sequence[str] = ALL_ROLES,
) -> User | None:
    if who == "anonymous":
        return None
    home = target.home
    assert home.level in SIBLING, f"the tree fixture has no sibling at level {home.level}"
    division = {
        "home": home,
        "above": tree.province,
        "sibling": getattr(tree, SIBLING[home.level]),
    }[who]
    if who == "above":
        assert home.path.startswith(division.path) and home.pk != division.pk
    if who == "sibling":
        assert not home.path.startswith(division.path), "the sibling must not be above the record"
        assert not division.path.startswith(home.path), "the sibling must not be below the record"
    user = make_user(division, roles=roles)
    user.set_password(PASSWORD)  # the profile form asks for the current password
    user.save(update_fields=["password"])
    return user


def _send(client: Client, case: Case, target: Target, data: dict[str, Any] | None) -> Any:
    url = case.url(target)
    if case.method == "GET":
        return client.get(url, target.query)
    if case.is_api and data and any(hasattr(v, "read") for v in data.values()):
        return client.post(url, data)  # a file upload (POST /api/imports): multipart
    if case.is_api:
        body = json.dumps(data or {})
        return client.generic(case.method, url, body, content_type="application/json")
    assert case.method == "POST", f"{case.id}: pages are GET or POST"
    return client.post(url, data or {})


def _text(case: Case, response: Any) -> str:
    if case.is_api and response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    if response.streaming:  # a file download (bulk exports)
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _describe(case: Case, who: str, response: Any) -> str:
    where = response.get("Location", "")
    return f"{case.id} as {who}: {response.status_code} {where}".strip()


def _check(
    case: Case,
    who: str,
    world: World,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    """One caller against one endpoint; raises AssertionError saying what went wrong."""
    # given a fresh record at a division, and a caller placed relative to it
    target = case.target(world)
    user = _caller(who, target, tree, make_user, case.roles or ALL_ROLES)
    client = client_for(user)
    before = _db_state(case)

    # when the caller asks
    response = _send(client, case, target, target.data)
    after = _db_state(case)
    said = _describe(case, who, response)

    # then jurisdiction alone decides the answer
    if case.kind is Kind.PUBLIC:
        expected = case.anon_ok if (who == "anonymous" and case.anon_ok) else case.ok
        assert response.status_code in expected, f"{said}; expected {expected}"
        if not case.is_write:
            assert after == before, f"{said}: a public endpoint wrote something"
        return

    if who == "anonymous":
        if case.is_api:
            assert response.status_code == 401, f"{said}; expected 401"
            assert response.json()["code"] == "unauthorized", said
        else:
            login = resolve_url(settings.LOGIN_URL)
            assert response.status_code == 302, f"{said}; expected the login page"
            assert response["Location"].startswith(f"{login}?next="), f"{said}; expected {login}"
        assert after == before, f"{said}: an anonymous request wrote something"
        return

    in_scope = who in ("home", "above") or case.kind is Kind.OWN
    if case.kind is Kind.LIST:
        assert response.status_code == 200, f"{said}; expected 200"
        shown = target.marker in _text(case, response)
        if in_scope:
            assert shown, f"{said}: the list does not show {target.marker!r}"
        else:
            assert not shown, f"{said}: the list shows {target.marker!r} from another subtree"
        return

    if in_scope:
        assert response.status_code in case.ok, f"{said}; expected {case.ok}"
        if case.is_write:
            assert after[0] > before[0], f"{said}: succeeded without writing an audit row"
        return

    # the sibling: out of scope answers exactly like a record that does not exist
    assert after == before, f"{said}: wrote something outside the caller's jurisdiction"
    if case.form_ref:
        absent = _send(client, case, target, target.absent)
        # 200 with a form's errors or a batch call's per-record answer; 422 for an all-or-
        # nothing API batch refused whole (its row errors in the body)
        assert absent.status_code == response.status_code in (200, 422), (
            f"{said}; expected 200 or 422, as for none"
        )
        errors = response.json() if case.is_api else response.context["form"].errors
        assert errors, f"{said}: the form accepted a record outside the caller's jurisdiction"
        expected = absent.json() if case.is_api else absent.context["form"].errors
        assert errors == expected, f"{said}: {errors} (not as for none)"
        assert _db_state(case) == before, (
            f"{said}: wrote something for a record that does not exist"
        )
        return
    assert response.status_code == 404, f"{said}; expected 404"
    if case.is_api:
        assert response.json() == {"code": "not_found", "message": MESSAGES[404]}, said


@pytest.mark.parametrize(("endpoint", "case"), _cases())
def test_jurisdiction_matrix(
    endpoint: Endpoint,
    case: Case | None,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    """Four callers per case: every caller is checked, and every failure is reported."""
    if case is None:
        pytest.fail(
            f"{endpoint} is not in the jurisdiction registry ({REGISTRY_FILE}): say which "
            "record it acts on, or list it as public, own or an unscoped list."
        )
    world, failures = World(tree), []
    for who in CALLERS:
        try:
            _check(case, who, world, tree, make_user, client_for)
        except AssertionError as exc:
            failures.append(str(exc).split("\n")[0])
        except Exception as exc:  # a crash for one caller must not hide the others' answers
            failures.append(f"{case.id} as {who}: raised {exc!r}")
    assert not failures, "\n".join(failures)


# --- the write gate, behind the read filter ---------------------------------------------------


def _scoped_writes() -> list[Any]:
    return [
        pytest.param(case, id=case.id)
        for cases in REGISTERED.values()
        for case in cases
        if case.kind is Kind.SCOPED and case.is_write
    ]


def _open_every_read_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``visible_to`` let every logged-in user see every record, as a view that forgot
    it would (each class defining it: the shared ``ScopedQuerySet`` and any override)."""

    def everything(self: Any, user: Any) -> Any:
        return self.all() if scope_of(user) is not None else self.none()

    for model in django_apps.get_models():
        for klass in type(model._default_manager.get_queryset()).__mro__:
            if "visible_to" in vars(klass):
                monkeypatch.setattr(klass, "visible_to", everything)


@pytest.mark.parametrize("case", _scoped_writes())
def test_the_write_gate_refuses_each_scoped_write_that_gets_past_the_read_filter(
    case: Case,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth, per write endpoint: were the record's lookup not narrowed to the
    caller's subtree, the action itself (``ensure_in_scope``, inside its transaction) refuses
    the sibling's write, and nothing is written."""
    # given a record, a caller from the sibling subtree, and every read filter opened
    world = World(tree)
    target = case.target(world)
    user = _caller("sibling", target, tree, make_user, case.roles or ALL_ROLES)
    client = client_for(user)
    client.raise_request_exception = False  # a page may not expect the refusal: a 500 is fine
    refusals: list[OutOfJurisdiction] = []
    original = OutOfJurisdiction.__init__

    def counted(self: OutOfJurisdiction, *args: Any, **kwargs: Any) -> None:
        refusals.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(OutOfJurisdiction, "__init__", counted)
    _open_every_read_filter(monkeypatch)
    before = _db_state(case)

    # when the sibling sends the write
    response = _send(client, case, target, target.data)

    # then the write gate refused it, and no table changed
    said = _describe(case, "sibling", response)
    assert refusals, f"{said}: no ensure_in_scope refused the write"
    assert _db_state(case) == before, f"{said}: wrote something outside the caller's jurisdiction"


# --- the registry itself -----------------------------------------------------------------------


def test_every_endpoint_is_registered() -> None:
    missing = unregistered(ENDPOINTS)
    assert not missing, (
        f"endpoints not in the jurisdiction registry ({REGISTRY_FILE}):\n"
        + "\n".join(f"  {e}" for e in missing)
    )


def test_the_registry_lists_no_endpoint_that_is_gone() -> None:
    gone = stale(ENDPOINTS)
    assert not gone, f"registry entries for endpoints the project no longer serves: {gone}"


def test_the_enumeration_sees_pages_and_api_operations() -> None:
    keys = {e.key for e in ENDPOINTS}
    assert {"regions:grid_retire", "accounts:token_revoke", "audit:list"} <= keys
    assert {"PATCH /api/grids/{code}", "POST /api/assignments/{pk}/end"} <= keys
    schema = api.get_openapi_schema()
    in_schema = {
        f"{method.upper()} {api_path}"
        for api_path, operations in schema["paths"].items()
        for method in operations
    }
    assert in_schema <= keys, f"operations in the schema but not enumerated: {in_schema - keys}"


def _leak(request: HttpRequest, pk: int) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse(str(pk))


def test_registry_check_names_an_unscoped_url_pattern_someone_adds() -> None:
    # given a copy of the project's URL list with four new patterns nobody registered: named,
    # nameless, inside a namespaced include, and one reusing a registered pattern's name
    _operations, api_routes = api_endpoints(api)
    patterns = [
        *get_resolver().url_patterns,
        path("leak/<int:pk>/", _leak, name="leak"),
        path("nameless/<int:pk>/", _leak),
        path("extra/", include(([path("<int:pk>/", _leak, name="detail")], "extra"))),
        path("", include(([path("d/<str:code>/export/", _leak, name="division")], "regions"))),
    ]

    # when the registry check runs over it
    known_gaps = {e.key for e in unregistered(ENDPOINTS)}  # reported by the matrix already
    checked = unregistered(url_endpoints(patterns, api_routes))
    missing = [e for e in checked if e.key not in known_gaps]

    # then it names exactly the new ones, with where they are served
    assert [e.key for e in missing] == [
        "leak",
        "nameless/<int:pk>/",
        "extra:detail",
        "d/<str:code>/export/",
    ]
    assert "leak/<int:pk>/" in str(missing[0])
    assert "_leak" in str(missing[0])


def test_registry_check_names_an_unscoped_api_operation_someone_adds() -> None:
    # given an API with one router nested in another, holding operations nobody registered
    fake = NinjaAPI(urls_namespace="matrix-meta")
    outer, inner = Router(), Router()

    @outer.get("/secret/{pk}")
    def secret(request: HttpRequest, pk: int) -> dict[str, int]:  # pragma: no cover
        return {"pk": pk}

    @inner.post("/x", include_in_schema=False)
    def hidden(request: HttpRequest) -> None:  # pragma: no cover
        return None

    outer.add_router("/nested", inner)
    fake.add_router("/fake", outer)

    # when the registry check runs over its operations
    operations, _routes = api_endpoints(fake, base="/api/")

    # then it names both, the hidden one included
    assert {e.key for e in unregistered(operations)} == {
        "GET /api/fake/secret/{pk}",
        "POST /api/fake/nested/x",
    }


def test_every_own_or_public_entry_says_in_one_line_why_jurisdiction_does_not_matter() -> None:
    # An endpoint registered as OWN or PUBLIC is not tried from another subtree: the reason is
    # what a reviewer checks the classification against.
    unexplained = [
        case.id
        for case in all_cases()
        if case.kind in (Kind.OWN, Kind.PUBLIC)
        and (not case.reason.strip() or "\n" in case.reason or len(case.reason) > 100)
    ]
    assert not unexplained, f"OWN or PUBLIC entries without a one-line reason: {unexplained}"


def test_each_app_brings_its_own_entries() -> None:
    # the entries are collected from the apps' own files, core's included
    from fangkong.core.discovery import app_modules

    sources = {
        config.label: len(getattr(module, "CASES", ()))
        for config, module in app_modules("tests.endpoints")
    }
    assert {"core", "regions", "accounts", "people", "screening", "bulk"} <= set(sources)
    assert all(sources.values()), sources
    assert sum(sources.values()) == len(all_cases())


def test_every_registry_entry_has_its_own_name() -> None:
    ids = [case.id for case in all_cases()]
    assert len(set(ids)) == len(ids), "two entries for one endpoint need different variants"


# --- found by the matrix -----------------------------------------------------------------------


def test_a_user_whose_home_is_a_grid_neither_sees_nor_assigns_the_villages_staff(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given a worker registered in 华阳社区, and a user with every role whose home is its 第一网格
    staff = World(tree).staff(name="村里登记的人")
    user = make_user(tree.grid1, roles=ALL_ROLES)
    client = client_for(user)
    grid = tree.grid1.code
    before = AuditEvent.objects.count()

    # when they open their grid's assign and merge forms and try to assign the worker
    assign_page = client.get(reverse("regions:grid_assign", args=[grid]))
    merge_page = client.get(reverse("regions:grid_merge", args=[grid]))
    posted = client.post(reverse("regions:grid_assign", args=[grid]), {"staff": staff.pk})
    api_posted = client.post(
        f"/api/grids/{grid}/assignments", {"staff_id": staff.pk}, content_type="application/json"
    )

    # then the village's worker and the village's other grid are not shown, and nothing is
    # written: the form refuses the worker like one that does not exist, the API answers 404
    assert assign_page.status_code == 200
    assert staff.name not in assign_page.content.decode()
    assert merge_page.status_code == 200
    assert tree.grid2.code not in merge_page.content.decode()
    assert posted.status_code == 200
    assert "staff" in posted.context["form"].errors
    assert api_posted.status_code == 404
    assert AuditEvent.objects.count() == before
    with pytest.raises(OutOfJurisdiction):
        region_actions.assign_staff(actor=user, grid=tree.grid1, staff=staff)
