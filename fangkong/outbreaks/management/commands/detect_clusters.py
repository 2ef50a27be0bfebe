from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangkong.outbreaks.actions import detect_clusters
from fangkong.outbreaks.management.commands._daily import add_day_arguments, parse_day
from fangkong.outbreaks.tasks import detect_clusters_task


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("Flag the clusters of the day over the whole province (idempotent)")

    def add_arguments(self, parser: CommandParser) -> None:
        add_day_arguments(parser)

    def handle(
        self, *args: Any, day: str | None = None, background: bool = False, **options: Any
    ) -> None:
        on = parse_day(day)
        if background:
            result = detect_clusters_task.enqueue(day=on.isoformat())
            self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
            return
        found = detect_clusters(day=on)
        self.stdout.write(
            _("%(day)s: %(created)s clusters flagged, %(extended)s extended.")
            % {
                "day": on.isoformat(),
                "created": len(found.created),
                "extended": len(found.extended),
            }
        )
