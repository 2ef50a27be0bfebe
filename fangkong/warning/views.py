"""Pages of the signal part of early warning: the signals of the user's area, a signal with its
series and the verdict form, false-alarm rates per method, a series with a method's bound, and
the province's method parameters. Thin: parse, check the role, call one action, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import BadInput, parse_date, parse_int
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning import actions, selectors
from fangkong.warning.choices import STOCK_INDICATORS, Indicator, Method, Source, Verdict
from fangkong.warning.forms import ParametersForm, VerdictForm
from fangkong.warning.models import Signal
from fangkong.warning.permissions import WarningPerm as Perm

PAGE = 50


def _page(request: HttpRequest) -> int:
    return parse_int(request.GET.get("page"), field="page", min_value=1, max_value=100_000) or 1


def signal_filters(request: HttpRequest) -> tuple[selectors.SignalFilters, dict[str, str]]:
    """The list's filters from the query string (400 for a malformed one, 404 for a division
    out of the user's area) and the same as text for the form and the page links."""
    get = request.GET
    f = selectors.SignalFilters(
        indicator=selectors.check_choice(get.get("indicator", ""), Indicator.values, "indicator"),
        method=selectors.check_choice(get.get("method", ""), Method.values, "method"),
        verdict=selectors.check_choice(
            get.get("verdict", ""), selectors.VERDICT_FILTERS, "verdict"
        ),
        division=selectors.visible_division(user_of(request), get.get("division")),
        start=parse_date(get.get("start"), field="start"),
        end=parse_date(get.get("end"), field="end"),
    )
    text = {
        "indicator": f.indicator,
        "method": f.method,
        "verdict": f.verdict,
        "division": f.division.code if f.division else "",
        "start": f.start.isoformat() if f.start else "",
        "end": f.end.isoformat() if f.end else "",
    }
    return f, text


@login_required
def signal_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW)
    filters, text = signal_filters(request)
    items = selectors.signals(user_of(request), filters)
    page = Paginator(items, PAGE).get_page(_page(request))
    query = urlencode({k: v for k, v in text.items() if v})
    return render(
        request,
        "warning/signal_list.html",
        {
            "page": page,
            "filters": text,
            "filtered": any(text.values()),
            "query": query,
            "indicators": [(v, lbl) for v, lbl in Indicator.choices if v not in STOCK_INDICATORS],
            "methods": Method.choices,
            "verdicts": [
                (selectors.OPEN, _("waiting for a verdict")),
                (selectors.GIVEN, _("with a verdict")),
                *Verdict.choices,
            ],
        },
    )


def _signal(request: HttpRequest, pk: int) -> Signal:
    found: Signal = get_visible_or_404(
        Signal.objects.select_related("division", "verdict_by"), request.user, pk=pk
    )
    return found


def _detail(
    request: HttpRequest, signal: Signal, form: VerdictForm | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    initial = {"verdict": signal.verdict or None, "note": signal.verdict_note}
    return render(
        request,
        "warning/signal_detail.html",
        {
            "signal": signal,
            "alarms": selectors.alarms_of(signal),
            "chart": selectors.signal_chart(signal, today=timezone.localdate(), user=user),
            "can_judge": user.has_perm(Perm.JUDGE),
            "form": form or VerdictForm(initial=initial),
            "escalation": _escalation(signal),
        },
        status=status,
    )


def _escalation(signal: Signal) -> Any:
    from fangkong.notifications.models import Escalation

    if not signal.escalation_key:
        return None
    return Escalation.objects.filter(key=signal.escalation_key).select_related("reached").first()


@login_required
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _signal(request, pk)
    require(request, Perm.VIEW)
    return _detail(request, found)


@login_required
@require_POST
def signal_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    found = _signal(request, pk)
    require(request, Perm.JUDGE)
    actor = user_of(request)
    form = VerdictForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            lambda: actions.judge_signal(
                found, actor=actor, verdict=data["verdict"], note=data["note"]
            ),
        )
        if done is not None:
            messages.success(
                request, _("Verdict saved: %(verdict)s.") % {"verdict": done.get_verdict_display()}
            )
            return redirect(done.get_absolute_url())
    return _detail(request, found, form)


def _window(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    start = parse_date(request.GET.get("start"), field="start")
    end = parse_date(request.GET.get("end"), field="end")
    if start and end and start > end:
        raise BadInput(_("The first day is after the last day."), field="start")
    return start, end


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    """False-alarm rates per method in the user's area (signals started in the days)."""
    require(request, Perm.VIEW)
    user = user_of(request)
    start, end = _window(request)
    division = selectors.visible_division(user, request.GET.get("division"))
    return render(
        request,
        "warning/rates.html",
        {
            "rates": selectors.rates(user, start, end, division),
            "start": start,
            "end": end,
            "division": division,
        },
    )


@login_required
def series(request: HttpRequest) -> HttpResponse:
    """One series of a division of the user's area with a method's upper bound."""
    require(request, Perm.VIEW)
    user = user_of(request)
    get = request.GET
    division = selectors.visible_division(user, get.get("division"))
    if division is None:
        division = getattr(user, "home_division", None)
        if division is None:
            raise Http404
    indicator = selectors.check_choice(
        get.get("indicator", "") or Indicator.CONFIRMED_LOCAL, Indicator.values, "indicator"
    )
    source = selectors.check_choice(
        get.get("source", "") or Source.COMPUTED, Source.values, "source"
    )
    method = selectors.check_choice(get.get("method", "") or Method.C1, Method.values, "method")
    start, end = selectors.series_window(*_window(request), timezone.localdate())
    chart = selectors.series_for(division, indicator, source, start, end, method=method, user=user)
    return render(
        request,
        "warning/series.html",
        {
            "chart": chart,
            "division": division,
            "indicator": indicator,
            "source": source,
            "method": method,
            "start": start,
            "end": end,
            "indicators": Indicator.choices,
            "sources": Source.choices,
            "methods": Method.choices,
        },
    )


def home_province(user: Any) -> Division:
    """The province of the user's home (a user without one: the first province)."""
    home = getattr(user, "home_division", None)
    provinces = Division.objects.filter(level=Level.PROVINCE)
    if home is not None:
        found = provinces.filter(path=home.path.split("/", 1)[0] + "/").first()
    else:
        found = provinces.order_by("code").first()
    if found is None:
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])
def parameters(request: HttpRequest) -> HttpResponse:
    """The method parameters of the user's province; the form for those who set them."""
    require(request, Perm.VIEW)
    user = user_of(request)
    province = home_province(user)
    current = actions.parameters_of(province)
    can_manage = user.has_perm(Perm.MANAGE_PARAMETERS)
    initial = {name: getattr(current, name) for name in actions.PARAMETER_FIELDS}
    form = ParametersForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        require(request, Perm.MANAGE_PARAMETERS)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in actions.PARAMETER_FIELDS}
            done = run_action(form, lambda: actions.set_parameters(province, actor=user, **data))
            if done is not None:
                messages.success(request, _("Parameters saved."))
                return redirect("warning:parameters")
    return render(
        request,
        "warning/parameters.html",
        {
            "province": province,
            "current": current,
            "form": form,
            "can_manage": can_manage,
            "fields": [
                (form[name].label, getattr(current, name)) for name in actions.PARAMETER_FIELDS
            ],
        },
    )
