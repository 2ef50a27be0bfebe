"""``fangkong compute_indicators [--day D | --from D --to D] [--under CODE]``: compute every
indicator of the days given (today by default) for every division (``warning.indicators``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.warning import indicators
from fangkong.warning.management import days


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Compute the indicators of early warning for every division from the records, for "
            "a day (today by default) or a range of days; the days' computed values are replaced"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        days.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = days.days(options, timezone.localdate())
        written = indicators.compute_days(start, end, under=days.under(options))
        self.stdout.write(
            _("%(rows)s indicator values written for %(start)s to %(end)s.")
            % {"rows": written, "start": start.isoformat(), "end": end.isoformat()}
        )
