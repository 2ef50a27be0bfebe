"""One door to the aberration-detection methods for the rest of the app: ``detect(method,
counts, params)`` runs EARS C1-C3 (``warning.ears``), the moving percentile method or CUSUM
(``warning.aberration``) over a whole daily series and answers, for every day, the upper bound
(NaN where the method has not enough history) and the alarm (None there).

``Params`` holds a province's parameters (``models.Parameters``, or ``DEFAULTS``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Params:
    ears_alpha: float = 0.001
    ears_baseline: int = 7
    ears_min_sigma: float = 0.0
    percentile: int = 80
    cusum_k: float = 0.5
    cusum_h: float = 4.0
    si_mean: float = 7.5
    si_sd: float = 3.4


DEFAULTS = Params()


@dataclass(frozen=True)
class Bound:
    """One day's result: the method's upper bound (NaN: not computable) and the alarm
    (observed > upper bound; None where the bound is NaN)."""

    upperbound: float
    alarm: bool | None

    @property
    def computed(self) -> bool:
        return not math.isnan(self.upperbound)


def detect(
    method: str, counts: Sequence[float] | np.ndarray, params: Params = DEFAULTS
) -> list[Bound]:
    """The bounds and alarms of ``method`` (a ``choices.Method`` value) for every day of the
    daily series ``counts`` (oldest first, no gaps: a missing day is a 0)."""
    from fangkong.warning import aberration, ears

    if method in ("C1", "C2", "C3"):
        return ears.ears_c(
            counts,
            method=method,
            alpha=params.ears_alpha,
            baseline=params.ears_baseline,
            min_sigma=params.ears_min_sigma,
        )
    if method == "MPM":
        return aberration.moving_percentile(counts, percentile=params.percentile)
    if method == "CUSUM":
        return aberration.cusum(counts, k=params.cusum_k, h=params.cusum_h)
    raise ValueError(f"unknown method {method!r}")
