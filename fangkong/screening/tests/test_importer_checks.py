"""The screening import checks a file in two kinds of step: the row checks (each row on its own,
``importer.check_rows``, no database) between the database checks (batched lookups before and
after). Whatever the number of rows, the database is asked the same few questions."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.bulk.readers import read_table
from fangkong.screening import importer
from fangkong.screening.tests.factories import days_ago, hubei, make_id, today

HEADER = [
    "姓名",
    "证件号码",
    "联系电话",
    "现住址",
    "网格编码",
    "排查日期",
    "体温",
    "来源地编码",
    "抵达日期",
]


def write(path: Path, tree: SimpleNamespace, n: int) -> Path:
    """``n`` rows over three grids of two counties: fevers, travellers from a key area, errors."""
    grids = [tree.grid1, tree.grid2, tree.other_grid]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            travelled = i % 3 == 0
            w.writerow(
                [f"居民{i}", make_id(), "13804310001", "华阳街1号", grids[i % 3].code,
                 today().isoformat(), "38.1" if i % 4 == 0 else "36.6",
                 "42" if travelled else "", days_ago(2).isoformat() if travelled else "",
                 ][: len(HEADER)] if i % 7 else
                [f"居民{i}", "not-a-number", "123", "", "999", "2020-13-01", "45"]
            )  # fmt: skip
    return path


def checked(tree: SimpleNamespace, path: Path, actor: Any = None) -> tuple[Any, ...]:
    table = read_table(path, path.name)
    index = {name: i for i, name in enumerate(table.header) if name in importer.COLUMNS}
    result = importer.Validated(header=table.header, kind=table.kind, total=len(table.rows))
    checks = importer._Checks(actor, importer._find_grids(actor, {g.code for g in (
        tree.grid1, tree.grid2, tree.other_grid)}), dt.date.today())  # fmt: skip
    checks.load_key_areas()
    with CaptureQueriesContext(connection) as queries:
        out = importer.check_rows(table, index, checks, result)
    return out, result, len(queries)


@pytest.mark.django_db
def test_the_row_checks_ask_the_database_nothing(tree: SimpleNamespace, tmp_path: Path) -> None:
    # given a file of 60 rows in three grids of two counties, with a key area in one of them
    hubei(tree.province)
    path = write(tmp_path / "list.csv", tree, 60)

    # when its rows are checked
    (rows, identities, keys, numbers, raws, errors_of, cells_of), result, queries = checked(
        tree, path
    )

    # then no query ran, and every row is either valid or refused with its reasons
    assert queries == 0
    assert len(rows) + len(errors_of) == 60
    assert len(rows) == len(identities) == len(keys) == len(numbers) == len(raws)
    assert errors_of and all(errors_of[n] for n in errors_of) and set(cells_of) == set(errors_of)
    assert result.assessments  # travellers from 湖北 and fevers, by the rules, with no query


@pytest.mark.django_db
def test_validating_a_file_costs_the_same_queries_for_10_rows_as_for_200(
    tree: SimpleNamespace, tmp_path: Path
) -> None:
    hubei(tree.province)
    counts = []
    for n in (10, 200):
        table = read_table(write(tmp_path / f"list{n}.csv", tree, n), f"list{n}.csv")
        with CaptureQueriesContext(connection) as queries:
            importer.validate_rows(table, actor=None)
        counts.append(len(queries))
    assert counts[0] == counts[1]
