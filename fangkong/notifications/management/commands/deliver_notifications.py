from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.notifications.delivery import deliver
from fangkong.notifications.models import Delivery, Notification

BATCH = 500


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _("Deliver the notifications still pending (after a worker was down)")

    def handle(self, *args: Any, **options: Any) -> None:
        done, after = 0, 0
        while True:
            ids = list(
                Notification.objects.filter(delivery=Delivery.PENDING, pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            done += deliver(ids)
            after = ids[-1]
        self.stdout.write(_("%(count)s notifications delivered.") % {"count": done})
