"""Choices and fixed rules of the daily supervision report (工作督查日报告, issue #11)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.regions.choices import Level


class State(models.TextChoices):
    """Where a division's report of a day stands (DHIS2's data approval, five levels)."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")
    MISSING = "missing", _("marked missing")


class Doing(models.TextChoices):
    """What a leading-group member is doing that day."""

    AT_POST = "at_post", _("at post")
    FRONT_LINE = "front_line", _("on the front line")
    ON_SITE_COMMAND = "on_site_command", _("on-site command")
    OTHER = "other", _("other")


# the levels that report: the province down to the village (grids do not)
REPORTING_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)

# the deadlines of a day per level, until the province's command office changes them
DEFAULT_DEADLINES: dict[int, dt.time] = {
    Level.VILLAGE: dt.time(16, 0),
    Level.TOWNSHIP: dt.time(17, 0),
    Level.COUNTY: dt.time(18, 0),
    Level.PREFECTURE: dt.time(19, 0),
    Level.PROVINCE: dt.time(20, 0),
}

# a report is for today or one of the last MAX_DAYS_BACK days (a late report is accepted;
# older days are closed)
MAX_DAYS_BACK = 7

# the states that count as "done" for the parent's own submission (DHIS2: approved or
# explicitly marked missing)
CLOSED_FOR_PARENT = (State.APPROVED, State.MISSING)
# the states in which the division may still write its report
EDITABLE = (State.DRAFT, State.RETURNED)

MAX_TEXT = 2000
MAX_SHORT = 200
MAX_ROWS = 100  # arrangements or problems in one report
