"""The two other aberration methods of early warning, besides EARS (``warning.ears``): the
moving percentile method of China's CIDARS and a CUSUM. Pure; docs/warning.md defines both.

Moving percentile (移动百分位数法, CIDARS)
    The observation of day t is the count of the last 7 days (t−6 … t). It is compared with the
    same 7-day count over comparable windows of the previous ``years`` years: in each year the
    window ending on the same weekday 52 weeks (364 days) earlier, and the windows one and two
    weeks before and after it: 5 windows a year, 15 over the 3 years CIDARS uses. The threshold
    is the ``percentile``-th percentile of those counts (linear interpolation, R's quantile
    type 7); an alarm when the observation is above it. Without ``years`` years of history the
    day has no threshold (NaN).

CUSUM (cumulative sum, Page's one-sided upper CUSUM on standardised counts)
    For day t, μ and σ are the mean and sample sd of the ``baseline`` days before t with a guard
    band of two days (t−baseline−2 … t−3, the C2 window), σ at least ``min_sigma`` (1 by
    default: daily counts are whole numbers, and a baseline of zeros would otherwise make a
    single case infinitely unusual). S_t = max(0, S_{t−1} + (y_t − μ)/σ − k), S = 0 before the
    first day with a baseline; an alarm when S_t > h. The upper bound reported is the count that
    would bring S_t to h: μ + σ (h + k − S_{t−1}). After an alarm S restarts from 0 (as the
    EARS-era CUSUMs do), so the bound stays above μ + σk and a lasting excess keeps alarming day
    after day (one signal, the days grouped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fangkong.warning.methods import Bound

WINDOW = 7
YEAR = 364
SHIFTS = (-14, -7, 0, 7, 14)


def _bounds_list(upper: np.ndarray, y: np.ndarray) -> list[Bound]:
    return [
        Bound(float(u), None if np.isnan(u) else bool(v > u)) for u, v in zip(upper, y, strict=True)
    ]


def moving_percentile_bounds(
    counts: Sequence[float] | np.ndarray, *, percentile: float = 80, years: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """The 7-day observations and their thresholds for every day (NaN without history)."""
    if not 0 < percentile < 100:
        raise ValueError("the percentile must lie strictly between 0 and 100")
    if years < 1:
        raise ValueError("at least one year of history is needed")
    y = np.asarray(counts, dtype=float)
    n = len(y)
    observed = np.full(n, np.nan)
    if n >= WINDOW:
        observed[WINDOW - 1 :] = sliding_window_view(y, WINDOW).sum(axis=1)
    upper = np.full(n, np.nan)
    first = years * YEAR + max(-s for s in SHIFTS) + WINDOW - 1
    if n > first:
        days = np.arange(first, n)
        history = np.stack(
            [
                observed[days - year * YEAR + shift]
                for year in range(1, years + 1)
                for shift in SHIFTS
            ],
            axis=1,
        )
        # windows ending after t (a +shift of last year's window may end after t − 364 + 14,
        # always before t) are all in the past: no NaN here once t ≥ first
        upper[first:] = np.percentile(history, percentile, axis=1)
    return observed, upper


def moving_percentile(
    counts: Sequence[float] | np.ndarray, *, percentile: float = 80, years: int = 3
) -> list[Bound]:
    """Bound and alarm of the moving percentile method for every day (alarm: the 7-day count
    above the threshold)."""
    observed, upper = moving_percentile_bounds(counts, percentile=percentile, years=years)
    return _bounds_list(upper, np.nan_to_num(observed))


def cusum_bounds(
    counts: Sequence[float] | np.ndarray,
    *,
    k: float = 0.5,
    h: float = 4.0,
    baseline: int = 28,
    min_sigma: float = 1.0,
) -> np.ndarray:
    """The CUSUM's upper bound for every day (NaN before the first full baseline)."""
    if k <= 0 or h <= 0:
        raise ValueError("k and h must be positive")
    if baseline < 3:
        raise ValueError("the baseline must be at least 3")
    y = np.asarray(counts, dtype=float)
    n = len(y)
    mean = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    first = baseline + 2
    if n > first:
        windows = sliding_window_view(y, baseline)[: n - first]
        mean[first:] = windows.mean(axis=1)
        sigma[first:] = np.maximum(windows.std(axis=1, ddof=1), min_sigma)
    upper = np.full(n, np.nan)
    s = 0.0
    # The recursion is sequential; a year of days is 365 steps of plain floats.
    for t in range(first, n):
        m, sd = float(mean[t]), float(sigma[t])
        upper[t] = m + sd * (h + k - s)
        s = max(0.0, s + (float(y[t]) - m) / sd - k)
        if s > h:
            s = 0.0
    return upper


def cusum(
    counts: Sequence[float] | np.ndarray,
    *,
    k: float = 0.5,
    h: float = 4.0,
    baseline: int = 28,
    min_sigma: float = 1.0,
) -> list[Bound]:
    """Bound and alarm of the CUSUM for every day."""
    y = np.asarray(counts, dtype=float)
    return _bounds_list(cusum_bounds(y, k=k, h=h, baseline=baseline, min_sigma=min_sigma), y)
