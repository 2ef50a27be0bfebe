"""Detection runs: every aberration method over every daily series, alarms recorded, alarms of
consecutive days grouped into signals, and a new signal sent to the 包保 leader.

A series is one (division, indicator, source) of ``IndicatorDay`` (sparse: a missing day is 0).
:func:`run_range` reads the days it needs of every series in ONE query (ordered by series and
day), builds a dense numpy array per series, computes each method's upper bounds once over the
whole array (``warning.ears``, ``warning.aberration``: the same numbers as ``methods.detect``)
and then walks the days of the range. :func:`run_day` is a range of one day.

Rules (docs/warning.md):

- Stocks (``choices.STOCK_INDICATORS``: free beds, supplies below threshold) are not counts of
  events: no detection on them.
- By default detection runs down to the county (:data:`MAX_LEVEL`): CIDARS works per county;
  below it daily counts are too small for the methods, and the township's 包保 leader is told by
  the county's signal anyway (a caller may pass ``max_level``).
- The moving percentile method compares with the same weeks of the three years before; the
  days before a series' first value are not taken as zeros but as no history, so the method
  starts three years after a series' first value (COVID-19 series of 2020 have none).
- A province's parameters (``models.Parameters``) are used for its divisions, the defaults
  (``methods.DEFAULTS``) where it has none.
- Alarms of one method on one series on consecutive days are one signal: an alarm on the day
  after a signal's last day (or within it, on a re-run) extends it; otherwise a new signal opens
  and an escalation (``notifications.escalation.open_escalation``, kind "alert", key
  ``warning:<signal id>``) goes to the 包保 leader of the division and the indicator's field.
- Re-running a day or a range records nothing twice (``Alarm``'s unique constraint; signals are
  found again and extended, never duplicated). An alarm once recorded is kept even if a re-run
  with other parameters would not raise it: the leader was told.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import translation
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning import aberration, ears
from fangkong.warning.choices import FIELD_OF, STOCK_INDICATORS, Indicator, Method
from fangkong.warning.methods import Params
from fangkong.warning.models import Alarm, IndicatorDay, Signal
from fangkong.warning.parameters import params_for_path, province_params

MAX_LEVEL = Level.COUNTY
# the days before a day that the methods read: the moving percentile's 3 years of comparable
# 7-day windows (3 × 364 days, the last window shifted by 14 days, 7 days long) is the longest
HISTORY_DAYS = 3 * aberration.YEAR + max(aberration.SHIFTS) + aberration.WINDOW
METHODS: tuple[str, ...] = tuple(m.value for m in Method)
KEY_PREFIX = "warning:"

SeriesKey = tuple[int, str, str]  # division id, indicator, source


def observed_and_upper(
    method: str, counts: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """What ``method`` compares on each day (the day's count; the moving percentile method's
    7-day count) and its upper bound (NaN: no decision), for the whole series at once. The same
    numbers as ``methods.detect``, as arrays."""
    y = np.asarray(counts, dtype=float)
    if method in ("C1", "C2", "C3"):
        upper = ears.bounds(
            y,
            method=method,
            alpha=params.ears_alpha,
            baseline=params.ears_baseline,
            min_sigma=params.ears_min_sigma,
        )
        return y, upper
    if method == Method.MOVING_PERCENTILE:
        # The days before a series' first value are no history (a series is stored sparse:
        # three years of "zeros" before a new disease's first case would set every threshold
        # at 0): the method starts three years after the first value.
        observed, _upper = aberration.moving_percentile_bounds(y, percentile=params.percentile)
        upper = np.full(len(y), np.nan)
        nonzero = np.flatnonzero(y)
        if len(nonzero):
            first = int(nonzero[0])
            upper[first:] = aberration.moving_percentile_bounds(
                y[first:], percentile=params.percentile
            )[1]
        return np.nan_to_num(observed), upper
    if method == Method.CUSUM:
        return y, aberration.cusum_bounds(y, k=params.cusum_k, h=params.cusum_h)
    raise ValueError(f"unknown method {method!r}")


def alarm_mask(observed: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Alarm days: observed above the bound, where there is one."""
    with np.errstate(invalid="ignore"):
        return ~np.isnan(upper) & (observed > upper)


@dataclass
class _Found:
    """One alarm to record."""

    series: SeriesKey
    path: str
    method: str
    day: dt.date
    observed: int
    threshold: float


@dataclass
class _Open:
    """A signal, existing or new, as the walk sees it."""

    series: SeriesKey
    path: str
    method: str
    start: dt.date
    end: dt.date
    peak: int
    pk: int | None = None
    alarms: list[_Found] = field(default_factory=list)
    changed: bool = False


def _series(
    first: dt.date, end: dt.date, under: Division | None, max_level: int
) -> tuple[dict[SeriesKey, np.ndarray], dict[SeriesKey, str]]:
    """Dense arrays (index 0 = ``first``) of every series with a nonzero value in the days, in
    one query ordered by series and day."""
    rows = IndicatorDay.objects.filter(day__gte=first, day__lte=end, value__gt=0).exclude(
        indicator__in=list(STOCK_INDICATORS)
    )
    if max_level < Level.GRID:
        rows = rows.filter(division__level__lte=max_level)
    if under is not None:
        rows = rows.filter(division_path__startswith=under.path)
    n = (end - first).days + 1
    arrays: dict[SeriesKey, np.ndarray] = {}
    paths: dict[SeriesKey, str] = {}
    current: SeriesKey | None = None
    index: list[int] = []
    values: list[int] = []

    def close() -> None:
        if current is not None and values:
            dense = np.zeros(n)
            dense[index] = values
            arrays[current] = dense

    for division_id, path, indicator, source, day, value in (
        rows.order_by("division_id", "indicator", "source", "day")
        .values_list("division_id", "division_path", "indicator", "source", "day", "value")
        .iterator(chunk_size=10_000)
    ):
        key = (division_id, indicator, source)
        if key != current:
            close()
            current, index, values = key, [], []
            paths[key] = path
        index.append((day - first).days)
        values.append(value)
    close()
    return arrays, paths


def find_alarms(
    start: dt.date,
    end: dt.date,
    *,
    under: Division | None = None,
    max_level: int = MAX_LEVEL,
    methods: Iterable[str] = METHODS,
) -> list[_Found]:
    """Every alarm of every method on every series between ``start`` and ``end`` (nothing
    written)."""
    first = start - dt.timedelta(days=HISTORY_DAYS)
    arrays, paths = _series(first, end, under, max_level)
    known = province_params()
    offset = (start - first).days
    found: list[_Found] = []
    methods = tuple(methods)
    for key, counts in arrays.items():
        path = paths[key]
        params = params_for_path(path, known)
        for method in methods:
            observed, upper = observed_and_upper(method, counts, params)
            for i in np.flatnonzero(alarm_mask(observed[offset:], upper[offset:])):
                t = offset + int(i)
                found.append(
                    _Found(
                        key,
                        path,
                        method,
                        first + dt.timedelta(days=t),
                        int(np.rint(observed[t])),
                        float(upper[t]),
                    )
                )
    return found


def _group(found: list[_Found], existing: list[Signal]) -> list[_Open]:
    """Alarms grouped into signals: each alarm joins a signal of its series and method that
    ends the day before it (or covers it), else opens one."""
    by_series: dict[tuple[SeriesKey, str], list[_Open]] = defaultdict(list)
    for s in existing:
        key = ((s.division_id, s.indicator, s.source), s.method)
        by_series[key].append(
            _Open(key[0], s.division_path, s.method, s.start, s.end, s.peak_observed, s.pk)
        )
    one = dt.timedelta(days=1)
    for alarm in sorted(found, key=lambda a: (a.series, a.method, a.day)):
        signals = by_series[(alarm.series, alarm.method)]
        joined = next((s for s in signals if s.start - one <= alarm.day <= s.end + one), None)
        if joined is None:
            joined = _Open(alarm.series, alarm.path, alarm.method, alarm.day, alarm.day, 0)
            signals.append(joined)
        if alarm.day > joined.end or alarm.day < joined.start or alarm.observed > joined.peak:
            joined.changed = True
        joined.start = min(joined.start, alarm.day)
        joined.end = max(joined.end, alarm.day)
        joined.peak = max(joined.peak, alarm.observed)
        joined.alarms.append(alarm)
    return [s for signals in by_series.values() for s in signals if s.alarms]


def run_range(
    start: dt.date,
    end: dt.date,
    *,
    under: Division | None = None,
    max_level: int = MAX_LEVEL,
    alert: bool = True,
    methods: Iterable[str] = METHODS,
) -> int:
    """Detect, record and group the alarms of every day from ``start`` to ``end`` (see the
    module's docstring); returns the number of alarms recorded (0 on a re-run). ``alert=False``
    opens no escalation (a back-fill of past days nobody needs to be told about now);
    ``methods`` narrows the run to some of the methods (the benchmark times EARS alone)."""
    if end < start:
        raise ValueError("the range ends before it starts")
    found = find_alarms(start, end, under=under, max_level=max_level, methods=methods)
    scope = {"division_path__startswith": under.path} if under is not None else {}
    with transaction.atomic():
        existing_signals = list(
            Signal.objects.filter(
                start__lte=end + dt.timedelta(days=1),
                end__gte=start - dt.timedelta(days=1),
                **scope,
            )
        )
        recorded = set(
            Alarm.objects.filter(day__gte=start, day__lte=end, **scope).values_list(
                "division_id", "indicator", "source", "method", "day"
            )
        )
        grouped = _group(found, existing_signals)
        new = [s for s in grouped if s.pk is None]
        fresh = {id(s) for s in new}
        created = Signal.objects.bulk_create(
            [
                Signal(
                    division_id=s.series[0],
                    division_path=s.path,
                    indicator=s.series[1],
                    source=s.series[2],
                    method=s.method,
                    start=s.start,
                    end=s.end,
                    alarms=len(s.alarms),
                    peak_observed=s.peak,
                )
                for s in new
            ]
        )
        for s, row in zip(new, created, strict=True):
            s.pk = row.pk
            row.escalation_key = f"{KEY_PREFIX}{row.pk}"
        if created:  # one UPDATE, whatever the number of new signals
            first_pk = min(row.pk for row in created)
            Signal.objects.filter(pk__gte=first_pk, escalation_key="").update(
                escalation_key=Concat(Value(KEY_PREFIX), Cast("pk", CharField()))
            )
        changed = [s for s in grouped if id(s) not in fresh and s.changed]
        if changed:
            Signal.objects.bulk_update(
                [Signal(pk=s.pk, start=s.start, end=s.end, peak_observed=s.peak) for s in changed],
                ["start", "end", "peak_observed"],
                batch_size=500,
            )
        alarms = [
            Alarm(
                signal_id=cast("int", s.pk),
                division_id=a.series[0],
                division_path=a.path,
                indicator=a.series[1],
                source=a.series[2],
                method=a.method,
                day=a.day,
                observed=a.observed,
                threshold=a.threshold,
            )
            for s in grouped
            for a in s.alarms
            if (*a.series, a.method, a.day) not in recorded
        ]
        Alarm.objects.bulk_create(alarms, ignore_conflicts=True, batch_size=2000)
        if any(id(s) not in fresh for s in grouped):
            # recount the signals that had alarms in the days (one UPDATE, no list of ids)
            count = (
                Alarm.objects.filter(signal=OuterRef("pk"))
                .values("signal")
                .annotate(n=Count("pk"))
                .values("n")
            )
            in_days = Alarm.objects.filter(day__gte=start, day__lte=end, **scope).values("signal")
            Signal.objects.filter(pk__in=in_days).update(alarms=Coalesce(Subquery(count), 1))
        if alert and created:
            _alert(created)
        if alarms or created:
            record(
                actor=None,
                action="warning.detection_run",
                object_type="warning.signal",
                object_id="",
                object_repr=f"{start.isoformat()}–{end.isoformat()}",
                division_path=under.path if under is not None else "",
                changes={
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "alarms": len(alarms),
                    "signals_opened": len(created),
                    "signals_extended": len(changed),
                },
            )
    return len(alarms)


def run_day(
    day: dt.date, *, under: Division | None = None, max_level: int = MAX_LEVEL, alert: bool = True
) -> int:
    """Detection for one day (see :func:`run_range`); returns the alarms recorded."""
    return run_range(day, day, under=under, max_level=max_level, alert=alert)


def signal_title(division: Division, indicator: str, method: str) -> str:
    return _("Warning: %(indicator)s of %(division)s above the %(method)s threshold") % {
        "division": division.name,
        "indicator": Indicator(indicator).label,
        "method": Method(method).label,
    }


def touch(first: dt.date, last: dt.date, start: dt.date, end: dt.date) -> bool:
    """Whether the days first…last and start…end overlap or follow each other."""
    one = dt.timedelta(days=1)
    return start <= last + one and first <= end + one


def _shared_alerts(signals: list[Signal]) -> dict[int, str]:
    """The new signals that join an alert already open on the same series, by signal id → the
    key of that alert. Methods flag the same rise within a day or two of each other: one rise
    of one series is one alert to the leader, whatever the number of methods that saw it. A
    signal joins an open alert of another signal of its series (division, indicator, source)
    whose days overlap or touch its own; the verdict on any of them resolves the alert."""
    from fangkong.notifications.models import Escalation

    one = dt.timedelta(days=1)
    earlier = list(
        Signal.objects.filter(
            division_id__in={s.division_id for s in signals},
            indicator__in={s.indicator for s in signals},
            end__gte=min(s.start for s in signals) - one,
        )
        .exclude(pk__in=[s.pk for s in signals])
        .exclude(escalation_key="")
        .values_list("division_id", "indicator", "source", "start", "end", "escalation_key")
    )
    still_open = set(
        Escalation.objects.filter(
            key__in={row[5] for row in earlier}, resolved_at__isnull=True
        ).values_list("key", flat=True)
    )
    episodes: dict[tuple[int, str, str], list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
    for division_id, indicator, source, start, end, key in earlier:
        if key in still_open:
            episodes[(division_id, indicator, source)].append((start, end, key))
    shared: dict[int, str] = {}
    for signal in sorted(signals, key=lambda s: (s.start, s.pk)):
        series = episodes[(signal.division_id, signal.indicator, signal.source)]
        joined = next(
            (k for first, last, k in series if touch(first, last, signal.start, signal.end)),
            None,
        )
        if joined is not None:
            shared[signal.pk] = joined
        else:
            series.append((signal.start, signal.end, signal.escalation_key))
    return shared


def _alert(signals: list[Signal]) -> None:
    """Open the escalation of each new signal (in the site's language: the text is stored),
    or join it to the alert already open on its series (:func:`_shared_alerts`)."""
    from fangkong.notifications.escalation import open_escalation
    from fangkong.notifications.models import Kind

    shared = _shared_alerts(signals)
    for pk, key in shared.items():
        Signal.objects.filter(pk=pk).update(escalation_key=key)
    signals = [s for s in signals if s.pk not in shared]
    divisions = Division.objects.in_bulk({s.division_id for s in signals})
    with translation.override(settings.LANGUAGE_CODE):
        for signal in signals:
            division = divisions[signal.division_id]
            body = _(
                "%(method)s raised an alarm on %(day)s: %(observed)s observed. Open the signal "
                "and give it a verdict (real signal, explained, false alarm)."
            ) % {
                "method": Method(signal.method).label,
                "day": signal.end.isoformat(),
                "observed": signal.peak_observed,
            }
            open_escalation(
                division,
                field=FIELD_OF.get(signal.indicator, ""),
                kind=Kind.ALERT,
                title=signal_title(division, signal.indicator, signal.method),
                body=body,
                link=signal.get_absolute_url(),
                key=signal.escalation_key,
                source="warning",
            )
