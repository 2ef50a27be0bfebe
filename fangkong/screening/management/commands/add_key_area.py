import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.core.errors import ActionError
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.screening.actions import declare_key_area


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}) from None


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Declare a key area (重点地区), for example: "
            "fangkong add-key-area 42 湖北省 --from 2019-12-01"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help=_("division code prefix: 42, 4201, …"))
        parser.add_argument("name", help=_("name of the area"))
        parser.add_argument("--from", dest="start", required=True, help=_("first day (YYYY-MM-DD)"))
        parser.add_argument("--to", dest="end", help=_("last day (YYYY-MM-DD); default: open"))
        parser.add_argument(
            "--by",
            dest="division",
            help=_("code of the declaring division; default: the only province in the database"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["division"]:
            division = Division.objects.filter(code=options["division"]).first()
        else:
            provinces = list(Division.objects.filter(level=Level.PROVINCE)[:2])
            division = provinces[0] if len(provinces) == 1 else None
        if division is None:
            raise CommandError(_("Name the declaring division with --by CODE."))
        end = _date(options["end"]) if options["end"] else None
        try:
            with origin(channel="cli"):
                area = declare_key_area(
                    actor=None,
                    division=division,
                    code=options["code"],
                    name=options["name"],
                    start_date=_date(options["start"]),
                    end_date=end,
                )
        except ActionError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            _("Key area %(name)s (%(code)s) declared by %(division)s from %(start)s.")
            % {
                "name": area.name,
                "code": area.code,
                "division": division.name,
                "start": area.start_date.isoformat(),
            }
        )
