"""The early warning of the demo (issue #13): the real 2020 epidemic of Jilin, the indicators of
the last 30 days computed from the demo's records, and the alarms the methods raise on both.

1. **The real 2020 series** (``warning.epidemic2020``): the province's and the cities' daily
   confirmed cases of 2020, imported as the national system's counts (境外输入 apart), through
   the same import path as a CSV or the API.
2. **The indicators of the last 30 days**, computed from the records the demo has loaded
   (``warning.indicators.compute_day`` for each day): the outbreak of 南关区 (its cases
   confirmed from T-11 on, see ``demo/outbreak.py``), the sweep's fevers and missed check-ins,
   the checkpoint's flagged travellers, the contacts, free beds and the low-supply alert.
3. **The demo's background**: the outbreak's records alone begin on an empty county, against
   which the EARS methods have no spread to measure (C1 and C2 bound at 0, C3's statistic 0/0).
   A county has sporadic cases before an outbreak, so the demo adds :data:`BACKGROUND`, a short
   series of sporadic local cases (two a week, eight in all) on the 28 days before the
   outbreak's first local case, as *computed* ``confirmed_local`` values of the county and of
   its city and province (the same figure at each level, so the roll-up adds up); there are no
   case records behind them. Against it, C1 and C2 flag the outbreak's first local cases (two
   on T-8, above a bound of 1.8) and the county's 包保 leader is alerted. The outbreak's later
   days are flat (2, 1, 0, 2, 1, 0, 2, 0, 1 confirmed a day), so no EARS method flags the last
   three days; the demo invents no counts for them.
4. **Detection** (``warning.detection.run_range``) over 2020 (no escalation: a back-fill of
   the past) and over the last 30 days (new signals go to the 包保 leaders: the county's
   command office sees its outbreak's alert).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fangkong.regions.models import Division
from fangkong.warning import detection, epidemic2020, indicators
from fangkong.warning.choices import Indicator, Source
from fangkong.warning.models import IndicatorDay

DEMO_COUNTY = "220102000000"  # 长春市南关区 (demo/scenario.py)
DAYS = 30  # the days computed, today included
# Sporadic local cases of the county on the days before the outbreak's first case, oldest
# first (the demo's background: no records behind them, see the module docstring).
# Two a week, never seven days without one, so that the background raises no alarm itself (its
# first case falls before the 30 days detection runs on).
BACKGROUND = [1, 0, 0, 1, 0, 0, 0] * 4
FIRST_2020, LAST_2020 = dt.date(2020, 1, 20), dt.date(2020, 12, 8)
KEYS = (
    "imported_rows", "imported_corrections", "computed_rows", "background_cases",
    "alarms_2020", "alarms",
)  # fmt: skip


def add_background(county: Division, first_case: dt.date) -> int:
    """Add :data:`BACKGROUND` to the county's computed ``confirmed_local`` on the days before
    ``first_case``, and to its ancestors' (the same figure); returns the cases added."""
    chain = [*county.ancestors(), county]
    start = first_case - dt.timedelta(days=len(BACKGROUND))
    added = 0
    with transaction.atomic():
        for i, value in enumerate(BACKGROUND):
            if not value:
                continue
            day = start + dt.timedelta(days=i)
            for division in chain:
                updated = IndicatorDay.objects.filter(
                    division=division,
                    indicator=Indicator.CONFIRMED_LOCAL,
                    source=Source.COMPUTED,
                    day=day,
                ).update(value=F("value") + value)
                if not updated:
                    IndicatorDay.objects.create(
                        division=division,
                        division_path=division.path,
                        indicator=Indicator.CONFIRMED_LOCAL,
                        source=Source.COMPUTED,
                        day=day,
                        value=value,
                    )
            added += value
    return added


def first_confirmed(county: Division, start: dt.date, end: dt.date) -> dt.date | None:
    """The first day from ``start`` on with a computed local confirmed case in the county."""
    row = (
        IndicatorDay.objects.filter(
            division=county,
            indicator=Indicator.CONFIRMED_LOCAL,
            source=Source.COMPUTED,
            day__gte=start,
            day__lte=end,
            value__gt=0,
        )
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    return row


def load_warning() -> dict[str, int]:
    """The 2020 series, 30 days of indicators, the background and detection (module
    docstring); once, like the demo's other loaders: nothing when the 2020 series is there
    already (``fangkong compute_indicators`` computes later days)."""
    if IndicatorDay.objects.filter(source=Source.IMPORTED).exists():
        return dict.fromkeys(KEYS, 0)
    loaded = epidemic2020.load()
    today = timezone.localdate()
    start = today - dt.timedelta(days=DAYS - 1)
    computed = indicators.compute_range(start, today)
    county = Division.objects.filter(code=DEMO_COUNTY).first()
    background = 0
    if county is not None:
        first = first_confirmed(county, start, today)
        if first is not None:
            background = add_background(county, first)
    alarms_2020 = detection.run_range(FIRST_2020, LAST_2020, alert=False)
    alarms = detection.run_range(start, today)
    return {
        "imported_rows": loaded["rows"],
        "imported_corrections": loaded["corrections"],
        "computed_rows": computed,
        "background_cases": background,
        "alarms_2020": alarms_2020,
        "alarms": alarms,
    }
