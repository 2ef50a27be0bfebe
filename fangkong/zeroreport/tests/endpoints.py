"""The jurisdiction-matrix entries of zeroreport (零报告):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

from fangkong.core.tests.endpoints import (
    SCOPED,
    Case,
    Target,
    World,
    fixture_grid,
    village,
)


def zero_confirm(w: World) -> Target:
    """A fresh, quiet grid: its day may be confirmed as a zero report."""
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"zero_report": "on"})


def zero_confirm_api(w: World) -> Target:
    grid = w.grid()
    return Target(home=grid, args={"code": grid.code}, data={"zero_report": True})


CASES: list[Case] = [
    # zero reporting (零报告): a grid's day, roll-ups and the dashboard; "update now" audits
    Case("zeroreport:grid", "GET", SCOPED, fixture_grid),
    Case("zeroreport:confirm", "POST", SCOPED, zero_confirm, ok=(302,)),
    Case("zeroreport:rollup", "GET", SCOPED, village),
    Case("zeroreport:dashboard", "GET", SCOPED, village),
    Case("zeroreport:refresh", "POST", SCOPED, village, ok=(302,)),
    Case("GET /api/zero/grids/{code}", "GET", SCOPED, fixture_grid),
    Case("POST /api/zero/grids/{code}/confirm", "POST", SCOPED, zero_confirm_api),
    Case("GET /api/zero/divisions/{code}", "GET", SCOPED, village),
    Case("GET /api/zero/divisions/{code}/dashboard", "GET", SCOPED, village),
    Case("POST /api/zero/divisions/{code}/refresh", "POST", SCOPED, village),
]
