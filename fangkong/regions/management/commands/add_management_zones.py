from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.audit.context import origin
from fangkong.regions.actions import ZONES, ensure_management_zones


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Add Jilin's two management zones (长白山开发区, 长春新区) as prefecture-level "
            "divisions; safe to run again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with origin(channel="cli"):
            created = ensure_management_zones(actor=None)
        names = pgettext("enumeration comma", ", ").join(name for _code, name in ZONES)
        self.stdout.write(
            _("Management zones (%(names)s): %(count)s added.") % {"names": names, "count": created}
        )
