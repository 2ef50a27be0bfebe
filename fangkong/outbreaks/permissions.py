"""The permissions of the outbreaks app, by name (see ``care/permissions.py``)."""

from enum import StrEnum


class OutbreaksPerm(StrEnum):
    VIEW_CLUSTER = "outbreaks.view_cluster"
    CHANGE_CLUSTER = "outbreaks.change_cluster"
    VIEW_RISKGRADE = "outbreaks.view_riskgrade"
    COMPUTE_RISKGRADE = "outbreaks.compute_riskgrade"
    LOOKUP_COLOUR = "outbreaks.lookup_colour"
