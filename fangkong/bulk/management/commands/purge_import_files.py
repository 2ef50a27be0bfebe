from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.bulk.actions import KEEP_FILES_DAYS, purge_import_files
from fangkong.core.errors import ActionError


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Delete the uploaded and rejected-rows files of finished imports older than the "
            "given number of days (they hold ID numbers and phones)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=KEEP_FILES_DAYS,
            help=_("keep the files of the last this many days (default %(default)s)"),
        )

    def handle(self, *args: Any, days: int = KEEP_FILES_DAYS, **options: Any) -> None:
        try:
            purged = purge_import_files(older_than_days=days)
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(_("Files of %(count)s imports deleted.") % {"count": purged})
