from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from fangkong.regions.actions import recount_divisions
from fangkong.regions.tasks import recount_divisions_task


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Recount the divisions below each division (--background hands it to a background task)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--background",
            action="store_true",
            help=_("enqueue as a background task instead of running now"),
        )

    def handle(self, *args: Any, background: bool = False, **options: Any) -> None:
        if background:
            result = recount_divisions_task.enqueue()
            self.stdout.write(_("Queued as a background task: %(id)s") % {"id": result.id})
            return
        changed = recount_divisions()
        self.stdout.write(_("Updated the counts of %(count)s divisions.") % {"count": changed})
