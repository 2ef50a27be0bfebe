"""The rules of the investigation: its window, the movements it accepts, its sources; every
refusal says why and writes nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.investigation import actions, selectors
from fangkong.investigation.choices import (
    InvestigationStatus,
    MovementTransport,
    PlaceKind,
    SourceKind,
)
from fangkong.investigation.models import Investigation, Movement, Place

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 1, 18)


def _open(s: SimpleNamespace, case=None, actor=None) -> Investigation:
    return actions.open_investigation(
        actor=actor or s.nanguan, case=case or s.case, investigator_name="李调查"
    )


def _market(s: SimpleNamespace, actor=None) -> Place:
    return actions.record_place(
        actor=actor or s.nanguan,
        name="东市场",
        kind=PlaceKind.MARKET,
        address="昌邑区东市场路1号",
        division=s.tree.changyi,
        lon="126.55",
        lat="43.84",
    )


def _move(s, investigation, **kw) -> Movement:
    values: dict[str, Any] = {
        "day": DAY,
        "start_time": dt.time(8, 0),
        "end_time": dt.time(9, 30),
        "place": kw.pop("place", None) or _market(s),
    }
    values.update(kw)
    return actions.add_movement(actor=s.nanguan, investigation=investigation, **values)


def test_opening_sets_the_window_from_14_days_before_onset_to_isolation(inv):
    # when the health commission opens the investigation
    investigation = _open(inv)
    # then movements are recorded from 14 days before onset until the day of isolation
    assert investigation.window_start == dt.date(2020, 1, 6)
    assert investigation.window_end == dt.date(2020, 1, 22)
    assert investigation.status == InvestigationStatus.OPEN
    assert AuditEvent.objects.filter(action="investigation.open").count() == 1


def test_a_case_has_one_investigation(inv):
    _open(inv)
    with pytest.raises(ActionError) as exc:
        _open(inv)
    assert exc.value.code == "already_open"
    assert Investigation.objects.count() == 1


def test_a_case_of_another_county_cannot_be_investigated(inv):
    with pytest.raises(OutOfJurisdiction):
        _open(inv, case=inv.other_case)
    assert not Investigation.objects.exists()


def test_a_place_is_found_again_by_division_and_name(inv):
    # given a market recorded by the 南关区 investigator
    first = _market(inv)
    # when the 昌邑区 investigator records the same market
    again = _market(inv, actor=inv.changyi)
    # then it is the same place, recorded once
    assert again.pk == first.pk
    assert Place.objects.count() == 1
    assert AuditEvent.objects.filter(action="investigation.place").count() == 1


def test_a_movement_inside_the_window_is_recorded(inv):
    investigation = _open(inv)
    movement = _move(
        inv,
        investigation,
        transport=MovementTransport.TRAIN,
        transport_number="k7382",
        seat="3车厢",
        people_met="同车厢乘客",
    )
    assert movement.transport_number == "K7382"
    assert movement.division_path == inv.case.division_path
    assert AuditEvent.objects.filter(action="investigation.movement").count() == 1


@pytest.mark.parametrize(
    ("values", "code", "words"),
    [
        ({"day": dt.date(2020, 1, 2)}, "outside_window", "2020-01-06 至 2020-01-22"),
        ({"day": dt.date(2020, 1, 23)}, "after_isolation", "2020-01-22 10:00"),
        (
            {"day": dt.date(2020, 1, 22), "start_time": dt.time(11, 0), "end_time": None},
            "after_isolation",
            "隔离",
        ),
        ({"start_time": dt.time(10, 0), "end_time": dt.time(9, 0)}, "end_before_start", "结束时间"),
        (
            {"transport": MovementTransport.FLIGHT, "transport_number": ""},
            "number_required",
            "航班号",
        ),
        (
            {"transport": MovementTransport.TRAIN, "transport_number": " "},
            "number_required",
            "车次",
        ),
        ({"people_met": "家人\u200b"}, "bad_character", ""),
    ],
)
def test_bad_movements_are_refused_with_the_reason(inv, values, code, words):
    # given an investigation and a place
    investigation = _open(inv)
    place = _market(inv)
    before = AuditEvent.objects.count()
    # when a bad movement is recorded
    with pytest.raises(ActionError) as exc:
        _move(inv, investigation, place=place, **values)
    # then it is refused, saying why, and nothing is written
    assert exc.value.code == code
    assert words in exc.value.message  # in the language of the UI (Chinese)
    assert not Movement.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_movement_can_be_changed_and_removed(inv):
    investigation = _open(inv)
    movement = _move(inv, investigation)
    actions.update_movement(
        actor=inv.nanguan,
        movement=movement,
        day=DAY,
        start_time=dt.time(8, 0),
        end_time=dt.time(10, 0),
        place=movement.place,
        protection="surgical",
    )
    movement.refresh_from_db()
    assert movement.end_time == dt.time(10, 0)
    actions.remove_movement(actor=inv.nanguan, movement=movement)
    assert not Movement.objects.exists()
    assert AuditEvent.objects.filter(action="investigation.movement_remove").exists()


def test_a_case_cannot_be_its_own_source(inv):
    investigation = _open(inv)
    with pytest.raises(ActionError) as exc:
        actions.add_source(
            actor=inv.nanguan,
            investigation=investigation,
            kind=SourceKind.CASE,
            source_case=inv.case,
        )
    assert exc.value.code == "self_source"
    assert not investigation.sources.exists()


def test_a_source_case_must_be_visible(inv):
    investigation = _open(inv)
    with pytest.raises(ActionError) as exc:
        actions.add_source(
            actor=inv.nanguan,
            investigation=investigation,
            kind=SourceKind.CASE,
            source_case=inv.other_case,
        )
    assert exc.value.code == "unknown_case"


def test_sources_of_each_kind(inv):
    investigation = _open(inv)
    place = _market(inv)
    actions.add_source(
        actor=inv.nanguan, investigation=investigation, kind=SourceKind.PLACE, place=place
    )
    actions.add_source(
        actor=inv.nanguan,
        investigation=investigation,
        kind=SourceKind.KEY_AREA,
        area="湖北省武汉市",
    )
    with pytest.raises(ActionError) as exc:
        actions.add_source(actor=inv.nanguan, investigation=investigation, kind=SourceKind.KEY_AREA)
    assert exc.value.code == "area_required"
    assert investigation.sources.count() == 2


def test_a_completed_investigation_takes_no_more_movements(inv):
    investigation = _open(inv)
    with pytest.raises(ActionError):
        actions.complete_investigation(
            actor=inv.nanguan, investigation=investigation, conclusion=" "
        )
    actions.complete_investigation(
        actor=inv.nanguan, investigation=investigation, conclusion="东市场暴露，聚集性疫情。"
    )
    with pytest.raises(ActionError) as exc:
        _move(inv, investigation)
    assert exc.value.code == "investigation_complete"


def test_two_counties_cases_at_the_same_market_on_the_same_day_are_linked(
    inv, django_assert_num_queries
):
    # given a case of 南关区 and a case of 昌邑区 at the same market on the same day
    ours = _open(inv)
    theirs = _open(inv, case=inv.other_case, actor=inv.changyi)
    market = _market(inv)
    _move(inv, ours, place=market)
    actions.add_movement(
        actor=inv.changyi,
        investigation=theirs,
        day=DAY,
        place=market,
        start_time=dt.time(9, 0),
        end_time=dt.time(10, 0),
    )
    actions.add_movement(  # the same market on another day links nothing more
        actor=inv.changyi, investigation=theirs, day=DAY + dt.timedelta(days=1), place=market
    )
    # then the province sees the link; each county sees only what it may see
    links = selectors.linked_cases(inv.province, ours)
    assert [(link.case.pk, link.day) for link in links] == [(inv.other_case.pk, DAY)]
    assert selectors.linked_cases(inv.nanguan, ours) == []
    # and the outbreaks app gets the pair in one query
    with django_assert_num_queries(1):
        pairs = selectors.shared_place_pairs()
    a, b = sorted([inv.case.pk, inv.other_case.pk])
    assert pairs == [(a, b, market.pk, DAY)]
    assert selectors.shared_place_pairs([inv.case.pk]) == pairs
    assert selectors.shared_place_pairs(since=DAY + dt.timedelta(days=1)) == []


def test_places_are_visible_province_wide(inv):
    _market(inv)
    assert [p.name for p in selectors.search_places(inv.nanguan, "市场")] == ["东市场"]
    assert [p.name for p in selectors.search_places(inv.changyi, "东")] == ["东市场"]
