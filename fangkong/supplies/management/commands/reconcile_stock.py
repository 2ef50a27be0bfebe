from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fangkong.audit.context import origin
from fangkong.supplies.actions import check_all_supply, reconcile


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, translated: argparse cannot format a lazy string.
        self.help = _(
            "Prove every stock balance equal to the sum of its ledger and check every store's "
            "days of supply (run nightly); exits 1 when a balance differs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with origin(channel="cli"):
            run = reconcile()
            opened = check_all_supply()
        self.stdout.write(
            _(
                "%(checked)s balances checked over %(movements)s movements in %(ms)s ms: "
                "%(n)s differences."
            )
            % {
                "checked": run.checked,
                "movements": run.movements,
                "ms": run.took_ms,
                "n": len(run.differences),
            }
        )
        self.stdout.write(_("%(count)s low-supply alerts opened.") % {"count": opened})
        for d in run.differences:
            self.stderr.write(
                _("store %(store)s item %(item)s: balance %(balance)s, ledger %(ledger)s") % d
            )
        if run.differences:
            raise SystemExit(1)
