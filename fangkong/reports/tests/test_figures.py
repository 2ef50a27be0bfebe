"""The daily report's key figures: computed from the records of the other modules, the children
adding up to their parent, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.cases.choices import Category
from fangkong.cases.tests.factories import make_case
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.tests.factories import fill_ward, make_hospital, make_ward
from fangkong.observation.choices import Kind as ObservationKind
from fangkong.observation.models import Observation
from fangkong.regions import actions as region_actions
from fangkong.regions.models import Division
from fangkong.reports import figures
from fangkong.reports.figures import DEFINITIONS, KEYS, compute, figures_for_children, total
from fangkong.tracing import actions as tracing_actions
from fangkong.tracing.tests.factories import contact_of, tracing_case
from fangkong.treatment.tests.factories import place, suspected_case
from fangkong.zeroreport import actions as zero_actions
from fangkong.zeroreport.tests import factories as zf

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def world(tree: SimpleNamespace) -> SimpleNamespace:
    """A day of records in both cities: screenings and a fever, observations of both kinds, a
    missed check-in, cases, close contacts (one under observation) and beds."""
    w = SimpleNamespace(tree=tree, today=timezone.localdate())
    yesterday = w.today - dt.timedelta(days=1)
    # screenings: 3 in 第一网格 (one at 38.1 ℃), 1 in 第二网格, 2 in 东市场社区
    for temperature in ("36.5", "36.6", "38.1"):
        zf.screening(tree.grid1, w.today, temperature)
    zf.screening(tree.grid2, w.today)
    zf.screening(tree.other_grid, w.today)
    zf.screening(tree.other_grid, w.today)
    zf.screening(tree.other_grid, yesterday)  # another day: not counted
    # observations: 2 home in 第一网格 (checked in yesterday, so today's is not missed before
    # 20:00), 1 centralized in 东市场社区 that missed yesterday's check-in
    for _n in range(2):
        obs = zf.observation(tree.grid1, w.today - dt.timedelta(days=3))
        for back in (1, 2, 3):
            zf.check_in(obs, w.today - dt.timedelta(days=back))
    central = zf.observation(tree.other_grid, w.today - dt.timedelta(days=2))
    Observation.objects.filter(pk=central.pk).update(kind=ObservationKind.CENTRALIZED)
    zf.observation(tree.grid2, w.today - dt.timedelta(days=20))  # over: not counted
    # cases: confirmed today in 第一网格, confirmed yesterday in 第一网格 and in 东市场社区 (in
    # treatment), a suspected case reported today at 南关区's clinic for 第二网格; all waiting
    # for a bed
    make_case(tree.grid1, diagnosed_at=local(w.today, 0) + dt.timedelta(minutes=1))
    w.old_case = tracing_case(tree.grid1)
    make_case(tree.other_grid, diagnosed_at=local(yesterday, 9))
    clinic = place(tree.nanguan, "南关区发热门诊")
    w.suspected = suspected_case(tree.grid2, clinic)
    make_case(tree.grid1, category=Category.ASYMPTOMATIC)  # not a suspected case
    # close contacts of the old case: one in 第一网格 found and under observation, one in
    # 第二网格 still to find
    traced = contact_of(w.old_case, tree.grid1)
    traced = tracing_actions.find_contact(actor=None, contact=traced, grid=tree.grid1)
    tracing_actions.observe_contact(actor=None, contact=traced)
    contact_of(w.old_case, tree.grid2)
    # beds: 南关区 10 isolation (3 taken) and 4 ICU (1 out of service); 昌邑区 5 isolation
    hospital = make_hospital(tree.nanguan)
    fill_ward(make_ward(hospital, BedType.ISOLATION_WARD, 10), occupied=2, reserved=1)
    make_ward(hospital, BedType.ICU, 4, out_of_service=1)
    make_hospital(tree.changyi, kind=FacilityKind.DESIGNATED_HOSPITAL)
    make_ward(make_hospital(tree.changyi), BedType.ISOLATION_WARD, 5)
    zero_actions.refresh_grid_days(day=w.today)
    return w


def test_every_figure_has_a_label_and_a_definition() -> None:
    assert len(KEYS) == len(set(KEYS)) >= 13
    for figure in DEFINITIONS:
        assert str(figure.label) and str(figure.definition)


def test_the_province_figures_come_from_the_records(world: SimpleNamespace) -> None:
    got = compute(world.tree.province, world.today)

    assert got == {
        "screened": 6,
        "fever_found": 1,
        # the home observations, and the contact's centralized one in 第一网格
        "observations_home": 2,
        "observations_centralized": 2,
        "check_ins_missed": 1,
        "cases_confirmed_new": 1,
        "cases_suspected_new": 1,
        "cases_confirmed_in_treatment": 3,
        "contacts_close_new": 2,
        "contacts_observing": 1,
        "beds_free_isolation": 7 + 5,
        "beds_free_icu": 3,
        "patients_waiting_for_bed": 5,
    }


def test_a_subtree_counts_only_its_own(world: SimpleNamespace) -> None:
    got = compute(world.tree.changchun, world.today)

    assert got["screened"] == 4
    assert got["cases_confirmed_in_treatment"] == 2
    assert got["contacts_close_new"] == 2
    assert got["beds_free_isolation"] == 7


@pytest.mark.parametrize("parent", ["province", "changchun", "huayang"])
def test_the_children_add_up_to_the_parent(world: SimpleNamespace, parent: str) -> None:
    division = getattr(world.tree, parent)

    children = figures_for_children(division, world.today)

    assert set(children) == {d.pk for d in division.children.all()}
    assert total(children.values()) == compute(division, world.today)


def test_the_cities_figures(world: SimpleNamespace) -> None:
    children = figures_for_children(world.tree.province, world.today)

    assert children[world.tree.changchun.pk]["screened"] == 4
    assert children[world.tree.jilin_city.pk]["screened"] == 2
    assert children[world.tree.jilin_city.pk]["beds_free_isolation"] == 5
    assert children[world.tree.jilin_city.pk]["check_ins_missed"] == 1


def test_a_retired_grid_still_counts_and_an_empty_one_is_left_out(
    world: SimpleNamespace,
) -> None:
    tree = world.tree
    empty = region_actions.create_grid(actor=None, village=tree.huayang, name="第三网格")
    region_actions.retire_grid(actor=None, grid=empty, reason="撤并")
    region_actions.retire_grid(actor=None, grid=tree.grid2, reason="撤并")

    children = figures_for_children(tree.huayang, world.today)

    assert set(children) == {tree.grid1.pk, tree.grid2.pk}
    assert children[tree.grid2.pk]["screened"] == 1
    assert total(children.values()) == compute(tree.huayang, world.today)


def test_an_empty_active_child_reads_zeros(tree: SimpleNamespace) -> None:
    children = figures_for_children(tree.huayang, timezone.localdate())

    assert children == {
        tree.grid1.pk: dict.fromkeys(KEYS, 0),
        tree.grid2.pk: dict.fromkeys(KEYS, 0),
    }


def test_a_past_day(world: SimpleNamespace) -> None:
    yesterday = world.today - dt.timedelta(days=1)
    zero_actions.refresh_grid_days(day=yesterday)

    got = compute(world.tree.province, yesterday)

    assert got["screened"] == 1
    assert got["cases_confirmed_new"] == 2  # diagnosed yesterday
    assert got["cases_confirmed_in_treatment"] == 2
    assert got["contacts_close_new"] == 0


def test_queries_are_few(world: SimpleNamespace, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(5):
        compute(world.tree.province, world.today)
    with django_assert_max_num_queries(6):
        figures_for_children(world.tree.province, world.today)


def test_module_docstring_names_every_figure() -> None:
    assert all(key in (figures.__doc__ or "") for key in KEYS)


def test_the_documentation_defines_every_figure() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[3] / "docs" / "report-summary.md"
    assert all(f"`{key}`" in page.read_text() for key in KEYS)


def test_the_whole_day_rolled_up_at_once_equals_each_division_computed(
    world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    from fangkong.reports.selectors import rollup_day

    with django_assert_max_num_queries(6):
        everyone = rollup_day(world.today)
    reporting = Division.objects.filter(active=True, level__lte=5)
    assert set(everyone) == set(reporting.values_list("pk", flat=True))
    for division in reporting:
        assert everyone[division.pk] == compute(division, world.today), division.name
    # under a city: only its own divisions, the same figures
    changchun = rollup_day(world.today, under=world.tree.changchun)
    assert world.tree.jilin_city.pk not in changchun
    assert changchun[world.tree.changchun.pk] == everyone[world.tree.changchun.pk]
