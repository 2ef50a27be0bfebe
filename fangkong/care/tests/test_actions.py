"""Care requests through their actions: the lifecycle, its rules, its audit rows, and every
kind of bad input refused with a clear message and nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.care import actions
from fangkong.care.choices import CareKind, CareStatus, Urgency
from fangkong.care.models import CareRequest
from fangkong.care.tests.factories import add_person
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.regions import actions as region_actions

Make = Callable[..., CareRequest]


def _audit(care: CareRequest) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="care.carerequest", object_id=str(care.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def _refused(code: str, call: Callable[[], object]) -> ActionError:
    before = (CareRequest.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ActionError) as info:
        call()
    assert info.value.code == code, info.value.message
    assert info.value.message
    assert (CareRequest.objects.count(), AuditEvent.objects.count()) == before
    return info.value


# --- recording ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (CareKind.MEDICINE, 1),
        (CareKind.FOOD, 2),
        (CareKind.ELDERLY_ALONE, 3),
        (CareKind.CHILDREN_ALONE, 3),
        (CareKind.OTHER, 3),
    ],
)
def test_a_grid_worker_records_a_request_due_by_the_default_for_its_kind(
    care: SimpleNamespace, kind: str, days: int
) -> None:
    # given the grid worker of 第一网格
    today = timezone.localdate()

    # when they record a request for 李桂英 without a due date
    request = actions.create_care_request(
        actor=care.worker,
        grid=care.grid1,
        person=care.grandma,
        kind=kind,
        description="  需要帮助  ",
    )

    # then it is open, due by the default for its kind, in the grid, for her household
    request.refresh_from_db()
    assert request.status == CareStatus.OPEN
    assert request.requested_on == today
    assert request.due_on == today + dt.timedelta(days=days)
    assert request.division_path == care.grid1.path
    assert request.household == care.grandma.household
    assert request.description == "需要帮助"
    assert request.urgency == Urgency.NORMAL
    assert request.created_by == care.worker
    # and the recording is audited, in the grid, without the description's text
    event = AuditEvent.objects.get(action="care.create", object_id=str(request.pk))
    assert event.actor == care.worker
    assert event.division_path == care.grid1.path
    assert event.changes["kind"] == [None, kind]
    assert "description" not in event.changes


def test_a_request_for_a_household_alone_needs_no_person(care: SimpleNamespace) -> None:
    household = care.grandma.household
    request = actions.create_care_request(
        actor=care.secretary,
        grid=care.grid1,
        household=household,
        kind=CareKind.CHILDREN_ALONE,
        description="父母均在集中隔离，孩子独自在家。",
        urgency=Urgency.CRITICAL,
    )
    assert request.person is None
    assert request.household == household


def test_a_request_written_down_late_is_due_from_today_not_born_overdue(
    care: SimpleNamespace,
) -> None:
    today = timezone.localdate()
    request = actions.create_care_request(
        actor=care.worker,
        grid=care.grid1,
        person=care.grandma,
        kind=CareKind.MEDICINE,
        description="降压药吃完了",
        requested_on=today - dt.timedelta(days=4),
    )
    assert request.requested_on == today - dt.timedelta(days=4)
    assert request.due_on == today
    assert not request.is_overdue


def test_an_explicit_due_date_is_kept(care: SimpleNamespace) -> None:
    due = timezone.localdate() + dt.timedelta(days=10)
    request = actions.create_care_request(
        actor=care.worker,
        grid=care.grid1,
        person=care.grandma,
        kind=CareKind.OTHER,
        description="暖气维修",
        due_on=due,
    )
    assert request.due_on == due


# --- the lifecycle -----------------------------------------------------------------------------


def test_assigned_then_done_each_step_audited(care: SimpleNamespace, new_request: Make) -> None:
    # given an open request in 第一网格
    request = new_request(actor=care.worker)

    # when the grid worker assigns it to the party member of the grid, who then does it
    actions.assign_care_request(actor=care.worker, care=request, staff=care.member1)
    actions.complete_care_request(actor=care.worker, care=request, note="  已送米面油到家  ")

    # then it is done, with the note, who closed it and when
    request.refresh_from_db()
    assert request.status == CareStatus.DONE
    assert request.assignee == care.member1
    assert request.assigned_at is not None
    assert request.closed_at is not None
    assert request.closed_by == care.worker
    assert request.close_note == "已送米面油到家"
    assert _audit(request) == ["care.create", "care.assign", "care.done"]
    done = AuditEvent.objects.get(action="care.done", object_id=str(request.pk))
    assert done.changes == {"status": ["assigned", "done"]}
    assert done.reason == "已送米面油到家"


def test_the_village_reassigns_and_the_handover_is_audited(
    care: SimpleNamespace, new_request: Make
) -> None:
    request = new_request()
    actions.assign_care_request(actor=care.worker, care=request, staff=care.member1)
    actions.assign_care_request(actor=care.secretary, care=request, staff=care.member2)
    request.refresh_from_db()
    assert request.assignee == care.member2
    event = AuditEvent.objects.filter(action="care.assign").latest("pk")
    assert event.changes == {"assignee": ["张志强", "刘海燕"]}
    assert event.actor == care.secretary


def test_open_or_assigned_requests_can_be_cancelled_with_a_reason(
    care: SimpleNamespace, new_request: Make
) -> None:
    open_one, assigned = new_request(), new_request()
    actions.assign_care_request(actor=None, care=assigned, staff=care.member1)
    for request in (open_one, assigned):
        actions.cancel_care_request(actor=care.secretary, care=request, reason="家属已送到")
        request.refresh_from_db()
        assert request.status == CareStatus.CANCELLED
        assert request.close_note == "家属已送到"
        assert _audit(request)[-1] == "care.cancel"


def test_overdue_is_pending_past_the_due_date(care: SimpleNamespace, new_request: Make) -> None:
    # given requests taken down five days ago (food: due three days ago), one due today
    today = timezone.localdate()
    five_days_ago = today - dt.timedelta(days=5)
    late_open = new_request(today=five_days_ago)
    late_assigned = new_request(today=five_days_ago)
    actions.assign_care_request(actor=None, care=late_assigned, staff=care.member1)
    late_done = new_request(today=five_days_ago)
    actions.assign_care_request(actor=None, care=late_done, staff=care.member1)
    actions.complete_care_request(actor=None, care=late_done, note="已办")
    due_today = new_request(kind=CareKind.MEDICINE, requested_on=today - dt.timedelta(days=1))

    # then the two pending ones are overdue by three days; the done one and today's are not
    assert set(CareRequest.objects.overdue(today)) == {late_open, late_assigned}
    late_open.refresh_from_db()
    assert late_open.days_overdue(today) == 3
    assert late_open.is_overdue
    assert due_today.due_on == today
    assert not due_today.is_overdue
    late_done.refresh_from_db()
    assert late_done.days_overdue(today) == 0


# --- bad input ---------------------------------------------------------------------------------


def test_done_before_anyone_is_assigned_is_refused(
    care: SimpleNamespace, new_request: Make
) -> None:
    request = new_request()
    error = _refused(
        "not_assigned",
        lambda: actions.complete_care_request(actor=care.worker, care=request, note="已办"),
    )
    assert "party member" in error.message or "党员" in error.message


def test_closing_twice_is_refused(care: SimpleNamespace, new_request: Make) -> None:
    # given a request that is done and one that is cancelled
    done = new_request()
    actions.assign_care_request(actor=None, care=done, staff=care.member1)
    actions.complete_care_request(actor=None, care=done, note="已送到")
    cancelled = new_request()
    actions.cancel_care_request(actor=None, care=cancelled, reason="重复登记")

    # then nothing more can happen to either, and nothing is written
    for request in (done, cancelled):
        worker = care.worker
        _refused(
            "already_closed",
            partial(actions.complete_care_request, actor=worker, care=request, note="x"),
        )
        _refused(
            "already_closed",
            partial(actions.cancel_care_request, actor=worker, care=request, reason="x"),
        )
        _refused(
            "already_closed",
            partial(actions.assign_care_request, actor=worker, care=request, staff=care.member2),
        )
    done.refresh_from_db()
    assert done.close_note == "已送到"


def test_only_an_active_party_member_of_the_grids_village_can_be_assigned(
    care: SimpleNamespace, new_request: Make
) -> None:
    request = new_request()
    _refused(
        "staff_other_village",
        lambda: actions.assign_care_request(
            actor=care.township, care=request, staff=care.hengan_member
        ),
    )
    _refused(
        "staff_not_party_member",
        lambda: actions.assign_care_request(
            actor=care.secretary, care=request, staff=care.worker_staff
        ),
    )
    region_actions.update_staff(
        actor=None,
        staff=care.member2,
        name=care.member2.name,
        phone=care.member2.phone,
        kind=care.member2.kind,
        active=False,
    )
    _refused(
        "staff_inactive",
        lambda: actions.assign_care_request(actor=care.secretary, care=request, staff=care.member2),
    )
    actions.assign_care_request(actor=care.secretary, care=request, staff=care.member1)
    _refused(
        "already_assigned",
        lambda: actions.assign_care_request(actor=care.secretary, care=request, staff=care.member1),
    )


def test_dates_are_checked(care: SimpleNamespace, new_request: Make) -> None:
    today = timezone.localdate()
    error = _refused("due_in_past", lambda: new_request(due_on=today - dt.timedelta(days=1)))
    assert error.field == "due_on"
    _refused("requested_in_future", lambda: new_request(requested_on=today + dt.timedelta(days=1)))
    _refused("requested_too_old", lambda: new_request(requested_on=today - dt.timedelta(days=31)))


def test_text_is_required_and_bounded(care: SimpleNamespace, new_request: Make) -> None:
    _refused("description_required", lambda: new_request(description="   "))
    error = _refused("description_too_long", lambda: new_request(description="米" * 1001))
    assert "1000" in error.message
    assert new_request(description="米" * 1000).description == "米" * 1000
    request = new_request()
    actions.assign_care_request(actor=None, care=request, staff=care.member1)
    _refused(
        "note_too_long",
        lambda: actions.complete_care_request(actor=None, care=request, note="好" * 501),
    )
    _refused(
        "note_required", lambda: actions.complete_care_request(actor=None, care=request, note="")
    )
    _refused(
        "reason_required", lambda: actions.cancel_care_request(actor=None, care=request, reason=" ")
    )


def test_choices_are_checked(care: SimpleNamespace, new_request: Make) -> None:
    _refused("bad_kind", lambda: new_request(kind="money"))
    _refused("bad_urgency", lambda: new_request(urgency="yesterday"))


def test_the_person_and_household_must_live_in_the_grid(
    care: SimpleNamespace, new_request: Make
) -> None:
    _refused("subject_required", lambda: new_request(person=None))
    _refused("person_other_grid", lambda: new_request(person=care.neighbour))
    _refused(
        "household_other_grid",
        lambda: new_request(person=None, household=care.neighbour.household),
    )
    other_household = add_person(care.grid1, "钱秀兰", "华阳街2号").household
    _refused(
        "person_other_household",
        lambda: new_request(person=care.grandma, household=other_household),
    )


def test_only_an_active_grid_takes_requests(
    care: SimpleNamespace, tree: SimpleNamespace, new_request: Make
) -> None:
    _refused("not_a_grid", lambda: new_request(grid=tree.huayang))
    region_actions.retire_grid(actor=None, grid=care.grid2, reason="合并")
    care.grid2.refresh_from_db()
    _refused("grid_retired", lambda: new_request(grid=care.grid2, person=care.neighbour))


def test_another_jurisdiction_can_neither_record_nor_change(
    care: SimpleNamespace, new_request: Make
) -> None:
    # given a request in 华阳社区 and the secretary of 东市场社区 (吉林市)
    request = new_request()
    before = AuditEvent.objects.count()

    # then every write by the sibling is refused as out of jurisdiction, and nothing is written
    with pytest.raises(OutOfJurisdiction):
        new_request(actor=care.sibling)
    with pytest.raises(OutOfJurisdiction):
        actions.assign_care_request(actor=care.sibling, care=request, staff=care.member1)
    with pytest.raises(OutOfJurisdiction):
        actions.cancel_care_request(actor=care.sibling, care=request, reason="x")
    # and the grid worker of 第一网格 cannot record in 第二网格
    with pytest.raises(OutOfJurisdiction):
        new_request(actor=care.worker, grid=care.grid2, person=care.neighbour)
    assert AuditEvent.objects.count() == before
    request.refresh_from_db()
    assert request.status == CareStatus.OPEN
