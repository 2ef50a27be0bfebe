"""``fangkong run_warning [--day D | --from D --to D] [--under CODE] [--no-indicators]
[--no-alerts]``: compute the indicators of the days (``warning.indicators``), then run every
aberration method over every series and record the alarms, signals and alerts
(``warning.detection``). Yesterday by default: the nightly run after the day has closed."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.core.parsing import BadInput, parse_date
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning import detection

MAX_DAYS = 3660  # ten years in one run


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Compute the indicators of a day (yesterday by default) or a range of days, then run "
            "the aberration methods on every series and record alarms, signals and alerts"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help=_("the day, YYYY-MM-DD"))
        parser.add_argument("--from", dest="start", help=_("the first day, YYYY-MM-DD"))
        parser.add_argument("--to", dest="end", help=_("the last day, YYYY-MM-DD"))
        parser.add_argument(
            "--under", help=_("only the subtree of this division (its 12-digit code)")
        )
        parser.add_argument(
            "--no-indicators",
            action="store_true",
            help=_("do not compute the indicators first (detect on the stored series)"),
        )
        parser.add_argument(
            "--no-alerts",
            action="store_true",
            help=_("open no alert for new signals (a back-fill of past days)"),
        )
        parser.add_argument(
            "--max-level",
            type=int,
            default=int(detection.MAX_LEVEL),
            choices=[int(v) for v in Level.values],
            help=_("the lowest level detection runs at (1 province … 6 grid; 3 county by default)"),
        )

    def _days(self, options: dict[str, Any]) -> tuple[dt.date, dt.date]:
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
            yesterday = timezone.localdate() - dt.timedelta(days=1)
            return yesterday, yesterday
        if end < start:
            raise CommandError(_("--to must not be before --from."))
        if (end - start).days >= MAX_DAYS:
            raise CommandError(_("At most %(n)s days in one run.") % {"n": MAX_DAYS})
        return start, end

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = self._days(options)
        under = None
        if options.get("under"):
            code = options["under"]
            under = Division.objects.filter(code=code).first()
            if under is None:
                raise CommandError(_("No division has the code %(code)s.") % {"code": code})
        began = time.monotonic()
        with origin(channel="cli"):
            if not options["no_indicators"]:
                from fangkong.warning import indicators

                written = indicators.compute_days(start, end, under=under)
                self.stdout.write(_("%(rows)s indicator values written.") % {"rows": written})
            alarms = detection.run_range(
                start,
                end,
                under=under,
                max_level=options["max_level"],
                alert=not options["no_alerts"],
            )
        self.stdout.write(
            _("%(alarms)s alarms recorded for %(start)s to %(end)s in %(s).1f s.")
            % {
                "alarms": alarms,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "s": time.monotonic() - began,
            }
        )
