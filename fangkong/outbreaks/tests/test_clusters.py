"""Cluster detection (聚集性疫情): two or more linked cases within 14 days in one small unit."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.cases.choices import Category
from fangkong.cases.tests.factories import make_person
from fangkong.outbreaks.actions import detect_clusters
from fangkong.outbreaks.choices import UnitKind
from fangkong.outbreaks.models import Cluster
from fangkong.outbreaks.tests.fixtures import case_on, household, movement, place
from fangkong.regions import actions as region_actions


def _members(cluster: Cluster) -> set[int]:
    return set(cluster.memberships.values_list("case_id", flat=True))


def test_a_household_with_two_cases_in_14_days_is_a_cluster(tree: SimpleNamespace) -> None:
    # given two people of one household, cases 1 and 10 days ago
    a, b = make_person(tree.grid1), make_person(tree.grid1)
    home = household(tree.grid1, a, b)
    first = case_on(tree.grid1, days=10, person=a)
    second = case_on(tree.grid1, days=1, person=b)

    # when the clusters of today are detected
    result = detect_clusters()

    # then one household cluster, flagged to 南关区 with the reason, audited as the system
    assert len(result.created) == 1
    cluster = Cluster.objects.get()
    assert cluster.unit_kind == UnitKind.HOUSEHOLD
    assert cluster.county == tree.nanguan
    assert cluster.division_path == tree.grid1.path
    assert cluster.case_count == 2
    assert _members(cluster) == {first.pk, second.pk}
    # the reason names the unit and the count, never the cases (another county may read it)
    assert first.number not in cluster.reason and "2" in cluster.reason
    assert home.address in cluster.reason
    event = AuditEvent.objects.get(action="outbreaks.cluster_flag")
    assert event.actor is None
    assert event.division_path == tree.grid1.path


def test_detection_is_idempotent_and_adds_new_cases_to_the_cluster(tree: SimpleNamespace) -> None:
    # given a household cluster already flagged
    a, b, c = (make_person(tree.grid1) for _i in range(3))
    household(tree.grid1, a, b, c)
    case_on(tree.grid1, days=5, person=a)
    case_on(tree.grid1, days=4, person=b)
    detect_clusters()

    # when detection runs again: nothing changes
    again = detect_clusters()
    assert again.changed == 0
    assert AuditEvent.objects.filter(action__startswith="outbreaks.cluster").count() == 1

    # when a third member becomes a case and detection runs
    third = case_on(tree.grid1, days=0, person=c)
    extended = detect_clusters()

    # then the same cluster holds three cases
    assert len(extended.extended) == 1 and not extended.created
    cluster = Cluster.objects.get()
    assert cluster.case_count == 3
    assert third.pk in _members(cluster)
    assert cluster.last_date == timezone.localdate()
    assert AuditEvent.objects.filter(action="outbreaks.cluster_extend").count() == 1


def test_cases_15_days_apart_are_no_cluster(tree: SimpleNamespace) -> None:
    a, b = make_person(tree.grid1), make_person(tree.grid1)
    household(tree.grid1, a, b)
    case_on(tree.grid1, days=15, person=a)
    case_on(tree.grid1, days=0, person=b)
    assert detect_clusters().changed == 0
    assert not Cluster.objects.exists()


def test_suspected_and_excluded_cases_do_not_count(tree: SimpleNamespace) -> None:
    a, b, c = (make_person(tree.grid1) for _i in range(3))
    household(tree.grid1, a, b, c)
    case_on(tree.grid1, days=1, person=a)
    case_on(tree.grid1, days=1, person=b, category=Category.SUSPECTED)
    case_on(tree.grid1, days=1, person=c, category=Category.EXCLUDED)
    assert detect_clusters().changed == 0


def test_two_households_of_one_village_are_a_village_cluster(tree: SimpleNamespace) -> None:
    # given cases in two grids of 华阳社区, no household in common
    first = case_on(tree.grid1, days=3)
    second = case_on(tree.grid2, days=2, category=Category.ASYMPTOMATIC)
    case_on(tree.other_grid, days=2)  # another county

    # when detected
    detect_clusters()

    # then one village cluster of the two
    cluster = Cluster.objects.get()
    assert cluster.unit_kind == UnitKind.VILLAGE
    assert cluster.division_path == tree.huayang.path
    assert _members(cluster) == {first.pk, second.pk}
    assert "华阳社区" in cluster.reason


def test_a_household_cluster_is_not_flagged_again_as_its_village(tree: SimpleNamespace) -> None:
    a, b = make_person(tree.grid1), make_person(tree.grid1)
    household(tree.grid1, a, b)
    case_on(tree.grid1, days=2, person=a)
    case_on(tree.grid1, days=1, person=b)
    detect_clusters()
    assert list(Cluster.objects.values_list("unit_kind", flat=True)) == [UnitKind.HOUSEHOLD]


def test_same_workplace_in_one_county_is_a_workplace_cluster(tree: SimpleNamespace) -> None:
    # given cases in two villages of 南关区 working at the same plant, and one in 昌邑区
    first = case_on(tree.grid1, days=6, workplace="一汽解放总装车间")
    hengan = region_actions.create_grid(actor=None, village=tree.hengan, name="恒安一网格")
    second = case_on(hengan, days=1, workplace=" 一汽解放总装车间 ")
    case_on(tree.other_grid, days=1, workplace="一汽解放总装车间")

    # when detected
    detect_clusters()

    # then one workplace cluster in 南关区, of the two
    cluster = Cluster.objects.get()
    assert cluster.unit_kind == UnitKind.WORKPLACE
    assert cluster.county == tree.nanguan
    assert _members(cluster) == {first.pk, second.pk}
    assert "一汽解放总装车间" in cluster.reason


def test_movements_at_one_place_within_14_days_are_a_place_cluster(tree: SimpleNamespace) -> None:
    # given a case of 南关区 and one of 昌邑区 at the same market 3 days apart
    market = place(tree.hengan, "桂林路菜市场")
    first = case_on(tree.grid1, days=2)
    second = case_on(tree.other_grid, days=1)
    today = timezone.localdate()
    movement(first, market, today - dt.timedelta(days=6))
    movement(second, market, today - dt.timedelta(days=3))

    # when detected
    detect_clusters()

    # then a place cluster flagged to the county of the market
    cluster = Cluster.objects.get()
    assert cluster.unit_kind == UnitKind.PLACE
    assert cluster.county == tree.nanguan
    assert cluster.division_path == tree.hengan.path
    assert _members(cluster) == {first.pk, second.pk}
    assert "桂林路菜市场" in cluster.reason


def test_movements_at_one_place_15_days_apart_are_no_cluster(tree: SimpleNamespace) -> None:
    market = place(tree.hengan, "桂林路菜市场")
    first = case_on(tree.grid1, days=16)
    second = case_on(tree.other_grid, days=1)
    today = timezone.localdate()
    movement(first, market, today - dt.timedelta(days=17))
    movement(second, market, today - dt.timedelta(days=2))
    assert detect_clusters().changed == 0
