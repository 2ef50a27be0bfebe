"""Test factories of early warning, shared by the parts' tests: a division's series written
directly as IndicatorDay rows (the facts a test starts from)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fangkong.regions.models import Division
from fangkong.warning.choices import Source
from fangkong.warning.models import IndicatorDay


def make_indicator_days(
    division: Division,
    indicator: str,
    values: Sequence[int],
    start: dt.date,
    source: str = Source.COMPUTED,
) -> list[IndicatorDay]:
    """One row per nonzero value of ``values`` (day ``start`` onwards), replacing the rows of
    those days already there; sparse like the real tables (a missing row means 0)."""
    end = start + dt.timedelta(days=len(values) - 1)
    IndicatorDay.objects.filter(
        division=division, indicator=indicator, source=source, day__gte=start, day__lte=end
    ).delete()
    rows = [
        IndicatorDay(
            division=division,
            division_path=division.path,
            day=start + dt.timedelta(days=i),
            indicator=indicator,
            source=source,
            value=value,
        )
        for i, value in enumerate(values)
        if value
    ]
    return IndicatorDay.objects.bulk_create(rows)
