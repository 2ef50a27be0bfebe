from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Figure(models.TextChoices):
    """The figures of a grid's day (definitions: fangkong/zeroreport/figures.py)."""

    SCREENED = "screened", pgettext_lazy("figure", "screened")
    FEVER_FOUND = "fever_found", pgettext_lazy("figure", "fever found")
    OBSERVATIONS_ACTIVE = "observations_active", pgettext_lazy("figure", "under observation")
    CHECK_INS_MISSED = "check_ins_missed", pgettext_lazy("figure", "check-ins missed")
    PASSAGES_PENDING = "passages_pending", pgettext_lazy("figure", "flagged travellers pending")
    PASSAGES_HANDLED = "passages_handled", pgettext_lazy("figure", "flagged travellers handled")
    CARE_OPEN = "care_open", pgettext_lazy("figure", "care requests open")


# Figures shown on a colour scale in red: anything above zero needs someone to act.
ALERT = {Figure.FEVER_FOUND, Figure.CHECK_INS_MISSED, Figure.PASSAGES_PENDING}
HELP = {
    Figure.SCREENED: _("Screenings registered in the grid that day."),
    Figure.FEVER_FOUND: _("Screenings and check-ins that day with 37.3 ℃ or more."),
    Figure.OBSERVATIONS_ACTIVE: _("People under medical observation that day."),
    Figure.CHECK_INS_MISSED: _("People under observation without a check-in for that day."),
    Figure.PASSAGES_PENDING: _(
        "Flagged travellers handed over to the grid and not handled yet (at the end of that day)."
    ),
    Figure.PASSAGES_HANDLED: _("Flagged travellers the grid handled that day."),
    Figure.CARE_OPEN: _("Care requests not done or cancelled by the end of that day."),
}
