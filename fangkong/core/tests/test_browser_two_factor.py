"""A login with a second factor in a real browser (browser.py): a system administrator enrols an
authenticator app at the first login, logs out, and logs in again with the app's code. The code
is computed here from the key the page shows, as the app would. Runs at phone and desktop size."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django_otp.oath import totp

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.tests.browser import UI
from fangkong.core.tests.test_browser import open_menu_on_phone

pytestmark = pytest.mark.browser
PASSWORD = "Shuang-Yinsu-2026"


def app_code(secret: str, step: int | None = None) -> str:
    """What an authenticator app shows for this key (base32, as typed by hand): now, or at the
    30-second ``step`` given (the one after a code used, whatever the clock says meanwhile)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    drift = 0 if step is None else step - now_step()
    return f"{totp(key, 30, 0, 6, drift):06d}"


def now_step() -> int:
    return int(time.time()) // 30


def test_an_administrator_enrols_then_logs_in_with_the_app_code(
    ui: UI, live_tree: SimpleNamespace, make_user: Callable[..., Any], settings: Any
) -> None:
    # given a system administrator of the province, with the second factor required
    settings.FANGKONG_REQUIRE_2FA = True
    admin = make_user(live_tree.province, roles=[Role.SYSADMIN], username="sheng-admin")
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    page = ui.page

    # when they log in with the password, the enrolment page comes first
    ui.login("sheng-admin", PASSWORD)
    assert ui.path().startswith("/accounts/two-factor/setup/")
    assert page.locator("#otp-qr").is_visible()
    ui.assert_fits_width()
    ui.step("enrol")
    # and they scan the key and type the app's code
    secret = page.locator("#otp-secret").inner_text().strip()
    first_step = now_step()
    page.fill("#id_code", app_code(secret, first_step))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    # then ten recovery codes are shown once
    assert page.locator("#recovery-codes li").count() == 10
    ui.step("recovery-codes")
    with page.expect_navigation():
        page.locator("main a.button.primary").click()
    assert not ui.path().startswith("/accounts/two-factor/")

    # when they log out and log in again
    open_menu_on_phone(ui)
    with page.expect_navigation():
        page.locator("#mainnav form button[type=submit]").click()
    ui.login("sheng-admin", PASSWORD)
    # then the code is asked; the next code of the app logs them in (the first was used)
    assert ui.path().startswith("/accounts/two-factor/")
    ui.step("verify")
    # (the step after the first: the server learnt the app's drift from that one, so a code
    # relative to the clock could fall outside its window when the first was typed at a
    # boundary; on a slow machine it was)
    page.fill("#id_code", app_code(secret, first_step + 1))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    ui.goto("/accounts/users/")
    assert ui.path() == "/accounts/users/"
    ui.step("logged-in-with-code")
    assert AuditEvent.objects.filter(action="user.2fa_enrol", actor=admin).count() == 1
