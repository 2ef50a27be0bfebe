"""The jurisdiction-matrix entries of reported counts (see fangkong/core/tests/endpoints.py):
rows of counts for 南关区. The sibling's rows name a division outside its area, which answers
exactly as a code no division has: the same 422 with the same row errors, nothing written."""

from __future__ import annotations

from typing import Any

from fangkong.core.tests.endpoints import NO_SUCH_DIVISION, SCOPED, Case, Target, World


def _rows(code: str) -> list[dict[str, Any]]:
    return [
        {"division": code, "date": f"2020-02-0{d}", "indicator": "confirmed_local",
         "value": v, "kind": "cumulative"}
        for d, v in ((1, 1), (2, 3))
    ]  # fmt: skip


def counts(w: World) -> Target:
    return Target(
        home=w.tree.nanguan,
        data={"rows": _rows(w.tree.nanguan.code)},
        absent={"rows": _rows(NO_SUCH_DIVISION)},
    )


CASES = [
    Case("POST /api/warning/counts", "POST", SCOPED, counts, form_ref=True),
]
