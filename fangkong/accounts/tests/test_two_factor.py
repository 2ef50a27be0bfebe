"""The second factor (TOTP with django-otp; recovery codes): required for the administrators and
the command offices from the county up, optional for the rest, off in `make demo`.

Codes are computed here from the device's key, as an authenticator app would.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import TEST_PASSWORD
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent

LOGIN = "/accounts/login/"
ENROL = reverse("accounts:otp_enrol")
VERIFY = reverse("accounts:otp_verify")


@pytest.fixture(autouse=True)
def _second_factor_on(settings: Any) -> None:
    settings.FANGKONG_REQUIRE_2FA = True  # the production default (the suite turns it off)


def login(client: Client, username: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": TEST_PASSWORD})


def code(device: TOTPDevice, ahead: int = 0) -> str:
    """The code an authenticator app shows now (``ahead``: that many 30-second steps later)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, ahead):06d}"


def enrol(client: Client, username: str) -> list[str]:
    """Open the enrolment page, confirm with a code; the recovery codes shown once."""
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    assert page.context["secret"] and page.context["qr"].startswith("data:image/svg+xml")
    done = client.post(ENROL, {"code": code(device)})
    assert done.status_code == 200
    return list(done.context["codes"])


def test_a_county_command_officer_must_enrol_before_anything_else(
    tree: Any, make_user: Any
) -> None:
    # given a county command officer without a second factor
    make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="nanguan-cmd")
    client = Client()
    # when they log in with the password, every page sends them to the enrolment
    answer = login(client, "nanguan-cmd")
    assert client.get(answer["Location"])["Location"].startswith(ENROL)
    for path in ("/", reverse("people:list"), reverse("accounts:profile")):
        assert client.get(path)["Location"].startswith(ENROL), path
    assert client.get("/api/me").status_code == 401
    # when they enrol, they see ten recovery codes once, and everything opens
    codes = enrol(client, "nanguan-cmd")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("people:list")).status_code == 200
    assert client.get("/api/me").status_code == 200
    assert AuditEvent.objects.filter(action="user.2fa_enrol").count() == 1


def test_the_code_is_asked_at_each_login_and_failures_are_audited(
    tree: Any, make_user: Any
) -> None:
    # given a system administrator who enrolled
    user = make_user(tree.province, roles=[Role.SYSADMIN], username="prov-sys")
    client = Client()
    login(client, "prov-sys")
    recovery = enrol(client, "prov-sys")
    client.post(reverse("accounts:logout"))

    # when they log in again, the code is asked before anything opens
    client = Client()
    login(client, "prov-sys")
    assert client.get(reverse("accounts:user_list"))["Location"].startswith(VERIFY)
    assert client.get("/api/me").status_code == 401
    # a wrong code is refused and audited
    wrong = client.post(VERIFY, {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert AuditEvent.objects.filter(action="user.2fa_failed", object_id=str(user.pk)).exists()
    # a recovery code works once, and its use is audited
    assert client.post(VERIFY, {"code": recovery[0]}).status_code == 302
    assert client.get(reverse("accounts:user_list")).status_code == 200
    used = AuditEvent.objects.get(action="user.2fa_recovery_used")
    assert used.changes == {"recovery_codes_left": [10, 9]}
    again = Client()
    login(again, "prov-sys")
    assert again.post(VERIFY, {"code": recovery[0]}).status_code == 200  # used up
    # and the app's code of the next step logs in (the enrolment's code cannot be replayed)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.throttling_failure_count = 0  # django-otp slows after failures; not the subject here
    device.throttling_failure_timestamp = None
    device.save()
    fresh = Client()
    login(fresh, "prov-sys")
    assert fresh.post(VERIFY, {"code": code(device, ahead=1)}).status_code == 302
    assert fresh.get(reverse("accounts:user_list")).status_code == 200


def test_others_may_enrol_but_are_not_made_to(tree: Any, make_user: Any) -> None:
    make_user(tree.grid1, roles=[Role.GRID_WORKER], username="grid-w")
    client = Client()
    login(client, "grid-w")
    assert client.get(reverse("people:list")).status_code == 200
    # a grid worker who chooses a second factor is asked for it from then on
    enrol(client, "grid-w")
    client.post(reverse("accounts:logout"))
    login(client, "grid-w")
    assert client.get(reverse("people:list"))["Location"].startswith(VERIFY)


def test_enforcement_is_a_setting(tree: Any, make_user: Any, settings: Any) -> None:
    settings.FANGKONG_REQUIRE_2FA = False  # `make demo`
    make_user(tree.province, roles=[Role.PROVINCE_COMMAND], username="sheng-cmd")
    client = Client()
    login(client, "sheng-cmd")
    assert client.get(reverse("people:list")).status_code == 200


def test_api_tokens_are_not_asked_for_a_second_factor(tree: Any, make_user: Any) -> None:
    from fangkong.accounts import actions

    user = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND])
    _token, raw = actions.create_token(actor=None, user=user, name="指挥系统")
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_the_security_administrator_removes_a_lost_second_factor(
    tree: Any, make_user: Any, client_for: Any, settings: Any
) -> None:
    from django_otp import user_has_device

    # given a county command officer who enrolled, then lost their phone and codes
    officer = make_user(tree.nanguan, roles=[Role.COUNTY_COMMAND], username="lost-phone")
    client = Client()
    login(client, "lost-phone")
    enrol(client, "lost-phone")
    # (the administrators' own second factor is not the subject: they log in without one)
    settings.FANGKONG_REQUIRE_2FA = False
    security = make_user(tree.province, roles=[Role.SECURITY_ADMIN], username="anquan-t")
    as_security = client_for(security)
    as_sysadmin = client_for(make_user(tree.province, roles=[Role.SYSADMIN]))
    settings.FANGKONG_REQUIRE_2FA = True
    page = as_security.get(reverse("accounts:user_roles", args=[officer.pk]))
    reset = reverse("accounts:user_second_factor_reset", args=[officer.pk])
    assert reset in page.content.decode()
    # a system administrator cannot remove it; the security administrator can
    assert as_sysadmin.post(reset).status_code == 403
    assert as_security.post(reset).status_code == 302
    assert not user_has_device(officer, confirmed=False)
    assert AuditEvent.objects.filter(action="user.2fa_reset", actor=security).count() == 1
    # and the officer enrols again at the next login
    again = Client()
    login(again, "lost-phone")
    assert again.get("/")["Location"].startswith(ENROL)
