"""The client address behind a proxy, and API answers to a wrong HTTP method."""

from __future__ import annotations

from django.test import RequestFactory

from fangkong.core.middleware import client_ip


def test_behind_the_proxy_the_address_is_the_entry_the_proxy_appended(settings):
    settings.FANGKONG_TRUST_X_FORWARDED_FOR = True
    # the client forged "1.2.3.4"; our proxy appended the address it really saw
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.FANGKONG_TRUST_X_FORWARDED_FOR = False
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="10.0.0.5")
    assert client_ip(request) == "10.0.0.5"


def test_a_wrong_method_on_the_api_answers_json_405(tree, make_user, client_for):
    client = client_for(make_user(tree.province))
    response = client.delete(f"/api/divisions/{tree.province.code}")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
