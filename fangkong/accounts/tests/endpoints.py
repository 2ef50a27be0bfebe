"""The jurisdiction-matrix entries of accounts (users, tokens, login, second factor):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.core.tests.endpoints import (
    LIST,
    NO_SUCH_DIVISION,
    OWN,
    PASSWORD,
    PUBLIC,
    SCOPED,
    SECURITY,
    Case,
    Target,
    World,
    form,
    form_as,
)


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


def own_password(w: World) -> Target:
    return Target(
        home=w.tree.huayang,
        data={"old_password": PASSWORD, "new_password": "Matrix-Changed-Passw0rd-2020"},
    )


def api_user(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": w.user().pk})


def user_roles(w: World) -> Target:
    user = w.user(w.tree.huayang)
    return Target(home=w.tree.huayang, args={"pk": user.pk}, data={"roles": ["village_secretary"]})


def _locked(w: World) -> User:
    from axes.models import AccessAttempt
    from django.conf import settings

    user = w.user(w.tree.huayang)
    AccessAttempt.objects.create(
        username=user.username,
        ip_address="10.9.9.9",
        user_agent="matrix",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    return user


def locked_listed(w: World) -> Target:
    return Target(home=w.tree.huayang, marker=_locked(w).username)


def locked_user(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": _locked(w).pk})


def enrolled_user(w: World) -> Target:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = w.user(w.tree.huayang)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return Target(home=w.tree.huayang, args={"pk": user.pk})


CASES: list[Case] = [
    # accounts
    Case(
        "accounts:login",
        "GET",
        PUBLIC,
        ok=(302,),
        anon_ok=(200,),
        reason="the login form; a signed-in caller is sent home",
    ),
    # Logging out audits who left (nothing for the anonymous visitor, who has no session).
    Case(
        "accounts:logout",
        "POST",
        PUBLIC,
        ok=(302,),
        writes=True,
        reason="ends the caller's own session; the anonymous visitor has none",
    ),
    Case("accounts:profile", "GET", OWN, reason="the caller's own account page"),
    Case(
        "accounts:profile",
        "POST",
        OWN,
        own_password,
        ok=(302,),
        reason="changes the caller's own password, checked against the old one",
    ),
    Case("accounts:user_list", "GET", LIST, user_listed),
    Case(
        "accounts:user_create",
        "GET",
        OWN,
        reason="an empty form; the home division is checked on POST",
    ),
    Case("accounts:user_create", "POST", SCOPED, new_user_form, ok=(302,), form_ref=True),
    *form("accounts:user_edit", user_record),
    Case("accounts:user_password", "POST", SCOPED, user_password, ok=(302,)),
    Case("accounts:token_list", "GET", LIST, token_listed),
    # a successful POST answers 200: the page shows the new raw token once
    Case("accounts:token_list", "POST", SCOPED, new_token_form, form_ref=True),
    Case("accounts:token_revoke", "POST", SCOPED, token_record, ok=(302,)),
    Case("accounts:user_list", "GET", LIST, user_listed, variant="security", roles=SECURITY),
    *form_as("accounts:user_roles", user_roles, SECURITY),
    Case(
        "accounts:security",
        "GET",
        OWN,
        roles=SECURITY,
        reason="the security policy, the same for every security administrator",
    ),
    Case("accounts:security", "GET", LIST, locked_listed, variant="locked", roles=SECURITY),
    Case("accounts:lockout_release", "POST", SCOPED, locked_user, ok=(302,), roles=SECURITY),
    Case(
        "accounts:user_second_factor_reset",
        "POST",
        SCOPED,
        enrolled_user,
        ok=(302,),
        roles=SECURITY,
    ),
    # the second factor: the caller's own (nothing pending: both send the caller on)
    Case(
        "accounts:otp_verify",
        "GET",
        OWN,
        ok=(302,),
        reason="the caller's own second-factor step of their login",
    ),
    # a new unconfirmed key each time, audited once confirmed (accounts.actions)
    Case(
        "accounts:otp_enrol",
        "GET",
        OWN,
        writes=False,
        reason="a new key for the caller's own second factor",
    ),
    Case(
        "accounts:otp_recovery_codes",
        "POST",
        OWN,
        ok=(302,),
        writes=False,
        reason="the caller's own recovery codes",
    ),
    # REST API: users
    Case("GET /api/me", "GET", OWN, reason="the caller's own account"),
    Case("GET /api/users", "GET", LIST, user_listed),
    Case("POST /api/users", "POST", SCOPED, new_user_api, ok=(201,)),
    Case("GET /api/users/{pk}", "GET", SCOPED, api_user),
    Case("PATCH /api/users/{pk}", "PATCH", SCOPED, user_patch),
    Case("POST /api/users/{pk}/password", "POST", SCOPED, user_password, ok=(204,)),
]
