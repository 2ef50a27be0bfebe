"""The definitions of docs/warning.md on small hand-computed series: EARS C2 and C3 (C1 has the
published reference), the moving percentile method and the CUSUM; and the methods' one door."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from scipy.stats import norm

from fangkong.warning import aberration, ears
from fangkong.warning.methods import DEFAULTS, Params, detect

SERIES = [2, 4, 3, 5, 2, 3, 4, 6, 3, 2, 9, 14]


def test_c2_uses_the_week_before_a_two_day_guard_band() -> None:
    upper = ears.bounds(SERIES, method="C2", alpha=0.05)
    # day 11 (0-based): reference y[2..8]
    ref = SERIES[2:9]
    want = statistics.mean(ref) + norm.ppf(0.95) * statistics.stdev(ref)
    assert upper[11] == pytest.approx(want, rel=1e-12)
    # nothing before day 9 (7 + 2 days of history)
    assert all(math.isnan(u) for u in upper[:9])
    assert not math.isnan(upper[9])


def test_c3_follows_surveillances_code() -> None:
    y = np.array(SERIES, dtype=float)
    upper = ears.bounds(y, method="C3", alpha=0.025)
    z = norm.ppf(0.975)

    def c2(s: int) -> tuple[float, float]:
        ref = y[s - 9 : s - 2]
        sd = statistics.stdev(ref)
        return (y[s] - statistics.mean(ref)) / sd, sd

    t = 11
    (c_2, _), (c_1, _), (_, sd_t) = c2(t - 2), c2(t - 1), c2(t)
    want = y[t] + sd_t * (z - (max(0, c_2 - 1) + max(0, c_1 - 1)))
    assert upper[t] == pytest.approx(max(0.0, want), rel=1e-12)
    # the first day with a bound is 7 + 4 days in, as earsC's maxLag
    assert all(math.isnan(u) for u in upper[:11])


def test_a_flat_baseline_without_min_sigma_gives_no_c3_decision() -> None:
    y = [1] * 14 + [5]
    result = ears.ears_c(y, method="C3")
    assert math.isnan(result[-1].upperbound) and result[-1].alarm is None
    # with a minimum sigma the day is decided
    assert ears.ears_c(y, method="C1", min_sigma=0.5)[-1].alarm is True


def test_moving_percentile_compares_the_week_with_15_windows_of_three_years() -> None:
    # given three years of a steady weekly pattern, then a week of twice as many cases
    rng = np.random.default_rng(7)
    days = 3 * 364 + 30
    y = rng.poisson(4, days).astype(float)
    y[-7:] = 12
    observed, upper = aberration.moving_percentile_bounds(y, percentile=80)
    t = days - 1
    history = [
        y[t - year * 364 + shift - 6 : t - year * 364 + shift + 1].sum()
        for year in (1, 2, 3)
        for shift in (-14, -7, 0, 7, 14)
    ]
    assert observed[t] == 84
    assert upper[t] == pytest.approx(float(np.percentile(history, 80)))
    assert detect("MPM", y)[-1].alarm is True
    # without three years of history there is no threshold
    assert math.isnan(upper[3 * 364 + 14 + 5])


def test_cusum_accumulates_standardised_excess_and_restarts_after_an_alarm() -> None:
    # given 30 days at 2 ± 1, then a rise
    base = [1, 3] * 15
    y = [*base, 4, 4, 9, 9]
    result = aberration.cusum(y, k=0.5, h=4)
    mu, sd = statistics.mean(y[0:28]), statistics.stdev(y[0:28])
    # day 30: S was 0, the bound is μ + σ(h + k)
    assert result[30].upperbound == pytest.approx(mu + sd * 4.5)
    s30 = max(0.0, (4 - mu) / sd - 0.5)
    assert result[31].upperbound == pytest.approx(
        statistics.mean(y[1:29]) + statistics.stdev(y[1:29]) * (4.5 - s30)
    )
    assert result[32].alarm is True
    # after the alarm S restarts: the next bound is μ + σ(h + k) again
    mu33, sd33 = statistics.mean(y[3:31]), statistics.stdev(y[3:31])
    assert result[33].upperbound == pytest.approx(mu33 + sd33 * 4.5)


def test_detect_uses_the_provinces_parameters() -> None:
    y = [2, 3, 2, 3, 2, 3, 2, 4]
    strict = detect("C1", y, Params(ears_alpha=0.001))
    lax = detect("C1", y, Params(ears_alpha=0.2))
    assert strict[-1].alarm is False and lax[-1].alarm is True
    assert detect("C1", y, DEFAULTS)[-1].upperbound == strict[-1].upperbound
    with pytest.raises(ValueError, match="unknown method"):
        detect("C9", y)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "C1", "baseline": 2}, "baseline"),
        ({"method": "C1", "alpha": 1.5}, "alpha"),
        ({"method": "C1", "min_sigma": -1}, "sigma"),
        ({"method": "C5"}, "unknown method"),
    ],
)
def test_impossible_ears_parameters_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ears.bounds(SERIES, **kwargs)  # type: ignore[arg-type]
