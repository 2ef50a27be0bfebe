from typing import Any

from django.core.management.base import BaseCommand

from fangkong.accounts.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    help = "按 accounts/roles.py 重新设置各角色（权限组）的权限；可重复运行"

    def handle(self, *args: Any, **options: Any) -> None:
        sync_roles()
        self.stdout.write(f"已同步 {len(ROLE_PERMISSIONS)} 个角色的权限。")
