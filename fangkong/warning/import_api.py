"""The API of reported counts: ``POST /api/warning/counts`` imports rows of counts received
from the national system (``warning.imports``), all or nothing."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fangkong.core.api import ErrorOut, InputSchema
from fangkong.core.jurisdiction import user_of
from fangkong.core.parsing import ApiDate
from fangkong.core.permissions import require
from fangkong.supplies.production_api import JsonInteger
from fangkong.warning import imports
from fangkong.warning.permissions import WarningPerm

router = Router(tags=["warning"])


class WarningCountIn(InputSchema):
    division: str = Field(
        ...,
        min_length=1,
        max_length=15,
        description="12-digit statistical code, or its short form (220102), or a grid's 15",
    )
    date: ApiDate
    indicator: str = Field(..., min_length=1, max_length=40, description="an Indicator value")
    value: JsonInteger = Field(..., ge=-(10**9), le=10**9, description="a whole number >= 0")
    kind: Literal["cumulative", "daily"]


class WarningCountsIn(InputSchema):
    rows: list[WarningCountIn] = Field(..., min_length=1, max_length=imports.MAX_ROWS)


class WarningCountsOut(Schema):
    rows: int = Field(..., description="rows written (days of the series)")
    series: int = Field(..., description="series (division and indicator) imported")
    corrections: int = Field(
        ..., description="cumulative totals that went down, taken from the days before"
    )
    adjusted: int = Field(..., description="days whose daily value a correction lowered")


@router.post(
    "/warning/counts",
    response={200: WarningCountsOut, 422: ErrorOut},
    summary="Import reported counts (all or nothing)",
)
def import_counts(request: HttpRequest, payload: WarningCountsIn) -> Any:
    """`rows`: counts for divisions of your area: `division` (code), `date`, `indicator`,
    `value`, `kind` (`cumulative` or `daily`). Cumulative series become daily counts; a total
    that goes down is a correction taken from the preceding days (flagged `adjusted`); a gap
    carries the last total forward. Importing the same rows again replaces them. Any bad row:
    422 with every error by row (`field` = `rows.index.field`), and nothing is written. A division
    outside your area answers as an unknown one."""
    require(request, WarningPerm.IMPORT_COUNTS)
    try:
        result = imports.import_counts(
            actor=user_of(request), rows=[row.model_dump() for row in payload.rows], origin="api"
        )
    except imports.CountsRefused as exc:
        return Status(
            422,
            {
                "code": exc.code,
                "message": exc.message,
                "errors": [
                    {
                        "field": f"rows.{p.row}.{p.field}",
                        "message": p.message,
                        "type": "invalid_row",
                    }
                    for p in exc.problems
                ],
            },
        )
    return {
        "rows": result.rows,
        "series": result.series,
        "corrections": result.corrections,
        "adjusted": result.adjusted,
    }
