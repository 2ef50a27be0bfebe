import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.regions.models import Division
from fangkong.zeroreport.actions import refresh_grid_days
from fangkong.zeroreport.tasks import refresh_grid_days_task

MAX_DAYS = 366


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _("Recompute the daily figures of every grid (zero reporting) from the records")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help=_("the last day to compute, YYYY-MM-DD (default today)"))
        parser.add_argument(
            "--days", type=int, default=1, help=_("how many days back from it (default 1)")
        )
        parser.add_argument("--division", help=_("only the grids under this division code"))
        parser.add_argument(
            "--background",
            action="store_true",
            help=_("enqueue as a background task instead of running now"),
        )

    def handle(
        self,
        *args: Any,
        day: str | None = None,
        days: int = 1,
        division: str | None = None,
        background: bool = False,
        **options: Any,
    ) -> None:
        today = timezone.localdate()
        try:
            last = dt.date.fromisoformat(day) if day else today
        except ValueError as exc:
            raise CommandError(_("Enter the day as YYYY-MM-DD.")) from exc
        if last > today:
            raise CommandError(_("The day cannot be in the future."))
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(_("--days must be between 1 and %(max)s.") % {"max": MAX_DAYS})
        under = None
        if division:
            under = Division.objects.filter(code=division).first()
            if under is None:
                raise CommandError(_("No division with the code %(code)s.") % {"code": division})
        for back in range(days):
            on = last - dt.timedelta(days=back)
            if background:
                result = refresh_grid_days_task.enqueue(
                    day=on.isoformat(), division_id=under.pk if under else None
                )
                self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
                continue
            try:
                n = refresh_grid_days(day=on, under=under)
            except ActionError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                _("%(day)s: figures of %(n)s grids updated.") % {"day": on.isoformat(), "n": n}
            )
