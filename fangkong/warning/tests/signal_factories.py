"""Small factories for the signal tests: daily series written as ``IndicatorDay`` rows (sparse,
as ``warning.indicators`` writes them) and signals made the way detection makes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fangkong.regions.models import Division
from fangkong.warning.choices import Indicator, Method, Source
from fangkong.warning.models import Alarm, IndicatorDay, Signal

DAY = dt.date(2020, 3, 1)  # the spike day of the tests
FLAT = 5


def put_series(
    division: Division,
    values: Sequence[int],
    *,
    first: dt.date,
    indicator: str = Indicator.CONFIRMED_LOCAL,
    source: str = Source.COMPUTED,
) -> None:
    """``values`` from ``first`` on, one a day (zeros are not stored)."""
    IndicatorDay.objects.bulk_create(
        [
            IndicatorDay(
                division=division,
                division_path=division.path,
                day=first + dt.timedelta(days=i),
                indicator=indicator,
                source=source,
                value=v,
            )
            for i, v in enumerate(values)
            if v
        ]
    )


def flat_then(
    division: Division,
    after: Sequence[int],
    *,
    day: dt.date = DAY,
    days: int = 30,
    indicator: str = Indicator.CONFIRMED_LOCAL,
    source: str = Source.COMPUTED,
) -> None:
    """``days`` days of ``FLAT`` cases a day before ``day``, then ``after`` from ``day`` on."""
    put_series(
        division,
        [FLAT] * days + list(after),
        first=day - dt.timedelta(days=days),
        indicator=indicator,
        source=source,
    )


def make_signal(
    division: Division,
    *,
    day: dt.date = DAY,
    days: int = 1,
    indicator: str = Indicator.CONFIRMED_LOCAL,
    source: str = Source.COMPUTED,
    method: str = Method.C1,
    observed: int = 30,
    verdict: str = "",
) -> Signal:
    """A signal of ``days`` alarm days ending on ``day``, as detection records it (without the
    alert)."""
    start = day - dt.timedelta(days=days - 1)
    signal = Signal.objects.create(
        division=division,
        division_path=division.path,
        indicator=indicator,
        source=source,
        method=method,
        start=start,
        end=day,
        alarms=days,
        peak_observed=observed,
        verdict=verdict,
    )
    Alarm.objects.bulk_create(
        [
            Alarm(
                signal=signal,
                division=division,
                division_path=division.path,
                indicator=indicator,
                source=source,
                method=method,
                day=start + dt.timedelta(days=i),
                observed=observed,
                threshold=float(FLAT),
            )
            for i in range(days)
        ]
    )
    return signal
