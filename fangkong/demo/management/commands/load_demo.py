from typing import Any

from django.core.management.base import BaseCommand

from fangkong.demo.scenario import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "载入演示数据（吉林省真实区划、南关区网格、各角色演示账号）；可重复运行"

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        if any(result.values()):
            self.stdout.write(
                f"演示数据：区划导入 {'是' if result['divisions_imported'] else '已存在'}，"
                f"管理区 {result['zones']} 个，网格 {result['grids']} 个，"
                f"账号 {result['users']} 个。"
            )
        else:
            self.stdout.write("演示数据已存在，直接使用。")
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for u in DEMO_USERS:
            self.stdout.write(f"  {u.username:<14} {u.full_name}（{u.title}）")
