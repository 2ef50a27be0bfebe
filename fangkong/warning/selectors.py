"""Reading signals, false-alarm rates and series: every query starts from ``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.parsing import BadInput
from fangkong.regions.models import Division
from fangkong.warning.choices import Indicator, Method, Source, Verdict
from fangkong.warning.models import Alarm, IndicatorDay, Signal
from fangkong.warning.parameters import params_for_path

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_SERIES_DAYS = 1100  # about three years: what a chart shows at most
DEFAULT_SERIES_DAYS = 90
OPEN, GIVEN = "open", "given"
VERDICT_FILTERS = (OPEN, GIVEN, *Verdict.values)


@dataclass
class SignalFilters:
    indicator: str = ""
    method: str = ""
    verdict: str = ""  # "open", "given" or a verdict
    division: Division | None = None
    start: dt.date | None = None  # signals still running on or after
    end: dt.date | None = None  # signals started on or before


def check_choice(value: str, allowed: Any, field: str) -> str:
    value = (value or "").strip()
    if value and value not in allowed:
        raise BadInput(
            _("“%(field)s” is not one of the choices offered.") % {"field": field}, field=field
        )
    return value


def visible_division(user: User, code: str | None, field: str = "division") -> Division | None:
    """The division of ``code`` if the user may see it; None when empty; BadInput when
    malformed; Http404 (out of scope or unknown)."""
    from django.http import Http404

    text = (code or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isalnum() or len(text) > 15:
        raise BadInput(_("“%(field)s” must be a division code.") % {"field": field}, field=field)
    found = Division.objects.visible_to(user).filter(code=text.ljust(12, "0")).first()
    if found is None:
        found = Division.objects.visible_to(user).filter(code=text).first()
    if found is None:
        raise Http404
    return found


def signals(user: User, filters: SignalFilters | None = None) -> QuerySet[Signal]:
    """The signals of the user's area, newest last day first, narrowed by ``filters``."""
    f = filters or SignalFilters()
    items = Signal.objects.visible_to(user).select_related("division", "verdict_by")
    if f.indicator:
        items = items.filter(indicator=f.indicator)
    if f.method:
        items = items.filter(method=f.method)
    if f.verdict == OPEN:
        items = items.filter(verdict="")
    elif f.verdict == GIVEN:
        items = items.exclude(verdict="")
    elif f.verdict:
        items = items.filter(verdict=f.verdict)
    if f.division is not None:
        items = items.filter(division_path__startswith=f.division.path)
    if f.start is not None:
        items = items.filter(end__gte=f.start)
    if f.end is not None:
        items = items.filter(start__lte=f.end)
    return items.order_by("-end", "-id")


# An unjudged signal is an alert for two weeks after its last day (the workbench and the command
# screen): a back-filled signal of 2020 waits on the signals' list, not on today's desk.
ALERT_DAYS = 14


def alert_since(day: dt.date) -> dt.date:
    """The first last-day of a signal that is still an alert on ``day``."""
    return day - dt.timedelta(days=ALERT_DAYS - 1)


def open_count(user: User, day: dt.date | None = None) -> int:
    """Signals of the user's area waiting for a verdict that are alerts on ``day`` (today by
    default; one COUNT)."""
    since = alert_since(day or timezone.localdate())
    return Signal.objects.visible_to(user).filter(verdict="", end__gte=since).count()


@dataclass
class Rate:
    method: str
    label: str
    signals: int
    open: int
    real: int
    explained: int
    false_alarm: int

    @property
    def judged(self) -> int:
        return self.real + self.explained + self.false_alarm

    @property
    def rate(self) -> float | None:
        """False alarms among the judged signals (None: none judged)."""
        return self.false_alarm / self.judged if self.judged else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "label": self.label,
            "signals": self.signals,
            "open": self.open,
            "real": self.real,
            "explained": self.explained,
            "false_alarm": self.false_alarm,
            "judged": self.judged,
            "false_alarm_rate": self.rate,
        }


def rates(
    user: User,
    start: dt.date | None = None,
    end: dt.date | None = None,
    division: Division | None = None,
) -> list[Rate]:
    """Per method, the signals of the user's area (or of ``division`` in it) that started
    between ``start`` and ``end``, counted per verdict; the false-alarm rate is false alarms
    over judged signals. One GROUP BY query."""
    items = Signal.objects.visible_to(user)
    if division is not None:
        items = items.filter(division_path__startswith=division.path)
    if start is not None:
        items = items.filter(start__gte=start)
    if end is not None:
        items = items.filter(start__lte=end)
    counts = {
        (row["method"], row["verdict"]): row["n"]
        for row in items.order_by().values("method", "verdict").annotate(n=Count("pk"))
    }
    out = []
    for method in Method:
        by = {v: counts.get((method.value, v), 0) for v in ["", *Verdict.values]}
        out.append(
            Rate(
                method=method.value,
                label=str(method.label),
                signals=sum(by.values()),
                open=by[""],
                real=by[Verdict.REAL],
                explained=by[Verdict.EXPLAINED],
                false_alarm=by[Verdict.FALSE_ALARM],
            )
        )
    return out


def dense(
    division: Division, indicator: str, source: str, start: dt.date, end: dt.date
) -> list[int]:
    """The daily values of one series, zeros for the days without a row (one query)."""
    n = (end - start).days + 1
    out = [0] * n
    for day, value in IndicatorDay.objects.filter(
        division=division, indicator=indicator, source=source, day__gte=start, day__lte=end
    ).values_list("day", "value"):
        out[(day - start).days] = value
    return out


def series_window(
    start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The days a series is shown for: ``end`` (default today) back to ``start`` (default 90
    days); at most about three years."""
    end = end or today
    start = start or end - dt.timedelta(days=DEFAULT_SERIES_DAYS - 1)
    if start > end:
        raise BadInput(_("The first day is after the last day."), field="start")
    if (end - start).days + 1 > MAX_SERIES_DAYS:
        raise BadInput(
            _("Show at most %(days)s days at a time.") % {"days": MAX_SERIES_DAYS}, field="start"
        )
    return start, end


def _number(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


def series_for(
    division: Division,
    indicator: str,
    source: str,
    start: dt.date,
    end: dt.date,
    *,
    method: str = Method.C1,
    user: User | None = None,
) -> dict[str, Any]:
    """One series between ``start`` and ``end`` for a chart: the days, the values, what
    ``method`` compares and its upper bound (computed with the history it needs before
    ``start``), and the alarms recorded on it (of every method; ``user`` narrows them to their
    area, which holds the division anyway). Three queries."""
    from fangkong.warning import detection

    history = detection.HISTORY_DAYS
    first = start - dt.timedelta(days=history)
    counts = np.asarray(dense(division, indicator, source, first, end), dtype=float)
    params = params_for_path(division.path)
    observed, upper = detection.observed_and_upper(method, counts, params)
    offset = (start - first).days
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    alarms = Alarm.objects.filter(
        division=division, indicator=indicator, source=source, day__gte=start, day__lte=end
    )
    if user is not None:
        alarms = alarms.visible_to(user)
    return {
        "division": {"code": division.code, "name": division.name},
        "indicator": indicator,
        "indicator_label": str(Indicator(indicator).label),
        "source": source,
        "source_label": str(Source(source).label),
        "method": method,
        "method_label": str(Method(method).label),
        "alarm_label": _("Alarm days"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": days,
        "values": [int(v) for v in counts[offset:]],
        "observed": [_number(v) for v in observed[offset:]],
        "upper": [_number(v) for v in upper[offset:]],
        "alarms": [
            {
                "day": a.day.isoformat(),
                "method": a.method,
                "observed": a.observed,
                "threshold": round(a.threshold, 4),
                "signal": a.signal_id,
            }
            for a in alarms.order_by("day", "method")
        ],
    }


def signal_chart(signal: Signal, *, today: dt.date, user: User | None = None) -> dict[str, Any]:
    """The series around a signal: 60 days before it to 14 after (not past today), with its
    method's bound."""
    start = signal.start - dt.timedelta(days=60)
    end = max(min(signal.end + dt.timedelta(days=14), today), signal.end)
    return series_for(
        signal.division,
        signal.indicator,
        signal.source,
        start,
        end,
        method=signal.method,
        user=user,
    )


def alarms_of(signal: Signal) -> QuerySet[Alarm]:
    return Alarm.objects.filter(signal=signal).order_by("day")
