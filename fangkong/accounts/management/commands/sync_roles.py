from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.accounts.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Set each role's (permission group's) permissions again from accounts/roles.py; "
            "safe to run again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sync_roles()
        self.stdout.write(
            _("The permissions of %(count)s roles were synchronised with accounts/roles.py.")
            % {"count": len(ROLE_PERMISSIONS)}
        )
