"""Schemathesis against the live test server: the API does what /api/openapi.json says.

Every operation of the description, called with requests generated from it (valid by the schema,
then invalid), with the token of a county command office and of a grid worker. Checks:

- ``not_a_server_error``: no answer is a 5xx, whatever is sent;
- ``status_code_conformance``: every status answered is one the operation declares;
- ``content_type_conformance`` and ``response_schema_conformance``: the body is what the
  description says for that status (the data schemas for 2xx, ``ErrorOut`` for errors);
- ``positive_data_acceptance`` (valid requests only): a request valid by the schema is not
  refused by the schema's validation (422). A business rule's 400, 401, 403, 404 and 409 stay
  acceptable: a generated id is almost never a record of the caller's jurisdiction, a grid
  worker may not create users, and a rule (a birth date matching the ID number) is no schema.

Bounded: ``FANGKONG_SCHEMATHESIS_EXAMPLES`` examples per operation, mode and token (default 10),
no deadline, no shrinking; about a minute. Deselect with ``-m "not schemathesis"``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from fangkong.accounts import actions as account_actions
from fangkong.accounts.roles import Role

pytestmark = pytest.mark.schemathesis

EXAMPLES = int(os.environ.get("FANGKONG_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS: dict[GenerationMode, list[Any]] = {
    GenerationMode.POSITIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        positive_data_acceptance,
    ],
    GenerationMode.NEGATIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ],
}
# A request valid by the schema may still be refused by a rule the schema cannot express (400
# with the rule's code: a birth date that does not match the ID number, a closed checkpoint),
# or name a record that does not exist or is not the caller's (404), or a role may lack the
# permission (403). What it must never get is 422: the schema's own validation refusing what
# the description says is valid, i.e. a description that does not tell the truth.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "413", "429"]
            }
        }
    }
)
SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def tokens(live_tree, make_user) -> dict[str, str]:
    county = make_user(live_tree.nanguan, roles=[Role.COUNTY_COMMAND])
    worker = make_user(live_tree.grid1, roles=[Role.GRID_WORKER])
    _, county_raw = account_actions.create_token(actor=None, user=county, name="schemathesis")
    _, worker_raw = account_actions.create_token(actor=None, user=worker, name="schemathesis")
    return {"county command": county_raw, "grid worker": worker_raw}


def _exercise(operation: Any, mode: GenerationMode, base_url: str, token: str) -> str | None:
    """The first failure of this operation in this mode with this token, or None."""
    headers = {"Authorization": f"Bearer {token}"}
    found: list[str] = []

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if found:
            return
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS[mode])
        except (FailureGroup, Exception) as exc:  # reported with the operation, below
            found.append(str(exc))

    run()
    return found[0] if found else None


def test_the_api_answers_every_generated_request_as_its_description_says(live_server, tokens):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json", config=CONFIG)
    failures = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the description is valid OpenAPI
        operation = result.ok()
        for who, token in tokens.items():
            for mode in CHECKS:
                failure = _exercise(operation, mode, live_server.url, token)
                if failure:
                    failures.append(f"{who} · {mode.value} · {operation.label}:\n{failure}")
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
