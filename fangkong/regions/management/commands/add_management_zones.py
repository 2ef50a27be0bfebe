from typing import Any

from django.core.management.base import BaseCommand

from fangkong.audit.context import origin
from fangkong.regions.actions import ZONES, ensure_management_zones


class Command(BaseCommand):
    help = "添加吉林省的两个管理区（长白山开发区、长春新区）为地级区划；可重复运行"

    def handle(self, *args: Any, **options: Any) -> None:
        with origin(channel="cli"):
            created = ensure_management_zones(actor=None)
        names = "、".join(name for _code, name in ZONES)
        self.stdout.write(f"管理区（{names}）：新增 {created} 个。")
