"""EARS C1, C2 and C3, exactly as the R package ``surveillance`` 1.26.0 ``earsC`` computes them.
Pure: numbers in, numbers out (docs/warning.md gives the definitions).

For day t of a series y (0-based here), with baseline n, z = Φ⁻¹(1 − alpha) and
sd the sample standard deviation (n − 1):

C1  reference values y[t−n … t−1]; upper bound = mean + z · max(sd, minSigma).
C2  the same with a guard band of two days: y[t−n−2 … t−3].
C3  as ``surveillance``'s code computes it, which is not the textbook "sum of the last three
    C2 statistics": with C2(s) = (y[s] − mean_s) / max(sd_s, minSigma) over C2's reference values
    of day s, the upper bound of t is
        y[t] + max(sd_t, minSigma) · (z − (max(0, C2(t−2) − 1) + max(0, C2(t−1) − 1)))
    floored at 0, so the alarm (y[t] > bound) is raised when the excesses over 1 of the two
    previous days' C2 statistics add up to more than z. Day t's own C2 does not enter it.

Where a statistic divides by a zero standard deviation (a flat baseline, minSigma 0) the result
is what R gives: an infinite C2, a NaN bound and no alarm decision for that day (None).

The alpha ``earsC`` takes when none is given: 0.001 for C1 and C2, 0.025 for C3
(:func:`default_alpha`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import norm

from fangkong.warning.methods import Bound

METHODS = ("C1", "C2", "C3")


def default_alpha(method: str) -> float:
    """``earsC``'s alpha when the control list names none."""
    return 0.025 if method == "C3" else 0.001


def max_lag(method: str, baseline: int) -> int:
    """How many days before the first day of a range the method reads (``earsC``'s maxLag)."""
    return {"C1": baseline, "C2": baseline + 2, "C3": baseline + 4}[method]


def _reference(y: np.ndarray, baseline: int, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd of the ``baseline`` values ending ``lag`` days before each day;
    NaN for days without them. Index i of the result is day i."""
    n = len(y)
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    first = baseline + lag - 1  # the first day with a full reference window
    if n > first:
        windows = sliding_window_view(y, baseline)[: n - first]
        mean[first:] = windows.mean(axis=1)
        sd[first:] = windows.std(axis=1, ddof=1)
    return mean, sd


def bounds(
    counts: Sequence[float] | np.ndarray,
    *,
    method: str,
    alpha: float | None = None,
    baseline: int = 7,
    min_sigma: float = 0.0,
) -> np.ndarray:
    """The upper bound of ``method`` for every day of ``counts`` (NaN where the method lacks
    the history, or where R's computation gives NaN)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: C1, C2 or C3")
    if baseline < 3:
        raise ValueError("the baseline must be at least 3")
    if min_sigma < 0:
        raise ValueError("the minimum sigma must not be negative")
    alpha = default_alpha(method) if alpha is None else alpha
    if not 0 < alpha < 1:
        raise ValueError("alpha must lie strictly between 0 and 1")
    y = np.asarray(counts, dtype=float)
    z = norm.ppf(1 - alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "C1":
            mean, sd = _reference(y, baseline, 1)
            return mean + z * np.maximum(sd, min_sigma)
        mean, sd = _reference(y, baseline, 3)
        sigma = np.maximum(sd, min_sigma)
        if method == "C2":
            return mean + z * sigma
        c2 = (y - mean) / sigma
        excess = np.maximum(0.0, c2 - 1)
        out = np.full(len(y), np.nan)
        if len(y) > 2:
            out[2:] = y[2:] + sigma[2:] * (z - (excess[:-2] + excess[1:-1]))
        # R's pmax(0, NaN) is NaN: keep NaN, floor the rest at 0
        return np.where(np.isnan(out), out, np.maximum(out, 0.0))


def ears_c(
    counts: Sequence[float] | np.ndarray,
    *,
    method: str,
    alpha: float | None = None,
    baseline: int = 7,
    min_sigma: float = 0.0,
) -> list[Bound]:
    """Bound and alarm for every day of ``counts`` (see :func:`bounds`)."""
    y = np.asarray(counts, dtype=float)
    upper = bounds(y, method=method, alpha=alpha, baseline=baseline, min_sigma=min_sigma)
    return [
        Bound(float(u), None if np.isnan(u) else bool(v > u)) for u, v in zip(upper, y, strict=True)
    ]
