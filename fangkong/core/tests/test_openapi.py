"""The OpenAPI description tells the truth: one schema per name, every error answer declared.

Two schema classes with the same name (``PersonIn`` in people, screening and checkpoints) share one
entry under ``components/schemas``: the description then shows one of them for every operation
that uses any of them (issue #7: ``POST /api/people`` was described with the checkpoint's person).
"""

from __future__ import annotations

import enum
import typing
from collections import defaultdict
from typing import Any

import pydantic
import pytest

from fangkong.api import api
from fangkong.core.api import BODY_ERRORS, STANDARD_ERRORS, WRITE_METHODS

REF = "#/components/schemas/"


def _walk(annotation: Any, found: set[type]) -> None:
    """Every schema class and enum reachable from a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _walk(field.annotation, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for argument in typing.get_args(annotation):
        _walk(argument, found)


def _operations() -> list[Any]:
    return [
        operation
        for bound in api._get_bound_routers()
        for path_view in bound.path_operations.values()
        for operation in path_view.operations
    ]


def _classes_by_name() -> dict[str, set[type]]:
    found: set[type] = set()
    for operation in _operations():
        for model in operation.models:
            _walk(model, found)
        for model in operation.response_models.values():
            _walk(model, found)
    by_name: dict[str, set[type]] = defaultdict(set)
    for cls in found:
        by_name[cls.__name__].add(cls)
    return by_name


@pytest.fixture(scope="module")
def description() -> dict[str, Any]:
    return api.get_openapi_schema()


def test_no_two_schema_classes_share_a_name_in_the_description(description):
    by_name = _classes_by_name()

    components = set(description["components"]["schemas"])
    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in by_name.items()
        if name in components and len(classes) > 1
    }
    assert not clashes, f"rename one of each: {clashes}"


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    [
        ("post", "/api/people", "PersonIn"),
        ("post", "/api/passages/batch", "PassageBatchIn"),
        ("post", "/api/screenings", "ScreeningIn"),
    ],
)
def test_a_write_is_described_with_its_own_body(description, method, path, schema):
    body = description["paths"][path][method]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == REF + schema


def test_the_outcome_of_a_handover_is_the_handover_outcome(description):
    schemas = description["components"]["schemas"]
    outcome = schemas["HandoverOut"]["properties"]["outcome"]
    refs = {item.get("$ref") for item in outcome.get("anyOf", [outcome])}
    assert REF + "HandoverOutcome" in refs
    assert set(schemas["HandoverOutcome"]["enum"]) >= {"visited", "not_found"}
    assert "confirmed" not in schemas["HandoverOutcome"]["enum"]  # the screening's Outcome


def test_every_operation_declares_its_error_answers_with_the_error_schema(description):
    missing = []
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            expected = set(STANDARD_ERRORS)
            if method.upper() in WRITE_METHODS:
                expected |= set(BODY_ERRORS)
            for code in sorted(expected):
                answer = operation["responses"].get(str(code)) or operation["responses"].get(code)
                if answer is None:
                    missing.append(f"{method.upper()} {path} {code}")
    assert not missing
    people = description["paths"]["/api/people/{pk}"]["get"]["responses"]
    schema = people[404]["content"]["application/json"]["schema"]
    assert schema["$ref"] == REF + "ErrorOut"
    error = description["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"code", "message"}
