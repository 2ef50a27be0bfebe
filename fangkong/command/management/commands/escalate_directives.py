from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangkong.command.directives import escalate_overdue_directives
from fangkong.command.tasks import escalate_directives_task


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("Escalate the directives not completed by their deadline (idempotent)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--background", action="store_true", help=_("queue it as a background task")
        )

    def handle(self, *args: Any, background: bool = False, **options: Any) -> None:
        if background:
            result = escalate_directives_task.enqueue()
            self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
            return
        n = escalate_overdue_directives()
        self.stdout.write(_("%(n)s overdue recipients escalated.") % {"n": n})
