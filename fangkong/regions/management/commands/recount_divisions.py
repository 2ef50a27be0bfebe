from typing import Any

from django.core.management.base import BaseCommand

from fangkong.regions.actions import recount_divisions


class Command(BaseCommand):
    help = "重新统计各区划的下级数量"

    def handle(self, *args: Any, **options: Any) -> None:
        changed = recount_divisions()
        self.stdout.write(f"已更新 {changed} 个区划的统计。")
