from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.core.errors import ActionError
from fangkong.regions.actions import import_divisions
from fangkong.regions.choices import Level
from fangkong.regions.importer import DivisionFileError, read_division_files

LEVELS = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Import the divisions (the directory holding the five CSV files "
            "provinces/cities/areas/streets/villages)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        if not directory.is_dir():
            raise CommandError(_("No such directory: %(path)s") % {"path": directory})
        try:
            parsed = read_division_files(directory)
        except DivisionFileError as exc:
            raise CommandError(
                _("The files have errors; nothing was imported:") + "\n" + str(exc)
            ) from exc
        try:
            with origin(channel="cli"):
                report = import_divisions(actor=None, parsed=parsed)
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        for level in LEVELS:
            self.stdout.write(
                _("%(level)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged")
                % {
                    "level": level.label,
                    "created": report.created[level],
                    "updated": report.updated[level],
                    "unchanged": report.unchanged[level],
                }
            )
        if report.skipped_pseudo:
            self.stdout.write(
                _(
                    "%(count)s groupings of county-level units administered directly by the "
                    "province (their counties hang from the province)"
                )
                % {"count": report.skipped_pseudo}
            )
        if report.not_in_files:
            self.stdout.write(
                _("%(count)s divisions in the database are not in the files; left as they are.")
                % {"count": report.not_in_files}
            )
        if report.total_written:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Import finished: %(created)s new, %(updated)s updated.")
                    % {"created": report.total_created, "updated": report.total_updated}
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("No changes: the database already matches the files."))
            )
