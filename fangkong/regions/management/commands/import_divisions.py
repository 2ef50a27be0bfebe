from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.audit.context import origin
from fangkong.core.errors import ActionError
from fangkong.regions.actions import import_divisions
from fangkong.regions.choices import Level
from fangkong.regions.importer import DivisionFileError, read_division_files

LEVEL_NAMES = {
    Level.PROVINCE: "省级",
    Level.PREFECTURE: "地级",
    Level.COUNTY: "县级",
    Level.TOWNSHIP: "乡级",
    Level.VILLAGE: "村级",
}


class Command(BaseCommand):
    help = "导入行政区划（provinces/cities/areas/streets/villages 五个 CSV 文件所在目录）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        if not directory.is_dir():
            raise CommandError(f"目录不存在：{directory}")
        try:
            parsed = read_division_files(directory)
        except DivisionFileError as exc:
            raise CommandError("文件有误，未导入任何数据：\n" + str(exc)) from exc
        try:
            with origin(channel="cli"):
                report = import_divisions(actor=None, parsed=parsed)
        except ActionError as exc:
            raise CommandError(exc.message) from exc
        for level, label in LEVEL_NAMES.items():
            self.stdout.write(
                f"{label}：新增 {report.created[level]}，更新 {report.updated[level]}，"
                f"未变 {report.unchanged[level]}"
            )
        if report.skipped_pseudo:
            self.stdout.write(
                f"省直辖县级行政区划分组 {report.skipped_pseudo} 个（其下县级单位直属省级）"
            )
        if report.not_in_files:
            self.stdout.write(f"数据库中有 {report.not_in_files} 个区划不在文件中，保持不变。")
        if report.total_written:
            self.stdout.write(
                self.style.SUCCESS(
                    f"导入完成：新增 {report.total_created}，更新 {report.total_updated}。"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("没有变化：数据库已与文件一致。"))
