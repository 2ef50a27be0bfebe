"""The controls of graded protection level 3 (等保 2.0 三级) on accounts (issue 7): sessions
that end, the password policy, the three administrators kept apart, throttles, and the API
description behind the login in production.

Real views through the test client; time is moved by rewriting the session's own timestamps
and the password's date, never by sleeping. The second factor has its own file
(test_two_factor.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from conftest import TEST_PASSWORD
from fangkong.accounts import actions
from fangkong.accounts.middleware import LOGIN_AT, SEEN_AT
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError

HOME_OF = "/accounts/me/"
LOGIN = "/accounts/login/"


def login(client: Client, username: str, password: str = TEST_PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.7.0.1")


def age_session(client: Client, *, idle: int = 0, since_login: int = 0) -> None:
    """Move the session's clocks back by so many seconds (as if that much time had passed)."""
    session = client.session
    session[SEEN_AT] -= idle
    session[LOGIN_AT] -= since_login
    session.save()


# --- sessions -------------------------------------------------------------------------------


def test_a_session_ends_after_30_minutes_without_a_request(tree: Any, make_user: Any) -> None:
    # given a logged-in village secretary
    make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="idle-sec")
    client = Client()
    assert login(client, "idle-sec").status_code == 302
    assert client.get(HOME_OF).status_code == 200

    # when 29 minutes pass without a request, the session still works
    age_session(client, idle=29 * 60)
    assert client.get(HOME_OF).status_code == 200

    # when 31 more minutes pass, the next request is sent to the login page, logged out
    age_session(client, idle=31 * 60)
    answer = client.get(HOME_OF)
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{LOGIN}?next=")
    assert "_auth_user_id" not in client.session
    assert client.get("/api/me").status_code == 401
    event = AuditEvent.objects.filter(action="user.session_expired").get()
    assert event.changes == {"reason": [None, "idle"]}


def test_the_idle_limit_is_a_setting(tree: Any, make_user: Any, settings: Any) -> None:
    settings.FANGKONG_SESSION_IDLE_MINUTES = 5
    make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="idle5")
    client = Client()
    login(client, "idle5")
    age_session(client, idle=6 * 60)
    assert client.get(HOME_OF).status_code == 302


def test_a_session_ends_8_hours_after_login_however_busy(tree: Any, make_user: Any) -> None:
    # given a logged-in user who has been active all along (the last request a minute ago)
    make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="busy-sec")
    client = Client()
    login(client, "busy-sec")
    age_session(client, since_login=8 * 3600 - 60)
    assert client.get(HOME_OF).status_code == 200
    # when the login is more than 8 hours old
    age_session(client, since_login=120)
    # then the session is over, for the API too
    assert client.get("/api/me").status_code == 401
    assert client.get(HOME_OF).status_code == 302
    reasons = [
        e.changes["reason"][1] for e in AuditEvent.objects.filter(action="user.session_expired")
    ]
    assert reasons == ["absolute"]


# --- the password policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("Short-1a", False),  # 8 characters, four classes
        ("abcdefghijkl", False),  # one class
        ("abcdefgh1234", False),  # two classes
        ("xinmima-2026a", True),  # lower, digits, symbols
        ("Xinmima2026abc", True),  # lower, upper, digits
        ("新密码很长很长的密码Aa", True),  # lower, upper, other
    ],
)
def test_passwords_need_10_characters_and_three_kinds(
    tree: Any, make_user: Any, password: str, accepted: bool
) -> None:
    admin = make_user(tree.province, roles=[Role.SYSADMIN])
    user = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    if accepted:
        actions.reset_password(actor=admin, user=user, password=password)
        return
    with translation.override("zh-hans"), pytest.raises(ActionError) as refused:
        actions.reset_password(actor=admin, user=user, password=password)
    assert refused.value.code == "weak_password"
    assert "密码" in refused.value.message  # said in Chinese


def test_none_of_the_last_five_passwords_can_be_used_again(tree: Any, make_user: Any) -> None:
    # given a user who changed their password five times
    user = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    passwords = [TEST_PASSWORD] + [f"Rotation-{n}-pass" for n in range(1, 6)]
    for old, new in itertools.pairwise(passwords):
        actions.change_own_password(actor=user, old_password=old, new_password=new)
    current = passwords[-1]
    # then the current one and the four before it are refused, with a clear message
    for reused in passwords[-5:]:
        with translation.override("zh-hans"), pytest.raises(ActionError) as refused:
            actions.change_own_password(actor=user, old_password=current, new_password=reused)
        assert refused.value.field == "new_password"
        assert "5" in refused.value.message
    # an administrator's reset does not bring one back either
    admin = make_user(tree.province, roles=[Role.SYSADMIN])
    with pytest.raises(ActionError):
        actions.reset_password(actor=admin, user=user, password=passwords[-3])
    # and the sixth-last (the first one) is allowed again
    actions.change_own_password(actor=user, old_password=current, new_password=passwords[0])
    assert User.objects.get(pk=user.pk).check_password(passwords[0])
    assert user.password_history.count() == 4  # with the current one, the last five


def test_a_password_set_by_an_administrator_is_changed_at_first_login(
    tree: Any, make_user: Any, client_for: Any
) -> None:
    # given a user created by an administrator through the form, with a token for a machine
    admin = make_user(tree.province, roles=[Role.SYSADMIN], username="forced-admin")
    created = client_for(admin).post(
        reverse("accounts:user_create"),
        {
            "username": "newcomer",
            "full_name": "新同事",
            "home_division": tree.huayang.code,
            "roles": [Role.GRID_WORKER.value],
            "password": "Chushi-Mima-2026",
        },
    )
    assert created.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.password_change_required
    _token, raw = actions.create_token(actor=admin, user=newcomer, name="终端")

    # when they log in, every page sends them to the change-password page
    client = Client()
    assert login(client, "newcomer", "Chushi-Mima-2026").status_code == 302
    for path in ("/", reverse("people:list"), reverse("regions:search")):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"] == HOME_OF, path
    assert client.get(HOME_OF).status_code == 200
    # the session is not good for the API yet; the machine's token is
    assert client.get("/api/me").status_code == 401
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    # when they choose their own password, everything opens
    changed = client.post(
        HOME_OF, {"old_password": "Chushi-Mima-2026", "new_password": "Ziji-de-Mima-2026"}
    )
    assert changed.status_code == 302
    assert client.get(reverse("regions:search")).status_code == 200
    assert not User.objects.get(pk=newcomer.pk).password_change_required

    # and a reset by an administrator asks for a change again
    actions.reset_password(actor=admin, user=newcomer, password="Chongzhi-Mima-2026")
    assert User.objects.get(pk=newcomer.pk).password_change_required


def test_passwords_expire_only_when_configured(
    tree: Any, make_user: Any, client_for: Any, settings: Any
) -> None:
    # given a user whose password is 100 days old
    user = make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY])
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=100)
    )
    search = reverse("regions:search")
    # by default passwords do not expire
    assert settings.FANGKONG_PASSWORD_MAX_AGE_DAYS == 0
    assert client_for(user).get(search).status_code == 200
    # with a 90-day expiry the user must change it first
    settings.FANGKONG_PASSWORD_MAX_AGE_DAYS = 90
    answer = client_for(user).get(search)
    assert answer.status_code == 302 and answer["Location"] == HOME_OF


# --- the three administrators (三员分立) ----------------------------------------------------------


@pytest.mark.parametrize(
    "pair",
    [
        (Role.SYSADMIN, Role.AUDIT_ADMIN),
        (Role.SYSADMIN, Role.SECURITY_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
    ],
)
def test_no_account_holds_two_of_the_three_administrator_roles(
    tree: Any, make_user: Any, pair: tuple[str, str]
) -> None:
    # refused when creating the account
    with pytest.raises(ActionError) as refused:
        make_user(tree.province, roles=list(pair))
    assert refused.value.code == "admin_roles_exclusive"
    # and when adding the second role later, whoever asks
    user = make_user(tree.province, roles=[pair[0]])
    security = make_user(tree.province, roles=[Role.SECURITY_ADMIN])
    with pytest.raises(ActionError) as again:
        actions.set_roles(actor=security, user=user, roles=list(pair))
    assert again.value.code == "admin_roles_exclusive"
    assert sorted(User.objects.get(pk=user.pk).roles) == [pair[0]]


def test_the_refusal_is_a_clear_message_in_the_user_form(
    tree: Any, make_user: Any, client_for: Any
) -> None:
    security = make_user(tree.province, roles=[Role.SECURITY_ADMIN])
    subject = make_user(tree.huayang, roles=[Role.SYSADMIN])
    url = reverse("accounts:user_roles", args=[subject.pk])
    with translation.override("zh-hans"):
        answer = client_for(security).post(
            url, {"roles": [Role.SYSADMIN, Role.AUDIT_ADMIN]}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert answer.status_code == 200
    errors = " ".join(answer.context["form"].errors["roles"])
    assert "三员" in errors or "three administrator" in errors, errors
    assert sorted(User.objects.get(pk=subject.pk).roles) == [Role.SYSADMIN]


def test_the_system_administrator_manages_users_but_cannot_read_the_audit_log(
    tree: Any, make_user: Any, client_for: Any
) -> None:
    sysadmin = client_for(make_user(tree.province, roles=[Role.SYSADMIN]))
    assert sysadmin.get(reverse("accounts:user_list")).status_code == 200
    assert sysadmin.get(reverse("accounts:user_create")).status_code == 200
    assert sysadmin.get(reverse("audit:list")).status_code == 403
    assert sysadmin.get(reverse("accounts:security")).status_code == 403
    assert "/audit/" not in sysadmin.get(reverse("accounts:user_list")).content.decode()


def test_the_audit_administrator_reads_the_audit_log_and_nothing_else(
    tree: Any, make_user: Any, client_for: Any
) -> None:
    auditor = client_for(make_user(tree.province, roles=[Role.AUDIT_ADMIN]))
    assert auditor.get(reverse("audit:list")).status_code == 200
    home = auditor.get("/")
    assert home.status_code == 302 and home["Location"] == reverse("audit:list")
    for name in ("accounts:user_list", "accounts:token_list", "accounts:security", "people:list"):
        assert auditor.get(reverse(name)).status_code == 403, name
    menu = [url for _label, url in auditor.get(reverse("audit:list")).context["nav_items"]]
    assert menu == ["/", reverse("regions:search"), reverse("audit:list")], menu
    assert auditor.get("/api/users").status_code == 403


def test_the_security_administrator_assigns_roles_and_releases_lockouts(
    tree: Any, make_user: Any, client_for: Any
) -> None:
    # given a security administrator of the province and a locked-out village secretary
    security_admin = make_user(tree.province, roles=[Role.SECURITY_ADMIN])
    security = client_for(security_admin)
    subject = make_user(tree.huayang, roles=[Role.GRID_WORKER], username="locked-sec")
    for attempt in range(5):
        login(Client(), "locked-sec", f"wrong-{attempt}")
    assert login(Client(), "locked-sec").status_code == 429

    # the security administrator sees the users and the lock, but cannot create or edit users
    assert security.get(reverse("accounts:user_list")).status_code == 200
    assert security.get(reverse("accounts:user_create")).status_code == 403
    assert security.get(reverse("accounts:user_edit", args=[subject.pk])).status_code == 403
    assert security.get(reverse("audit:list")).status_code == 403
    page = security.get(reverse("accounts:security")).content.decode()
    assert "locked-sec" in page

    # when they give the village secretary's role and release the lock
    answer = security.post(
        reverse("accounts:user_roles", args=[subject.pk]), {"roles": [Role.VILLAGE_SECRETARY]}
    )
    assert answer.status_code == 302
    released = security.post(reverse("accounts:lockout_release", args=[subject.pk]))
    assert released.status_code == 302

    # then the roles changed, the account logs in again, and both are audited
    assert User.objects.get(pk=subject.pk).roles == [Role.VILLAGE_SECRETARY]
    assert login(Client(), "locked-sec").status_code == 302
    audited = set(AuditEvent.objects.filter(actor=security_admin).values_list("action", flat=True))
    assert {"user.roles", "user.lockout_released"} <= audited


def test_only_the_security_administrator_gives_an_administrator_role(
    tree: Any, make_user: Any
) -> None:
    sysadmin = make_user(tree.province, roles=[Role.SYSADMIN])
    subject = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    # the system administrator can give working roles, not an administrator's
    actions.set_roles(actor=sysadmin, user=subject, roles=[Role.VILLAGE_SECRETARY])
    with pytest.raises(ActionError) as refused:
        actions.set_roles(actor=sysadmin, user=subject, roles=[Role.AUDIT_ADMIN])
    assert refused.value.code == "cannot_assign_admin_roles"
    with pytest.raises(ActionError):
        actions.create_user(
            actor=sysadmin, username="auditor2", password="Shenji-Mima-2026",
            home_division=tree.province, roles=[Role.AUDIT_ADMIN], full_name="审计",
        )  # fmt: skip
    # nobody changes their own roles, not even the security administrator
    security = make_user(tree.province, roles=[Role.SECURITY_ADMIN])
    with pytest.raises(ActionError) as own:
        actions.set_roles(
            actor=security, user=security, roles=[Role.SECURITY_ADMIN, Role.PROVINCE_COMMAND]
        )
    assert own.value.code == "own_roles"
    actions.set_roles(actor=security, user=subject, roles=[Role.AUDIT_ADMIN])
    assert User.objects.get(pk=subject.pk).roles == [Role.AUDIT_ADMIN]


# --- throttles --------------------------------------------------------------------------------


def test_the_old_password_check_is_throttled(tree: Any, make_user: Any, client_for: Any) -> None:
    # given a logged-in user (someone else at their unlocked screen)
    user = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    client = client_for(user)
    # when five wrong current passwords are tried
    for attempt in range(4):
        wrong = client.post(
            HOME_OF, {"old_password": f"guess-{attempt}", "new_password": "Neue-Passw0rd-1"}
        )
        assert wrong.status_code == 200
    fifth = client.post(HOME_OF, {"old_password": "guess-5", "new_password": "Neue-Passw0rd-1"})
    assert fifth.status_code == 429
    # then even the right one is refused for a while, with a page that says why
    right = client.post(HOME_OF, {"old_password": TEST_PASSWORD, "new_password": "Neue-Passw0rd-1"})
    assert right.status_code == 429
    assert "Retry-After" in right
    assert 'name="old_password"' not in right.content.decode()
    assert User.objects.get(pk=user.pk).check_password(TEST_PASSWORD)


def _bad_tokens(client: Client, count: int, address: str) -> list[Any]:
    return [
        client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer fk_wrong{n}", REMOTE_ADDR=address)
        for n in range(count)
    ]


@pytest.mark.parametrize("backend", ["locmem", "database"])
def test_bad_api_tokens_from_one_address_are_throttled(
    tree: Any, make_user: Any, settings: Any, backend: str
) -> None:
    if backend == "database":  # what production uses: the table made by migration 0006
        settings.CACHES = {
            **settings.CACHES,
            "throttle": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "fangkong_throttle",
            },
        }
    user = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    _token, raw = actions.create_token(actor=None, user=user, name="终端")
    client = Client()
    # 19 bad tokens answer 401; the 20th and everything after from that address 429, as JSON
    answers = _bad_tokens(client, 20, "10.6.6.6")
    assert [a.status_code for a in answers[:19]] == [401] * 19
    assert answers[19].status_code == 429
    body = answers[19].json()
    assert body["code"] == "too_many_requests" and body["message"]
    assert _bad_tokens(client, 1, "10.6.6.6")[0].status_code == 429
    # a good token is not slowed, and another address is not affected
    good = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.6.6.6")
    assert good.status_code == 200
    assert _bad_tokens(client, 1, "10.6.6.7")[0].status_code == 401


def test_bad_check_in_links_from_one_address_are_throttled(tree: Any) -> None:
    from fangkong.observation import links
    from fangkong.screening.tests.factories import observe

    observation = observe(tree.grid1, name="限流测试", exposure_days_ago=2)
    good = reverse("observation:personal", args=[links.make_token(observation)])
    client = Client(REMOTE_ADDR="10.5.5.5")
    # 19 made-up links answer "this link does not work"; the 20th is refused
    for n in range(19):
        assert client.get(reverse("observation:personal", args=[f"x{n}"])).status_code == 404
    refused = client.get(reverse("observation:personal", args=["x19"]))
    assert refused.status_code == 429
    assert "Retry-After" in refused
    # and from that address even a good link waits; from another, it opens
    assert client.get(good).status_code == 429
    assert Client(REMOTE_ADDR="10.5.5.6").get(good).status_code == 200


# --- the API description ------------------------------------------------------------------------


def test_the_api_description_needs_a_login_in_production(
    tree: Any, make_user: Any, client_for: Any, settings: Any
) -> None:
    settings.FANGKONG_PUBLIC_API_DOCS = False  # production: FANGKONG_DEBUG off
    anonymous = Client()
    schema = anonymous.get("/api/openapi.json")
    assert schema.status_code == 401 and schema.json()["code"] == "unauthorized"
    docs = anonymous.get("/api/docs")
    assert docs.status_code == 302 and docs["Location"].startswith(f"{LOGIN}?next=")
    user = make_user(tree.huayang, roles=[Role.GRID_WORKER])
    assert client_for(user).get("/api/openapi.json").status_code == 200
    assert client_for(user).get("/api/docs").status_code == 200
    _token, raw = actions.create_token(actor=None, user=user, name="文档")
    by_token = anonymous.get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_token.status_code == 200 and "paths" in json.loads(by_token.content)


def test_the_api_description_is_open_while_developing() -> None:
    import fangkong.settings as project_settings

    assert project_settings.FANGKONG_PUBLIC_API_DOCS is project_settings.DEBUG


# --- the demo ---------------------------------------------------------------------------------


def test_demo_has_three_separate_administrators_who_log_in_as_published(
    tree: Any, settings: Any
) -> None:
    from fangkong.demo.scenario import DEMO_PASSWORD, DEMO_USERS

    specs = {u.username: u for u in DEMO_USERS}
    assert Role.AUDIT_ADMIN not in specs["admin"].roles
    assert specs["anquan"].roles == (Role.SECURITY_ADMIN,)
    assert specs["shenji"].roles == (Role.AUDIT_ADMIN,)
    for spec in DEMO_USERS:  # each a valid combination under the new rule
        actions._check_roles([str(r) for r in spec.roles])
    # the demo creates its accounts as the command line, with no forced change
    user = actions.create_user(
        actor=None, username="demo-like", password=DEMO_PASSWORD, home_division=tree.province,
        roles=[Role.AUDIT_ADMIN], full_name="审计", must_change_password=False,
    )  # fmt: skip
    settings.FANGKONG_REQUIRE_2FA = False  # what `make demo` runs with
    client = Client()
    assert login(client, "demo-like", DEMO_PASSWORD).status_code == 302
    assert client.get(reverse("audit:list")).status_code == 200
    assert not user.password_change_required


def test_make_demo_turns_the_second_factor_off_and_says_so() -> None:
    from django.conf import settings

    makefile = (settings.BASE_DIR.parent / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "FANGKONG_REQUIRE_2FA=false $(BIN)/gunicorn" in demo
    assert "@echo" in demo and "双因素" in demo
