"""Logins, failed logins and logouts are in the audit log, where the account's admins see them."""

from __future__ import annotations

from typing import Any

from django.test import Client

from conftest import TEST_PASSWORD
from fangkong.audit.models import AuditEvent


def _post_login(client: Client, username: str, password: str) -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.9.8.7"
    )


def test_login_failure_and_logout_are_audited_with_the_address(tree, make_user):
    # given a village secretary
    user = make_user(tree.huayang, username="huayang-sec")
    client = Client()
    # when they mistype once, then log in, then log out
    _post_login(client, "huayang-sec", "wrong-password")
    _post_login(client, "huayang-sec", TEST_PASSWORD)
    client.post("/accounts/logout/", REMOTE_ADDR="10.9.8.7")
    # then the audit log has the three events in order, from that address, in their village
    events = list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .exclude(action="user.create")
        .order_by("id")
    )
    assert [e.action for e in events] == ["user.login_failed", "user.login", "user.logout"]
    assert {e.client_ip for e in events} == {"10.9.8.7"}
    assert all(e.division_path == tree.huayang.path for e in events)
    assert events[1].actor == user and events[0].actor is None


def test_a_failed_login_for_an_unknown_name_keeps_no_trace_of_what_was_typed(tree):
    # a user who typed their password into the username field
    _post_login(Client(), "My-Secret-Passw0rd", "whatever")
    event = AuditEvent.objects.get(action="user.login_failed")
    assert "My-Secret-Passw0rd" not in str(event.object_repr)
    assert event.division_path == ""
