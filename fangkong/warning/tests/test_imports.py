"""Importing reported counts: cumulative series to daily counts (gaps, corrections), the row
checks, jurisdiction, all or nothing, idempotence, the API and the file import."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.regions.models import Division
from fangkong.warning import imports, indicators
from fangkong.warning.choices import Indicator as I
from fangkong.warning.choices import Source
from fangkong.warning.models import IndicatorDay

START = dt.date(2020, 2, 1)
URL = "/api/warning/counts"


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def rows(
    division: Division,
    values: list[int | None],
    kind: str = "cumulative",
    indicator: str = I.CONFIRMED_LOCAL,
) -> list[dict[str, Any]]:
    """A series from START: None leaves a day out (a gap)."""
    return [
        {"division": division.code, "date": day(i), "indicator": indicator, "value": v,
         "kind": kind}
        for i, v in enumerate(values)
        if v is not None
    ]  # fmt: skip


def stored(division: Division, indicator: str = I.CONFIRMED_LOCAL) -> list[tuple[Any, ...]]:
    return list(
        IndicatorDay.objects.filter(
            division=division, indicator=indicator, source=Source.IMPORTED
        ).values_list("day", "value", "cumulative", "adjusted")
    )


def dense(division: Division, days: int, indicator: str = I.CONFIRMED_LOCAL) -> list[int]:
    return indicators.series(division, indicator, Source.IMPORTED, START, day(days - 1))


@pytest.fixture
def officer(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.nanguan, roles=[Role.HEALTH_COMMISSION])


def test_a_cumulative_series_becomes_daily_counts(tree: SimpleNamespace, officer: User) -> None:
    # when a cumulative series is imported
    result = imports.import_counts(actor=officer, rows=rows(tree.nanguan, [1, 3, 3, 6]))

    # then each day holds the difference, the reported total kept beside it
    assert dense(tree.nanguan, 4) == [1, 2, 0, 3]
    assert [c for _d, _v, c, _a in stored(tree.nanguan)] == [1, 3, 3, 6]
    assert result == imports.ImportResult(rows=4, series=1, corrections=0, adjusted=0)


def test_a_gap_carries_the_last_total_forward(tree: SimpleNamespace, officer: User) -> None:
    # when two days are missing from a cumulative series
    imports.import_counts(actor=officer, rows=rows(tree.nanguan, [2, None, None, 5, 5]))

    # then the missing days are 0 and the next day takes the whole difference
    assert dense(tree.nanguan, 5) == [2, 0, 0, 3, 0]


def test_a_total_that_goes_down_is_taken_from_the_days_before(
    tree: SimpleNamespace, officer: User
) -> None:
    # when a cumulative total goes down (a correction of the source)
    result = imports.import_counts(actor=officer, rows=rows(tree.nanguan, [5, 7, 6, 9, 2, 2]))

    # then no day is negative, the days add up to the last total, and the days lowered
    # (most recent first) are flagged
    values = dense(tree.nanguan, 6)
    assert values == [2, 0, 0, 0, 0, 0]
    assert sum(values) == 2
    assert [a for _d, _v, _c, a in stored(tree.nanguan)] == [True, True, True, True, True, False]
    assert result.corrections == 2

    # and a small drop lowers only the latest day that had an increment
    imports.import_counts(actor=officer, rows=rows(tree.nanling, [5, 7, 6, 9]))
    assert dense(tree.nanling, 4) == [5, 1, 0, 3]
    assert [a for _d, _v, _c, a in stored(tree.nanling)] == [False, True, True, False]


def test_a_series_imported_in_parts_continues_from_the_last_total(
    tree: SimpleNamespace, officer: User
) -> None:
    imports.import_counts(actor=officer, rows=rows(tree.nanguan, [1, 3]))
    imports.import_counts(actor=officer, rows=rows(tree.nanguan, [None, None, 4, 4]))
    assert dense(tree.nanguan, 4) == [1, 2, 1, 0]

    # a later part below what was imported before has nothing to take from: refused
    with pytest.raises(imports.CountsRefused) as refused:
        imports.import_counts(actor=officer, rows=rows(tree.nanguan, [None] * 4 + [2]))
    assert refused.value.problems[0].field == "value"
    assert dense(tree.nanguan, 5) == [1, 2, 1, 0, 0]


def test_re_importing_the_same_rows_changes_nothing(tree: SimpleNamespace, officer: User) -> None:
    # given an import
    series = rows(tree.nanguan, [1, 3, 2, 6])
    imports.import_counts(actor=officer, rows=series)
    first = stored(tree.nanguan)

    # when the same rows are imported again
    imports.import_counts(actor=officer, rows=series)

    # then the rows are the same, one audit row per import
    assert stored(tree.nanguan) == first
    assert AuditEvent.objects.filter(action="warning.counts_import").count() == 2


def test_daily_series_are_stored_sparse_and_replace_their_days(
    tree: SimpleNamespace, officer: User
) -> None:
    imports.import_counts(actor=officer, rows=rows(tree.nanguan, [1, 0, 4], kind="daily"))
    assert dense(tree.nanguan, 3) == [1, 0, 4]
    assert len(stored(tree.nanguan)) == 2
    imports.import_counts(actor=officer, rows=rows(tree.nanguan, [2, None, 1], kind="daily"))
    assert dense(tree.nanguan, 3) == [2, 0, 1]  # the gap inside the span is a 0


def _refused(actor: User | None, bad: list[dict[str, Any]]) -> list[imports.Problem]:
    with pytest.raises(imports.CountsRefused) as refused:
        imports.import_counts(actor=actor, rows=bad)
    return refused.value.problems


def test_a_negative_daily_count_is_refused_and_nothing_is_written(
    tree: SimpleNamespace, officer: User
) -> None:
    # given a good series and a bad row in the same import
    good = rows(tree.nanling, [1, 2, 3])
    bad = rows(tree.nanguan, [3, -1], kind="daily")

    # when it is imported
    with translation.override("en"):
        problems = _refused(officer, good + bad)

    # then the bad row is named with a clear message, and nothing is written or audited
    assert [(p.row, p.field) for p in problems] == [(4, "value")]
    assert "negative" in problems[0].message
    assert not IndicatorDay.objects.exists()
    assert not AuditEvent.objects.filter(action="warning.counts_import").exists()


def test_an_oversized_import_is_refused_whole(tree: SimpleNamespace, officer: User) -> None:
    # given one row more than an import may hold (the API's schema caps its list the same)
    one = rows(tree.nanguan, [1], kind="daily")[0]
    too_many = [one] * (imports.MAX_ROWS + 1)
    # then it is refused before any row is read, and nothing is written
    with pytest.raises(ActionError) as refused, translation.override("en"):
        imports.import_counts(actor=officer, rows=too_many)
    assert refused.value.code == "too_many_rows"
    assert f"{imports.MAX_ROWS}" in str(refused.value.message)
    assert not IndicatorDay.objects.exists()


def test_a_division_outside_the_jurisdiction_reads_as_unknown(
    tree: SimpleNamespace, officer: User
) -> None:
    # a division of another county, and a code no division has
    other = _refused(officer, rows(tree.changyi, [1]))
    none = _refused(officer, [{**rows(tree.changyi, [1])[0], "division": "229999999999"}])
    assert [(p.field) for p in other] == ["division"]
    assert other[0].message == none[0].message
    assert not IndicatorDay.objects.exists()

    # the short code is the same division
    imports.import_counts(
        actor=officer, rows=[{**rows(tree.nanguan, [1])[0], "division": "220102"}]
    )
    assert dense(tree.nanguan, 1) == [1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2020-02-30"}, "date"),
        ({"date": dt.date(1999, 12, 31)}, "date"),
        ({"indicator": "cases"}, "indicator"),
        ({"kind": "weekly"}, "kind"),
        ({"value": "3.5"}, "value"),
        ({"value": -2}, "value"),
        ({"division": "22010"}, "division"),
        ({"indicator": I.BEDS_FREE}, "kind"),
    ],
)
def test_bad_cells_are_refused(
    tree: SimpleNamespace, officer: User, change: dict[str, Any], field: str
) -> None:
    problems = _refused(officer, [{**rows(tree.nanguan, [1])[0], **change}])
    assert [p.field for p in problems] == [field]


def test_a_series_given_twice_or_mixed_is_refused(tree: SimpleNamespace, officer: User) -> None:
    twice = rows(tree.nanguan, [1, 2]) + rows(tree.nanguan, [None, 3])
    assert [(p.row, p.field) for p in _refused(officer, twice)] == [(2, "date")]
    mixed = rows(tree.nanguan, [1]) + rows(tree.nanguan, [None, 3], kind="daily")
    assert [(p.row, p.field) for p in _refused(officer, mixed)] == [(1, "kind")]


# --- the API ---------------------------------------------------------------------------------


def _post(client: Client, body: Any) -> Any:
    return client.post(
        URL, json.dumps({"rows": body}, default=str), content_type="application/json"
    )


def test_the_api_imports_and_audits(
    tree: SimpleNamespace, officer: User, client_for: Callable[[User | None], Client]
) -> None:
    response = _post(client_for(officer), rows(tree.nanguan, [5, 7, 6, 9]))
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 4, "series": 1, "corrections": 1, "adjusted": 2}
    event = AuditEvent.objects.get(action="warning.counts_import")
    assert event.actor == officer
    assert event.changes["corrections"] == [None, 1]


def test_the_api_answers_422_with_every_row_error(
    tree: SimpleNamespace, officer: User, client_for: Callable[[User | None], Client]
) -> None:
    body = rows(tree.nanguan, [1, -1], kind="daily") + rows(tree.changyi, [1])
    response = _post(client_for(officer), body)
    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "invalid_rows"
    assert [e["field"] for e in answer["errors"]] == ["rows.1.value", "rows.2.division"]
    assert not IndicatorDay.objects.exists()

    # a row the schema refuses (an unknown kind) is a 422 too
    response = _post(client_for(officer), [{**rows(tree.nanguan, [1])[0], "kind": "weekly"}])
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_the_api_needs_the_permission(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    worker = make_user(tree.nanguan, roles=[Role.GRID_WORKER])
    assert _post(client_for(worker), rows(tree.nanguan, [1])).status_code == 403
    assert _post(client_for(None), rows(tree.nanguan, [1])).status_code == 401
    assert not IndicatorDay.objects.exists()


# --- the file import --------------------------------------------------------------------------


def test_a_file_is_imported_through_the_bulk_kind(
    tree: SimpleNamespace, officer: User, tmp_path: Path
) -> None:
    from fangkong.bulk.imports import get_kind

    path = tmp_path / "counts.csv"
    path.write_text(
        "区划代码,日期,指标,数值,口径\n"
        "220102,2020-02-01,confirmed_local,2,累计\n"
        "220102,2020-02-02,confirmed_local,1,累计\n"
        "220102,2020-02-03,confirmed_local,4,累计\n",
        encoding="utf-8",
    )
    spec = get_kind("counts")
    assert spec is not None
    outcome = spec.run(actor=officer, path=path, filename="counts.csv")
    assert outcome.status == "done", outcome.message
    assert outcome.corrections == 1
    assert dense(tree.nanguan, 3) == [1, 0, 3]
    assert AuditEvent.objects.filter(action="warning.counts_import").count() == 1


def test_a_file_with_a_bad_row_writes_nothing(
    tree: SimpleNamespace, officer: User, tmp_path: Path
) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(
        "区划代码,日期,指标,数值,口径\n"
        "220102,2020-02-01,confirmed_local,2,新增\n"
        "220202,2020-02-01,confirmed_local,1,新增\n",
        encoding="utf-8",
    )
    outcome = imports.import_counts_file(actor=officer, path=path, filename="counts.csv")
    assert outcome.status == "refused"
    assert [e["row"] for e in outcome.errors] == [3]
    assert not IndicatorDay.objects.exists()


def test_valid_rows_only_leaves_out_a_series_with_a_bad_row_whole(
    tree: SimpleNamespace, officer: User, tmp_path: Path
) -> None:
    # given a file with a good series and a series with one bad row
    path = tmp_path / "counts.csv"
    path.write_text(
        "区划代码,日期,指标,数值,口径\n"
        "220102,2020-02-01,confirmed_local,2,累计\n"
        "220102,2020-02-02,confirmed_local,3,累计\n"
        "220102001,2020-02-01,confirmed_local,1,累计\n"
        "220102001,2020-02-02,confirmed_local,x,累计\n",
        encoding="utf-8",
    )

    # when its valid rows only are imported
    outcome = imports.import_counts_file(
        actor=officer, path=path, filename="counts.csv", valid_only=True
    )

    # then the good series is written, and the other is left out whole (its totals would not
    # add up without the bad row), each of its rows saying why
    assert outcome.status == "done", outcome.message
    assert dense(tree.nanguan, 2) == [2, 1]
    assert dense(tree.nanling, 2) == [0, 0]
    assert sorted(e["row"] for e in outcome.errors) == [4, 5]
