"""The REST API under /api/: its description, authentication, error answers and every endpoint.

Real database, real HTTP through Django's test client. Machines (hospital systems, checkpoint
terminals) are played by a client that enforces CSRF like a real one and carries a bearer token;
browsers by a logged-in session.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fangkong.accounts import actions as account_actions
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.roles import Role
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridAssignment, GridStaff

NEW_PASSWORD = "Grid-Worker-2020-ok"

# Every endpoint this issue ships (method, OpenAPI path). Later issues add to this list.
ENDPOINTS = {
    ("get", "/api/me"),
    ("get", "/api/users"),
    ("post", "/api/users"),
    ("get", "/api/users/{pk}"),
    ("patch", "/api/users/{pk}"),
    ("post", "/api/users/{pk}/password"),
    ("get", "/api/divisions/search"),
    ("get", "/api/divisions/{code}"),
    ("get", "/api/divisions/{code}/children"),
    ("post", "/api/grids"),
    ("get", "/api/grids/{code}"),
    ("patch", "/api/grids/{code}"),
    ("post", "/api/grids/{code}/merge"),
    ("post", "/api/grids/{code}/retire"),
    ("post", "/api/grids/{code}/assignments"),
    ("post", "/api/assignments/{pk}/end"),
    ("get", "/api/staff"),
    ("post", "/api/staff"),
    ("get", "/api/staff/{pk}"),
}


# --- helpers ---------------------------------------------------------------------------------


def send(client: Client, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    """Send ``body`` as JSON (or raw text/bytes as given) with the JSON content type."""
    if method == "get":
        return client.get(url, **extra)
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return getattr(client, method)(url, data=data, content_type="application/json", **extra)


def post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    return send(client, "post", url, {} if body is None else body, **extra)


def patch(client: Client, url: str, body: Any, **extra: Any) -> Any:
    return send(client, "patch", url, body, **extra)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """An error answer: the status, JSON with the stable code and a message for people."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


def error_fields(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["type"] for e in body["errors"]}


def machine(raw: str) -> Client:
    """A machine with a bearer token: no cookies, and CSRF enforced as for a real client."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


def walk_pages(client: Client, url: str, sep: str = "?") -> tuple[list[dict[str, Any]], int]:
    """Follow next_after to the end; answers every item and the number of pages."""
    items: list[dict[str, Any]] = []
    after: Any = None
    pages = 0
    while True:
        page_url = url if after is None else f"{url}{sep}after={after}"
        response = client.get(page_url)
        assert response.status_code == 200, response.content[:300]
        page = response.json()
        items.extend(page["items"])
        pages += 1
        after = page["next_after"]
        if after is None:
            return items, pages
        assert pages < 50, "next_after never ends"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def admin(tree: Any, make_user: Any) -> User:
    """A system administrator for the whole province."""
    return make_user(tree.province, [Role.SYSADMIN], username="admin")


@pytest.fixture
def county_admin(tree: Any, make_user: Any) -> User:
    """A system administrator for 南关区 only."""
    return make_user(tree.nanguan, [Role.SYSADMIN], username="nanguan_admin")


@pytest.fixture
def secretary(tree: Any, make_user: Any) -> User:
    """The secretary of 华阳社区, who runs its grids."""
    return make_user(tree.huayang, [Role.VILLAGE_SECRETARY], username="huayang_secretary")


@pytest.fixture
def worker(tree: Any, make_user: Any) -> User:
    """A grid worker of 华阳社区: may look, may not change grids or users."""
    return make_user(tree.huayang, [Role.GRID_WORKER], username="huayang_worker")


@pytest.fixture
def staff(tree: Any) -> GridStaff:
    return region_actions.create_staff(
        actor=None, village=tree.huayang, name="张网格", phone="13800000001", kind="grid_worker"
    )


@pytest.fixture
def other_staff(tree: Any) -> GridStaff:
    return region_actions.create_staff(
        actor=None, village=tree.dongshi, name="李党员", phone="13900000002", kind="party_member"
    )


@pytest.fixture
def secretary_token(secretary: User) -> str:
    _token, raw = account_actions.create_token(actor=None, user=secretary, name="华阳社区终端")
    return raw


# --- OpenAPI and interactive docs -------------------------------------------------------------


def test_openapi_document_lists_every_endpoint_and_the_bearer_scheme(db: Any) -> None:
    # when anyone fetches the API description
    response = Client().get("/api/openapi.json")

    # then it is OpenAPI 3 and lists every endpoint
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    listed = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert listed >= ENDPOINTS, sorted(ENDPOINTS - listed)
    # and describes bearer tokens, which every operation accepts
    schemes = spec["components"]["securitySchemes"]
    bearer = [name for name, s in schemes.items() if s == {"type": "http", "scheme": "bearer"}]
    assert bearer, schemes
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            names = {name for requirement in op.get("security", []) for name in requirement}
            assert bearer[0] in names, f"{method.upper()} {path} does not accept bearer tokens"


def test_interactive_docs_render_from_our_own_static_files(db: Any) -> None:
    # when a developer opens the interactive docs
    response = Client().get("/api/docs")

    # then Swagger UI renders from our own static files, no CDN
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    sources = re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"([^\"]+)\"", html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources), sources
    for source in sources:
        assert source.startswith(settings.STATIC_URL), f"{source} is not served by us"
        found = finders.find(source.removeprefix(settings.STATIC_URL))
        assert found, f"{source} is missing from our static files"
    assert "/api/openapi.json" in html
    assert "cdn" not in html.lower()


# --- bearer tokens --------------------------------------------------------------------------


def test_bearer_token_acts_as_its_user(tree: Any, secretary: User, secretary_token: str) -> None:
    # when a machine calls with the token
    response = machine(secretary_token).get("/api/me")

    # then it acts as the token's user
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "huayang_secretary"
    assert me["home_division_code"] == tree.huayang.code
    assert me["roles"] == [Role.VILLAGE_SECRETARY]


def test_bearer_token_is_limited_to_its_users_jurisdiction(tree: Any, secretary_token: str) -> None:
    client = machine(secretary_token)

    # inside the user's village: found
    assert client.get(f"/api/divisions/{tree.huayang.code}").status_code == 200
    assert client.get(f"/api/grids/{tree.grid1.code}").status_code == 200

    # outside it (a sibling village, the other city's grid, the county above): 404 like
    # something that does not exist
    for url in (
        f"/api/divisions/{tree.hengan.code}",
        f"/api/divisions/{tree.nanguan.code}",
        f"/api/grids/{tree.other_grid.code}",
        f"/api/divisions/{tree.dongshi.code}/children",
    ):
        assert_error(client.get(url), 404, "not_found")
    missing = client.get("/api/divisions/229999999999")
    assert missing.json() == client.get(f"/api/divisions/{tree.hengan.code}").json()


def test_bearer_token_writes_without_csrf_and_only_inside_its_jurisdiction(
    tree: Any, secretary_token: str
) -> None:
    client = machine(secretary_token)

    # when the machine creates a grid in its village, then it is created
    response = post(client, "/api/grids", {"village": tree.huayang.code, "name": "第三网格"})
    assert response.status_code == 201, response.content
    assert Division.objects.filter(code=response.json()["code"], name="第三网格").exists()

    # when it tries the same in a village outside its jurisdiction, then 404 and nothing written
    before = Division.objects.count()
    response = post(client, "/api/grids", {"village": tree.dongshi.code, "name": "第三网格"})
    assert_error(response, 404, "not_found")
    assert Division.objects.count() == before


def test_only_the_hash_of_a_token_is_stored(secretary: User) -> None:
    # given a token that has been created and used
    token, raw = account_actions.create_token(actor=None, user=secretary, name="卡口终端 1")
    assert machine(raw).get("/api/me").status_code == 200

    # then the database holds its SHA-256 and a short prefix
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) / 3
    # and the raw value is nowhere in any table
    for model in apps.get_models():
        for row in model._default_manager.all().values_list():
            assert raw not in repr(row), f"raw token stored in {model._meta.label}"


def _revoked(user: User) -> str:
    token, raw = account_actions.create_token(actor=None, user=user, name="revoked")
    account_actions.revoke_token(actor=None, token=token)
    return raw


def _expired(user: User) -> str:
    token, raw = account_actions.create_token(
        actor=None, user=user, name="expired", expires_at=timezone.now() + timedelta(hours=1)
    )
    # an hour later (the clock moved on, the row did not)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return raw


def _of_deactivated_user(user: User) -> str:
    _token, raw = account_actions.create_token(actor=None, user=user, name="left the job")
    account_actions.deactivate_user(actor=None, user=user)
    return raw


BAD_TOKENS = {
    "revoked": _revoked,
    "expired": _expired,
    "user deactivated": _of_deactivated_user,
    "unknown": lambda user: "fk_" + secrets.token_urlsafe(32),
    "malformed: no prefix": lambda user: secrets.token_urlsafe(32),
    "malformed: prefix only": lambda user: "fk_",
    "malformed: very long": lambda user: "fk_" + "A" * 5000,
    "malformed: not ascii": lambda user: "fk_网格网格",
    "malformed: spaces": lambda user: "fk_ a b c",
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
@pytest.mark.parametrize(
    ("method", "path"), [("get", "/api/me"), ("post", "/api/grids")], ids=["GET", "POST"]
)
def test_a_token_that_is_not_valid_answers_401(
    tree: Any, secretary: User, kind: str, method: str, path: str
) -> None:
    # given a token that must not work
    raw = BAD_TOKENS[kind](secretary)

    # when a machine uses it
    response = send(
        machine(raw), method, path, {"village": tree.huayang.code, "name": "坏令牌网格"}
    )

    # then 401 JSON, and nothing was written
    assert_error(response, 401, "unauthorized")
    assert not Division.objects.filter(name="坏令牌网格").exists()


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token fk_abc", "fk_abc", "Bearer fk_a fk_b"],
)
def test_a_malformed_authorization_header_answers_401(db: Any, header: str) -> None:
    response = Client(headers={"Authorization": header}).get("/api/me")
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/me"),
        ("get", "/api/users"),
        ("get", "/api/divisions/search?q=吉林"),
        ("get", "/api/divisions/220000000000"),
        ("post", "/api/grids"),
        ("post", "/api/users"),
        ("get", "/api/staff"),
    ],
)
def test_anonymous_caller_answers_401(tree: Any, method: str, path: str) -> None:
    response = send(Client(), method, path, {"village": tree.huayang.code, "name": "匿名网格"})
    assert_error(response, 401, "unauthorized")


# --- the browser session ----------------------------------------------------------------------


def test_session_auth_works_for_the_browser(secretary: User, client_for: Any) -> None:
    response = client_for(secretary).get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == secretary.username


def test_a_deactivated_users_session_answers_401(
    secretary: User, admin: User, client_for: Any
) -> None:
    # given a browser logged in as a user an administrator then deactivates
    browser = client_for(secretary)
    account_actions.deactivate_user(actor=admin, user=secretary)

    # then the API no longer serves that session
    assert_error(browser.get("/api/me"), 401, "unauthorized")


def test_session_post_without_csrf_token_is_refused(tree: Any, secretary: User) -> None:
    # given a logged-in browser that enforces CSRF like a real one
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(secretary)
    body = {"village": tree.huayang.code, "name": "跨站网格"}

    # when a POST arrives with the session cookie but without the CSRF token
    response = post(browser, "/api/grids", body)

    # then it is refused and nothing is written
    assert_error(response, 403, "csrf_failed")
    assert not Division.objects.filter(name="跨站网格").exists()

    # and the same request with the token the docs page hands to the browser goes through
    docs = browser.get("/api/docs").content.decode()
    csrf = re.search(r'data-csrf-token="([^"]+)"', docs)
    assert csrf, "the docs page must give the browser its CSRF token"
    response = post(browser, "/api/grids", body, headers={"X-CSRFToken": csrf.group(1)})
    assert response.status_code == 201, response.content


# --- error answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["{not json", '{"village": "220102001001", "name": ', "\x00", "{'a': 1}", "[1,"]
)
def test_malformed_json_answers_400_bad_json(admin: User, client_for: Any, raw: str) -> None:
    response = post(client_for(admin), "/api/grids", raw)
    assert_error(response, 400, "bad_json")


def test_malformed_json_answers_400_on_patch_too(tree: Any, admin: User, client_for: Any) -> None:
    response = patch(client_for(admin), f"/api/grids/{tree.grid1.code}", '{"name": "x"')
    assert_error(response, 400, "bad_json")
    assert Division.objects.get(pk=tree.grid1.pk).name == "第一网格"


def test_non_utf8_body_answers_400_bad_json(admin: User, client_for: Any) -> None:
    response = post(client_for(admin), "/api/grids", b'{"name": "\xff\xfe"}')
    assert_error(response, 400, "bad_json")


def test_a_form_encoded_body_answers_400_bad_json(tree: Any, admin: User, client_for: Any) -> None:
    response = client_for(admin).post(
        "/api/grids", {"village": tree.huayang.code, "name": "表单网格"}
    )
    assert_error(response, 400, "bad_json")
    assert not Division.objects.filter(name="表单网格").exists()


@pytest.mark.parametrize("raw", ["[]", '"just a string"', "42", "null", "true", '[{"a": 1}]', ""])
def test_json_that_is_not_an_object_answers_422(admin: User, client_for: Any, raw: str) -> None:
    response = post(client_for(admin), "/api/grids", raw)
    assert_error(response, 422, "validation_error")


def test_wrong_types_answer_422_with_field_paths(tree: Any, admin: User, client_for: Any) -> None:
    # when the grid's village is a number and its name a list
    response = post(
        client_for(admin), "/api/grids", {"village": 220102001001, "name": ["第三网格"]}
    )

    # then 422 names each field that is wrong
    body = assert_error(response, 422, "validation_error")
    assert set(error_fields(body)) == {"village", "name"}
    assert "village" in body["message"] and "name" in body["message"]


def test_wrong_type_inside_a_list_names_its_position(
    tree: Any, admin: User, client_for: Any
) -> None:
    body = {
        "username": "wang",
        "password": NEW_PASSWORD,
        "full_name": "王五",
        "home_division": tree.nanguan.code,
        "roles": ["grid_worker", "emperor"],
    }
    response = post(client_for(admin), "/api/users", body)
    assert error_fields(assert_error(response, 422, "validation_error")) == {"roles.1": "enum"}
    assert not User.objects.filter(username="wang").exists()


def test_missing_field_answers_422(tree: Any, admin: User, client_for: Any) -> None:
    response = post(client_for(admin), "/api/grids", {"village": tree.huayang.code})
    body = assert_error(response, 422, "validation_error")
    assert error_fields(body) == {"name": "missing"}


def test_unknown_field_answers_422_extra_forbidden(tree: Any, admin: User, client_for: Any) -> None:
    response = post(
        client_for(admin),
        "/api/grids",
        {"village": tree.huayang.code, "name": "第三网格", "colour": "red"},
    )
    body = assert_error(response, 422, "validation_error")
    assert error_fields(body) == {"colour": "extra_forbidden"}
    assert not Division.objects.filter(name="第三网格").exists()


def test_unknown_field_in_a_patch_answers_422(tree: Any, admin: User, client_for: Any) -> None:
    response = patch(client_for(admin), f"/api/users/{admin.pk}", {"is_superuser": True})
    assert error_fields(assert_error(response, 422, "validation_error")) == {
        "is_superuser": "extra_forbidden"
    }
    admin.refresh_from_db()
    assert not admin.is_superuser


def test_oversized_body_answers_413(tree: Any, admin: User, client_for: Any) -> None:
    # given a body one byte over the limit
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = {"village": tree.huayang.code, "name": "大网格", "note": ""}
    body["note"] = "a" * (limit + 1 - len(json.dumps(body)))
    raw = json.dumps(body)
    assert len(raw) == limit + 1

    # when it is posted, then 413 and nothing is written
    response = post(client_for(admin), "/api/grids", raw)
    assert_error(response, 413, "too_large")
    assert not Division.objects.filter(name="大网格").exists()


def test_oversized_body_answers_413_for_a_token_too(tree: Any, secretary_token: str) -> None:
    raw = json.dumps({"village": tree.huayang.code, "name": "x" * settings.FANGKONG_API_MAX_BODY})
    assert_error(post(machine(secretary_token), "/api/grids", raw), 413, "too_large")


@pytest.mark.parametrize(
    "path",
    [
        "/api/divisions/229999999999",
        "/api/divisions/229999999999/children",
        "/api/divisions/not-a-code",
        "/api/grids/229999999999001",
        "/api/grids/220102001001",  # a village, not a grid
        "/api/staff/999999",
        "/api/users/999999",
    ],
)
def test_unknown_record_answers_404_not_found(admin: User, client_for: Any, path: str) -> None:
    assert_error(client_for(admin).get(path), 404, "not_found")


def test_grid_in_an_unknown_division_answers_404(admin: User, client_for: Any) -> None:
    response = post(client_for(admin), "/api/grids", {"village": "229999999999", "name": "网格"})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/users/99999999999999999999999999"),
        ("patch", "/api/users/99999999999999999999999999"),
        ("post", "/api/users/99999999999999999999999999/password"),
        ("get", "/api/staff/99999999999999999999999999"),
        ("post", "/api/assignments/99999999999999999999999999/end"),
        ("get", "/api/staff?after=99999999999999999999999999"),
        ("post", "/api/grids/220102001001001/assignments"),
        ("get", "/api/users/-1"),
        ("get", "/api/users/abc"),
        ("get", "/api/staff/1.5"),
        ("get", "/api/nowhere"),
    ],
)
def test_out_of_range_or_unmatched_ids_answer_json_never_500(
    admin: User, client_for: Any, method: str, path: str
) -> None:
    body = {"password": NEW_PASSWORD, "staff_id": 99999999999999999999999999}
    response = send(client_for(admin), method, path, body)
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert response.json()["code"] in ("not_found", "validation_error")
    else:
        assert response.json()["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "q=",
        "q=" + "长" * 41,
        "q=吉林&limit=0",
        "q=吉林&limit=201",
        "q=吉林&limit=many",
        "q=吉林&after=abc",
        "q=吉林&within=abc",
        "q=吉林&include_retired=perhaps",
        "",
    ],
)
def test_bad_search_parameters_answer_422(admin: User, client_for: Any, query: str) -> None:
    response = client_for(admin).get(f"/api/divisions/search?{query}")
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize(
    "path",
    [
        "/api/staff?after=-1",
        "/api/staff?limit=0",
        "/api/staff?village=abc",
        "/api/users?limit=1000",
        "/api/divisions/220000000000/children?limit=0",
        "/api/divisions/220000000000/children?after=x",
    ],
)
def test_bad_list_parameters_answer_422(tree: Any, admin: User, client_for: Any, path: str) -> None:
    response = client_for(admin).get(path)
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize("text", ["\x00", "华阳\x00", "\ud800", "a\udfffb"])
def test_control_and_lone_surrogate_characters_never_500(
    tree: Any, admin: User, client_for: Any, text: str
) -> None:
    client = client_for(admin)
    # in a JSON body (written with \u escapes, as any JSON encoder would)
    raw = json.dumps({"village": tree.huayang.code, "name": text})
    response = post(client, "/api/grids", raw)
    assert response.status_code < 500, response.content[:300]
    if response.status_code == 201:
        stored = Division.objects.get(code=response.json()["code"])
        assert stored.name == response.json()["name"]
    # in a query string (a lone surrogate cannot be UTF-8 encoded: send its CESU bytes)
    quoted = quote(text.encode("utf-8", "surrogatepass"))
    response = client.get(f"/api/divisions/search?q={quoted}")
    assert response.status_code < 500, response.content[:300]


@pytest.mark.parametrize(
    "path",
    [
        "/api/divisions/%00",
        "/api/divisions/22%00/children",
        "/api/grids/%00",
        "/api/divisions/search?q=%00",
        "/api/divisions/search?q=%E5%90%89%00",
        "/api/users?q=%00",
        "/api/users?after=%00",
        "/api/divisions/search?q=%FF%FE",
        "/api/users?q=%ED%A0%80",
    ],
)
def test_nul_and_invalid_bytes_in_urls_never_500(admin: User, client_for: Any, path: str) -> None:
    response = client_for(admin).get(path)
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json")


def test_duplicate_grid_name_answers_400_name_taken(
    tree: Any, secretary: User, client_for: Any
) -> None:
    # given 华阳社区 already has 第一网格
    # when the secretary creates another grid of that name
    response = post(
        client_for(secretary), "/api/grids", {"village": tree.huayang.code, "name": "第一网格"}
    )

    # then the business rule refuses it by its code, naming the field
    body = assert_error(response, 400, "name_taken")
    assert body["field"] == "name"
    assert "第一网格" in body["message"]
    assert Division.objects.filter(parent=tree.huayang, name="第一网格").count() == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/grids", {"village": "220102001001", "name": "第九网格"}),
        ("patch", "/api/grids/220102001001001", {"name": "改名"}),
        ("post", "/api/grids/220102001001002/merge", {"target": "220102001001001"}),
        ("post", "/api/grids/220102001001001/retire", {"reason": "撤销"}),
        ("post", "/api/staff", {"village": "220102001001", "name": "赵", "phone": "13800000009",
                                "kind": "volunteer"}),
        ("get", "/api/users", None),
        ("post", "/api/users", {"username": "x", "password": NEW_PASSWORD, "full_name": "x",
                                "home_division": "220102001001", "roles": ["grid_worker"]}),
        ("patch", "/api/users/{me}", {"roles": ["sysadmin"]}),
        ("post", "/api/users/{me}/password", {"password": NEW_PASSWORD}),
    ],
)  # fmt: skip
def test_role_without_permission_answers_403(
    tree: Any, worker: User, client_for: Any, method: str, path: str, body: Any
) -> None:
    # given a grid worker, who may look but not change grids or users
    before = (Division.objects.count(), GridStaff.objects.count(), User.objects.count())
    path = path.replace("{me}", str(worker.pk))

    # when they try, then 403 and nothing changes
    response = send(client_for(worker), method, path, body)
    assert_error(response, 403, "forbidden")
    assert (Division.objects.count(), GridStaff.objects.count(), User.objects.count()) == before
    assert Division.objects.get(pk=tree.grid1.pk).name == "第一网格"
    worker.refresh_from_db()
    assert worker.roles == [Role.GRID_WORKER]


def test_grid_worker_may_still_read_their_grids_and_staff(
    tree: Any, worker: User, staff: GridStaff, client_for: Any
) -> None:
    client = client_for(worker)
    assert client.get(f"/api/grids/{tree.grid1.code}").status_code == 200
    assert [s["name"] for s in client.get("/api/staff").json()["items"]] == ["张网格"]


# --- divisions ------------------------------------------------------------------------------


def test_get_division_answers_its_counts(tree: Any, admin: User, client_for: Any) -> None:
    response = client_for(admin).get(f"/api/divisions/{tree.province.code}")
    assert response.status_code == 200
    province = response.json()
    assert province["name"] == "吉林省"
    assert province["parent_code"] is None
    assert (province["n_prefectures"], province["n_villages"], province["n_grids"]) == (2, 3, 3)

    village = client_for(admin).get(f"/api/divisions/{tree.huayang.code}").json()
    assert village["parent_code"] == tree.nanling.code
    assert village["n_children"] == 2


def test_children_page_by_page_with_next_after(tree: Any, admin: User, client_for: Any) -> None:
    client = client_for(admin)

    # when the province's children are read one per page
    first = client.get(f"/api/divisions/{tree.province.code}/children?limit=1").json()
    assert [d["name"] for d in first["items"]] == ["长春市"]
    assert first["next_after"] == tree.changchun.code
    items, pages = walk_pages(client, f"/api/divisions/{tree.province.code}/children?limit=1", "&")

    # then every child comes exactly once, in code order, and the last page says so
    assert [d["name"] for d in items] == ["长春市", "吉林市"]
    assert pages == 2


def test_children_hide_retired_grids_unless_asked(tree: Any, admin: User, client_for: Any) -> None:
    region_actions.retire_grid(actor=None, grid=tree.grid2, reason="并网")
    client = client_for(admin)
    url = f"/api/divisions/{tree.huayang.code}/children"
    assert [g["name"] for g in client.get(url).json()["items"]] == ["第一网格"]
    everything = client.get(url + "?include_retired=true").json()["items"]
    assert [(g["name"], g["active"]) for g in everything] == [
        ("第一网格", True),
        ("第二网格", False),
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("社区", ["华阳社区", "恒安社区", "东市场社区"]),
        ("hysq", ["华阳社区"]),
        ("HuaYang", ["华阳社区"]),
        ("220102001", ["南岭街道", "华阳社区", "第一网格", "第二网格", "恒安社区"]),
        ("网格", ["第一网格", "第二网格", "第一网格"]),
        ("不存在的地方", []),
    ],
)
def test_search_by_name_pinyin_or_code_pages_through_everything(
    tree: Any, admin: User, client_for: Any, q: str, expected: list[str]
) -> None:
    items, _pages = walk_pages(client_for(admin), f"/api/divisions/search?q={q}&limit=2", "&")
    assert [d["name"] for d in items] == expected
    codes = [d["code"] for d in items]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)


def test_search_is_limited_to_the_callers_jurisdiction(
    tree: Any, secretary: User, client_for: Any
) -> None:
    items, _ = walk_pages(client_for(secretary), "/api/divisions/search?q=社区")
    assert [d["name"] for d in items] == ["华阳社区"]
    items, _ = walk_pages(client_for(secretary), "/api/divisions/search?q=网格")
    assert [d["code"] for d in items] == [tree.grid1.code, tree.grid2.code]


def test_search_within_a_subtree(tree: Any, admin: User, client_for: Any) -> None:
    client = client_for(admin)
    items, _ = walk_pages(client, f"/api/divisions/search?q=网格&within={tree.dongshi.code}", "&")
    assert [d["code"] for d in items] == [tree.other_grid.code]


def test_search_within_a_division_outside_jurisdiction_answers_404(
    tree: Any, secretary: User, client_for: Any
) -> None:
    response = client_for(secretary).get(f"/api/divisions/search?q=网格&within={tree.dongshi.code}")
    assert_error(response, 404, "not_found")


# --- grids --------------------------------------------------------------------------------


def test_secretary_creates_a_grid(tree: Any, secretary: User, client_for: Any) -> None:
    # when the secretary of 华阳社区 creates a grid with a note
    response = post(
        client_for(secretary),
        "/api/grids",
        {"village": tree.huayang.code, "name": "  第三网格 ", "note": "3 号楼至 5 号楼"},
    )

    # then it is a grid under the village, numbered after the others, with clean text
    assert response.status_code == 201, response.content
    grid = response.json()
    assert grid["code"] == tree.huayang.code + "003"
    assert (grid["name"], grid["note"], grid["level"]) == ("第三网格", "3 号楼至 5 号楼", 6)
    assert grid["parent_code"] == tree.huayang.code
    assert grid["active"] is True and grid["assignments"] == []
    # and the counts above it moved
    village = client_for(secretary).get(f"/api/divisions/{tree.huayang.code}").json()
    assert (village["n_children"], village["n_grids"]) == (3, 3)
    # and it can be read back
    again = client_for(secretary).get(f"/api/grids/{grid['code']}").json()
    assert again["name"] == "第三网格"


def test_a_grid_can_only_be_created_under_a_village(
    tree: Any, admin: User, client_for: Any
) -> None:
    response = post(client_for(admin), "/api/grids", {"village": tree.nanling.code, "name": "x"})
    assert_error(response, 400, "parent_not_village")


def test_secretary_renames_a_grid(tree: Any, secretary: User, client_for: Any) -> None:
    response = patch(
        client_for(secretary), f"/api/grids/{tree.grid1.code}", {"name": "华阳东区", "note": "东"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["note"]) == ("华阳东区", "东")
    grid = client_for(secretary).get(f"/api/grids/{tree.grid1.code}").json()
    assert grid["name"] == "华阳东区"
    # and it is found by its new pinyin
    found = client_for(secretary).get("/api/divisions/search?q=hydq").json()["items"]
    assert [d["code"] for d in found] == [tree.grid1.code]


def test_rename_to_a_name_in_use_answers_name_taken(
    tree: Any, secretary: User, client_for: Any
) -> None:
    response = patch(client_for(secretary), f"/api/grids/{tree.grid1.code}", {"name": "第二网格"})
    assert_error(response, 400, "name_taken")


def test_secretary_merges_a_grid_and_its_staff_move(
    tree: Any, secretary: User, staff: GridStaff, client_for: Any
) -> None:
    # given 张网格 works 第二网格
    client = client_for(secretary)
    assert post(client, f"/api/grids/{tree.grid2.code}/assignments", {"staff_id": staff.pk})

    # when 第二网格 is merged into 第一网格
    response = post(
        client, f"/api/grids/{tree.grid2.code}/merge", {"target": tree.grid1.code, "reason": "并网"}
    )

    # then the answer is the target, now worked by 张网格
    assert response.status_code == 200, response.content
    target = response.json()
    assert target["code"] == tree.grid1.code
    assert [(a["staff"]["name"], a["ended_at"]) for a in target["assignments"]] == [
        ("张网格", None)
    ]
    # and the source is retired, points at the target, and keeps its history
    source = client.get(f"/api/grids/{tree.grid2.code}").json()
    assert source["active"] is False and source["retired_at"]
    assert source["merged_into_code"] == tree.grid1.code
    assert [a["end_reason"] for a in source["assignments"]] == ["并入第一网格"]
    assert client.get(f"/api/divisions/{tree.huayang.code}").json()["n_grids"] == 1


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ("grid2", 400, "merge_self"),
        ("other_grid", 404, "not_found"),
        ("huayang", 404, "not_found"),
    ],
)
def test_bad_merges_are_refused(
    tree: Any, secretary: User, client_for: Any, target: str, status: int, code: str
) -> None:
    response = post(
        client_for(secretary),
        f"/api/grids/{tree.grid2.code}/merge",
        {"target": getattr(tree, target).code},
    )
    assert_error(response, status, code)
    assert Division.objects.get(pk=tree.grid2.pk).active


def test_merge_across_villages_is_refused(tree: Any, admin: User, client_for: Any) -> None:
    # 第一网格 of 华阳社区 and 第一网格 of 东市场社区 are both within the province admin's reach
    response = post(
        client_for(admin),
        f"/api/grids/{tree.grid1.code}/merge",
        {"target": tree.other_grid.code},
    )
    assert_error(response, 400, "merge_other_village")


def test_secretary_retires_a_grid(
    tree: Any, secretary: User, staff: GridStaff, client_for: Any
) -> None:
    client = client_for(secretary)
    post(client, f"/api/grids/{tree.grid1.code}/assignments", {"staff_id": staff.pk})

    # when the grid is retired
    response = post(client, f"/api/grids/{tree.grid1.code}/retire", {"reason": "小区拆迁"})

    # then it is inactive, its assignment is ended but kept, and it takes no more changes
    assert response.status_code == 200, response.content
    grid = response.json()
    assert grid["active"] is False and grid["retired_at"]
    assert [a["end_reason"] for a in grid["assignments"]] == ["网格撤销"]
    assert_error(
        post(client, f"/api/grids/{tree.grid1.code}/retire", {"reason": "again"}),
        400,
        "grid_retired",
    )
    assert_error(patch(client, f"/api/grids/{tree.grid1.code}", {"name": "复活"}), 400,
                 "grid_retired")  # fmt: skip


def test_retire_needs_a_reason(tree: Any, secretary: User, client_for: Any) -> None:
    response = post(client_for(secretary), f"/api/grids/{tree.grid1.code}/retire", {"reason": ""})
    assert error_fields(assert_error(response, 422, "validation_error")) == {
        "reason": "string_too_short"
    }


def test_assign_staff_and_end_the_assignment(
    tree: Any, secretary: User, staff: GridStaff, client_for: Any
) -> None:
    client = client_for(secretary)

    # when 张网格 is assigned to 第一网格
    response = post(client, f"/api/grids/{tree.grid1.code}/assignments", {"staff_id": staff.pk})

    # then the grid lists them
    assert response.status_code == 201, response.content
    assignment = response.json()
    assert assignment["staff"]["name"] == "张网格" and assignment["ended_at"] is None
    grid = client.get(f"/api/grids/{tree.grid1.code}").json()
    assert [a["id"] for a in grid["assignments"]] == [assignment["id"]]
    # and a second assignment of the same person is refused
    again = post(client, f"/api/grids/{tree.grid1.code}/assignments", {"staff_id": staff.pk})
    assert_error(again, 400, "already_assigned")

    # when the assignment is ended
    response = post(client, f"/api/assignments/{assignment['id']}/end")

    # then it is ended, kept, and cannot be ended twice
    assert response.status_code == 200, response.content
    assert response.json()["ended_at"]
    assert GridAssignment.objects.filter(pk=assignment["id"]).exists()
    assert_error(post(client, f"/api/assignments/{assignment['id']}/end"), 400, "already_ended")


def test_staff_of_another_village_cannot_be_assigned(
    tree: Any, admin: User, other_staff: GridStaff, client_for: Any
) -> None:
    response = post(
        client_for(admin), f"/api/grids/{tree.grid1.code}/assignments", {"staff_id": other_staff.pk}
    )
    assert_error(response, 400, "staff_other_village")


def test_staff_outside_jurisdiction_cannot_be_assigned_or_seen(
    tree: Any, secretary: User, other_staff: GridStaff, client_for: Any
) -> None:
    client = client_for(secretary)
    response = post(
        client, f"/api/grids/{tree.grid1.code}/assignments", {"staff_id": other_staff.pk}
    )
    assert_error(response, 404, "not_found")
    assert_error(client.get(f"/api/staff/{other_staff.pk}"), 404, "not_found")


def test_ending_an_assignment_outside_jurisdiction_answers_404(
    tree: Any, secretary: User, other_staff: GridStaff, client_for: Any
) -> None:
    assignment = region_actions.assign_staff(actor=None, grid=tree.other_grid, staff=other_staff)
    response = post(client_for(secretary), f"/api/assignments/{assignment.pk}/end")
    assert_error(response, 404, "not_found")
    assignment.refresh_from_db()
    assert assignment.ended_at is None


# --- grid staff -----------------------------------------------------------------------------


def test_staff_create_list_and_get(tree: Any, secretary: User, client_for: Any) -> None:
    client = client_for(secretary)

    # when the secretary registers a party member
    response = post(
        client,
        "/api/staff",
        {
            "village": tree.huayang.code,
            "name": "王党员",
            "phone": "138-0000-0003",
            "kind": StaffKind.PARTY_MEMBER,
            "party_organisation": "华阳社区党委第一支部",
        },
    )

    # then they are registered with a clean phone number
    assert response.status_code == 201, response.content
    person = response.json()
    assert (person["name"], person["phone"], person["kind"]) == (
        "王党员",
        "13800000003",
        "party_member",
    )
    assert person["village_code"] == tree.huayang.code
    # and can be listed and read
    assert [s["id"] for s in client.get("/api/staff").json()["items"]] == [person["id"]]
    assert client.get(f"/api/staff/{person['id']}").json() == person


def test_staff_list_pages_and_filters_by_village(
    tree: Any, admin: User, staff: GridStaff, other_staff: GridStaff, client_for: Any
) -> None:
    third = region_actions.create_staff(
        actor=None, village=tree.hengan, name="周志愿", phone="13700000004", kind="volunteer"
    )
    client = client_for(admin)
    items, pages = walk_pages(client, "/api/staff?limit=2", "&")
    assert [s["id"] for s in items] == [staff.pk, other_staff.pk, third.pk]
    assert pages == 2
    only = client.get(f"/api/staff?village={tree.dongshi.code}").json()["items"]
    assert [s["name"] for s in only] == ["李党员"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"phone": "12345"}, 400, "bad_phone"),
        ({"kind": "emperor"}, 422, "validation_error"),
        ({"village": "220102001000"}, 400, "parent_not_village"),
        ({"village": "220202001001"}, 404, "not_found"),
        ({"name": ""}, 422, "validation_error"),
        ({"phone": "13800000001"}, 400, "phone_taken"),
    ],
)
def test_bad_staff_is_refused(
    tree: Any,
    county_admin: User,
    staff: GridStaff,
    client_for: Any,
    change: dict[str, str],
    status: int,
    code: str,
) -> None:
    body = {"village": tree.huayang.code, "name": "钱", "phone": "13600000005", "kind": "volunteer"}
    response = post(client_for(county_admin), "/api/staff", {**body, **change})
    assert_error(response, status, code)
    assert GridStaff.objects.count() == 1


# --- users --------------------------------------------------------------------------------


def _new_user(tree: Any, **change: Any) -> dict[str, Any]:
    return {
        "username": "liu.ying",
        "password": NEW_PASSWORD,
        "full_name": "刘英",
        "phone": "13800000010",
        "title": "网格员",
        "home_division": tree.huayang.code,
        "roles": ["grid_worker"],
        **change,
    }


def test_me_describes_the_caller(tree: Any, admin: User, client_for: Any) -> None:
    me = client_for(admin).get("/api/me").json()
    assert me["username"] == "admin"
    assert (me["home_division_code"], me["home_division_name"]) == (tree.province.code, "吉林省")
    assert me["roles"] == ["sysadmin"] and me["is_active"] is True


def test_admin_creates_a_user(tree: Any, county_admin: User, client_for: Any) -> None:
    # when a county administrator creates a grid worker in a village of the county
    response = post(client_for(county_admin), "/api/users", _new_user(tree))

    # then the user exists with that division and role, and can log in with the password
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["username"] == "liu.ying" and created["roles"] == ["grid_worker"]
    assert created["home_division_code"] == tree.huayang.code
    assert "password" not in created
    user = User.objects.get(pk=created["id"])
    assert user.check_password(NEW_PASSWORD)
    assert client_for(county_admin).get(f"/api/users/{user.pk}").json() == created


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"username": "ADMIN"}, 400, "username_taken"),
        ({"password": "12345678"}, 400, "weak_password"),
        ({"password": "short"}, 400, "weak_password"),
        ({"home_division": "220202001001"}, 404, "not_found"),
        ({"home_division": "220000000000"}, 404, "not_found"),
        ({"roles": []}, 422, "validation_error"),
        ({"username": "has space"}, 422, "validation_error"),
        ({"username": ""}, 422, "validation_error"),
    ],
)
def test_bad_new_users_are_refused(
    tree: Any,
    county_admin: User,
    make_user: Any,
    client_for: Any,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    make_user(tree.province, username="admin")
    before = User.objects.count()
    response = post(client_for(county_admin), "/api/users", _new_user(tree, **change))
    assert_error(response, status, code)
    assert User.objects.count() == before


def test_users_list_is_paged_and_limited_to_the_subtree(
    tree: Any, county_admin: User, make_user: Any, client_for: Any
) -> None:
    # given users inside 南关区 and one in 吉林市
    for name in ("c_worker", "a_worker", "b_worker"):
        make_user(tree.huayang, [Role.GRID_WORKER], username=name)
    make_user(tree.dongshi, [Role.GRID_WORKER], username="outsider")

    # when the county administrator lists users two at a time
    items, pages = walk_pages(client_for(county_admin), "/api/users?limit=2", "&")

    # then they see every user of their subtree, by username, and no one else
    assert [u["username"] for u in items] == ["a_worker", "b_worker", "c_worker", "nanguan_admin"]
    assert pages == 2
    found = client_for(county_admin).get("/api/users?q=b_w").json()["items"]
    assert [u["username"] for u in found] == ["b_worker"]


def test_user_outside_the_subtree_answers_404(
    tree: Any, county_admin: User, make_user: Any, client_for: Any
) -> None:
    outsider = make_user(tree.dongshi, [Role.GRID_WORKER], username="outsider")
    client = client_for(county_admin)
    assert_error(client.get(f"/api/users/{outsider.pk}"), 404, "not_found")
    assert_error(patch(client, f"/api/users/{outsider.pk}", {"title": "x"}), 404, "not_found")
    assert_error(
        post(client, f"/api/users/{outsider.pk}/password", {"password": NEW_PASSWORD}),
        404,
        "not_found",
    )
    outsider.refresh_from_db()
    assert outsider.title == "" and not outsider.check_password(NEW_PASSWORD)


def test_admin_changes_a_users_roles_division_and_deactivates_them(
    tree: Any, county_admin: User, worker: User, client_for: Any
) -> None:
    # when the administrator moves the worker to 恒安社区 as its secretary, then deactivates them
    client = client_for(county_admin)
    response = patch(
        client,
        f"/api/users/{worker.pk}",
        {"home_division": tree.hengan.code, "roles": ["village_secretary"], "title": "书记"},
    )
    assert response.status_code == 200, response.content
    changed = response.json()
    assert changed["home_division_code"] == tree.hengan.code
    assert (changed["roles"], changed["title"], changed["is_active"]) == (
        ["village_secretary"],
        "书记",
        True,
    )
    response = patch(client, f"/api/users/{worker.pk}", {"is_active": False})

    # then the change stuck and fields not sent were kept
    assert response.status_code == 200
    worker.refresh_from_db()
    assert (worker.is_active, worker.title, worker.roles) == (False, "书记", ["village_secretary"])
    assert worker.full_name == "huayang_worker"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"home_division": "220202001001"}, 404, "not_found"),
        ({"roles": ["emperor"]}, 422, "validation_error"),
        ({"is_active": "sometimes"}, 422, "validation_error"),
        ({"full_name": ""}, 422, "validation_error"),
    ],
)
def test_bad_user_changes_are_refused(
    tree: Any,
    county_admin: User,
    worker: User,
    client_for: Any,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = patch(client_for(county_admin), f"/api/users/{worker.pk}", change)
    assert_error(response, status, code)
    worker.refresh_from_db()
    assert worker.home_division_id == tree.huayang.pk and worker.roles == ["grid_worker"]


def test_an_admin_cannot_deactivate_themselves(county_admin: User, client_for: Any) -> None:
    response = patch(
        client_for(county_admin), f"/api/users/{county_admin.pk}", {"is_active": False}
    )
    assert_error(response, 400, "deactivate_self")
    county_admin.refresh_from_db()
    assert county_admin.is_active


def test_admin_resets_a_password(county_admin: User, worker: User, client_for: Any) -> None:
    response = post(
        client_for(county_admin), f"/api/users/{worker.pk}/password", {"password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)


def test_a_weak_password_reset_is_refused(
    county_admin: User, worker: User, client_for: Any
) -> None:
    response = post(
        client_for(county_admin), f"/api/users/{worker.pk}/password", {"password": "password"}
    )
    body = assert_error(response, 400, "weak_password")
    assert body["field"] == "password"
    worker.refresh_from_db()
    assert not worker.check_password("password")


# --- fuzzing: whatever arrives, never a 500 ------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
village_codes = st.sampled_from(["220102001001", "220202001001", "220102001", "22", "x"])
fuzz_settings = hypothesis_settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _assert_answer_not_500(response: Any) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response.json()["code"]


grid_bodies = (
    json_values
    | st.fixed_dictionaries(
        {"village": village_codes | json_values},
        optional={"name": st.text(max_size=60) | json_values, "note": json_values},
    )
    | st.binary(max_size=60)
)


@fuzz_settings
@given(body=grid_bodies)
def test_fuzzed_grid_bodies_never_500(tree: Any, admin: User, body: Any) -> None:
    client = Client()
    client.force_login(admin)
    raw = body if isinstance(body, bytes) else json.dumps(body)
    _assert_answer_not_500(post(client, "/api/grids", raw))


user_bodies = (
    json_values
    | st.fixed_dictionaries(
        {
            "username": st.from_regex(r"\A[\w.@+-]{1,20}\Z") | json_values,
            "password": st.text(min_size=8, max_size=30) | json_values,
            "full_name": st.text(max_size=20),
            "home_division": village_codes,
            "roles": st.lists(st.sampled_from([*Role.values, "emperor"]), max_size=3) | json_values,
        },
        optional={"phone": st.text(max_size=25), "title": json_values},
    )
    | st.binary(max_size=60)
)


@fuzz_settings
@given(body=user_bodies)
def test_fuzzed_user_bodies_never_500(tree: Any, admin: User, body: Any) -> None:
    client = Client()
    client.force_login(admin)
    raw = body if isinstance(body, bytes) else json.dumps(body)
    _assert_answer_not_500(post(client, "/api/users", raw))
