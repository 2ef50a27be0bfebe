"""The vocabularies of early warning: the indicators, where a series comes from, the detection
methods and the verdicts on a signal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.command.choices import WorkField


class Indicator(models.TextChoices):
    """A daily series per division (docs/warning.md gives each one's definition).

    Case counts come in pairs, local and imported (境外输入 and from other provinces), by the
    day of the report (confirmation) and by the day of onset; asymptomatic infections have no
    onset and are counted by the report day only."""

    CONFIRMED_LOCAL = "confirmed_local", _("new confirmed cases, local (report date)")
    CONFIRMED_IMPORTED = "confirmed_imported", _("new confirmed cases, imported (report date)")
    ONSET_LOCAL = "onset_local", _("new confirmed cases, local (onset date)")
    ONSET_IMPORTED = "onset_imported", _("new confirmed cases, imported (onset date)")
    ASYMPTOMATIC_LOCAL = "asymptomatic_local", _("new asymptomatic infections, local")
    ASYMPTOMATIC_IMPORTED = "asymptomatic_imported", _("new asymptomatic infections, imported")
    CLINIC_VISITS = "clinic_visits", _("fever-clinic visits")
    FEVERS_FOUND = "fevers_found", _("fevers found in screening")
    CHECK_INS_MISSED = "check_ins_missed", _("check-ins missed")
    TRAVELLERS_FLAGGED = "travellers_flagged", _("flagged travellers")
    CONTACTS_NEW = "contacts_new", _("new close contacts")
    BEDS_FREE = "beds_free", _("free beds")
    SUPPLIES_LOW = "supplies_low", _("supplies below threshold")


# The 包保 field (#11) whose leader answers for an alarm on each indicator.
FIELD_OF: dict[str, str] = {
    Indicator.CONFIRMED_LOCAL: WorkField.MEDICAL,
    Indicator.CONFIRMED_IMPORTED: WorkField.MEDICAL,
    Indicator.ONSET_LOCAL: WorkField.MEDICAL,
    Indicator.ONSET_IMPORTED: WorkField.MEDICAL,
    Indicator.ASYMPTOMATIC_LOCAL: WorkField.MEDICAL,
    Indicator.ASYMPTOMATIC_IMPORTED: WorkField.MEDICAL,
    Indicator.CLINIC_VISITS: WorkField.MEDICAL,
    Indicator.FEVERS_FOUND: WorkField.GRID,
    Indicator.CHECK_INS_MISSED: WorkField.GRID,
    Indicator.TRAVELLERS_FLAGGED: WorkField.CHECKPOINTS,
    Indicator.CONTACTS_NEW: WorkField.MEDICAL,
    Indicator.BEDS_FREE: WorkField.MEDICAL,
    Indicator.SUPPLIES_LOW: WorkField.SUPPLIES,
}

# Indicators that are stocks (as they stand at the end of the day), not counts of events:
# aberration detection does not run on them (a count of free beds rising is no outbreak).
STOCK_INDICATORS = frozenset({Indicator.BEDS_FREE, Indicator.SUPPLIES_LOW})


class Source(models.TextChoices):
    """Where a series comes from: computed from our own records, or imported (counts received
    from the national system, a CSV or the API)."""

    COMPUTED = "computed", _("computed from the records")
    IMPORTED = "imported", _("imported")


class Method(models.TextChoices):
    """An aberration-detection method (docs/warning.md)."""

    C1 = "C1", _("EARS C1")
    C2 = "C2", _("EARS C2")
    C3 = "C3", _("EARS C3")
    MOVING_PERCENTILE = "MPM", _("moving percentile (CIDARS)")
    CUSUM = "CUSUM", _("CUSUM")


class Verdict(models.TextChoices):
    """What the responsible leader found a signal to be."""

    REAL = "real", _("real signal")
    EXPLAINED = "explained", _("explained")
    FALSE_ALARM = "false_alarm", _("false alarm")
