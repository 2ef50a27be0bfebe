"""The time-varying reproduction number by the method of Cori et al. (2013), exactly as
EpiEstim 3.0.0 ``estimate_R`` computes it (docs/warning.md). Pure: numbers in, numbers out.

``estimate_r(local, imported, si_distr, t_start=None, t_end=None) -> list[Estimate]``
    ``local`` and ``imported``: daily incidence, oldest first, same length (day 1's local cases
    count as imported, as EpiEstim does). ``si_distr``: the discrete serial interval, index 0 =
    day 0 (must be 0 there and sum to 1). Windows 1-based inclusive; default weekly sliding
    windows 2:8 … (T-6):T. Windows ending at or before the mean SI are not estimated (dropped).
``discr_si(k, mu, sigma)``: EpiEstim's discretised gamma shifted by one day.
``parametric_si(mean, sd)``: the SI distribution ``estimate_r`` uses for a parametric SI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import gamma

QUANTILES = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
# EpiEstim's check_si_distr: the distribution must sum to 1 within this tolerance.
SI_SUM_TOLERANCE = 0.01
COLUMNS = ("t_start", "t_end", "mean", "std", "q025", "q05", "q25", "median", "q75", "q95", "q975")


class EstimationError(ValueError):
    """Input ``estimate_r`` refuses, with a one-line message."""


@dataclass(frozen=True)
class Estimate:
    """The posterior of R over one window (1-based inclusive days, as EpiEstim prints them)."""

    t_start: int
    t_end: int
    mean: float
    std: float
    q025: float
    q05: float
    q25: float
    median: float
    q75: float
    q95: float
    q975: float
    # Σ λ over the window (not printed: EpiEstim's table has no such column); a window whose
    # total infectiousness is near 0 has the prior as its posterior (rt.py leaves it out).
    infectiousness: float = 0.0

    def row(self) -> tuple[float, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


def discr_si(k: Sequence[int] | np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """EpiEstim's ``discr_si``: the probability of a serial interval of k days under a gamma
    distribution of mean ``mu`` − 1 and sd ``sigma`` shifted by one day, discretised as in
    Cori et al. (2013), Web Appendix 11; negative values are set to 0."""
    if sigma < 0:
        raise EstimationError("the sd of the serial interval must not be negative")
    if mu <= 1:
        raise EstimationError("the mean of the serial interval must be more than 1 day")
    k = np.asarray(k, dtype=float)
    if (k < 0).any():
        raise EstimationError("serial-interval days must not be negative")
    a = ((mu - 1) / sigma) ** 2
    b = sigma**2 / (mu - 1)

    def cdf(x: np.ndarray, shape: float) -> np.ndarray:
        return gamma.cdf(x, shape, scale=b)

    res = k * cdf(k, a) + (k - 2) * cdf(k - 2, a) - 2 * (k - 1) * cdf(k - 1, a)
    res = res + a * b * (2 * cdf(k - 1, a + 1) - cdf(k - 2, a + 1) - cdf(k, a + 1))
    return np.maximum(res, 0.0)


def parametric_si(mean: float, sd: float, length: int) -> np.ndarray:
    """The serial interval ``estimate_R`` uses for ``parametric_si`` on a series of ``length``
    days: ``discr_si(0:(length−1), mean, sd)``, not renormalised (as EpiEstim does)."""
    return discr_si(np.arange(length), mean, sd)


def check_si(si_distr: Sequence[float] | np.ndarray) -> np.ndarray:
    """A non-parametric serial interval as EpiEstim accepts it: non-negative, 0 at day 0,
    summing to 1 (within 0.01)."""
    w = np.asarray(si_distr, dtype=float)
    if w.ndim != 1 or len(w) < 2:
        raise EstimationError("the serial interval needs at least two values (day 0 and day 1)")
    if not np.isfinite(w).all():
        raise EstimationError("the serial interval holds a value that is not a number")
    if (w < 0).any():
        raise EstimationError("the serial interval must not hold negative probabilities")
    if w[0] != 0:
        raise EstimationError("the serial interval must be 0 on day 0")
    if abs(w.sum() - 1) > SI_SUM_TOLERANCE:
        raise EstimationError(f"the serial interval must sum to 1 (it sums to {w.sum():.6g})")
    return w


def default_windows(days: int, width: int = 7) -> tuple[list[int], list[int]]:
    """EpiEstim's default: weekly sliding windows 2:(T−6) … 8:T (1-based, inclusive)."""
    if days < width + 1:
        raise EstimationError(
            f"the series has {days} days; weekly windows need at least {width + 1}"
        )
    starts = list(range(2, days - width + 2))
    return starts, [s + width - 1 for s in starts]


def _check_windows(t_start: Sequence[int], t_end: Sequence[int], days: int) -> None:
    if len(t_start) != len(t_end):
        raise EstimationError("t_start and t_end must have the same length")
    if not t_start:
        raise EstimationError("no window to estimate")
    for s, e in zip(t_start, t_end, strict=True):
        if s < 2:
            raise EstimationError(f"window {s}:{e} starts before day 2 (day 1 has no infectivity)")
        if e > days:
            raise EstimationError(f"window {s}:{e} ends after the last day of the series ({days})")
        if e < s:
            raise EstimationError(f"window {s}:{e} ends before it starts")


def estimate_r(
    local: Sequence[float] | np.ndarray,
    imported: Sequence[float] | np.ndarray | None,
    si_distr: Sequence[float] | np.ndarray,
    t_start: Sequence[int] | None = None,
    t_end: Sequence[int] | None = None,
    *,
    mean_prior: float = 5.0,
    std_prior: float = 5.0,
    check: bool = True,
) -> list[Estimate]:
    """EpiEstim 3.0.0 ``estimate_R`` with a known serial interval (``non_parametric_si``, or
    ``parametric_si`` by passing :func:`parametric_si`). Windows whose end is at or before the
    mean of the serial interval are left out, as EpiEstim leaves them out."""
    loc = np.asarray(local, dtype=float).copy()
    imp = np.zeros_like(loc) if imported is None else np.asarray(imported, dtype=float).copy()
    if loc.ndim != 1 or imp.shape != loc.shape:
        raise EstimationError("local and imported incidence must be series of the same length")
    if not (np.isfinite(loc).all() and np.isfinite(imp).all()):
        raise EstimationError("the incidence holds a value that is not a number")
    if (loc < 0).any() or (imp < 0).any():
        raise EstimationError("the incidence must not be negative")
    days = len(loc)
    if days < 2:
        raise EstimationError("the series needs at least two days")
    if mean_prior <= 0 or std_prior <= 0:
        raise EstimationError("the prior's mean and sd must be positive")
    # Day 1's cases are all imported (EpiEstim's process_I).
    imp[0] += loc[0]
    loc[0] = 0.0
    w = check_si(si_distr) if check else np.asarray(si_distr, dtype=float)
    if t_start is None or t_end is None:
        if t_start is not None or t_end is not None:
            raise EstimationError("give both t_start and t_end, or neither")
        t_start, t_end = default_windows(days)
    _check_windows(t_start, t_end, days)
    # EpiEstim pads the SI to T + 1 values (or keeps it longer) before its mean.
    mean_si = float(np.sum(w * np.arange(len(w))))
    total = loc + imp
    # λ_t = Σ_{k=1}^{t−1} w_k I_{t−k}, all cases (local and imported); λ_1 undefined.
    wt = np.zeros(days)
    wt[: min(days, len(w))] = w[:days]
    lam = np.convolve(total, wt)[:days]
    cum_loc = np.concatenate([[0.0], np.cumsum(loc)])
    cum_lam = np.concatenate([[0.0], np.cumsum(lam)])
    a_prior = (mean_prior / std_prior) ** 2
    b_prior = std_prior**2 / mean_prior
    out: list[Estimate] = []
    for s, e in zip(t_start, t_end, strict=True):
        if not e > mean_si:
            continue
        a = a_prior + cum_loc[e] - cum_loc[s - 1]
        b = 1 / (1 / b_prior + cum_lam[e] - cum_lam[s - 1])
        q = gamma.ppf(QUANTILES, a, scale=b)
        out.append(
            Estimate(
                int(s),
                int(e),
                a * b,
                math.sqrt(a) * b,
                float(q[0]),
                float(q[1]),
                float(q[2]),
                float(q[3]),
                float(q[4]),
                float(q[5]),
                float(q[6]),
                float(cum_lam[e] - cum_lam[s - 1]),
            )
        )
    return out
