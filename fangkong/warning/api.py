"""The REST API of warning signals: the signals of the caller's area, one signal with its
alarms, the verdict, false-alarm rates per method, a series with a method's bound, and Rt.
A division or signal outside the caller's area answers 404; a malformed filter 400; an invalid
body 422. Schema names carry the ``Warning`` prefix."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from fangkong.core.api import InputSchema, numbered_page
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiDate, ApiId, BadInput
from fangkong.core.permissions import require
from fangkong.warning import actions, selectors
from fangkong.warning.choices import Indicator, Method, Source, Verdict
from fangkong.warning.models import Signal
from fangkong.warning.permissions import WarningPerm as Perm

router = Router(tags=["warning"])

# The choices as the API describes them: literal values, not the ``choices`` classes, whose
# names (Source, Method) other apps' schemas use already; kept equal to them below.
IndicatorName = Literal[
    "confirmed_local",
    "confirmed_imported",
    "onset_local",
    "onset_imported",
    "asymptomatic_local",
    "asymptomatic_imported",
    "clinic_visits",
    "fevers_found",
    "check_ins_missed",
    "travellers_flagged",
    "contacts_new",
    "beds_free",
    "supplies_low",
]
SourceName = Literal["computed", "imported"]
MethodName = Literal["C1", "C2", "C3", "MPM", "CUSUM"]
VerdictName = Literal["real", "explained", "false_alarm"]
for _literal, _choices in (
    (IndicatorName, Indicator),
    (SourceName, Source),
    (MethodName, Method),
    (VerdictName, Verdict),
):
    assert list(get_args(_literal)) == list(_choices.values), _choices

PAGE = 50
CODE = Field("", max_length=15, description="a division code of your area")


class WarningSignalOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    indicator: IndicatorName
    source: SourceName
    method: MethodName
    start: dt.date
    end: dt.date
    alarms: int
    peak_observed: int
    verdict: str = Field(..., description="empty: waiting for a verdict")
    verdict_note: str
    verdict_at: dt.datetime | None
    escalation_key: str


class WarningAlarmOut(Schema):
    day: dt.date
    observed: int
    threshold: float


class WarningSignalDetailOut(WarningSignalOut):
    alarm_days: list[WarningAlarmOut] = Field(..., alias="alarm_list")


class WarningSignalPage(Schema):
    count: int
    page: int
    pages: int
    items: list[WarningSignalOut]


class WarningSignalQuery(Schema):
    indicator: str = Field("", max_length=24)
    method: str = Field("", max_length=8)
    verdict: str = Field("", max_length=12, description="open, given, or a verdict")
    division: str = CODE
    start: ApiDate | None = Field(None, description="signals running on or after this day")
    end: ApiDate | None = Field(None, description="signals started on or before this day")
    page: int = Field(1, ge=1, le=100_000)


class WarningVerdictIn(InputSchema):
    verdict: VerdictName
    note: str = Field("", max_length=actions.MAX_NOTE, description="required for explained")


class WarningRateOut(Schema):
    method: MethodName
    label: str
    signals: int
    open: int
    real: int
    explained: int
    false_alarm: int
    judged: int
    false_alarm_rate: float | None


class WarningRatesQuery(Schema):
    start: ApiDate | None = None
    end: ApiDate | None = None
    division: str = CODE


class WarningSeriesQuery(Schema):
    division: str = Field(..., min_length=1, max_length=15)
    indicator: IndicatorName
    source: SourceName = "computed"
    method: MethodName = "C1"
    start: ApiDate | None = Field(None, description="default: 90 days before the end")
    end: ApiDate | None = Field(None, description="default: today")


class WarningSeriesAlarmOut(Schema):
    day: dt.date
    method: MethodName
    observed: int
    threshold: float
    signal: int


class WarningSeriesOut(Schema):
    division: dict[str, str]
    indicator: IndicatorName
    source: SourceName
    method: MethodName
    start: dt.date
    end: dt.date
    days: list[dt.date]
    values: list[int]
    observed: list[float | None] = Field(
        ..., description="what the method compares (the 7-day count for MPM)"
    )
    upper: list[float | None] = Field(..., description="the method's upper bound; null: none")
    alarms: list[WarningSeriesAlarmOut]


class WarningRtQuery(Schema):
    division: str = Field(..., min_length=1, max_length=15)
    until: ApiDate | None = None


class WarningRtOut(Schema):
    division: str
    basis: str = Field(..., description="onset or report: which date the incidence counts by")
    source: str
    dates: list[dt.date]
    mean: list[float]
    lower: list[float] = Field(..., description="quantile 0.025")
    upper: list[float] = Field(..., description="quantile 0.975")


def _filters(request: HttpRequest, query: WarningSignalQuery) -> selectors.SignalFilters:
    return selectors.SignalFilters(
        indicator=selectors.check_choice(query.indicator, Indicator.values, "indicator"),
        method=selectors.check_choice(query.method, Method.values, "method"),
        verdict=selectors.check_choice(query.verdict, selectors.VERDICT_FILTERS, "verdict"),
        division=selectors.visible_division(user_of(request), query.division),
        start=query.start,
        end=query.end,
    )


def _signal(request: HttpRequest, pk: int) -> Signal:
    found: Signal = get_visible_or_404(
        Signal.objects.select_related("division"), request.user, pk=pk
    )
    return found


def _detail(signal: Any) -> Any:
    signal.alarm_list = list(selectors.alarms_of(signal))
    return signal


@router.get("/warning/signals", response=WarningSignalPage, summary="Warning signals of your area")
def list_signals(request: HttpRequest, query: Query[WarningSignalQuery]) -> dict[str, Any]:
    """Newest last day first; filter by indicator, method, verdict (``open``: waiting,
    ``given``, or one verdict), a division of your area and days."""
    require(request, Perm.VIEW)
    items = selectors.signals(user_of(request), _filters(request, query))
    return numbered_page(items, query.page, PAGE)


@router.get("/warning/signals/{pk}", response=WarningSignalDetailOut, summary="A signal")
def get_signal(request: HttpRequest, pk: ApiId) -> Any:
    require(request, Perm.VIEW)
    return _detail(_signal(request, pk))


@router.post(
    "/warning/signals/{pk}/verdict",
    response=WarningSignalDetailOut,
    summary="Give a signal its verdict",
)
def judge(request: HttpRequest, pk: ApiId, payload: WarningVerdictIn) -> Any:
    """``real``, ``explained`` (say how in ``note``) or ``false_alarm``; resolves the signal's
    alert. A verdict can be changed later (audited)."""
    found = _signal(request, pk)
    require(request, Perm.JUDGE)
    done = actions.judge_signal(
        found, actor=user_of(request), verdict=payload.verdict, note=payload.note
    )
    return _detail(Signal.objects.select_related("division").get(pk=done.pk))


@router.get("/warning/rates", response=list[WarningRateOut], summary="False-alarm rates")
def get_rates(request: HttpRequest, query: Query[WarningRatesQuery]) -> Any:
    """Per method: signals of your area (or of ``division``) that started in the days, by
    verdict; the rate is false alarms over judged signals (null: none judged)."""
    require(request, Perm.VIEW)
    user = user_of(request)
    if query.start and query.end and query.start > query.end:
        raise BadInput(_("The first day is after the last day."), field="start")
    division = selectors.visible_division(user, query.division)
    return [r.as_dict() for r in selectors.rates(user, query.start, query.end, division)]


@router.get("/warning/series", response=WarningSeriesOut, summary="A series with a method's bound")
def get_series(request: HttpRequest, query: Query[WarningSeriesQuery]) -> Any:
    """The daily values of one series of a division of your area, what ``method`` compares and
    its upper bound (null where it has too little history), and the alarms recorded on it. At
    most 1100 days."""
    require(request, Perm.VIEW)
    user = user_of(request)
    division = selectors.visible_division(user, query.division)
    assert division is not None  # required, at least one character
    start, end = selectors.series_window(query.start, query.end, timezone.localdate())
    return selectors.series_for(
        division, query.indicator, query.source, start, end, method=query.method, user=user
    )


@router.get("/warning/rt", response=WarningRtOut, summary="Rt of a division")
def get_rt(request: HttpRequest, query: Query[WarningRtQuery]) -> Any:
    """The time-varying reproduction number (Cori et al. 2013, as EpiEstim) with its 95 %
    credible interval, by onset date where the records have it, by report date otherwise
    (``basis``). Empty lists when there are too few cases."""
    require(request, Perm.VIEW)
    from fangkong.warning import rt

    division = selectors.visible_division(user_of(request), query.division)
    assert division is not None
    found = rt.rt_for(division, until=query.until)
    return {
        "division": division.code,
        "basis": found.basis,
        "source": found.source,
        "dates": found.dates,
        "mean": found.mean,
        "lower": found.lower,
        "upper": found.upper,
    }
