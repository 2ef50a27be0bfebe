"""What `grade-risk` and `detect-clusters` share: the day argument, checked."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.parsing import date_out_of_bounds


def add_day_arguments(parser: CommandParser) -> None:
    parser.add_argument("--day", help=_("the day to compute, YYYY-MM-DD (default today)"))
    parser.add_argument(
        "--background",
        action="store_true",
        help=_("enqueue as a background task instead of running now"),
    )


def parse_day(day: str | None) -> dt.date:
    today = timezone.localdate()
    if not day:
        return today
    try:
        on = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise CommandError(_("Enter the day as YYYY-MM-DD.")) from exc
    if date_out_of_bounds(on) or on > today:
        raise CommandError(_("The day cannot be in the future."))
    return on
