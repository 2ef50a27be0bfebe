"""The jurisdiction-matrix entries of the command screen: the division is named in the query
string, so a caller outside it gets 404 (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

from fangkong.core.tests.endpoints import SCOPED, Case, Target, World


def county_screen(w: World) -> Target:
    county = w.tree.nanguan
    return Target(home=county, query={"division": str(county.pk), "day": "2020-02-03"})


CASES = [
    Case("warning:screen", "GET", SCOPED, county_screen),
    Case("warning:wall", "GET", SCOPED, county_screen),
    Case("GET /api/warning/screen", "GET", SCOPED, county_screen),
]
