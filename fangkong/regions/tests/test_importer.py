"""`fangkong import-divisions DIR`: the real Jilin files, and small files of our own for the
shapes Jilin does not have (county-level units directly under a province, autonomous
prefectures), renames, and every way a file can be malformed.

The full Jilin tree is imported once in this module (it takes a few seconds); everything else
uses the small Hubei files in ``tests/data``.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.models import Count

from conftest import add_division
from fangkong import cli
from fangkong.audit.models import AuditEvent
from fangkong.regions import actions
from fangkong.regions.choices import Kind, Level
from fangkong.regions.models import Division

DATA = Path(__file__).parent / "data"
HUBEI = DATA / "hubei"
HUBEI_RENAMED = DATA / "hubei_renamed"
JILIN = Path(actions.__file__).parent / "data" / "divisions" / "jilin"
FILES = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv"]


def run_import(directory: Path) -> str:
    out = io.StringIO()
    call_command("import_divisions", str(directory), stdout=out)
    return out.getvalue()


def counts_by_level() -> dict[int, int]:
    rows = Division.objects.values("level").annotate(n=Count("id")).order_by("level")
    return {r["level"]: r["n"] for r in rows}


def database_state() -> tuple[list[Any], list[int]]:
    """Every division row with every column, and the ids of the audit rows."""
    divisions = list(Division.objects.order_by("code").values())
    audit = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    return divisions, audit


def div(code: str) -> Division:
    return Division.objects.get(code=code.ljust(12, "0"))


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "divisions"
    shutil.copytree(source, target)
    return target


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Run `fangkong ...` in this process, as the console script does.

    Django closes every database connection when a command run from the command line ends;
    inside a test that would close the connection holding the test's transaction, so that one
    step is skipped here. Everything else (argument parsing, dash-to-underscore, exit codes,
    output) is the real entry point.
    """
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> None:
        cli.main(["fangkong", *args])

    return run


def edit(directory: Path, filename: str, change: Callable[[str], str]) -> None:
    path = directory / filename
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


# --- the real Jilin files ----------------------------------------------------------------------


def test_jilin_imports_every_level_and_a_second_run_through_the_console_command_changes_nothing(
    db: Any, capsys: pytest.CaptureFixture[str], console: Callable[..., None]
) -> None:
    # Given an empty database and the real Jilin files
    assert not Division.objects.exists()

    # When the management command imports them
    output = run_import(JILIN)

    # Then every level has exactly the published number of units
    assert counts_by_level() == {
        Level.PROVINCE: 1,
        Level.PREFECTURE: 9,
        Level.COUNTY: 69,
        Level.TOWNSHIP: 1075,
        Level.VILLAGE: 11860,
    }
    # ... the counts per level are printed
    assert "省级区划新增 1 个，更新 0 个，0 个未变。" in output
    assert "地级区划新增 9 个，更新 0 个，0 个未变。" in output
    assert "县级区划新增 69 个，更新 0 个，0 个未变。" in output
    assert "乡级区划新增 1075 个，更新 0 个，0 个未变。" in output
    assert "村级区划新增 11860 个，更新 0 个，0 个未变。" in output
    assert "导入完成，共新增 13014 个区划，更新 0 个。" in output
    # ... the province's counters (what its home page shows) match
    province = div("22")
    assert (
        province.n_children,
        province.n_prefectures,
        province.n_counties,
        province.n_townships,
        province.n_villages,
    ) == (9, 9, 69, 1075, 11860)
    changchun = div("2201")
    assert changchun.parent == province and changchun.path == "22/2201/"
    huayang = div("220102001001")
    assert huayang.name == "华阳社区"
    assert huayang.path == "22/2201/220102/220102001/220102001001/"
    assert huayang.initials == "hysq"
    # ... and one audit row records the import
    imports = AuditEvent.objects.filter(action="divisions.import")
    assert [e.changes for e in imports] == [{"created": [0, 13014], "updated": [0, 0]}]
    assert imports.get().channel == "cli"

    state_after_first_run = database_state()

    # When the same files are imported again through the `fangkong` console entry point
    capsys.readouterr()
    console("import-divisions", str(JILIN))
    second = capsys.readouterr().out

    # Then nothing changes, the output says so with the counts, and no audit row is written
    assert "没有变化" in second
    assert "村级区划新增 0 个，更新 0 个，11860 个未变。" in second
    assert "省级区划新增 0 个，更新 0 个，1 个未变。" in second
    assert database_state() == state_after_first_run


# --- shapes Jilin does not have ----------------------------------------------------------------


def test_county_level_units_directly_under_a_province_hang_from_the_province(db: Any) -> None:
    # Given Hubei files where 仙桃市 and 潜江市 sit under 4290 省直辖县级行政区划
    # When they are imported
    output = run_import(HUBEI)

    # Then the county-level cities are level 3 with the province as parent
    province = div("42")
    xiantao = div("429004")
    assert xiantao.level == Level.COUNTY
    assert xiantao.parent == province
    assert xiantao.path == "42/429004/"
    assert div("429005").parent == province
    # ... the pseudo-unit is not a division
    assert (
        not Division.objects.filter(code__startswith="4290")
        .exclude(code__startswith="42900")
        .exists()
    )
    assert not Division.objects.filter(name="省直辖县级行政区划").exists()
    # ... their streets and villages hang below them
    street = div("429004001")
    assert street.parent == xiantao and street.path == "42/429004/429004001/"
    village = div("429004001002")
    assert village.name == "鸡鸣社区"
    assert village.path == "42/429004/429004001/429004001002/"
    # ... the province counts them among its direct children and counties
    assert province.n_children == 4  # 武汉市, 恩施州, 仙桃市, 潜江市
    assert province.n_prefectures == 2
    assert province.n_counties == 4
    assert province.n_townships == 5
    assert province.n_villages == 6
    assert xiantao.n_children == 2 and xiantao.n_villages == 3
    # ... and the output explains the grouping it left out
    assert "地级区划新增 2 个，更新 0 个，0 个未变。" in output
    assert "县级区划新增 4 个，更新 0 个，0 个未变。" in output
    assert "有 1 个省直辖县级行政区划分组" in output


def test_an_autonomous_prefecture_imports_as_an_ordinary_prefecture(db: Any) -> None:
    # Given Hubei files with 4228 恩施土家族苗族自治州 and its city 422801 恩施市
    # When they are imported
    run_import(HUBEI)

    # Then the autonomous prefecture is a statistical prefecture under the province
    enshi_zhou = div("4228")
    assert enshi_zhou.name == "恩施土家族苗族自治州"
    assert enshi_zhou.level == Level.PREFECTURE
    assert enshi_zhou.kind == Kind.STATISTICAL
    assert enshi_zhou.parent == div("42")
    # ... with its county-level city below it as usual
    enshi = div("422801")
    assert enshi.parent == enshi_zhou and enshi.level == Level.COUNTY
    assert enshi_zhou.n_counties == 1 and enshi_zhou.n_villages == 1


def test_a_rename_in_a_later_file_is_applied_and_audited(db: Any) -> None:
    # Given Hubei already imported
    run_import(HUBEI)
    street = div("429004002")
    child = div("429004002001")
    before_audit = AuditEvent.objects.count()

    # When a later file renames 干河街道 to 干河办事处
    output = run_import(HUBEI_RENAMED)

    # Then the street has its new name (and search keys) and keeps its place and children
    renamed = div("429004002")
    assert renamed.pk == street.pk
    assert renamed.name == "干河办事处"
    assert renamed.initials == "ghbsc"
    assert renamed.path == street.path
    assert div("429004002001").parent_id == child.parent_id == street.pk
    # ... only that one row changed
    assert "乡级区划新增 0 个，更新 1 个，4 个未变。" in output
    assert "导入完成，共新增 0 个区划，更新 1 个。" in output
    # ... and the audit log says who changed what, before and after
    new_rows = AuditEvent.objects.filter(id__gt=0).order_by("id")[before_audit:]
    assert [(e.action, e.object_id, e.changes) for e in new_rows] == [
        ("divisions.import", "*", {"created": [0, 0], "updated": [0, 1]}),
        ("division.update", str(street.pk), {"name": ["干河街道", "干河办事处"]}),
    ]
    assert new_rows[1].division_path == street.path


def test_the_same_small_files_twice_change_nothing_and_say_so(db: Any) -> None:
    # Given Hubei already imported
    run_import(HUBEI)
    state = database_state()

    # When the same files are imported again
    output = run_import(HUBEI)

    # Then nothing is written, not even an audit row, and the output says so
    assert "没有变化" in output
    assert "村级区划新增 0 个，更新 0 个，6 个未变。" in output
    assert database_state() == state


def test_a_gbk_encoded_file_imports_the_same_names(db: Any, tmp_path: Path) -> None:
    # Given the Hubei files saved in GBK, as spreadsheet programs on Chinese Windows do
    directory = tmp_path / "gbk"
    directory.mkdir()
    for name in FILES:
        text = (HUBEI / name).read_text(encoding="utf-8")
        (directory / name).write_bytes(text.encode("gbk"))

    # When they are imported
    run_import(directory)

    # Then the names are read correctly
    assert div("4228").name == "恩施土家族苗族自治州"
    assert div("429004001002").name == "鸡鸣社区"
    # ... and the UTF-8 files describe exactly the same tree
    assert "没有变化" in run_import(HUBEI)


def test_imports_divisions_for_a_second_province_beside_the_first(tree: Any) -> None:
    # Given a database holding part of Jilin and its grids
    jilin_before = list(Division.objects.order_by("code").values_list("code", "name", "path"))

    # When Hubei is imported
    output = run_import(HUBEI)

    # Then Hubei is added and Jilin is left alone (and reported as not in the files)
    assert div("42").n_villages == 6
    assert (
        list(Division.objects.filter(path__startswith="22/").values_list("code", "name", "path"))
        == jilin_before
    )
    assert "数据库中有 10 个区划不在文件中，保持不变。" in output
    # ... and the counters the grids keep are still right after the recount
    assert Division.objects.get(pk=tree.huayang.pk).n_grids == 2


# --- malformed files ---------------------------------------------------------------------------

MALFORMED = [
    pytest.param(
        "cities.csv",
        lambda t: t.replace("code,name,provinceCode", "code,name,province"),
        "cities.csv 第 1 行：缺少列：provinceCode。",
        id="missing-column",
    ),
    pytest.param(
        "areas.csv",
        lambda t: t + "430102,芙蓉区,4301,43\n",
        "areas.csv 第 6 行：上级代码“4301”不存在。",
        id="unknown-parent",
    ),
    pytest.param(
        "streets.csv",
        lambda t: t + "429004001,沙嘴街道,429004,42,4290\n",
        "streets.csv 第 7 行：代码 429004001 重复（首次出现在 streets.csv 第 4 行）。",
        id="duplicate-code",
    ),
    pytest.param(
        "villages.csv",
        lambda t: t + "42900400100A,新村,429004001,42,4290,429004\n",
        "villages.csv 第 8 行：代码“42900400100A”不是数字。",
        id="non-numeric-code",
    ),
    pytest.param(
        "villages.csv",
        lambda t: t + "４２９００４００１００３,新村,429004001,42,4290,429004\n",
        "villages.csv 第 8 行：代码“４２９００４００１００３”不是数字。",
        id="full-width-digits",
    ),
    pytest.param(
        "villages.csv",
        lambda t: t + "4290040010031,新村,429004001,42,4290,429004\n",
        "villages.csv 第 8 行：代码“4290040010031”应为 12 位。",
        id="wrong-code-length",
    ),
    pytest.param(
        "villages.csv",
        lambda t: t + "429004001003,,429004001,42,4290,429004\n",
        "villages.csv 第 8 行：代码 429004001003 缺少名称。",
        id="empty-name",
    ),
    pytest.param(
        "streets.csv",
        lambda t: t + "420103001,某街道,420102,42,4201\n",
        "streets.csv 第 7 行：代码 420103001 与上级代码 420102 不一致。",
        id="code-outside-parent",
    ),
    pytest.param(
        "villages.csv",
        lambda t: t + '429004001003,"未闭合,429004001,42,4290,429004\n',
        "villages.csv 第 8 行：CSV 格式错误",
        id="unterminated-quote",
    ),
]


@pytest.mark.parametrize(("filename", "change", "message"), MALFORMED)
def test_a_malformed_file_is_refused_with_file_line_and_reason_and_nothing_changes(
    db: Any, tmp_path: Path, filename: str, change: Callable[[str], str], message: str
) -> None:
    # Given Hubei already imported, and new files that rename a street (a change that would be
    # written if the import went ahead) and carry one defect
    run_import(HUBEI)
    state = database_state()
    directory = copy_of(HUBEI_RENAMED, tmp_path)
    edit(directory, filename, change)

    # When they are imported
    with pytest.raises(CommandError) as refused:
        run_import(directory)

    # Then the user is told which file, which line and why
    assert "文件有误，未导入任何数据" in str(refused.value)
    assert message in str(refused.value)
    # ... and the database is exactly as it was: the rename is not applied, no audit row
    assert database_state() == state
    assert div("429004002").name == "干河街道"


def test_a_binary_file_is_refused(db: Any, tmp_path: Path) -> None:
    # Given a villages.csv that is not text at all
    directory = copy_of(HUBEI, tmp_path)
    (directory / "villages.csv").write_bytes(b"code,name\x00\x00\x01\x02PK\x03\x04\x00" * 20)

    # When it is imported
    with pytest.raises(CommandError) as refused:
        run_import(directory)

    # Then it is refused as binary and nothing is imported
    assert "villages.csv：文件含有二进制内容，不是 CSV 文件。" in str(refused.value)
    assert not Division.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_problem_in_every_file_is_listed_at_once(db: Any, tmp_path: Path) -> None:
    # Given a missing file and two bad lines in two other files
    directory = copy_of(HUBEI, tmp_path)
    (directory / "provinces.csv").unlink()
    edit(directory, "streets.csv", lambda t: t + "42900400X,某街道,429004,42,4290\n")
    edit(directory, "villages.csv", lambda t: t + "429004001009,,429004001,42,4290,429004\n")

    # When they are imported
    with pytest.raises(CommandError) as refused:
        run_import(directory)

    # Then each problem is reported, so the user can fix them in one pass
    text = str(refused.value)
    assert "provinces.csv：缺少该文件。" in text
    assert "streets.csv 第 7 行：代码“42900400X”不是数字。" in text
    assert "villages.csv 第 8 行：代码 429004001009 缺少名称。" in text
    assert not Division.objects.exists()


def test_the_console_command_reports_a_malformed_file_and_exits_non_zero(
    db: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    console: Callable[..., None],
) -> None:
    # Given a file with an unknown parent code
    directory = copy_of(HUBEI, tmp_path)
    edit(directory, "areas.csv", lambda t: t + "430102,芙蓉区,4301,43\n")

    # When `fangkong import-divisions` runs
    with pytest.raises(SystemExit) as exited:
        console("import-divisions", str(directory))

    # Then it exits with an error status and says where and why on stderr
    assert exited.value.code == 1
    assert "areas.csv 第 6 行：上级代码“4301”不存在。" in capsys.readouterr().err
    assert not Division.objects.exists()


def test_a_missing_directory_is_refused(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="目录不存在"):
        run_import(tmp_path / "nowhere")


def test_a_refusal_half_way_through_writing_rolls_everything_back(db: Any) -> None:
    # Given a database where an earlier import kept 4290 as a prefecture with 仙桃市 and a
    # street below it
    hubei = add_division("42", "湖北省", Level.PROVINCE, None)
    pseudo = add_division("4290", "省直辖县级行政区划", Level.PREFECTURE, hubei)
    xiantao = add_division("429004", "仙桃市", Level.COUNTY, pseudo)
    add_division("429004001", "沙嘴街道", Level.TOWNSHIP, xiantao)
    actions.recount_divisions()
    state = database_state()

    # When the Hubei files are imported (prefectures are written before 仙桃市 is reached, and
    # moving 仙桃市 to the province would strand its street)
    with pytest.raises(CommandError) as refused:
        run_import(HUBEI)

    # Then the import is refused, naming the line, and the prefectures already written are gone
    assert "areas.csv 第 4 行：仙桃市（429004）已有下级，不能通过导入改变其上级。" in str(
        refused.value
    )
    assert database_state() == state
    assert not Division.objects.filter(code="420100000000").exists()


# --- management zones and counters -------------------------------------------------------------


def test_management_zones_are_added_once_under_the_province(tree: Any) -> None:
    # Given the Jilin tree without its management zones
    province_children = tree.province.n_children

    # When the zones are ensured twice
    first = actions.ensure_management_zones(actor=None)
    second = actions.ensure_management_zones(actor=None)

    # Then 长白山开发区 and 长春新区 exist once each, as prefecture-level zones of the province
    assert (first, second) == (2, 0)
    zones = Division.objects.filter(kind=Kind.ZONE).order_by("code")
    assert [(z.name, z.level, z.parent_id, z.path) for z in zones] == [
        ("长白山开发区", Level.PREFECTURE, tree.province.pk, "22/2281/"),
        ("长春新区", Level.PREFECTURE, tree.province.pk, "22/2282/"),
    ]
    assert Division.objects.filter(name="长春新区").count() == 1
    # ... the province counts them
    province = div("22")
    assert province.n_children == province_children + 2
    assert province.n_prefectures == 4
    # ... and each creation is audited once
    created = AuditEvent.objects.filter(action="division.create").order_by("id")
    assert [e.changes for e in created] == [
        {"code": [None, "228100000000"], "name": [None, "长白山开发区"], "kind": [None, "zone"]},
        {"code": [None, "228200000000"], "name": [None, "长春新区"], "kind": [None, "zone"]},
    ]


def test_management_zones_need_the_province(db: Any) -> None:
    # Given no Jilin province in the database
    # When the zones are ensured, then nothing is created (a zone needs its province)
    assert actions.ensure_management_zones(actor=None) == 0
    assert not Division.objects.exists()


def test_a_full_import_later_keeps_the_management_zones(tree: Any) -> None:
    # Given the zones, then an import of files that do not list them
    actions.ensure_management_zones(actor=None)

    # When a second province is imported
    output = run_import(HUBEI)

    # Then the zones are still there, and are not counted as statistical units missing
    assert Division.objects.filter(kind=Kind.ZONE).count() == 2
    assert div("22").n_prefectures == 4
    assert "数据库中有 10 个区划不在文件中" in output


COUNTERS = ["n_children", "n_prefectures", "n_counties", "n_townships", "n_villages", "n_grids"]


def counters() -> dict[str, tuple[int, ...]]:
    return {
        code: tuple(values)
        for code, *values in Division.objects.order_by("code").values_list("code", *COUNTERS)
    }


def test_recount_gives_the_counters_the_actions_keep(tree: Any) -> None:
    # Given a history of grid changes and new zones, all counted incrementally by the actions
    third = actions.create_grid(actor=None, village=tree.hengan, name="第三网格")
    fourth = actions.create_grid(actor=None, village=tree.hengan, name="第四网格")
    actions.retire_grid(actor=None, grid=tree.grid2)
    actions.merge_grids(actor=None, source=third, target=fourth)
    actions.create_grid(actor=None, village=tree.dongshi, name="第二网格")
    actions.ensure_management_zones(actor=None)
    kept = counters()
    assert kept["220102001001"] == (1, 0, 0, 0, 0, 1)  # 华阳社区: grid1 only
    assert kept["220000000000"][COUNTERS.index("n_grids")] == 4

    # When every counter is recomputed from the tree itself
    changed = actions.recount_divisions()

    # Then no counter moves
    assert changed == 0
    assert counters() == kept


def test_recount_repairs_counters_that_drifted(tree: Any) -> None:
    # Given counters that have drifted (a hand edit, a restore from an old backup)
    kept = counters()
    Division.objects.update(n_grids=0, n_children=0)

    # When the recount runs through its command
    out = io.StringIO()
    call_command("recount_divisions", stdout=out)

    # Then every counter is back to what the actions had kept
    assert counters() == kept
    changed = sum(1 for v in kept.values() if v[0] or v[-1])
    assert f"已更新 {changed} 个区划的统计。" in out.getvalue()


def test_the_management_zones_command_adds_them_once(tree: Any) -> None:
    # Given the Jilin tree; when an operator runs the command twice
    out = io.StringIO()
    call_command("add_management_zones", stdout=out)
    call_command("add_management_zones", stdout=out)
    # Then it reports 2 new, then 0, in sentences, and the zones exist once each
    assert "已新增管理区 2 个（" in out.getvalue() and "已新增管理区 0 个（" in out.getvalue()
    assert Division.objects.filter(kind=Kind.ZONE).count() == 2
