from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.tracing.actions import escalate_overdue_handovers, sync_contacts


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Escalate contact hand-overs not accepted within 2 hours to the common parent, and "
            "show released the contacts whose observation ended"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with origin(channel="cli"):
            escalated = escalate_overdue_handovers()
            synced = sync_contacts()
        self.stdout.write(
            _("%(escalated)s hand-overs escalated, %(synced)s contacts updated.")
            % {"escalated": escalated, "synced": synced}
        )
