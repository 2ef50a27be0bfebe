from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.outbreaks.management.commands._daily import parse_day
from fangkong.treatment.actions import check_bed_counts


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "The nightly bed check: every ward's occupied and reserved beds against its patients "
            "and open orders, then the day's beds by city for the trend (idempotent)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help=_("the day to compute, YYYY-MM-DD (default today)"))
        parser.add_argument(
            "--repair",
            action="store_true",
            help=_("set wrong counts to what the stays and orders say (audited)"),
        )

    def handle(
        self, *args: Any, day: str | None = None, repair: bool = False, **options: Any
    ) -> None:
        on = parse_day(day)
        result = check_bed_counts(day=on, repair=repair)
        self.stdout.write(
            _("%(day)s: %(wards)s wards checked, %(rows)s city rows stored for the trend.")
            % {"day": on.isoformat(), "wards": result.wards, "rows": result.snapshot_rows}
        )
        for wrong in result.wrong:
            self.stdout.write(
                _("Ward %(id)s %(name)s: occupied %(occ)s, reserved %(res)s (counted → stays)")
                % {
                    "id": wrong["ward"],
                    "name": wrong["name"],
                    "occ": wrong["occupied"],
                    "res": wrong["reserved"],
                }
            )
        if result.wrong and not repair:
            raise CommandError(
                _("%(n)s wards do not match their patients: run again with --repair.")
                % {"n": len(result.wrong)}
            )
