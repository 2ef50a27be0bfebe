from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.notifications.escalation import raise_open_escalations
from fangkong.notifications.tasks import raise_escalations_task


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Move each escalation still open after FANGKONG_ESCALATE_AFTER_HOURS one level up "
            "and notify that level (--background hands it to a background task)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--background",
            action="store_true",
            help=_("enqueue as a background task instead of running now"),
        )

    def handle(self, *args: Any, background: bool = False, **options: Any) -> None:
        if background:
            result = raise_escalations_task.enqueue()
            self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
            return
        with origin(channel="cli"):
            raised = raise_open_escalations()
        self.stdout.write(_("%(count)s escalations moved up.") % {"count": raised})
