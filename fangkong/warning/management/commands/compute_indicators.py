"""``fangkong compute_indicators [--day D | --from D --to D] [--under CODE]``: compute every
indicator of the days given (today by default) for every division (``warning.indicators``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.parsing import BadInput, parse_date
from fangkong.regions.models import Division
from fangkong.warning import indicators

MAX_DAYS = 3660  # ten years in one run


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Compute the indicators of early warning for every division from the records, for "
            "a day (today by default) or a range of days; the days' computed values are replaced"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help=_("the day, YYYY-MM-DD"))
        parser.add_argument("--from", dest="start", help=_("the first day, YYYY-MM-DD"))
        parser.add_argument("--to", dest="end", help=_("the last day, YYYY-MM-DD"))
        parser.add_argument(
            "--under", help=_("only the subtree of this division (its 12-digit code)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
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
            start = end = day
        if start is None or end is None:
            start = end = timezone.localdate()
        if end < start:
            raise CommandError(_("--to must not be before --from."))
        if (end - start).days >= MAX_DAYS:
            raise CommandError(_("At most %(n)s days in one run.") % {"n": MAX_DAYS})
        under = None
        if options.get("under"):
            under = Division.objects.filter(code=options["under"]).first()
            if under is None:
                raise CommandError(
                    _("No division has the code %(code)s.") % {"code": options["under"]}
                )
        written = indicators.compute_days(start, end, under=under)
        self.stdout.write(
            _("%(rows)s indicator values written for %(start)s to %(end)s.")
            % {"rows": written, "start": start.isoformat(), "end": end.isoformat()}
        )
