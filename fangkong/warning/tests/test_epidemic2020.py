"""The real 2020 series of Jilin, loaded through the import: the province's totals as the source
reports them, imported cases apart, the source's code quirks mapped, the corrections."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import translation

from conftest import add_division
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.warning import epidemic2020, indicators
from fangkong.warning.choices import Indicator as I
from fangkong.warning.choices import Source
from fangkong.warning.models import IndicatorDay

FIRST = dt.date(2020, 1, 20)
LAST = dt.date(2020, 12, 8)


@pytest.fixture
def jilin(tree: SimpleNamespace) -> SimpleNamespace:
    """The tree with every prefecture of 2020's file, 公主岭市 and 梅河口市."""
    for code, name in [
        ("2203", "四平市"), ("2204", "辽源市"), ("2205", "通化市"), ("2206", "白山市"),
        ("2207", "松原市"), ("2208", "白城市"), ("2224", "延边朝鲜族自治州"),
    ]:  # fmt: skip
        setattr(tree, f"p{code}", add_division(code, name, Level.PREFECTURE, tree.province))
    tree.gongzhuling = add_division("220184", "公主岭市", Level.COUNTY, tree.changchun)
    tree.meihekou = add_division("220581", "梅河口市", Level.COUNTY, tree.p2205)
    return tree


def source_total(day: dt.date, code: str = "") -> int:
    with epidemic2020.DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if (
                row["date"] == day.isoformat()
                and row["city_code"] == code
                and (code or not row["city"])
            ):
                return int(row["confirmed"])
    raise AssertionError(f"no row for {day} {code!r}")


def cumulative(division: Division, indicator: str, until: dt.date) -> int:
    return sum(indicators.series(division, indicator, Source.IMPORTED, FIRST, until))


def test_the_province_adds_up_to_the_source(jilin: SimpleNamespace) -> None:
    # when the 2020 file is loaded
    result = epidemic2020.load()

    # then nothing is skipped, and the province's local and imported cases add up to the
    # source's cumulative total on every day checked
    assert result["skipped"] == []
    assert source_total(dt.date(2020, 2, 29)) == 93  # read from the file
    assert cumulative(jilin.province, I.CONFIRMED_LOCAL, dt.date(2020, 2, 29)) == 93
    assert cumulative(jilin.province, I.CONFIRMED_IMPORTED, dt.date(2020, 2, 29)) == 0
    for day in (dt.date(2020, 3, 26), dt.date(2020, 5, 31), LAST):
        local = cumulative(jilin.province, I.CONFIRMED_LOCAL, day)
        imported = cumulative(jilin.province, I.CONFIRMED_IMPORTED, day)
        assert local + imported == source_total(day), day
    # imported cases (境外输入) kept apart: the source's 2200y0
    assert cumulative(jilin.province, I.CONFIRMED_IMPORTED, LAST) == source_total(LAST, "2200y0")
    assert source_total(LAST, "2200y0") == 19


def test_the_source_codes_are_mapped_and_corrections_kept_non_negative(
    jilin: SimpleNamespace,
) -> None:
    result = epidemic2020.load()

    # 公主岭 (220381, then 136100) and 梅河口 (220581, then 220a61): one series each
    assert cumulative(jilin.gongzhuling, I.CONFIRMED_LOCAL, LAST) == source_total(LAST, "136100")
    assert cumulative(jilin.gongzhuling, I.CONFIRMED_LOCAL, dt.date(2020, 3, 4)) == (
        source_total(dt.date(2020, 3, 4), "220381")
    )
    assert cumulative(jilin.meihekou, I.CONFIRMED_LOCAL, LAST) == source_total(LAST, "220a61")
    # 吉林市 went 5 → 4 → 3 in February: the drop taken from the days before, flagged
    assert cumulative(jilin.jilin_city, I.CONFIRMED_LOCAL, dt.date(2020, 2, 6)) == 3
    assert IndicatorDay.objects.filter(
        division=jilin.jilin_city, adjusted=True, day=dt.date(2020, 2, 5)
    ).exists()
    assert result["corrections"] == 12
    assert not IndicatorDay.objects.filter(value__lt=0).exists()
    # every city's series ends on its source total
    assert cumulative(jilin.changchun, I.CONFIRMED_LOCAL, LAST) == source_total(LAST, "220100")


def test_loading_again_changes_nothing(jilin: SimpleNamespace) -> None:
    epidemic2020.load()
    before = list(IndicatorDay.objects.values_list("division_id", "indicator", "day", "value"))
    out = StringIO()
    with translation.override("en"):
        call_command("import_counts", "--jilin-2020", stdout=out)
    after = list(IndicatorDay.objects.values_list("division_id", "indicator", "day", "value"))
    assert sorted(before) == sorted(after)
    assert "corrections" in out.getvalue()


def test_divisions_missing_from_the_tree_are_skipped(tree: SimpleNamespace) -> None:
    result = epidemic2020.load()
    assert "220300000000" in result["skipped"]
    assert "220184000000" in result["skipped"]
    assert cumulative(tree.province, I.CONFIRMED_LOCAL, dt.date(2020, 2, 29)) == 93
