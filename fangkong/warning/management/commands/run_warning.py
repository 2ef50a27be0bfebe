"""``fangkong run_warning [--day D | --from D --to D] [--under CODE] [--no-indicators]
[--no-alerts]``: compute the indicators of the days (``warning.indicators``), then run every
aberration method over every series and record the alarms, signals and alerts
(``warning.detection``). Yesterday by default: the nightly run after the day has closed."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.regions.choices import Level
from fangkong.warning import detection
from fangkong.warning.management import days


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Compute the indicators of a day (yesterday by default) or a range of days, then run "
            "the aberration methods on every series and record alarms, signals and alerts"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        days.add_arguments(parser)
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

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = days.days(options, timezone.localdate() - dt.timedelta(days=1))
        under = days.under(options)
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
