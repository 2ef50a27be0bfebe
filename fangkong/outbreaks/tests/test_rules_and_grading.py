"""Risk grading (分区分级): the rule's boundaries, and the daily grading of every county."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.cases.choices import Category
from fangkong.cases.tests.factories import make_case
from fangkong.core.workbench import Profile, WorkContext
from fangkong.outbreaks.actions import grade_counties
from fangkong.outbreaks.choices import Grade
from fangkong.outbreaks.models import Cluster, RiskGrade
from fangkong.outbreaks.registry import _grades_changed
from fangkong.outbreaks.rules import risk_grade
from fangkong.outbreaks.tests.fixtures import case_on, days_ago


@pytest.mark.parametrize(
    ("cumulative", "new", "clusters", "grade"),
    [
        (0, 0, 0, Grade.LOW),  # no confirmed case
        (0, 0, 1, Grade.LOW),
        (30, 0, 2, Grade.LOW),  # none new in 14 days
        (51, 0, 1, Grade.LOW),
        (1, 1, 0, Grade.MEDIUM),
        (50, 3, 1, Grade.MEDIUM),  # 50 is not above 50, even with a cluster
        (50, 3, 0, Grade.MEDIUM),
        (51, 3, 0, Grade.MEDIUM),  # above 50, no cluster in 14 days
        (51, 3, 1, Grade.HIGH),  # above 50 and a cluster
        (51, 1, 4, Grade.HIGH),
    ],
)
def test_risk_grade_boundaries(cumulative: int, new: int, clusters: int, grade: Grade) -> None:
    assert risk_grade(cumulative=cumulative, new_14d=new, clusters_14d=clusters) == grade


def _grade(tree: SimpleNamespace, day: dt.date | None = None) -> dict[str, RiskGrade]:
    day = day or timezone.localdate()
    return {g.county.name: g for g in RiskGrade.objects.filter(day=day).select_related("county")}


def test_every_county_is_graded_from_its_confirmed_cases(tree: SimpleNamespace) -> None:
    # given two confirmed cases in 南关区 (one 20 days ago), an asymptomatic one, an excluded one
    case_on(tree.grid1, days=2)
    case_on(tree.grid1, days=20)
    case_on(tree.grid1, days=1, category=Category.ASYMPTOMATIC)
    case_on(tree.grid2, days=1, category=Category.EXCLUDED)

    # when the counties are graded
    result = grade_counties()

    # then 南关区 is medium with its figures, 昌邑区 low with none
    grades = _grade(tree)
    assert result.graded == 2
    nanguan = grades["南关区"]
    assert (nanguan.grade, nanguan.cumulative, nanguan.new_14d, nanguan.clusters_14d) == (
        Grade.MEDIUM,
        2,
        1,
        0,
    )
    assert grades["昌邑区"].grade == Grade.LOW
    assert grades["昌邑区"].cumulative == 0


def test_a_county_with_no_new_case_in_14_days_is_low(tree: SimpleNamespace) -> None:
    # given confirmed cases, all older than 14 days
    case_on(tree.grid1, days=15)
    case_on(tree.grid1, days=30)

    # when graded, then low
    grade_counties()
    assert _grade(tree)["南关区"].grade == Grade.LOW
    assert _grade(tree)["南关区"].cumulative == 2


def test_high_needs_more_than_50_and_a_cluster(tree: SimpleNamespace) -> None:
    # given 51 confirmed cases in 14 days in 南关区 and no cluster
    for _i in range(51):
        case_on(tree.grid1, days=3)
    grade_counties()
    assert _grade(tree)["南关区"].grade == Grade.MEDIUM

    # when a cluster is flagged there within 14 days and the county is graded again
    Cluster.objects.create(
        name="测试聚集",
        unit_kind="household",
        unit_key="x",
        division=tree.grid1,
        division_path=tree.grid1.path,
        county=tree.nanguan,
        reason="测试",
        detected_on=timezone.localdate(),
        first_date=timezone.localdate() - dt.timedelta(days=3),
        last_date=timezone.localdate(),
        case_count=2,
    )
    grade_counties()

    # then high, in the same row (one per county per day)
    grade = _grade(tree)["南关区"]
    assert grade.grade == Grade.HIGH
    assert grade.clusters_14d == 1
    assert RiskGrade.objects.filter(county=tree.nanguan).count() == 1


def test_grading_is_idempotent_and_a_change_is_recorded_once(
    tree: SimpleNamespace, make_user: Any
) -> None:
    # given yesterday graded without cases, and a case confirmed today
    today = timezone.localdate()
    grade_counties(day=today - dt.timedelta(days=1))
    make_case(tree.grid1, diagnosed_at=days_ago(0, hour=1))

    # when today is graded twice
    first = grade_counties(day=today)
    second = grade_counties(day=today)

    # then 南关区 went from low to medium, recorded once in the audit log
    grade = _grade(tree)["南关区"]
    assert (grade.previous, grade.grade, grade.changed) == (Grade.LOW, Grade.MEDIUM, True)
    assert not _grade(tree)["昌邑区"].changed
    assert [g.county.name for g in first.changed] == ["南关区"]
    assert second.changed == []
    events = AuditEvent.objects.filter(action="outbreaks.grade_change")
    assert events.count() == 1
    assert events.get().division_path == tree.nanguan.path
    assert RiskGrade.objects.filter(day=today).count() == 2

    # and the county and its parent see it on their workbench, the sibling county does not
    def seen(division: Any) -> int | None:
        user = make_user(division, roles=[Role.COUNTY_COMMAND])
        ctx = WorkContext(user, division, today, timezone.now(), Profile.COMMAND)
        return _grades_changed(ctx)

    assert seen(tree.nanguan) == 1
    assert seen(tree.changchun) == 1
    assert seen(tree.changyi) == 0


def test_the_first_grading_has_no_previous_grade(tree: SimpleNamespace) -> None:
    case_on(tree.grid1, days=1)
    grade_counties()
    grade = _grade(tree)["南关区"]
    assert grade.previous == ""
    assert not grade.changed
    assert not AuditEvent.objects.filter(action="outbreaks.grade_change").exists()
