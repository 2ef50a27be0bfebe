from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangkong.reports.actions import escalate_missing, remind_unsubmitted
from fangkong.reports.tasks import remind_reports_task


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Remind the divisions whose daily report is due within the hour, and escalate the "
            "reports missing after the deadline (idempotent; run every few minutes)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--background",
            action="store_true",
            help=_("enqueue as a background task instead of running now"),
        )

    def handle(self, *args: Any, background: bool = False, **options: Any) -> None:
        if background:
            result = remind_reports_task.enqueue()
            self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
            return
        reminded = remind_unsubmitted()
        escalated = escalate_missing()
        self.stdout.write(
            _("%(r)s divisions reminded, %(e)s missing reports escalated.")
            % {"r": reminded, "e": escalated}
        )
