"""The jurisdiction-matrix entries of audit (the log):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

from fangkong.core.tests.endpoints import (
    AUDIT,
    LIST,
    Case,
    Target,
    World,
)


def audit_listed(w: World) -> Target:
    # Registering a grid worker writes an audit row whose record is the worker.
    return Target(home=w.tree.huayang, marker=w.staff(name=w.name("审计标记人")).name)


CASES: list[Case] = [
    # audit: the audit administrator's alone
    Case("audit:list", "GET", LIST, audit_listed, roles=AUDIT),
]
