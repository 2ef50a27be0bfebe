"""The computed indicators: every indicator for every division from the grid to the province,
from hand-made records in the ``tree`` fixture, rolled up, replaced, limited to a subtree."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.cases.choices import Category
from fangkong.cases.models import Case, ClinicVisit
from fangkong.cases.tests.factories import make_case
from fangkong.checkpoints.models import Checkpoint, Passage
from fangkong.medical.choices import BedType
from fangkong.medical.tests.factories import fill_ward, make_clinic, make_hospital, make_ward
from fangkong.notifications.models import Escalation
from fangkong.regions.models import Division
from fangkong.tracing.models import Contact
from fangkong.warning import indicators
from fangkong.warning.choices import Indicator as I
from fangkong.warning.choices import Source
from fangkong.warning.models import IndicatorDay
from fangkong.warning.tests.factories import make_indicator_days
from fangkong.zeroreport.models import GridDay


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _values(day: dt.date, source: str = Source.COMPUTED) -> dict[tuple[str, str], int]:
    return {
        (row.division.name if row.division.level < 6 else row.division.code, row.indicator): (
            row.value
        )
        for row in IndicatorDay.objects.filter(day=day, source=source).select_related("division")
    }


def _records(tree: SimpleNamespace, day: dt.date) -> SimpleNamespace:
    r = SimpleNamespace()
    r.local = make_case(tree.grid1, diagnosed_at=_at(day))
    r.imported = make_case(tree.grid2, diagnosed_at=_at(day), onset=day, import_status="abroad")
    r.asymptomatic = make_case(tree.grid1, diagnosed_at=_at(day), category=Category.ASYMPTOMATIC)
    r.elsewhere = make_case(tree.other_grid, diagnosed_at=_at(day))
    r.yesterday = make_case(tree.grid1, diagnosed_at=_at(day - dt.timedelta(days=1)))
    clinic = make_clinic(tree.nanguan)
    for hour in (9, 11):
        ClinicVisit.objects.create(
            facility=clinic,
            division_path=clinic.division_path,
            person=r.local.person,
            visited_at=_at(day, hour),
            temperature=Decimal("38.1"),
        )
    GridDay.objects.create(
        grid=tree.grid1,
        division_path=tree.grid1.path,
        day=day,
        screened=40,
        fever_found=3,
        check_ins_missed=1,
        computed_at=timezone.now(),
    )
    checkpoint = Checkpoint.objects.create(
        name="南关区卡口",
        kind="urban_fringe",
        longitude=Decimal("125.3"),
        latitude=Decimal("43.8"),
        division=tree.nanguan,
        division_path=tree.nanguan.path,
    )
    Passage.objects.create(
        uuid=uuid.uuid4(),
        checkpoint=checkpoint,
        division_path=checkpoint.division_path,
        direction="in",
        passed_at=_at(day, 8),
        n_people=3,
        n_flagged=2,
        source="web",
    )
    Contact.objects.create(
        case=r.local,
        division_path=r.local.division_path,
        kind="close",
        name="密接甲",
        doc_number="220102198001011234",
        residence=tree.grid1,
        relation="household",
        first_exposure=day - dt.timedelta(days=3),
        last_exposure=day - dt.timedelta(days=1),
    )
    ward = make_ward(make_hospital(tree.nanguan), BedType.ISOLATION_WARD, 10)
    fill_ward(ward, occupied=4)
    Escalation.objects.create(
        division=tree.nanguan,
        division_path=tree.nanguan.path,
        reached=tree.nanguan,
        kind="alert",
        title="N95 低于警戒线",
        key="supplies:low:1:1:",
        opened_at=timezone.now(),
        escalated_at=timezone.now(),
    )
    return r


def test_every_indicator_is_computed_per_division_and_rolled_up(tree: SimpleNamespace) -> None:
    # given a day of records in both cities
    today = timezone.localdate()
    _records(tree, today)

    # when the day is computed
    written = indicators.compute_day(today)

    # then each division has the figures of its subtree, and zeros are not stored
    values = _values(today)
    assert written == len(values)
    g1, g2 = tree.grid1.code, tree.grid2.code
    assert values[(g1, I.CONFIRMED_LOCAL)] == 1
    assert values[(g1, I.ASYMPTOMATIC_LOCAL)] == 1
    assert values[(g1, I.FEVERS_FOUND)] == 3
    assert values[(g1, I.CHECK_INS_MISSED)] == 1
    assert values[(g1, I.CONTACTS_NEW)] == 1
    assert values[(g2, I.CONFIRMED_IMPORTED)] == 1
    assert values[(g2, I.ONSET_IMPORTED)] == 1
    assert (g2, I.CONFIRMED_LOCAL) not in values
    for name in ("华阳社区", "南岭街道"):
        assert values[(name, I.CONFIRMED_LOCAL)] == 1
        assert values[(name, I.CONFIRMED_IMPORTED)] == 1
        assert values[(name, I.FEVERS_FOUND)] == 3
        assert (name, I.CLINIC_VISITS) not in values  # the clinic is the county's
    for name in ("南关区", "长春市"):
        assert values[(name, I.CLINIC_VISITS)] == 2
        assert values[(name, I.TRAVELLERS_FLAGGED)] == 2
        assert values[(name, I.BEDS_FREE)] == 6
        assert values[(name, I.SUPPLIES_LOW)] == 1
        assert values[(name, I.CONFIRMED_LOCAL)] == 1
    assert values[("吉林市", I.CONFIRMED_LOCAL)] == 1
    assert values[("东市场社区", I.CONFIRMED_LOCAL)] == 1
    assert values[("吉林省", I.CONFIRMED_LOCAL)] == 2
    assert values[("吉林省", I.CONFIRMED_IMPORTED)] == 1
    assert values[("吉林省", I.CONTACTS_NEW)] == 1
    assert ("恒安社区", I.CONFIRMED_LOCAL) not in values


def test_onset_counts_on_the_onset_day_and_a_past_day_keeps_its_stocks(
    tree: SimpleNamespace,
) -> None:
    # given a case confirmed today whose onset was two days ago, and that day's stocks stored
    today = timezone.localdate()
    before = today - dt.timedelta(days=2)
    make_case(tree.grid1, diagnosed_at=_at(today), onset=before)
    make_indicator_days(tree.nanguan, I.BEDS_FREE, [7], before)

    # when the past day is computed
    indicators.compute_day(before)

    # then its onset counts, and its stock row stays as it was (beds are only known now)
    values = _values(before)
    assert values[("吉林省", I.ONSET_LOCAL)] == 1
    assert values[(tree.grid1.code, I.ONSET_LOCAL)] == 1
    assert (tree.grid1.code, I.CONFIRMED_LOCAL) not in values
    assert values[("南关区", I.BEDS_FREE)] == 7


def test_computing_again_replaces_the_day(tree: SimpleNamespace) -> None:
    # given a computed day
    today = timezone.localdate()
    r = _records(tree, today)
    indicators.compute_day(today)

    # when a case is excluded and the day computed again
    Case.objects.filter(pk=r.local.pk).update(category=Category.EXCLUDED)
    indicators.compute_day(today)

    # then the figures are the new ones, and a figure fallen to zero has no row
    values = _values(today)
    assert values[("吉林省", I.CONFIRMED_LOCAL)] == 1
    assert (tree.grid1.code, I.CONFIRMED_LOCAL) not in values
    assert values[("华阳社区", I.CONFIRMED_IMPORTED)] == 1


def test_a_subtree_is_computed_alone(tree: SimpleNamespace) -> None:
    # given a computed day, and an imported series that is not the computation's
    today = timezone.localdate()
    _records(tree, today)
    indicators.compute_day(today)
    make_indicator_days(tree.changyi, I.CONFIRMED_LOCAL, [5], today, source=Source.IMPORTED)
    before = _values(today)
    stamps = dict(
        IndicatorDay.objects.filter(division=tree.changchun).values_list("indicator", "updated_at")
    )

    # when 昌邑区 gets one more case and only its subtree is computed
    make_case(tree.other_grid, diagnosed_at=_at(today, 15))
    written = indicators.compute_day(today, under=tree.changyi)

    # then the subtree has the new figure, the rest is untouched (ancestors above included)
    after = _values(today)
    assert (
        written
        == IndicatorDay.objects.filter(
            day=today, source=Source.COMPUTED, division_path__startswith=tree.changyi.path
        ).count()
    )
    assert after[("昌邑区", I.CONFIRMED_LOCAL)] == 2
    assert after[("东市场社区", I.CONFIRMED_LOCAL)] == 2
    assert after[("吉林市", I.CONFIRMED_LOCAL)] == 1  # above ``under``: as it was
    assert after[("吉林省", I.CONFIRMED_LOCAL)] == 2
    assert {k: v for k, v in after.items() if not k[0].startswith("2202") and k[0] not in (
        "昌邑区", "兴华街道", "东市场社区")} == {
        k: v for k, v in before.items() if not k[0].startswith("2202") and k[0] not in (
            "昌邑区", "兴华街道", "东市场社区")}  # fmt: skip
    assert stamps == dict(
        IndicatorDay.objects.filter(division=tree.changchun).values_list("indicator", "updated_at")
    )
    assert _values(today, Source.IMPORTED) == {("昌邑区", I.CONFIRMED_LOCAL): 5}


def test_the_day_is_computed_in_a_bounded_number_of_queries(
    tree: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    _records(tree, today)
    # 7 aggregates, the divisions' ids, the delete, the insert, savepoints
    with django_assert_max_num_queries(14):
        indicators.compute_day(today)


def test_series_is_dense(tree: SimpleNamespace) -> None:
    start = dt.date(2020, 2, 1)
    make_indicator_days(tree.nanguan, I.CONFIRMED_LOCAL, [0, 3, 0, 0, 2], start)
    assert indicators.series(
        tree.nanguan, I.CONFIRMED_LOCAL, Source.COMPUTED, start - dt.timedelta(days=1),
        start + dt.timedelta(days=5),
    ) == [0, 0, 3, 0, 0, 2, 0]  # fmt: skip
    assert indicators.series(tree.nanguan, I.CONFIRMED_LOCAL, Source.IMPORTED, start, start) == [0]


@pytest.mark.parametrize("args", [["--day", "{today}"], ["--from", "{before}", "--to", "{today}"]])
def test_the_command_computes_days_and_audits(tree: SimpleNamespace, args: list[str]) -> None:
    today = timezone.localdate()
    make_case(tree.grid1, diagnosed_at=_at(today))
    out = StringIO()
    values = {"today": today.isoformat(), "before": (today - dt.timedelta(days=2)).isoformat()}
    call_command("compute_indicators", *[a.format(**values) for a in args], stdout=out)
    assert (
        IndicatorDay.objects.get(
            division=Division.objects.get(path="22/"), day=today, indicator=I.CONFIRMED_LOCAL
        ).value
        == 1
    )
    assert AuditEvent.objects.filter(action="warning.indicators_compute").count() == 1


def test_the_command_refuses_a_bad_day(tree: SimpleNamespace) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("compute_indicators", "--day", "2020-13-01")
    with pytest.raises(CommandError):
        call_command("compute_indicators", "--from", "2020-03-01", "--to", "2020-02-01")
