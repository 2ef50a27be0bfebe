"""Bad query strings on every list page, API list and export: a 400 that says why, never a 500.

Each value below once reached ``int()``, ``date.fromisoformat`` or date arithmetic unguarded
(issue #7: 13 distinct server errors). They are all parsed by ``fangkong.core.parsing`` now.
"""

from __future__ import annotations

import pytest

from fangkong.accounts.roles import COMBINABLE_ROLES, Role

BAD_IDS = ["²", "-1", str(2**63), "１２", "1e3", "0", " 12a"]
BAD_DATES = ["9999-12-31", "0001-01-01", "2020-13-01", "２０２０-01-01", "2020-1-1", "1899-12-31"]
# Fields read by a Django form (DateField): lenient about the shape ("2020-1-1" is a day), strict
# about the bounds.
BAD_FORM_DATES = ["9999-12-31", "0001-01-01", "2020-13-01", "1899-12-31"]
# Keys that are text (a code, a path, a username): only printable, at most 150 characters.
BAD_TEXT_CURSORS = ["a\x07b", "\u202e22", "2" * 151]
BAD_CURSORS = ["2020-13-01.5", "9999-12-31.5", "0001-01-01.1", "²", "１２_３", "1_" + "9" * 19]

# (address, parameter, bad values). Every list page, API list and export that reads them.
PAGES = [
    ("/people/", "after", BAD_IDS),
    ("/care/", "after", BAD_IDS),
    ("/observation/", "after", BAD_IDS),
    ("/checkpoints/", "after", BAD_IDS),
    ("/checkpoints/todo/", "after", BAD_IDS),
    ("/staff/", "after", BAD_IDS),
    ("/screening/", "after", BAD_CURSORS),
    ("/checkpoints/passages/", "after", BAD_CURSORS),
    ("/checkpoints/passages/", "from", BAD_DATES),
    ("/checkpoints/passages/", "to", BAD_DATES),
    ("/checkpoints/passages/", "checkpoint", BAD_IDS),
    ("/care/grids/{grid}/new/", "person", BAD_IDS),
    ("/d/{county}/", "after", BAD_TEXT_CURSORS),
    ("/accounts/users/", "after", BAD_TEXT_CURSORS),
    ("/zero/d/{county}/", "after", BAD_TEXT_CURSORS),
]
# Pages whose filter form shows the refusal above the list (200) instead of a 400 page: the
# documented behaviour of the audit log, the screening list and the zero-report day pages.
FORM_PAGES = [
    ("/audit/", "from", BAD_DATES),
    ("/audit/", "to", BAD_DATES),
    ("/screening/", "date_from", BAD_FORM_DATES),
    ("/screening/", "date_to", BAD_FORM_DATES),
    ("/zero/d/{county}/", "day", BAD_FORM_DATES),
    ("/zero/d/{county}/dashboard/", "day", BAD_FORM_DATES),
]
API = [
    ("/api/people", "after", BAD_IDS),
    ("/api/care-requests", "after", BAD_IDS),
    ("/api/observations", "after", BAD_IDS),
    ("/api/checkpoints", "after", BAD_IDS),
    ("/api/todo/passages", "after", BAD_IDS),
    ("/api/staff", "after", [v for v in BAD_IDS if v != "0"]),  # 0: from the start
    ("/api/screenings", "after", BAD_CURSORS),
    ("/api/screenings", "date_from", BAD_DATES),
    ("/api/screenings", "date_to", BAD_DATES),
    ("/api/passages", "after", BAD_CURSORS),
    ("/api/passages", "date_from", BAD_DATES),
    ("/api/passages", "date_to", BAD_DATES),
    ("/api/passages", "checkpoint", BAD_IDS),
    ("/api/zero/divisions/{county}", "day", BAD_DATES),
    ("/api/zero/divisions/{county}/dashboard", "day", BAD_DATES),
    ("/api/exports/passages", "from", BAD_DATES),
    ("/api/exports/passages", "checkpoint", BAD_IDS),
    ("/api/exports/screenings", "date_from", BAD_FORM_DATES),
]
EXPORTS = [
    ("/bulk/export/passages.csv", "from", BAD_DATES),
    ("/bulk/export/passages.csv", "to", BAD_DATES),
    ("/bulk/export/passages.csv", "checkpoint", BAD_IDS),
    ("/bulk/export/screenings.csv", "date_from", BAD_FORM_DATES),
    ("/bulk/export/screenings.csv", "date_to", BAD_FORM_DATES),
]


def _cases(table: list[tuple[str, str, list[str]]]) -> list[tuple[str, str, str]]:
    return [(url, name, value) for url, name, values in table for value in values]


@pytest.fixture
def county_client(tree, make_user, client_for):
    # every role one account may hold, at the province: every list is open to it
    return client_for(make_user(tree.province, roles=COMBINABLE_ROLES))


@pytest.fixture
def audit_client(tree, make_user, client_for):
    return client_for(make_user(tree.province, roles=[Role.AUDIT_ADMIN]))


def _address(url: str, tree) -> str:
    return url.format(county=tree.nanguan.code, grid=tree.grid1.code)


@pytest.mark.parametrize(("url", "name", "value"), _cases(PAGES))
def test_a_page_refuses_a_bad_query_parameter_with_400_and_says_why(
    tree, county_client, audit_client, url, name, value
):
    client = audit_client if url.startswith("/audit/") else county_client
    response = client.get(_address(url, tree), {name: value})

    assert response.status_code == 400
    page = response.content.decode()
    assert f"“{name}”" in page  # the message names the parameter, in Chinese
    assert any(words in page for words in ("应为记录编号", "应为", "翻页位置"))


@pytest.mark.parametrize(("url", "name", "value"), _cases(FORM_PAGES))
def test_a_filter_form_shows_a_bad_date_above_the_list(
    tree, county_client, audit_client, url, name, value
):
    client = audit_client if url.startswith("/audit/") else county_client
    response = client.get(_address(url, tree), {name: value})

    assert response.status_code == 200
    assert response.context["errors"]  # shown above the (unfiltered or empty) list


@pytest.mark.parametrize("value", BAD_IDS)
def test_a_bad_page_marker_of_the_audit_log_is_ignored(audit_client, value):
    # documented in audit/tests: the first page, unfiltered
    response = audit_client.get("/audit/", {"before": value})

    assert response.status_code == 200


@pytest.mark.parametrize(("url", "name", "value"), _cases(API))
def test_an_api_list_refuses_a_bad_query_parameter_with_json_400(
    tree, county_client, url, name, value
):
    response = county_client.get(_address(url, tree), {name: value})

    assert response.status_code in (400, 422)
    body = response.json()
    assert body["code"] in ("bad_input", "bad_cursor", "validation_error", "bad_filter")
    assert body["message"]


@pytest.mark.parametrize(("url", "name", "value"), _cases(EXPORTS))
def test_an_export_refuses_a_bad_query_parameter_with_400(tree, county_client, url, name, value):
    response = county_client.get(_address(url, tree), {name: value})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/people/", {"after": "12"}),
        ("/screening/", {"after": "2020-02-01.12", "date_from": "1900-01-01"}),
        ("/checkpoints/passages/", {"after": "1_2", "from": "2100-12-31", "to": "2100-12-31"}),
        ("/audit/", {"from": "1900-01-01", "to": "2100-12-31", "before": "9223372036854775807"}),
        ("/zero/d/{county}/dashboard/", {"day": "1900-01-01"}),
        ("/api/passages", {"date_from": "1900-01-01", "date_to": "2100-12-31"}),
        ("/api/people", {"after": "9223372036854775807"}),
    ],
)
def test_the_bounds_themselves_are_accepted(tree, county_client, audit_client, url, query):
    client = audit_client if url.startswith("/audit/") else county_client
    response = client.get(_address(url, tree), query)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/api/people/{pk}", "/api/care-requests/{pk}", "/api/passages/{pk}", "/api/observations/{pk}"],
)
@pytest.mark.parametrize("pk", [str(2**63), "0", "-1"])
def test_an_id_in_an_api_address_past_63_bits_is_refused_not_overflowed(county_client, url, pk):
    response = county_client.get(url.format(pk=pk))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
