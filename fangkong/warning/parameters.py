"""The methods' parameters that apply to a division: its province's ``models.Parameters`` row,
or ``methods.DEFAULTS`` (COVID-19 serial interval mean 7.5 d, sd 3.4 d, Li et al., NEJM 2020).
Detection, Rt, the pages and the API all read them here."""

from __future__ import annotations

from fangkong.regions.models import Division
from fangkong.warning.methods import DEFAULTS, Params
from fangkong.warning.models import Parameters


def province_path(path: str) -> str:
    """The province's path of a division path ("22/2201/…" → "22/")."""
    return path.split("/", 1)[0] + "/"


def params_of(row: Parameters | None) -> Params:
    """The methods' parameters of a province's row (the defaults without one)."""
    if row is None:
        return DEFAULTS
    return Params(
        ears_alpha=row.ears_alpha,
        ears_baseline=row.ears_baseline,
        ears_min_sigma=row.ears_min_sigma,
        percentile=row.percentile,
        cusum_k=row.cusum_k,
        cusum_h=row.cusum_h,
        si_mean=row.si_mean,
        si_sd=row.si_sd,
    )


def province_params() -> dict[str, Params]:
    """Every province's parameters by its path (one query; a row per province)."""
    return {row.division_path: params_of(row) for row in Parameters.objects.all()}


def params_for_path(path: str, known: dict[str, Params] | None = None) -> Params:
    """The parameters of the province of ``path`` (one query unless ``known`` is given)."""
    known = province_params() if known is None else known
    return known.get(province_path(path), DEFAULTS)


def params_for(division: Division | str) -> Params:
    """The parameters of ``division``'s province (one query)."""
    path = division if isinstance(division, str) else division.path
    return params_of(Parameters.objects.filter(division_path=province_path(path)).first())
