"""The command screen (指挥大屏): every figure it shows for one division and day, read from the
summary tables only — the daily indicator series (``IndicatorDay``), the county risk grades, the
wards' bed counters, the open escalations of low supplies, the daily reports of the children,
the open signals — and never from the raw records, so that it costs a bounded number of queries
(asserted in the tests) and stays under 300 ms whatever the size of the records.

:func:`screen_data` returns one JSON-ready dict: the page renders it, the wall page refreshes it
from ``GET /api/warning/screen`` every minute, and the API returns it unchanged.

Sources of the case counts (docs/warning.md): a series is ``computed`` from our records or
``imported`` (counts the province received from the national system, as in 2020). A figure
shows the computed value; for case counts of a province or a city whose computed value is zero
and which has an imported series, the imported one (the 2020 data exists only as imported
counts). Where both sources have a value, both are given, and each figure names its source.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.cases.permissions import CasesPerm
from fangkong.medical.choices import BedType
from fangkong.medical.models import Ward
from fangkong.medical.permissions import MedicalPerm
from fangkong.notifications.models import Escalation
from fangkong.outbreaks.choices import Grade
from fangkong.outbreaks.models import RiskGrade
from fangkong.outbreaks.permissions import OutbreaksPerm
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.reports.choices import State
from fangkong.reports.models import DailyReport
from fangkong.reports.permissions import ReportsPerm
from fangkong.supplies.permissions import SuppliesPerm
from fangkong.tracing.permissions import TracingPerm
from fangkong.warning.choices import STOCK_INDICATORS, Indicator, Method, Source
from fangkong.warning.models import IndicatorDay, Signal
from fangkong.warning.permissions import WarningPerm
from fangkong.warning.selectors import alert_since
from fangkong.zeroreport.permissions import ZeroReportPerm

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

CURVE_DAYS = 366  # the epidemic curve reaches this far back (the 2020 series fits in it)
ALERTS = 10  # open signals listed
SUPPLIES = 6  # low-supply alerts listed
LOW_SUPPLY_KEY = "supplies:low:"  # supplies.actions.low_key

CASE_INDICATORS = frozenset(
    {
        Indicator.CONFIRMED_LOCAL,
        Indicator.CONFIRMED_IMPORTED,
        Indicator.ONSET_LOCAL,
        Indicator.ONSET_IMPORTED,
        Indicator.ASYMPTOMATIC_LOCAL,
        Indicator.ASYMPTOMATIC_IMPORTED,
    }
)
CURVE_INDICATORS = (
    Indicator.ONSET_LOCAL,
    Indicator.ONSET_IMPORTED,
    Indicator.CONFIRMED_LOCAL,
    Indicator.CONFIRMED_IMPORTED,
)
SOURCE_LABELS = {
    Source.COMPUTED: gettext_lazy("from our records"),
    Source.IMPORTED: gettext_lazy("imported counts"),
}
GRADE_RANK = {Grade.LOW: 1, Grade.MEDIUM: 2, Grade.HIGH: 3}
GRADE_LABELS = [
    gettext_lazy("not graded"),
    Grade.LOW.label,
    Grade.MEDIUM.label,
    Grade.HIGH.label,
]
SUBMITTED = (State.SUBMITTED, State.APPROVED)


@dataclass(frozen=True)
class FigureDef:
    """One key figure: the indicators it adds up, where it links, and whether a rise is bad."""

    key: str
    label: Any
    indicators: tuple[str, ...]
    link: str  # URL name ("" none); "zeroreport:dashboard" takes the division's code
    perm: str
    rise_is_bad: bool = True


FIGURES: tuple[FigureDef, ...] = (
    FigureDef(
        "confirmed_local",
        gettext_lazy("New confirmed, local"),
        (Indicator.CONFIRMED_LOCAL,),
        "cases:list",
        CasesPerm.VIEW_CASE,
    ),
    FigureDef(
        "confirmed_imported",
        gettext_lazy("New confirmed, imported"),
        (Indicator.CONFIRMED_IMPORTED,),
        "cases:list",
        CasesPerm.VIEW_CASE,
    ),
    FigureDef(
        "asymptomatic",
        gettext_lazy("New asymptomatic infections"),
        (Indicator.ASYMPTOMATIC_LOCAL, Indicator.ASYMPTOMATIC_IMPORTED),
        "cases:list",
        CasesPerm.VIEW_CASE,
    ),
    FigureDef(
        "clinic_visits",
        gettext_lazy("Fever-clinic visits"),
        (Indicator.CLINIC_VISITS,),
        "cases:visit_list",
        CasesPerm.VIEW_CLINICVISIT,
    ),
    FigureDef(
        "fevers_found",
        gettext_lazy("Fevers found in screening"),
        (Indicator.FEVERS_FOUND,),
        "zeroreport:dashboard",
        ZeroReportPerm.VIEW_GRIDDAY,
    ),
    FigureDef(
        "contacts_new",
        gettext_lazy("New close contacts"),
        (Indicator.CONTACTS_NEW,),
        "tracing:list",
        TracingPerm.VIEW_CONTACT,
    ),
    FigureDef(
        "beds_free",
        gettext_lazy("Free beds"),
        (Indicator.BEDS_FREE,),
        "medical:beds",
        MedicalPerm.VIEW_FACILITY,
        rise_is_bad=False,
    ),
    FigureDef(
        "supplies_low",
        gettext_lazy("Supplies below threshold"),
        (Indicator.SUPPLIES_LOW,),
        "supplies:overview",
        SuppliesPerm.VIEW_STOCK,
    ),
)


# --- helpers ----------------------------------------------------------------------------------


def _number(value: Any, digits: int = 2) -> float | None:
    """A float for JSON: NaN and infinities (no estimate) become None."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return round(number, digits)


class _Links:
    """The addresses of the lists behind the figures, each only for a user allowed to open it
    (a link to a 403 page would be a dead end)."""

    def __init__(self, user: User | AnonymousUser) -> None:
        self.user = user
        self._perm: dict[str, bool] = {}

    def allowed(self, perm: str) -> bool:
        if perm not in self._perm:
            self._perm[perm] = bool(self.user.has_perm(perm))
        return self._perm[perm]

    def url(self, name: str, perm: str, *args: Any, query: str = "") -> str:
        if not name or not self.allowed(perm):
            return ""
        try:
            return reverse(name, args=args or None) + (f"?{query}" if query else "")
        except NoReverseMatch:
            return ""


def signal_url(pk: int) -> str:
    """The page of a signal (``warning:signal``), or its plain path while that page is not
    there."""
    try:
        return reverse("warning:signal", args=[pk])
    except NoReverseMatch:
        return f"/warning/signals/{pk}/"


def _signals_url() -> str:
    try:
        return reverse("warning:signals")
    except NoReverseMatch:
        return ""


def prefers_imported(indicator: str, level: int) -> bool:
    """Case counts of a province or a city may come as imported counts (the national system's)."""
    return indicator in CASE_INDICATORS and level <= Level.PREFECTURE


def pick(indicator: str, level: int, computed: int | None, imported: int | None) -> tuple[int, str]:
    """The value shown for one indicator and its source: the computed one, but for case counts
    of a province or city whose computed value is zero (or missing), the imported one where
    there is one."""
    if imported is not None and not computed and prefers_imported(indicator, level):
        return imported, Source.IMPORTED
    return computed or 0, Source.COMPUTED


# --- the sections -----------------------------------------------------------------------------


def _figures(
    division: Division,
    day: dt.date,
    values: dict[tuple[str, str, dt.date], int],
    has_series: set[tuple[str, str]],
    links: _Links,
) -> list[dict[str, Any]]:
    before = day - dt.timedelta(days=1)
    out = []
    for fig in FIGURES:

        def total(source: str, on: dt.date, fig: FigureDef = fig) -> int:
            return sum(values.get((i, source, on), 0) for i in fig.indicators)

        present = {
            source
            for source in Source.values
            if any((i, source) in has_series for i in fig.indicators)
        }
        computed, imported = total(Source.COMPUTED, day), total(Source.IMPORTED, day)
        main = Source.COMPUTED
        if (
            Source.IMPORTED in present
            and not computed
            and all(prefers_imported(i, division.level) for i in fig.indicators)
        ):
            main = Source.IMPORTED
        other = Source.IMPORTED if main == Source.COMPUTED else Source.COMPUTED
        value, previous = total(main, day), total(main, before)
        # A stock (free beds, supplies short) is stored only for the days it was computed on
        # as today: no row the day before means "not known", not 0, so no change is given.
        known = not all(i in STOCK_INDICATORS for i in fig.indicators) or any(
            (i, main, before) in values for i in fig.indicators
        )
        change: int | None = value - previous if known else None
        second = None
        if other in present:
            second = {
                "source": other,
                "source_label": str(SOURCE_LABELS[other]),
                "value": total(other, day),
                "change": total(other, day) - total(other, before),
            }
        link = (
            links.url(fig.link, fig.perm, division.code)
            if fig.link == "zeroreport:dashboard"
            else links.url(fig.link, fig.perm)
        )
        out.append(
            {
                "key": fig.key,
                "label": str(fig.label),
                "value": value,
                "previous": previous,
                "change": change,
                "worse": change is not None and (change > 0 if fig.rise_is_bad else change < 0),
                "source": main,
                "source_label": str(SOURCE_LABELS[main]),
                "other": second,
                "link": link,
                "imported_only": main == Source.IMPORTED and computed == 0 and imported > 0,
            }
        )
    return out


def _series_source(indicator: str, level: int, sums: dict[tuple[str, str], int]) -> str:
    computed = sums.get((indicator, Source.COMPUTED), 0)
    imported = sums.get((indicator, Source.IMPORTED))
    return pick(indicator, level, computed, imported)[1]


def _curve(
    division: Division, day: dt.date, values: dict[tuple[str, str, dt.date], int]
) -> dict[str, Any]:
    """Daily counts by onset and by report date, local and imported, from the first day with a
    case (at most ``CURVE_DAYS`` back) to ``day``; each basis from one source, named."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    first: dt.date | None = None
    for (indicator, source, on), value in values.items():
        if indicator in CURVE_INDICATORS and value:
            sums[(indicator, source)] += value
            first = on if first is None or on < first else first
    if first is None:
        return {"days": [], "onset": None, "report": None}
    days = [first + dt.timedelta(days=n) for n in range((day - first).days + 1)]

    def basis(local: str, imported: str, title: Any) -> dict[str, Any] | None:
        source = _series_source(local, division.level, sums)
        if not sums.get((local, source)) and not sums.get((imported, source)):
            source = _series_source(imported, division.level, sums)
        if not sums.get((local, source)) and not sums.get((imported, source)):
            return None
        return {
            "title": str(title),
            "source": source,
            "source_label": str(SOURCE_LABELS[Source(source)]),
            "local": [values.get((local, source, d), 0) for d in days],
            "imported": [values.get((imported, source, d), 0) for d in days],
        }

    return {
        "days": [d.isoformat() for d in days],
        "onset": basis(
            Indicator.ONSET_LOCAL, Indicator.ONSET_IMPORTED, _("Epidemic curve by onset date")
        ),
        "report": basis(
            Indicator.CONFIRMED_LOCAL,
            Indicator.CONFIRMED_IMPORTED,
            _("Epidemic curve by report date"),
        ),
    }


def _rt_dict(series: Any) -> dict[str, Any]:
    basis = str(getattr(series, "basis", "") or "")
    source = str(getattr(series, "source", "") or "")
    title = {
        "onset": _("Rt by onset date"),
        "report": _("Rt by report date"),
    }.get(basis, _("Rt"))
    return {
        "basis": basis,
        "source": source,
        "source_label": str(SOURCE_LABELS[Source(source)]) if source in Source.values else "",
        "title": title,
        "dates": [d.isoformat() for d in getattr(series, "dates", [])],
        "mean": [_number(v) for v in getattr(series, "mean", [])],
        "lower": [_number(v) for v in getattr(series, "lower", [])],
        "upper": [_number(v) for v in getattr(series, "upper", [])],
    }


def _latest(rt: dict[str, Any]) -> dict[str, Any] | None:
    for i in range(len(rt["dates"]) - 1, -1, -1):
        if rt["mean"][i] is not None:
            return {
                "date": rt["dates"][i],
                "mean": rt["mean"][i],
                "lower": rt["lower"][i],
                "upper": rt["upper"][i],
            }
    return None


def _rt(division: Division, children: Sequence[Division], day: dt.date) -> dict[str, Any]:
    from fangkong.warning import rt as rt_module

    own = _rt_dict(rt_module.rt_for(division, until=day))
    own["latest"] = _latest(own)
    names = {c.pk: c.name for c in children}
    kids = []
    if children:
        for pk, series in rt_module.rt_for_children(division, until=day).items():
            found = _rt_dict(series)
            last = _latest(found)
            if last is None or pk not in names:
                continue
            kids.append({"id": pk, "name": names[pk], "basis": found["basis"], **last})
    kids.sort(key=lambda k: (-(k["mean"] or 0), k["name"]))
    own["children"] = kids
    return own


def _map(
    division: Division,
    day: dt.date,
    children: Sequence[Division],
    child_values: dict[int, dict[tuple[str, str], int]],
    grades: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    worst: dict[str, int] = defaultdict(int)
    graded: dict[str, int] = defaultdict(int)
    own = 0
    for path, grade in grades:
        rank = GRADE_RANK.get(Grade(grade), 0) if grade in Grade.values else 0
        if path == division.path:
            own = max(own, rank)
        for child in children:
            if path.startswith(child.path):
                worst[child.path] = max(worst[child.path], rank)
                graded[child.path] += 1
                break
    rows = []
    for child in children:
        found = child_values.get(child.pk, {})
        shown: dict[str, int] = {}
        sources: dict[str, str] = {}
        for indicator in Indicator.values:
            value, source = pick(
                indicator,
                child.level,
                found.get((indicator, Source.COMPUTED)),
                found.get((indicator, Source.IMPORTED)),
            )
            shown[indicator] = value
            sources[indicator] = source
        rank = worst.get(child.path, 0)
        rows.append(
            {
                "id": child.pk,
                "code": child.short_code,
                "name": child.name,
                "grade": rank,
                "grade_label": str(GRADE_LABELS[rank]),
                "graded": graded.get(child.path, 0),
                "values": shown,
                "sources": sources,
            }
        )
    return {
        # the province's children are drawn on the city map (the page names its file,
        # regions/jilin-cities.geojson); below it, as tiles
        "geo": division.level == Level.PROVINCE and bool(children),
        "children": rows,
        "own_grade": own,
        "own_grade_label": str(GRADE_LABELS[own]),
        "grade_labels": [str(g) for g in GRADE_LABELS],
        "indicators": [{"key": k, "label": str(v)} for k, v in Indicator.choices],
        "graded_below": division.level < Level.COUNTY,
    }


def _alerts(user: User | AnonymousUser, division: Division, day: dt.date) -> dict[str, Any]:
    """Signals without a verdict that ran in the ``selectors.ALERT_DAYS`` days up to ``day``: the
    alerts of the moment (a back-filled signal of 2020 is not an alert of today; the screen of a
    day of 2020 shows that day's)."""
    open_signals = Signal.objects.visible_to(user).filter(
        verdict="",
        division_path__startswith=division.path,
        end__gte=alert_since(day),
        start__lte=day,
    )
    rows = list(open_signals.select_related("division").order_by("-end", "-id")[:ALERTS])
    count = open_signals.count()
    indicators = dict(Indicator.choices)
    methods = dict(Method.choices)
    return {
        "count": count,
        "items": [
            {
                "id": s.pk,
                "indicator": str(indicators.get(s.indicator, s.indicator)),
                "method": str(methods.get(s.method, s.method)),
                "division": s.division.name,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "alarms": s.alarms,
                "peak": s.peak_observed,
                "source": s.source,
                "url": signal_url(s.pk),
            }
            for s in rows
        ],
        "link": _signals_url(),
    }


def _beds(user: User | AnonymousUser, division: Division, links: _Links) -> dict[str, Any]:
    """Free beds by type of the open wards in the division (the wards' counters, one
    ``GROUP BY``)."""
    grouped = {
        row["bed_type"]: row
        for row in Ward.objects.visible_to(user)
        .filter(active=True, division_path__startswith=division.path)
        .values("bed_type")
        .annotate(
            capacity=Sum("capacity"),
            occupied=Sum("occupied"),
            reserved=Sum("reserved"),
            broken=Sum("out_of_service"),
        )
        .order_by()
    }
    types = []
    for bed_type, label in BedType.choices:
        row = grouped.get(bed_type)
        capacity = int(row["capacity"] or 0) if row else 0
        used = int((row["occupied"] or 0) + (row["reserved"] or 0)) if row else 0
        broken = int(row["broken"] or 0) if row else 0
        types.append(
            {
                "type": bed_type,
                "label": str(label),
                "capacity": capacity,
                "in_use": used,
                "free": max(0, capacity - used - broken),
            }
        )
    return {
        "types": types,
        "free": sum(t["free"] for t in types),
        "capacity": sum(t["capacity"] for t in types),
        "link": links.url("medical:beds", MedicalPerm.VIEW_FACILITY),
    }


def _supplies(user: User | AnonymousUser, division: Division, links: _Links) -> dict[str, Any]:
    """Open low-supply alerts of the stores in the division (the escalations
    ``supplies:low:…``)."""
    open_low = Escalation.objects.visible_to(user).filter(
        division_path__startswith=division.path,
        key__startswith=LOW_SUPPLY_KEY,
        resolved_at=None,
    )
    rows = list(open_low.order_by("-opened_at", "-id")[:SUPPLIES])
    count = open_low.count()
    return {
        "count": count,
        "items": [
            {
                "title": e.title,
                "since": timezone.localtime(e.opened_at).date().isoformat(),
            }
            for e in rows
        ],
        "link": links.url("supplies:overview", SuppliesPerm.VIEW_STOCK),
    }


def _reports(division: Division, day: dt.date, links: _Links) -> dict[str, Any]:
    """The day's daily reports of the division's children (and its own): how many of those
    expected are in, approved, late, marked missing (one query over ``DailyReport``)."""
    expected = division.n_children if division.level < Level.VILLAGE else 0
    counts: dict[str, int] = defaultdict(int)
    own = ""
    rows = DailyReport.objects.filter(day=day).filter(
        Q(division__parent_id=division.pk) | Q(division_id=division.pk)
    )
    for division_id, state, late in rows.order_by().values_list("division_id", "state", "late"):
        if division_id == division.pk:
            own = state
            continue
        counts[state] += 1
        if late and state in SUBMITTED:
            counts["late"] += 1
    submitted = sum(counts[s] for s in SUBMITTED)
    states = dict(State.choices)
    return {
        "expected": expected,
        "submitted": submitted,
        "approved": counts[State.APPROVED],
        "late": counts["late"],
        "missing": counts[State.MISSING],
        "not_submitted": max(expected - submitted - counts[State.MISSING], 0),
        "rate": round(100 * submitted / expected) if expected else None,
        "own": str(states.get(own, _("not written yet"))) if division.level < Level.GRID else "",
        "link": links.url("reports:children", ReportsPerm.VIEW_REPORT)
        if division.level < Level.VILLAGE
        else links.url("reports:today", ReportsPerm.VIEW_REPORT),
        "completeness_link": links.url("reports:completeness", ReportsPerm.VIEW_REPORT),
    }


# --- the whole screen -------------------------------------------------------------------------


def screen_data(
    user: User | AnonymousUser,
    division: Division,
    day: dt.date,
) -> dict[str, Any]:
    """Everything the command screen shows for ``division`` (inside the user's jurisdiction:
    the caller checks it) on ``day``, as one JSON-ready dict. A bounded number of queries,
    from the summary tables only."""
    links = _Links(user)
    before = day - dt.timedelta(days=1)
    first = day - dt.timedelta(days=CURVE_DAYS - 1)
    values: dict[tuple[str, str, dt.date], int] = {}
    has_series: set[tuple[str, str]] = set()
    for indicator, source, on, value in (
        IndicatorDay.objects.filter(division=division, day__range=(first, day))
        .filter(Q(indicator__in=CURVE_INDICATORS) | Q(day__gte=before))
        .order_by()
        .values_list("indicator", "source", "day", "value")
    ):
        values[(indicator, source, on)] = value
        has_series.add((indicator, source))
    # a series "exists" when it has a row in the window (the curve's indicators: a year; the
    # other figures: the day and the day before)
    latest = IndicatorDay.objects.filter(division=division, day__lte=day).aggregate(
        last=Max("day")
    )["last"]
    children = list(
        Division.objects.filter(parent=division, active=True)
        .exclude(level=Level.GRID)
        .order_by("code")
        .only("id", "code", "name", "level", "path")
    )
    child_values: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    if children:
        for division_id, indicator, source, value in (
            IndicatorDay.objects.filter(division_id__in=[c.pk for c in children], day=day)
            .order_by()
            .values_list("division_id", "indicator", "source", "value")
        ):
            child_values[division_id][(indicator, source)] = value
    grades = list(
        RiskGrade.objects.filter(day=day, division_path__startswith=division.path)
        .order_by()
        .values_list("division_path", "grade")
    )
    return {
        "division": {
            "id": division.pk,
            "code": division.code,
            "name": division.name,
            "level": division.level,
            "level_label": str(Level(division.level).label),
        },
        "day": day.isoformat(),
        "latest_day": latest.isoformat() if latest else None,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "figures": _figures(division, day, values, has_series, links),
        "curve": _curve(division, day, values),
        "rt": _rt(division, children, day),
        "map": _map(division, day, children, child_values, grades),
        "alerts": _alerts(user, division, day),
        "beds": _beds(user, division, links),
        "supplies": _supplies(user, division, links),
        "reports": _reports(division, day, links),
        "links": {
            "risk": links.url("outbreaks:risk", OutbreaksPerm.VIEW_RISKGRADE, query=f"day={day}"),
            "signals": _signals_url() if links.allowed(WarningPerm.VIEW) else "",
        },
    }


def picker(user: User | AnonymousUser, home: Division) -> list[dict[str, Any]]:
    """The divisions the screen may be opened for: the user's home and two levels below it,
    down to the township (one query, at most 600)."""
    deepest = min(home.level + 2, Level.TOWNSHIP)
    rows = (
        Division.objects.visible_to(user)
        .filter(active=True, path__startswith=home.path, level__lte=deepest)
        .order_by("path")
        .values_list("id", "name", "level")[:600]
    )
    return [
        {"id": pk, "name": name, "depth": max(0, level - home.level)} for pk, name, level in rows
    ]
