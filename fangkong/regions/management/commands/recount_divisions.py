from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fangkong.regions.actions import recount_divisions
from fangkong.regions.tasks import recount_divisions_task


class Command(BaseCommand):
    help = "重新统计各区划的下级数量（--background 交给后台任务执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--background",
            action="store_true",
            help="enqueue as a background task instead of running now",
        )

    def handle(self, *args: Any, background: bool = False, **options: Any) -> None:
        if background:
            result = recount_divisions_task.enqueue()
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        changed = recount_divisions()
        self.stdout.write(f"已更新 {changed} 个区划的统计。")
