"""The options the early-warning commands share: a day or a range of days, and a subtree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.core.parsing import BadInput, parse_date
from fangkong.regions.models import Division

MAX_DAYS = 3660  # ten years in one run


def add_arguments(parser: CommandParser) -> None:
    """``--day``, ``--from`` and ``--to``, ``--under``."""
    parser.add_argument("--day", help=_("the day, YYYY-MM-DD"))
    parser.add_argument("--from", dest="start", help=_("the first day, YYYY-MM-DD"))
    parser.add_argument("--to", dest="end", help=_("the last day, YYYY-MM-DD"))
    parser.add_argument("--under", help=_("only the subtree of this division (its 12-digit code)"))


def days(options: dict[str, Any], default: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day the options name (``default`` for both when none)."""
    try:
        day = parse_date(options.get("day"), field="--day")
        start = parse_date(options.get("start"), field="--from")
        end = parse_date(options.get("end"), field="--to")
    except BadInput as exc:
        raise CommandError(exc.message) from None
    if day is not None and (start or end):
        raise CommandError(_("Give either --day or --from and --to, not both."))
    if day is None and (start is None) != (end is None):
        raise CommandError(_("Give both --from and --to."))
    if day is not None:
        return day, day
    if start is None or end is None:
        return default, default
    if end < start:
        raise CommandError(_("--to must not be before --from."))
    if (end - start).days >= MAX_DAYS:
        raise CommandError(_("At most %(n)s days in one run.") % {"n": MAX_DAYS})
    return start, end


def under(options: dict[str, Any]) -> Division | None:
    """The division ``--under`` names, or None."""
    code = options.get("under")
    if not code:
        return None
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise CommandError(_("No division has the code %(code)s.") % {"code": code})
    return division
