"""The jurisdiction-matrix entries of the signal pages and API: a fresh signal of 南关区 for
each call (a new day each time, so that no two collide)."""

from __future__ import annotations

import datetime as dt

from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World
from fangkong.warning.models import Signal
from fangkong.warning.tests.signal_factories import DAY, make_signal


def _signal(w: World) -> Signal:
    return make_signal(w.tree.nanguan, day=DAY + dt.timedelta(days=2 * w.number()))


def signal_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=f'data-signal="{_signal(w).pk}"')


def api_signal_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=f'"id": {_signal(w).pk},')


def signal_page(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _signal(w).pk})


def verdict(w: World) -> Target:
    data = {"verdict": "false_alarm", "note": ""}
    return Target(home=w.tree.nanguan, args={"pk": _signal(w).pk}, data=data)


def series_of_county(w: World) -> Target:
    query = {"division": w.tree.nanguan.code, "indicator": "confirmed_local"}
    return Target(home=w.tree.nanguan, query=query)


def rt_of_county(w: World) -> Target:
    return Target(home=w.tree.nanguan, query={"division": w.tree.nanguan.code})


def parameters_set(w: World) -> Target:
    data = {
        "si_mean": "7.5",
        "si_sd": "3.4",
        "ears_alpha": "0.001",
        "ears_baseline": str(7 + w.number() % 5),
        "ears_min_sigma": "0",
        "percentile": "80",
        "cusum_k": "0.5",
        "cusum_h": "4",
    }
    return Target(home=w.tree.nanguan, data=data)


RATES = "counts of the caller's own area, computed per caller; no record in the URL"
PARAMETERS = "one set per province, the caller's own province; no record in the URL"

CASES: list[Case] = [
    Case("warning:signals", "GET", LIST, signal_listed),
    Case("warning:signal", "GET", SCOPED, signal_page),
    Case("warning:signal_verdict", "POST", SCOPED, verdict, ok=(302,)),
    Case("warning:rates", "GET", OWN, reason=RATES),
    Case("warning:series", "GET", SCOPED, series_of_county),
    Case("warning:parameters", "GET", OWN, reason=PARAMETERS),
    Case("warning:parameters", "POST", OWN, parameters_set, ok=(302,), reason=PARAMETERS),
    Case("GET /api/warning/signals", "GET", LIST, api_signal_listed),
    Case("GET /api/warning/signals/{pk}", "GET", SCOPED, signal_page),
    Case(
        "POST /api/warning/signals/{pk}/verdict",
        "POST",
        SCOPED,
        lambda w: Target(
            home=w.tree.nanguan, args={"pk": _signal(w).pk}, data={"verdict": "false_alarm"}
        ),
    ),
    Case("GET /api/warning/rates", "GET", OWN, reason=RATES),
    Case("GET /api/warning/series", "GET", SCOPED, series_of_county),
    Case("GET /api/warning/rt", "GET", SCOPED, rt_of_county),
]
