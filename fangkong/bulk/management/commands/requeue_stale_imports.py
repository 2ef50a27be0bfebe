from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.bulk.actions import recover_stale_imports


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Queue again the imports whose background process stopped (no sign of life for "
            "longer than the lease), or fail those that already ran twice"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with origin(channel="cli"):
            requeued, failed = recover_stale_imports()
        self.stdout.write(
            _("%(requeued)s imports queued again, %(failed)s failed.")
            % {"requeued": len(requeued), "failed": len(failed)}
        )
