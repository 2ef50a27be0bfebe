"""The actions: the rotation rule refuses a roster as a whole, who is due for rotation, an
exposure starts an observation, family care becomes a care request in the family's grid."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.care.choices import CareKind
from fangkong.care.models import CareRequest
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.medical_staff import actions, selectors
from fangkong.medical_staff.actions import PlannedShift, Rule, breaks
from fangkong.medical_staff.choices import FamilyCareKind, ShiftKind
from fangkong.medical_staff.models import Exposure, FamilyCare, Shift
from fangkong.medical_staff.tests.factories import make_person
from fangkong.observation.choices import Kind
from fangkong.observation.models import Observation

D = dt.date(2020, 3, 2)


def _days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


def test_the_rule_allows_a_full_run_then_rest() -> None:
    run = _days(D, 14)
    after = _days(D + dt.timedelta(days=28), 3)
    assert breaks(run + after, run + after, Rule()) == []


def test_the_rule_finds_a_run_too_long_and_a_shift_during_the_rest() -> None:
    too_long = breaks(_days(D, 15), _days(D, 15), Rule())
    assert [(b.code, b.days) for b in too_long] == [("too_many_days", 15)]
    run = _days(D, 14)
    during_rest = D + dt.timedelta(days=20)
    found = breaks(run, [*run, during_rest], Rule())
    assert [(b.code, b.day) for b in found] == [("no_rest", during_rest)]


def test_a_roster_within_the_rule_is_saved_and_audited(ms: SimpleNamespace) -> None:
    planned = [PlannedShift(ms.nurse, d, ShiftKind.DAY, ms.ward) for d in _days(D, 7)]
    saved = actions.save_roster(
        actor=ms.clinic, facility=ms.hospital, start=D, end=D + dt.timedelta(days=6), shifts=planned
    )
    assert len(saved) == 7
    assert AuditEvent.objects.filter(action="medical_staff.roster_save").count() == 1


def test_a_roster_breaking_the_rest_rule_is_refused_whole_and_writes_nothing(
    ms: SimpleNamespace,
) -> None:
    # given the nurse did 14 days in the isolation ward, saved in two rosters
    first = [PlannedShift(ms.nurse, d, ShiftKind.DAY, ms.ward) for d in _days(D, 14)]
    actions.save_roster(
        actor=ms.clinic, facility=ms.hospital, start=D, end=D + dt.timedelta(days=13), shifts=first
    )
    before = (Shift.objects.count(), AuditEvent.objects.count())
    # when the next week plans the doctor (fine) and the nurse again, without the rest
    start = D + dt.timedelta(days=14)
    week = [
        *(PlannedShift(ms.doctor, d, ShiftKind.NIGHT, ms.ward) for d in _days(start, 7)),
        PlannedShift(ms.nurse, start + dt.timedelta(days=2), ShiftKind.DAY, None),
    ]
    with pytest.raises(ActionError) as refused:
        actions.save_roster(
            actor=ms.clinic,
            facility=ms.hospital,
            start=start,
            end=start + dt.timedelta(days=6),
            shifts=week,
        )
    # then nothing is written, and the message names her and the dates
    assert refused.value.status == 409
    assert "林晓雯" in refused.value.message
    assert "2020-03-18" in refused.value.message and "2020-03-15" in refused.value.message
    assert (Shift.objects.count(), AuditEvent.objects.count()) == before


def test_a_roster_with_a_ward_of_another_facility_is_refused(ms: SimpleNamespace) -> None:
    with pytest.raises(ActionError) as refused:
        actions.save_roster(
            actor=ms.clinic,
            facility=ms.hospital,
            start=D,
            end=D,
            shifts=[PlannedShift(ms.nurse, D, ShiftKind.DAY, ms.other_ward)],
        )
    assert refused.value.code == "ward_other_facility"
    assert not Shift.objects.exists()


def test_a_roster_of_another_jurisdiction_is_refused(ms: SimpleNamespace) -> None:
    with pytest.raises(OutOfJurisdiction):
        actions.save_roster(actor=ms.sibling, facility=ms.hospital, start=D, end=D, shifts=[])


def test_the_province_rule_applies(ms: SimpleNamespace) -> None:
    actions.set_rotation_rule(actor=None, province=ms.tree.province, max_days=7, rest_days=7)
    with pytest.raises(ActionError, match="7"):
        actions.save_roster(
            actor=ms.clinic,
            facility=ms.hospital,
            start=D,
            end=D + dt.timedelta(days=7),
            shifts=[PlannedShift(ms.nurse, d, ShiftKind.DAY, ms.ward) for d in _days(D, 8)],
        )


def test_due_for_rotation_lists_whose_run_reaches_the_maximum_this_week(
    ms: SimpleNamespace,
) -> None:
    # given the nurse in the ward for the last 10 days (day 10 of 14 today), and the doctor
    # in the ward for the last 2 days
    today = timezone.localdate()
    start = today - dt.timedelta(days=9)
    shifts = [PlannedShift(ms.nurse, d, ShiftKind.DAY, ms.ward) for d in _days(start, 10)]
    shifts += [
        PlannedShift(ms.doctor, d, ShiftKind.DAY, ms.ward)
        for d in _days(today - dt.timedelta(days=1), 2)
    ]
    actions.save_roster(actor=None, facility=ms.hospital, start=start, end=today, shifts=shifts)
    # when the county asks who is due
    due = selectors.due_for_rotation(ms.county, today)
    # then only the nurse, last day in 4 days
    assert [d.staff.name for d in due] == ["林晓雯"]
    assert due[0].day_of_run == 10 and due[0].last_day == today + dt.timedelta(days=4)
    assert selectors.due_for_rotation(ms.sibling, today) == []


def test_an_exposure_starts_a_centralized_observation_in_the_persons_grid(
    ms: SimpleNamespace,
) -> None:
    today = timezone.localdate()
    exposure = actions.record_exposure(
        actor=ms.clinic,
        staff=ms.nurse,
        occurred_on=today - dt.timedelta(days=1),
        kind="ppe_breach",
        description="脱防护服时手套破损",
        ward=ms.ward,
    )
    observation = Observation.objects.get(person=ms.nurse_person)
    assert exposure.observation == observation
    assert observation.kind == Kind.CENTRALIZED and observation.grid == ms.tree.grid1
    assert AuditEvent.objects.filter(action="medical_staff.exposure").exists()


def test_an_exposure_of_staff_without_a_person_record_is_refused(ms: SimpleNamespace) -> None:
    with pytest.raises(ActionError) as refused:
        actions.record_exposure(
            actor=ms.clinic,
            staff=ms.doctor,
            occurred_on=timezone.localdate(),
            kind="splash",
            description="喷溅",
        )
    assert refused.value.code == "no_person" and "周正阳" in refused.value.message
    assert not Exposure.objects.exists() and not Observation.objects.exists()


def test_family_care_becomes_a_care_request_in_the_family_grid(ms: SimpleNamespace) -> None:
    # given the nurse's child registered in 第二网格 (with the grandparents)
    child = make_person(ms.tree.grid2, "林小雨", 12)
    # when the hospital asks for childcare there
    family = actions.request_family_care(
        actor=ms.clinic,
        staff=ms.nurse,
        grid=ms.tree.grid2,
        kind=FamilyCareKind.CHILDCARE,
        description="孩子上网课，需每日看护",
        family_doc_number=child.doc_number,
    )
    # then a care request of the nearest kind is open in that grid, for the child
    care = CareRequest.objects.get(pk=family.care_id)
    assert care.grid == ms.tree.grid2 and care.person == child
    assert care.kind == CareKind.CHILDREN_ALONE and care.status == "open"
    assert FamilyCare.objects.visible_to(ms.clinic).count() == 1
    assert CareRequest.objects.visible_to(ms.grid_worker).filter(pk=care.pk).count() == 0


def test_family_care_in_the_staff_members_own_grid_uses_their_household(
    ms: SimpleNamespace,
) -> None:
    family = actions.request_family_care(
        actor=ms.clinic,
        staff=ms.nurse,
        grid=ms.tree.grid1,
        kind=FamilyCareKind.ELDERLY,
        description="父母年迈，需代购药品",
    )
    assert family.care.household_id == ms.nurse_person.household_id
    assert family.care.kind == CareKind.ELDERLY_ALONE


def test_family_care_without_a_family_member_in_the_grid_is_refused(ms: SimpleNamespace) -> None:
    with pytest.raises(ActionError) as refused:
        actions.request_family_care(
            actor=ms.clinic,
            staff=ms.doctor,
            grid=ms.tree.grid2,
            kind=FamilyCareKind.TRANSPORT,
            description="接送",
        )
    assert refused.value.code == "family_member_required"
    assert not CareRequest.objects.exists()
