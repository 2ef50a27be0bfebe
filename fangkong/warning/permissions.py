"""The permissions of the early-warning app, by name (see ``care/permissions.py``): role checks,
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings."""

from enum import StrEnum


class WarningPerm(StrEnum):
    # the indicators, Rt, alarms, signals and the command screen of the user's area
    VIEW = "warning.view_indicatorday"
    # import reported counts (CSV or API) for divisions of the user's area
    IMPORT_COUNTS = "warning.add_indicatorday"
    # give a signal of the user's area its verdict (real signal, explained, false alarm)
    JUDGE = "warning.change_signal"
    # change the province's method parameters (serial interval, EARS, percentile, CUSUM)
    MANAGE_PARAMETERS = "warning.change_parameters"
