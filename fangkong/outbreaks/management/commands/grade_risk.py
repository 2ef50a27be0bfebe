from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangkong.outbreaks.actions import run_daily
from fangkong.outbreaks.management.commands._daily import add_day_arguments, parse_day
from fangkong.outbreaks.tasks import grade_risk_task


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("Flag the day's clusters, then grade the risk of every county (idempotent)")

    def add_arguments(self, parser: CommandParser) -> None:
        add_day_arguments(parser)

    def handle(
        self, *args: Any, day: str | None = None, background: bool = False, **options: Any
    ) -> None:
        on = parse_day(day)
        if background:
            result = grade_risk_task.enqueue(day=on.isoformat())
            self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
            return
        clusters, grades = run_daily(day=on)
        self.stdout.write(
            _("%(day)s: %(created)s clusters flagged, %(extended)s extended.")
            % {
                "day": on.isoformat(),
                "created": len(clusters.created),
                "extended": len(clusters.extended),
            }
        )
        self.stdout.write(
            _("%(day)s: %(n)s counties graded, %(changed)s changed grade.")
            % {"day": on.isoformat(), "n": grades.graded, "changed": len(grades.changed)}
        )
