import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.audit.retention import RetentionError, purge_audit


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Archive the audit rows written before a day to a file, then delete them; never "
            "rows inside the retention period. Run it with the database owner's DATABASE_URL"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help=_("a day, YYYY-MM-DD"))
        parser.add_argument(
            "--archive", required=True, type=Path, help=_("a new file for the rows (JSON lines)")
        )

    def handle(self, *args: Any, before: str, archive: Path, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError(_("Not a day (YYYY-MM-DD): %(value)s") % {"value": before}) from exc
        try:
            with origin(channel="cli"):
                count = purge_audit(actor=None, before=day, archive=archive)
        except RetentionError as exc:
            raise CommandError(str(exc)) from exc
        except FileExistsError as exc:
            raise CommandError(
                _("The archive file exists already: %(path)s") % {"path": archive}
            ) from exc
        except DatabaseError as exc:
            raise CommandError(
                _(
                    "The database refused to delete audit rows (%(error)s): only the owner of "
                    "the audit table may, run this with the owner's DATABASE_URL."
                )
                % {"error": str(exc).strip()}
            ) from exc
        self.stdout.write(
            _("%(count)s audit rows archived to %(path)s and deleted.")
            % {"count": count, "path": archive}
        )
