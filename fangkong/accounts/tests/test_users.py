"""Administering users: create, update, deactivate, reset passwords, roles as groups, and a
division administrator confined to their own subtree (actions and the /accounts/users/ pages)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import TEST_PASSWORD
from fangkong.accounts import actions
from fangkong.accounts.models import ApiToken, User
from fangkong.accounts.roles import ROLE_PERMISSIONS, Role, group_name
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction

STRONG = "Chaoyang-Lu-88!"
USERS = "/accounts/users/"
NEXT_LINK = re.compile(r'href="\?q=([^"&]*)&amp;after=([^"]+)"')


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


def audit_since(mark: int) -> list[tuple[str, str, dict[str, Any]]]:
    rows = AuditEvent.objects.filter(id__gt=mark).order_by("id")
    return [(e.action, e.object_id, e.changes) for e in rows]


def everything() -> tuple[Any, ...]:
    """Every row a user write can touch."""
    return (
        list(User.objects.order_by("pk").values()),
        sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        list(ApiToken.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def admins(tree: Any, make_user: Callable[..., User]) -> dict[str, User]:
    """A province administrator, and the administrator of 南关区 (a division administrator)."""
    return {
        "province": make_user(tree.province, roles=[Role.SYSADMIN], username="prov_admin"),
        "county": make_user(tree.nanguan, roles=[Role.SYSADMIN], username="nanguan_admin"),
    }


@pytest.fixture
def inside(tree: Any, make_user: Callable[..., User]) -> User:
    """A secretary of 华阳社区, inside 南关区."""
    return make_user(
        tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang_sec", full_name="刘洋"
    )


@pytest.fixture
def outside(tree: Any, make_user: Callable[..., User]) -> User:
    """A secretary of 东市场社区, in 吉林市, outside 南关区."""
    return make_user(
        tree.dongshi, roles=[Role.VILLAGE_SECRETARY], username="dongshi_sec", full_name="陈静"
    )


# --- roles -------------------------------------------------------------------------------------


def test_every_role_is_a_group_with_exactly_its_permissions(db: Any) -> None:
    # Given a freshly migrated database, then each role has its group, with its permissions
    groups = {g.name: g for g in Group.objects.filter(name__startswith="role:")}
    assert set(groups) == {group_name(r) for r in Role.values}
    for role, wanted in ROLE_PERMISSIONS.items():
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in groups[group_name(role)].permissions.select_related("content_type")
        }
        assert granted == set(wanted), role
    # ... grid management is for command roles, user management for administrators only
    assert "regions.manage_grids" not in ROLE_PERMISSIONS[Role.GRID_WORKER]
    managers = [r for r, perms in ROLE_PERMISSIONS.items() if "accounts.manage_users" in perms]
    assert managers == [Role.SYSADMIN]


def test_a_users_roles_are_their_groups_and_give_their_permissions(
    tree: Any, make_user: Callable[..., User]
) -> None:
    user = make_user(tree.huayang, roles=[Role.GRID_WORKER, Role.CHECKPOINT_STAFF])
    user = fresh(user)

    assert sorted(user.roles) == ["checkpoint_staff", "grid_worker"]
    assert user.has_role(Role.GRID_WORKER)
    assert user.has_perm("regions.view_division")
    assert not user.has_perm("regions.manage_grids")
    assert not user.has_perm("accounts.manage_users")


# --- create ------------------------------------------------------------------------------------


def test_a_division_administrator_creates_a_user_in_their_subtree(
    tree: Any, admins: dict[str, User]
) -> None:
    mark = audit_mark()

    # When 南关区's administrator creates a grid worker for 华阳社区
    user = actions.create_user(
        actor=admins["county"],
        username=" zhangwei ",
        password=STRONG,
        home_division=tree.huayang,
        roles=[Role.GRID_WORKER, Role.GRID_WORKER],
        full_name="张伟",
        phone="13804310001",
    )

    # Then the user exists where asked, with the role, and a hashed password
    user = fresh(user)
    assert (user.username, user.full_name, user.home_division_id) == (
        "zhangwei",
        "张伟",
        tree.huayang.pk,
    )
    assert user.roles == ["grid_worker"]
    assert user.password != STRONG and user.check_password(STRONG)
    # ... and one audit row records it, without the password
    [(action, object_id, changes)] = audit_since(mark)
    assert (action, object_id) == ("user.create", str(user.pk))
    assert changes["username"] == [None, "zhangwei"]
    assert changes["home_division"] == [None, tree.huayang.pk]
    assert changes["roles"] == [None, ["grid_worker"]]
    assert STRONG not in json.dumps(changes, ensure_ascii=False)
    assert "password" not in changes


@pytest.mark.parametrize(
    ("username", "password", "roles", "code"),
    [
        ("HUAYANG_SEC", STRONG, [Role.GRID_WORKER], "username_taken"),
        ("  ", STRONG, [Role.GRID_WORKER], "username_required"),
        ("newuser", "12345678", [Role.GRID_WORKER], "weak_password"),
        ("newuser", "short", [Role.GRID_WORKER], "weak_password"),
        ("newuser", "newuser2020", [Role.GRID_WORKER], "weak_password"),
        ("newuser", STRONG, ["emperor"], "unknown_role"),
    ],
    ids=["taken-any-case", "blank", "numeric", "short", "like-username", "unknown-role"],
)
def test_a_user_is_refused_with_a_reason_and_nothing_is_written(
    tree: Any,
    admins: dict[str, User],
    inside: User,
    username: str,
    password: str,
    roles: list[str],
    code: str,
) -> None:
    state = everything()
    with pytest.raises(ActionError) as refused:
        actions.create_user(
            actor=admins["county"],
            username=username,
            password=password,
            home_division=tree.huayang,
            roles=roles,
        )
    assert refused.value.code == code
    assert refused.value.message
    assert everything() == state


def test_a_division_administrator_cannot_place_a_user_outside_their_subtree(
    tree: Any, admins: dict[str, User]
) -> None:
    state = everything()
    with pytest.raises(OutOfJurisdiction):
        actions.create_user(
            actor=admins["county"],
            username="spy",
            password=STRONG,
            home_division=tree.dongshi,
            roles=[Role.GRID_WORKER],
        )
    # ... nor at the province above them
    with pytest.raises(OutOfJurisdiction):
        actions.create_user(
            actor=admins["county"],
            username="boss",
            password=STRONG,
            home_division=tree.province,
            roles=[Role.PROVINCE_COMMAND],
        )
    assert everything() == state


# --- update ------------------------------------------------------------------------------------


def test_updating_a_user_records_exactly_what_changed(
    tree: Any, admins: dict[str, User], inside: User
) -> None:
    mark = audit_mark()

    actions.update_user(
        actor=admins["county"],
        user=inside,
        home_division=tree.hengan,
        roles=[Role.VILLAGE_SECRETARY, Role.GRID_WORKER],
        full_name="刘洋",
        phone="13804310003",
    )

    user = fresh(inside)
    assert user.home_division_id == tree.hengan.pk
    assert sorted(user.roles) == ["grid_worker", "village_secretary"]
    assert audit_since(mark) == [
        (
            "user.update",
            str(inside.pk),
            {
                "phone": ["", "13804310003"],
                "home_division": [tree.huayang.pk, tree.hengan.pk],
                "roles": [["village_secretary"], ["grid_worker", "village_secretary"]],
            },
        )
    ]


def test_a_division_administrator_cannot_update_users_outside_or_move_them_out(
    tree: Any, admins: dict[str, User], inside: User, outside: User
) -> None:
    state = everything()

    # When 南关区's administrator edits 东市场社区's secretary, then it is refused
    with pytest.raises(OutOfJurisdiction):
        actions.update_user(
            actor=admins["county"],
            user=outside,
            home_division=tree.dongshi,
            roles=[Role.SYSADMIN],
        )
    # ... and moving 华阳社区's secretary to 吉林市 is refused too
    with pytest.raises(OutOfJurisdiction):
        actions.update_user(
            actor=admins["county"],
            user=inside,
            home_division=tree.jilin_city,
            roles=[Role.VILLAGE_SECRETARY],
            full_name="刘洋",
        )
    with pytest.raises(OutOfJurisdiction):
        actions.reset_password(actor=admins["county"], user=outside, password=STRONG)
    with pytest.raises(OutOfJurisdiction):
        actions.deactivate_user(actor=admins["county"], user=outside)
    assert everything() == state


# --- deactivate and passwords ------------------------------------------------------------------


def test_deactivating_a_user_revokes_their_tokens_and_is_audited(
    admins: dict[str, User], inside: User
) -> None:
    # Given a checkpoint terminal token acting as the secretary
    token, raw = actions.create_token(actor=admins["county"], user=inside, name="卡口终端")
    assert actions.authenticate_token(raw) is not None
    mark = audit_mark()

    # When the administrator deactivates them
    actions.deactivate_user(actor=admins["county"], user=inside)

    # Then they are inactive, the token is revoked and no longer authenticates
    assert not fresh(inside).is_active
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert actions.authenticate_token(raw) is None
    assert audit_since(mark) == [("user.deactivate", str(inside.pk), {"is_active": [True, False]})]
    # ... and deactivating again changes nothing
    actions.deactivate_user(actor=admins["county"], user=inside)
    assert audit_since(mark) == [("user.deactivate", str(inside.pk), {"is_active": [True, False]})]


def test_an_administrator_cannot_deactivate_themselves(tree: Any, admins: dict[str, User]) -> None:
    me = admins["county"]
    state = everything()
    with pytest.raises(ActionError) as refused:
        actions.deactivate_user(actor=me, user=me)
    assert refused.value.code == "deactivate_self"
    with pytest.raises(ActionError) as refused:
        actions.update_user(
            actor=me, user=me, home_division=tree.nanguan, roles=me.roles, is_active=False
        )
    assert refused.value.code == "deactivate_self"
    assert everything() == state


def test_resetting_a_password_replaces_it_and_never_records_it(
    admins: dict[str, User], inside: User
) -> None:
    mark = audit_mark()

    actions.reset_password(actor=admins["county"], user=inside, password=STRONG)

    user = fresh(inside)
    assert user.check_password(STRONG)
    assert not user.check_password(TEST_PASSWORD)
    [(action, object_id, changes)] = audit_since(mark)
    assert (action, object_id) == ("user.reset_password", str(inside.pk))
    assert STRONG not in json.dumps(changes, ensure_ascii=False)


def test_a_weak_password_is_refused_on_reset(admins: dict[str, User], inside: User) -> None:
    state = everything()
    with pytest.raises(ActionError) as refused:
        actions.reset_password(actor=admins["county"], user=inside, password="password")
    assert "这个密码太常见了。" in refused.value.message
    assert everything() == state
    assert fresh(inside).check_password(TEST_PASSWORD)


# --- the pages ---------------------------------------------------------------------------------


def post_new_user(client: Client, **overrides: Any) -> Any:
    data = {
        "username": "zhangwei",
        "full_name": "张伟",
        "phone": "13804310001",
        "title": "网格员",
        "home_division": "220102001001",
        "roles": [Role.GRID_WORKER],
        "password": STRONG,
        **overrides,
    }
    return client.post(f"{USERS}new/", data)


def test_the_new_user_page_creates_a_user_and_shows_it(
    tree: Any, admins: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(admins["county"])
    assert client.get(f"{USERS}new/").status_code == 200

    response = post_new_user(client)

    user = User.objects.get(username="zhangwei")
    assert response.status_code == 302
    assert response["Location"] == f"{USERS}{user.pk}/"
    assert (user.home_division_id, user.roles) == (tree.huayang.pk, ["grid_worker"])
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert (event.actor, event.channel) == (admins["county"], "web")
    page = client.get(response["Location"]).content.decode()
    assert "zhangwei" in page and "张伟" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "12345678"}, "password", "这个密码太常见了。"),
        ({"password": "1234"}, "password", "密码只包含数字。"),
        ({"username": "huayang_sec"}, "username", "该用户名已被使用。"),
        ({"username": ""}, "username", "这个字段是必填项。"),
        ({"username": "有 空格"}, "username", None),
        ({"roles": []}, "roles", "这个字段是必填项。"),
        ({"roles": ["emperor"]}, "roles", "选择一个有效的选项"),
        ({"home_division": "220202001001"}, "home_division", None),  # 东市场社区: outside
        ({"home_division": "220000000000"}, "home_division", None),  # the province above
        ({"home_division": "999999999999"}, "home_division", None),
        ({"full_name": "名" * 51}, "full_name", "确保该变量包含不超过 50 字符"),
    ],
    ids=[
        "common-password",
        "numeric-password",
        "username-taken",
        "username-missing",
        "username-with-space",
        "no-role",
        "unknown-role",
        "home-outside-subtree",
        "home-above",
        "home-unknown",
        "long-name",
    ],
)
def test_bad_input_on_the_new_user_page_is_answered_and_nothing_is_written(
    admins: dict[str, User],
    inside: User,
    client_for: Callable[[User | None], Client],
    overrides: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    client = client_for(admins["county"])
    state = everything()

    response = post_new_user(client, **overrides)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    if message:
        assert message in response.content.decode()
    assert everything() == state


def test_the_edit_page_updates_roles_and_home_division(
    tree: Any,
    admins: dict[str, User],
    inside: User,
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(admins["county"])
    page = client.get(f"{USERS}{inside.pk}/")
    assert page.status_code == 200 and "huayang_sec" in page.content.decode()

    response = client.post(
        f"{USERS}{inside.pk}/",
        {
            "full_name": "刘洋",
            "home_division": tree.hengan.code,
            "roles": [Role.VILLAGE_SECRETARY, Role.GRID_WORKER],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    user = fresh(inside)
    assert user.home_division_id == tree.hengan.pk
    assert sorted(user.roles) == ["grid_worker", "village_secretary"]
    assert user.is_active


def test_deactivating_through_the_edit_page_revokes_tokens_and_ends_the_session(
    tree: Any,
    admins: dict[str, User],
    inside: User,
    client_for: Callable[[User | None], Client],
) -> None:
    # Given the secretary logged in on their phone, with a token for a terminal
    their_phone = client_for(inside)
    assert their_phone.get(tree.huayang.get_absolute_url()).status_code == 200
    token, raw = actions.create_token(actor=admins["county"], user=inside, name="卡口终端")

    # When the administrator unticks "active" on the edit page
    response = client_for(admins["county"]).post(
        f"{USERS}{inside.pk}/",
        {
            "full_name": "刘洋",
            "home_division": tree.huayang.code,
            "roles": [Role.VILLAGE_SECRETARY],
        },
    )

    # Then the user is inactive, the token is revoked, and the phone's session is over
    assert response.status_code == 302
    assert not fresh(inside).is_active
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert actions.authenticate_token(raw) is None
    after = their_phone.get(tree.huayang.get_absolute_url())
    assert after.status_code == 302 and after["Location"].startswith("/accounts/login/")
    # ... and they cannot log in again
    login = Client().post(
        "/accounts/login/", {"username": "huayang_sec", "password": TEST_PASSWORD}
    )
    assert login.status_code == 200
    assert "_auth_user_id" not in login.wsgi_request.session


def test_deactivating_yourself_through_the_edit_page_is_refused(
    tree: Any, admins: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    me = admins["county"]
    client = client_for(me)
    state = everything()

    response = client.post(
        f"{USERS}{me.pk}/",
        {"full_name": "管理员", "home_division": tree.nanguan.code, "roles": [Role.SYSADMIN]},
    )

    assert response.status_code == 200
    assert "不能停用自己的账号。" in response.content.decode()
    assert everything() == state


def test_moving_a_user_out_of_the_subtree_through_the_edit_page_is_refused(
    tree: Any,
    admins: dict[str, User],
    inside: User,
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(admins["county"])
    state = everything()

    response = client.post(
        f"{USERS}{inside.pk}/",
        {
            "full_name": "刘洋",
            "home_division": tree.dongshi.code,
            "roles": [Role.VILLAGE_SECRETARY],
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "home_division" in response.context["form"].errors
    assert everything() == state


def test_password_reset_page(
    admins: dict[str, User], inside: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(admins["county"])

    # A weak password is refused with the reason on the user's page
    weak = client.post(f"{USERS}{inside.pk}/password/", {"password": "12345678"}, follow=True)
    assert weak.status_code == 200
    assert "这个密码太常见了。" in weak.content.decode()
    assert fresh(inside).check_password(TEST_PASSWORD)

    # A good one replaces the password
    done = client.post(f"{USERS}{inside.pk}/password/", {"password": STRONG})
    assert done.status_code == 302
    assert fresh(inside).check_password(STRONG)


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "{pk}/", None),
        (
            "post",
            "{pk}/",
            {"full_name": "x", "home_division": "220202001001", "roles": ["sysadmin"]},
        ),
        ("post", "{pk}/password/", {"password": STRONG}),
    ],
    ids=["view", "edit", "reset-password"],
)
def test_a_division_administrator_gets_404_for_users_outside_their_subtree(
    admins: dict[str, User],
    outside: User,
    client_for: Callable[[User | None], Client],
    method: str,
    path: str,
    data: dict[str, Any] | None,
) -> None:
    client = client_for(admins["county"])
    state = everything()

    response = getattr(client, method)(USERS + path.format(pk=outside.pk), data)

    assert response.status_code == 404
    assert everything() == state
    # ... exactly as for a user who does not exist
    missing = getattr(client, method)(USERS + path.format(pk=999_999), data)
    assert missing.status_code == 404


def test_user_pages_need_the_user_management_permission(
    tree: Any,
    inside: User,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    commander = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    client = client_for(commander)
    state = everything()

    assert client.get(USERS).status_code == 403
    assert client.get(f"{USERS}new/").status_code == 403
    assert post_new_user(client).status_code == 403
    assert client.get(f"{USERS}{inside.pk}/").status_code == 403
    assert client.post(f"{USERS}{inside.pk}/password/", {"password": STRONG}).status_code == 403
    assert everything() == state
    anonymous = client_for(None).get(USERS)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


# --- the user list -----------------------------------------------------------------------------


def listed(response: Any) -> list[str]:
    return [u.username for u in response.context["items"]]


def test_the_user_list_shows_only_the_subtree_and_searches_it(
    tree: Any,
    admins: dict[str, User],
    inside: User,
    outside: User,
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(admins["county"])

    everyone = client.get(USERS)
    assert listed(everyone) == ["huayang_sec", "nanguan_admin"]
    page = everyone.content.decode()
    assert "刘洋" in page and "华阳社区" in page
    assert "陈静" not in page and "prov_admin" not in page

    assert listed(client.get(USERS, {"q": "HUAYANG"})) == ["huayang_sec"]  # username, any case
    assert listed(client.get(USERS, {"q": "刘"})) == ["huayang_sec"]  # full name
    assert listed(client.get(USERS, {"q": "南关"})) == ["nanguan_admin"]  # home division
    assert listed(client.get(USERS, {"q": "dongshi"})) == []  # exists, but outside
    # ... while the province administrator finds them all
    province = client_for(admins["province"])
    assert listed(province.get(USERS, {"q": "sec"})) == ["dongshi_sec", "huayang_sec"]


def test_the_user_list_pages_by_key(
    tree: Any, admins: dict[str, User], client_for: Callable[[User | None], Client]
) -> None:
    # Given 60 users in 华阳社区 (and the administrator)
    User.objects.bulk_create(
        [User(username=f"worker{i:03d}", home_division=tree.huayang) for i in range(60)]
    )
    client = client_for(admins["county"])

    # When the first page is opened
    first = client.get(USERS, {"q": "worker"})

    # Then it has 50 users in order, and a link to the next page that keeps the search
    assert listed(first) == [f"worker{i:03d}" for i in range(50)]
    link = NEXT_LINK.search(first.content.decode())
    assert link is not None and link.groups() == ("worker", "worker049")

    # When the link is followed
    second = client.get(USERS, {"q": "worker", "after": "worker049"})

    # Then the last 10 follow, and there is no next page
    assert listed(second) == [f"worker{i:03d}" for i in range(50, 60)]
    assert NEXT_LINK.search(second.content.decode()) is None


def test_the_user_list_runs_the_same_number_of_queries_for_few_or_many_users(
    tree: Any,
    admins: dict[str, User],
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    client = client_for(admins["county"])
    client.get(USERS)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(USERS).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_user(tree.huayang, roles=[Role.GRID_WORKER, Role.CHECKPOINT_STAFF])
    few = queries()
    for _ in range(20):
        make_user(tree.hengan, roles=[Role.GRID_WORKER])
    many = queries()

    assert few == many
