"""The rules of the outbreak picture (DESIGN.md section 4) as pure functions: a county's risk
grade. ``outbreaks/actions.py`` (the daily grading) calls it; the pages show its figures."""

from __future__ import annotations

from fangkong.outbreaks.choices import HIGH_RISK_CUMULATIVE, Grade


def risk_grade(*, cumulative: int, new_14d: int, clusters_14d: int) -> Grade:
    """A county's risk grade (分区分级): low = no confirmed case, or none new in 14 days;
    high = cumulative above 50 and a cluster within 14 days; medium otherwise (new cases in 14
    days with cumulative ≤ 50, or cumulative above 50 without a cluster in 14 days)."""
    if cumulative == 0 or new_14d == 0:
        return Grade.LOW
    if cumulative > HIGH_RISK_CUMULATIVE and clusters_14d > 0:
        return Grade.HIGH
    return Grade.MEDIUM
