"""``fangkong import_counts FILE`` imports a CSV or xlsx file of reported counts (the template's
columns, ``warning.imports``) as the system; ``fangkong import_counts --jilin-2020`` loads the
real 2020 series of Jilin shipped with the app (``warning.epidemic2020``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.core.errors import ActionError
from fangkong.warning import epidemic2020, imports


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Import reported counts from a CSV or xlsx file (all or nothing), or the real 2020 "
            "series of Jilin province (--jilin-2020)"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help=_("a CSV or xlsx file of counts"))
        parser.add_argument(
            "--jilin-2020",
            action="store_true",
            help=_("load the real 2020 series of Jilin shipped with the app"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name, jilin = options.get("file"), options.get("jilin_2020")
        if bool(name) == bool(jilin):
            raise CommandError(_("Give a file or --jilin-2020."))
        if jilin:
            try:
                result = epidemic2020.load()
            except imports.CountsRefused as exc:
                raise CommandError(_problems(exc)) from None
            self.stdout.write(
                _(
                    "%(rows)s rows in %(series)s series imported, %(corrections)s corrections; "
                    "skipped (not in the tree): %(skipped)s"
                )
                % {**result, "skipped": ", ".join(result["skipped"]) or "-"}
            )
            return
        path = Path(str(name))
        if not path.is_file():
            raise CommandError(_("No such file: %(name)s") % {"name": name})
        try:
            outcome = imports.import_counts_file(actor=None, path=path, filename=path.name)
        except ActionError as exc:
            raise CommandError(exc.message) from None
        if outcome.status != "done":
            first = "; ".join(
                f"{e['row']} {e['column']}: {e['reason']}" for e in outcome.errors[:5]
            )
            raise CommandError(f"{outcome.message} {first}".strip())
        self.stdout.write(
            _("%(rows)s rows imported, %(corrections)s corrections.")
            % {"rows": outcome.created, "corrections": outcome.corrections}
        )


def _problems(exc: imports.CountsRefused) -> str:
    first = "; ".join(f"{p.row} {p.field}: {p.message}" for p in exc.problems[:5])
    return f"{exc.message} {first}"
