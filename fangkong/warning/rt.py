"""The time-varying reproduction number of a division (``cori.estimate_r`` on its indicator
series), for the command screen, the Rt page and the API.

Incidence: the onset-date series where the records have onsets (indicators ``onset_local`` and
``onset_imported``), the report-date series otherwise (``confirmed_local`` and
``confirmed_imported``), saying which (``RtSeries.basis``). A division may have both a computed
and an imported series; the order of preference is computed by onset, imported by onset,
imported by report, computed by report: the first with any local case. The serial interval is
the province's (``parameters.params_for``) as EpiEstim's ``parametric_si``; weekly sliding
windows; each estimate is dated by its window's last day. A window whose total infectiousness
(Σ λ, the cases of the days before weighted by the serial interval) is below
:data:`MIN_INFECTIOUSNESS` is left out: with no one infectious its posterior is the prior
(mean 5, sd 5), which would read as an Rt of 5 long after an epidemic has ended.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from fangkong.regions.models import Division
from fangkong.warning import cori
from fangkong.warning.choices import Indicator, Source
from fangkong.warning.models import IndicatorDay
from fangkong.warning.parameters import params_for

ONSET = (Indicator.ONSET_LOCAL, Indicator.ONSET_IMPORTED)
REPORT = (Indicator.CONFIRMED_LOCAL, Indicator.CONFIRMED_IMPORTED)
PREFERENCE = (
    (Source.COMPUTED, "onset"),
    (Source.IMPORTED, "onset"),
    (Source.IMPORTED, "report"),
    (Source.COMPUTED, "report"),
)
INDICATORS = (*ONSET, *REPORT)
MIN_INFECTIOUSNESS = 1.0


@dataclass
class RtSeries:
    """Rt over time: ``dates`` are the windows' last days; ``lower`` and ``upper`` the 95 %
    credible interval (quantiles 0.025 and 0.975). Empty lists when there is too little data."""

    basis: str = ""  # "onset" or "report"
    source: str = ""
    dates: list[dt.date] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    @property
    def latest(self) -> float | None:
        return self.mean[-1] if self.mean else None

    def as_dict(self) -> dict[str, object]:
        return {
            "basis": self.basis,
            "source": self.source,
            "dates": [d.isoformat() for d in self.dates],
            "mean": [round(v, 4) for v in self.mean],
            "lower": [round(v, 4) for v in self.lower],
            "upper": [round(v, 4) for v in self.upper],
            "latest": None if self.latest is None else round(self.latest, 4),
        }


Rows = dict[tuple[str, str], dict[dt.date, int]]


def _series(rows: Rows, si_mean: float, si_sd: float, until: dt.date | None) -> RtSeries:
    for source, basis in PREFERENCE:
        local_key, imported_key = ONSET if basis == "onset" else REPORT
        local = rows.get((source, local_key), {})
        if not any(local.values()):
            continue
        imported = rows.get((source, imported_key), {})
        days = [d for d in (*local, *imported) if until is None or d <= until]
        if not days:
            continue
        first, last = min(days), until or max(days)
        n = (last - first).days + 1
        if n < 9:
            return RtSeries(basis=basis, source=source)
        loc = np.zeros(n)
        imp = np.zeros(n)
        for day, value in local.items():
            if first <= day <= last:
                loc[(day - first).days] = value
        for day, value in imported.items():
            if first <= day <= last:
                imp[(day - first).days] = value
        si = cori.parametric_si(si_mean, si_sd, n)
        estimates = [
            e
            for e in cori.estimate_r(loc, imp, si, check=False)
            if e.infectiousness >= MIN_INFECTIOUSNESS
        ]
        return RtSeries(
            basis=basis,
            source=source,
            dates=[first + dt.timedelta(days=e.t_end - 1) for e in estimates],
            mean=[e.mean for e in estimates],
            lower=[e.q025 for e in estimates],
            upper=[e.q975 for e in estimates],
        )
    return RtSeries()


def _rows(qs: Iterable[tuple[int, str, str, dt.date, int]]) -> dict[int, Rows]:
    out: dict[int, Rows] = defaultdict(dict)
    for division_id, source, indicator, day, value in qs:
        out[division_id].setdefault((source, indicator), {})[day] = value
    return out


def _query(until: dt.date | None, **filters: object) -> dict[int, Rows]:
    qs = IndicatorDay.objects.filter(indicator__in=INDICATORS, **filters)
    if until is not None:
        qs = qs.filter(day__lte=until)
    return _rows(qs.values_list("division_id", "source", "indicator", "day", "value").order_by())


def rt_for(division: Division, *, until: dt.date | None = None) -> RtSeries:
    """Rt of ``division`` up to ``until`` (the last day with data when None): two queries."""
    params = params_for(division)
    rows = _query(until, division=division).get(division.pk, {})
    return _series(rows, params.si_mean, params.si_sd, until)


def rt_for_children(parent: Division, *, until: dt.date | None = None) -> dict[int, RtSeries]:
    """Rt of every child of ``parent`` that has cases, by the child's id: two queries."""
    params = params_for(parent)
    by_division = _query(until, division__parent=parent)
    return {
        pk: series
        for pk, rows in by_division.items()
        if (series := _series(rows, params.si_mean, params.si_sd, until)).mean
    }
