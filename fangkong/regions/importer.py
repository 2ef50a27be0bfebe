"""Reading and checking the five division CSV files (provinces, cities, areas, streets, villages).

The files are those of the National Bureau of Statistics codes as packaged by ``china-division``
(see data/README.md). Everything is checked before anything is written: a file that fails
reports file, line and reason, and the database is left as it was.

Two shapes Jilin does not have are handled: county-level units directly under a province sit
under a pseudo-prefecture ``xx90`` ("省直辖县级行政区划"), which is not a unit of command, so
those counties hang from the province itself; autonomous prefectures (codes 21-50) are ordinary
prefectures.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from fangkong.regions.choices import Level

FILES: list[tuple[str, Level, list[str], str | None, int]] = [
    # file, level, required columns, parent column, code length
    ("provinces.csv", Level.PROVINCE, ["code", "name"], None, 2),
    ("cities.csv", Level.PREFECTURE, ["code", "name", "provinceCode"], "provinceCode", 4),
    ("areas.csv", Level.COUNTY, ["code", "name", "cityCode", "provinceCode"], "cityCode", 6),
    ("streets.csv", Level.TOWNSHIP, ["code", "name", "areaCode"], "areaCode", 9),
    ("villages.csv", Level.VILLAGE, ["code", "name", "streetCode"], "streetCode", 12),
]
MAX_FILE_BYTES = 50 * 1024 * 1024


def is_pseudo_prefecture(code: str) -> bool:
    """``xx90``: the grouping of county-level units administered directly by the province."""
    return len(code) == 4 and code[2:] == "90"


@dataclass
class Row:
    code: str  # short code: 2, 4, 6, 9 or 12 digits
    name: str
    level: Level
    parent: str | None  # short code of the parent unit
    file: str
    line: int

    @property
    def full_code(self) -> str:
        return self.code.ljust(12, "0")


def location(file: str, line: int) -> str:
    """Where in the files: "villages.csv 第 8 行" (the file alone when the line is 0)."""
    return _("%(file)s line %(line)s") % {"file": file, "line": line} if line else file


@dataclass
class Problem:
    file: str
    line: int
    reason: str  # already translated, in the language active when it was found

    def __str__(self) -> str:
        return _("%(where)s: %(reason)s") % {
            "where": location(self.file, self.line),
            "reason": self.reason,
        }


class DivisionFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    skipped_pseudo: int = 0


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    name = path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        size = MAX_FILE_BYTES // (1024 * 1024)
        reason = _("The file is larger than %(size)s MB; it was not imported.") % {"size": size}
        raise DivisionFileError([Problem(name, 0, reason)])
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly everything; kept for clarity
        reason = _("Cannot tell the file's encoding (it should be UTF-8 or GBK).")
        raise DivisionFileError([Problem(name, 0, reason)])
    if "\x00" in text:
        reason = _("The file contains binary data; it is not a CSV file.")
        raise DivisionFileError([Problem(name, 0, reason)])
    # strict: an unterminated quote is a format error, not a row that swallows the rest of the file
    reader = csv.DictReader(io.StringIO(text), strict=True)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in record.items() if k}))
    except csv.Error as exc:
        # DictReader.line_num lags a row behind on error; the inner reader knows the line.
        reason = _("CSV format error: %(error)s") % {"error": exc}
        raise DivisionFileError([Problem(name, reader.reader.line_num, reason)]) from exc
    return header, rows


def read_division_files(directory: Path | str) -> Parsed:
    """Parse and check all five files; raise :class:`DivisionFileError` listing every problem."""
    directory = Path(directory)
    problems: list[Problem] = []
    parsed = Parsed()
    seen: dict[str, tuple[str, int]] = {}
    known_by_level: dict[Level, set[str]] = {lvl: set() for lvl in Level}
    pseudo: set[str] = set()
    for filename, level, required, parent_col, length in FILES:
        path = directory / filename
        if not path.is_file():
            problems.append(Problem(filename, 0, _("The file is missing.")))
            continue
        header, records = _read(path)
        missing = [c for c in required if c not in header]
        if missing:
            columns = ", ".join(missing)
            reason = _("Missing columns: %(columns)s.") % {"columns": columns}
            problems.append(Problem(filename, 1, reason))
            continue
        for line, rec in records:
            code, name = rec.get("code", ""), rec.get("name", "")
            if not code.isdigit() or not code.isascii():
                reason = _("The code “%(code)s” is not a number.") % {"code": code}
                problems.append(Problem(filename, line, reason))
                continue
            if len(code) != length:
                reason = _("The code “%(code)s” should have %(length)s digits.") % {
                    "code": code,
                    "length": length,
                }
                problems.append(Problem(filename, line, reason))
                continue
            if not name:
                reason = _("The code %(code)s has no name.") % {"code": code}
                problems.append(Problem(filename, line, reason))
                continue
            if len(name) > 100:
                reason = _("The name is longer than %(max)s characters.") % {"max": 100}
                problems.append(Problem(filename, line, reason))
                continue
            if level == Level.PREFECTURE and is_pseudo_prefecture(code):
                pseudo.add(code)
                parsed.skipped_pseudo += 1
                continue
            if code in seen:
                first = seen[code]
                reason = _("The code %(code)s appears twice (first at %(where)s).") % {
                    "code": code,
                    "where": location(*first),
                }
                problems.append(Problem(filename, line, reason))
                continue
            parent = rec.get(parent_col, "") if parent_col else None
            if parent_col:
                parent = parent or ""
                if level == Level.COUNTY and is_pseudo_prefecture(parent):
                    parent = rec.get("provinceCode", "") or parent[:2]
                    parent_level = Level.PROVINCE
                else:
                    parent_level = Level(level - 1)
                if parent not in known_by_level[parent_level]:
                    reason = _("The parent code “%(parent)s” does not exist.") % {"parent": parent}
                    problems.append(Problem(filename, line, reason))
                    continue
                if not code.startswith(parent):
                    reason = _("The code %(code)s does not match its parent code %(parent)s.") % {
                        "code": code,
                        "parent": parent,
                    }
                    problems.append(Problem(filename, line, reason))
                    continue
            seen[code] = (filename, line)
            known_by_level[level].add(code)
            parsed.rows.append(
                Row(code=code, name=name, level=level, parent=parent, file=filename, line=line)
            )
    if problems:
        raise DivisionFileError(problems)
    return parsed


@dataclass
class ImportReport:
    created: Counter[int] = field(default_factory=Counter)
    updated: Counter[int] = field(default_factory=Counter)
    unchanged: Counter[int] = field(default_factory=Counter)
    not_in_files: int = 0
    skipped_pseudo: int = 0
    changes: list[tuple[Any, dict[str, list[Any]]]] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    @property
    def total_written(self) -> int:
        return self.total_created + self.total_updated
