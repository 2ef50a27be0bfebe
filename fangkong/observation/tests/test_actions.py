"""Medical observation actions: start, daily check-ins (single and batch), the flags, ending.

The ``tree`` fixture (conftest.py): 华阳社区 with grids grid1 and grid2 in 长春市, and the sibling
subtree 吉林市 › … › 东市场社区 with other_grid.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Max
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.observation import actions, selectors
from fangkong.observation.actions import BatchItem
from fangkong.observation.choices import Kind, Source, Status
from fangkong.observation.models import CheckIn, Observation
from fangkong.people.choices import PersonStatus
from fangkong.screening.tests.factories import check_in, days_ago, observe, person, today


def audit_actions(mark: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(id__gt=mark).order_by("id").values_list("action", flat=True)
    )


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


@pytest.fixture
def worker(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.grid1, roles=[Role.GRID_WORKER], username="wangge")


@pytest.fixture
def secretary(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    return make_user(tree.huayang, roles=[Role.VILLAGE_SECRETARY], username="huayang")


# --- starting ----------------------------------------------------------------------------------


def test_start_runs_14_days_from_the_last_exposure(tree: SimpleNamespace, worker: User) -> None:
    who = person(tree.grid1)
    observation, created = actions.start_observation(
        actor=worker, person=who, grid=tree.grid1, last_exposure=days_ago(4), reason="自武汉返回"
    )
    assert created
    assert (observation.start_date, observation.end_date) == (
        today(),
        days_ago(4) + dt.timedelta(14),
    )
    assert len(observation.days()) == 10
    assert observation.kind == Kind.HOME and observation.link_nonce
    who.refresh_from_db()
    assert who.status == PersonStatus.HOME_OBSERVATION


def test_a_second_start_returns_the_running_observation(tree: SimpleNamespace) -> None:
    first = observe(tree.grid1)
    again, created = actions.start_observation(
        actor=None,
        person=first.person,
        grid=tree.grid1,
        last_exposure=days_ago(1),
        reason="再次接触",
        kind=Kind.CENTRALIZED,
    )
    assert not created and again == first
    assert Observation.objects.filter(person=first.person).count() == 1


@pytest.mark.parametrize(
    ("exposure", "start", "code"),
    [(20, None, "observation_over"), (1, 3, "exposure_after_start"), (1, -1, "future_date")],
)
def test_a_start_that_makes_no_sense_is_refused(
    tree: SimpleNamespace, exposure: int, start: int | None, code: str
) -> None:
    with pytest.raises(ActionError) as refused:
        actions.start_observation(
            actor=None,
            person=person(tree.grid1),
            grid=tree.grid1,
            last_exposure=days_ago(exposure),
            start_date=days_ago(start) if start is not None else None,
            reason="x",
        )
    assert refused.value.code == code


def test_start_outside_the_jurisdiction_is_refused(tree: SimpleNamespace, worker: User) -> None:
    with pytest.raises(OutOfJurisdiction):
        actions.start_observation(
            actor=worker,
            person=person(tree.other_grid),
            grid=tree.other_grid,
            last_exposure=days_ago(1),
            reason="x",
        )
    assert not Observation.objects.exists()


# --- check-ins ---------------------------------------------------------------------------------


def test_a_check_in_is_stored_once_per_client_uuid(tree: SimpleNamespace, worker: User) -> None:
    observation = observe(tree.grid1)
    key = uuid.uuid4()
    mark = audit_mark()
    stored, created = actions.record_check_in(
        actor=worker, observation=observation, temperature="36.62", client_uuid=key
    )
    assert created and stored.temperature == Decimal("36.6") and stored.day == today()
    assert stored.source == Source.WORKER and stored.created_by == worker
    again, created = actions.record_check_in(
        actor=worker, observation=observation, temperature="39", client_uuid=str(key)
    )
    assert not created and again == stored
    assert CheckIn.objects.count() == 1
    assert audit_actions(mark) == ["observation.check_in"]
    observation.refresh_from_db()
    assert (observation.last_check_in_on, observation.last_temperature) == (
        today(),
        Decimal("36.6"),
    )


def test_a_second_check_in_the_same_day_is_refused(tree: SimpleNamespace, worker: User) -> None:
    observation = observe(tree.grid1)
    check_in(observation)
    with pytest.raises(Conflict) as refused:
        check_in(observation)
    assert refused.value.code == "already_checked_in"
    assert refused.value.status == 409
    assert today().isoformat() in refused.value.message


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"temperature": "34.9"}, "temperature_out_of_range"),
        ({"temperature": "42.1"}, "temperature_out_of_range"),
        ({"temperature": ""}, "bad_temperature"),
        ({"symptoms": ["hiccups"]}, "bad_symptom"),
        # days counted from today when the test runs (not when it is collected: a run that
        # crosses midnight would make "tomorrow" today)
        ({"day": 1}, "future_date"),
        ({"day": -5}, "day_outside_observation"),
        ({"client_uuid": "1234"}, "bad_uuid"),
        ({"client_uuid": None}, "bad_uuid"),
    ],
)
def test_a_bad_check_in_is_refused_and_writes_nothing(
    tree: SimpleNamespace, worker: User, values: dict[str, object], code: str
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=2)  # started two days ago
    data: dict[str, object] = {"temperature": "36.5", "client_uuid": uuid.uuid4(), **values}
    if isinstance(data.get("day"), int):
        data["day"] = timezone.localdate() + dt.timedelta(days=int(data["day"]))  # type: ignore[call-overload]
    before = (CheckIn.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ActionError) as refused:
        actions.record_check_in(actor=worker, observation=observation, **data)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert (CheckIn.objects.count(), AuditEvent.objects.count()) == before


def test_a_client_uuid_of_another_observation_is_refused(tree: SimpleNamespace) -> None:
    first, second = observe(tree.grid1), observe(tree.grid1, name="王芳")
    key = uuid.uuid4()
    actions.record_check_in(actor=None, observation=first, temperature=36.5, client_uuid=key)
    with pytest.raises(Conflict) as refused:
        actions.record_check_in(actor=None, observation=second, temperature=36.5, client_uuid=key)
    assert refused.value.code == "uuid_reused"


def test_check_in_outside_the_jurisdiction_or_after_the_end_is_refused(
    tree: SimpleNamespace, worker: User
) -> None:
    elsewhere = observe(tree.other_grid)
    with pytest.raises(OutOfJurisdiction):
        check_in_as(worker, elsewhere)
    ended = observe(tree.grid1)
    actions.refer_observation(actor=None, observation=ended, note="发热")
    with pytest.raises(ActionError) as refused:
        check_in_as(worker, ended)
    assert refused.value.code == "observation_ended"


def check_in_as(actor: User, observation: Observation, temperature: str = "36.5") -> CheckIn:
    stored, _created = actions.record_check_in(
        actor=actor, observation=observation, temperature=temperature, client_uuid=uuid.uuid4()
    )
    return stored


def test_a_fever_flags_the_observation_until_a_normal_check_in(
    tree: SimpleNamespace, worker: User
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=3)
    check_in(observation, day=days_ago(1), temperature="37.8")
    assert list(selectors.with_fever(worker)) == [observation]
    # a late entry for an earlier day does not hide the newer fever
    check_in(observation, day=days_ago(2), temperature="36.4")
    assert list(selectors.with_fever(worker)) == [observation]
    check_in(observation, day=today(), temperature="36.5")
    assert list(selectors.with_fever(worker)) == []


# --- missed check-ins --------------------------------------------------------------------------


def at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today(), dt.time(hour)))


def test_missed_yesterday_and_today_after_eight_in_the_evening(
    tree: SimpleNamespace, worker: User, secretary: User
) -> None:
    # given three people under observation: one who checked in yesterday, one who did not, and
    # one whose observation started only today
    diligent = observe(tree.grid1, name="勤快", exposure_days_ago=3)
    check_in(diligent, day=days_ago(1))
    forgetful = observe(tree.grid1, name="健忘", exposure_days_ago=3)
    newcomer = observe(tree.grid1, name="新来", exposure_days_ago=1, started_days_ago=0)
    elsewhere = observe(tree.other_grid, name="外地", exposure_days_ago=3)
    # then at noon the one who missed yesterday is flagged, in the worker's and the village's lists
    assert set(selectors.missed_check_ins(worker, now=at(12))) == {forgetful}
    assert set(selectors.missed_check_ins(secretary, now=at(12))) == {forgetful}
    # and after 20:00 whoever has not checked in today is flagged too
    assert set(selectors.missed_check_ins(worker, now=at(21))) == {diligent, forgetful, newcomer}
    check_in(newcomer)
    assert set(selectors.missed_check_ins(worker, now=at(21))) == {diligent, forgetful}
    # a given day can be asked for; another jurisdiction's observation is never listed
    assert set(selectors.missed_check_ins(worker, days_ago(2))) == {diligent, forgetful}
    assert elsewhere not in selectors.missed_check_ins(secretary, days_ago(1))


def test_the_day_an_observation_ends_expects_no_check_in(
    tree: SimpleNamespace, worker: User
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=14, started_days_ago=14)
    assert observation.end_date == today()
    assert observation not in selectors.missed_check_ins(worker, today())
    assert observation in selectors.missed_check_ins(worker, days_ago(1))


# --- batches -----------------------------------------------------------------------------------


def item(index: int, observation: Observation, **over: object) -> BatchItem:
    values: dict[str, object] = {
        "index": index,
        "client_uuid": uuid.uuid4(),
        "observation_id": observation.pk,
        "temperature": Decimal("36.5"),
    }
    values.update(over)
    return BatchItem(**values)  # type: ignore[arg-type]


def test_a_batch_mixing_good_and_bad_records_stores_the_good_ones(
    tree: SimpleNamespace, worker: User
) -> None:
    # given three observations in the worker's grid and one elsewhere
    a, b, c = (observe(tree.grid1, name=n, exposure_days_ago=3) for n in ("甲", "乙", "丙"))
    elsewhere = observe(tree.other_grid, name="丁")
    check_in(c)  # c has checked in today already
    items = [
        item(0, a, temperature=Decimal("38.2")),
        item(1, a, day=days_ago(1)),
        item(2, b, temperature=Decimal("43.0")),
        item(3, c),
        item(4, elsewhere),
        item(5, b, day=today() + dt.timedelta(days=1)),
        item(6, a),  # a second check-in for a today, in the same batch
    ]
    mark = audit_mark()
    # when the batch is sent
    results = actions.record_check_ins(actor=worker, items=items)
    # then each record has its own answer
    assert [r.status for r in results] == [
        "created",
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    codes = [r.errors[0]["code"] if r.errors else "" for r in results]
    assert codes == [
        "",
        "",
        "temperature_out_of_range",
        "already_checked_in",
        "not_found",
        "future_date",
        "already_checked_in",
    ]
    assert results[0].fever and not results[1].fever
    assert all(r.id for r in results[:2])
    assert CheckIn.objects.filter(observation=a).count() == 2
    a.refresh_from_db()
    assert (a.last_check_in_on, a.last_temperature) == (today(), Decimal("38.2"))
    assert audit_actions(mark) == ["observation.check_in_batch"]
    # and sending it again creates nothing, answering duplicate for what was stored
    again = actions.record_check_ins(actor=worker, items=items)
    assert [r.status for r in again[:2]] == ["duplicate", "duplicate"]
    assert [r.id for r in again[:2]] == [r.id for r in results[:2]]
    assert [r.status for r in again[2:]] == ["rejected"] * 5
    assert CheckIn.objects.filter(observation=a).count() == 2
    assert audit_actions(mark) == ["observation.check_in_batch"]


def test_a_uuid_repeated_within_a_batch_is_stored_once(tree: SimpleNamespace) -> None:
    a, b = observe(tree.grid1, name="甲"), observe(tree.grid1, name="乙")
    key = uuid.uuid4()
    results = actions.record_check_ins(
        actor=None,
        items=[
            item(0, a, client_uuid=key),
            item(1, a, client_uuid=key),
            item(2, b, client_uuid=key),
        ],
    )
    assert [r.status for r in results] == ["created", "duplicate", "rejected"]
    assert results[1].id == results[0].id
    assert results[2].errors[0]["code"] == "uuid_reused"


def test_a_batch_of_1001_is_refused_whole(tree: SimpleNamespace) -> None:
    observation = observe(tree.grid1)
    with pytest.raises(ActionError) as refused:
        actions.record_check_ins(actor=None, items=[item(i, observation) for i in range(1001)])
    assert refused.value.code == "batch_too_large"
    assert not CheckIn.objects.exists()


def test_a_batch_of_1000_is_taken(tree: SimpleNamespace) -> None:
    # given 100 people under observation for 12 days: ten days of check-ins each
    observations = [observe(tree.grid1, name=f"批量{i}", exposure_days_ago=12) for i in range(100)]
    pairs = [(o, d) for o in observations for d in range(10)]
    items = [item(n, o, day=days_ago(d)) for n, (o, d) in enumerate(pairs)]
    # when they are sent as one batch, then every one is stored
    results = actions.record_check_ins(actor=None, items=items)
    assert len(results) == 1000
    assert {r.status for r in results} == {"created"}
    assert CheckIn.objects.count() == 1000


# --- ending ------------------------------------------------------------------------------------


def test_release_before_the_end_needs_a_secretary_and_a_reason(
    tree: SimpleNamespace, worker: User, secretary: User
) -> None:
    observation = observe(tree.grid1, exposure_days_ago=3)
    with pytest.raises(ActionError) as refused:
        actions.release_observation(actor=worker, observation=observation, note="好了")
    assert refused.value.code == "early_release_forbidden"
    with pytest.raises(ActionError) as refused:
        actions.release_observation(actor=secretary, observation=observation, note=" ")
    assert refused.value.field == "note"
    mark = audit_mark()
    released = actions.release_observation(
        actor=secretary, observation=observation, note="核酸阴性，经评估提前解除"
    )
    assert (released.status, released.ended_on) == (Status.RELEASED, today())
    released.person.refresh_from_db()
    assert released.person.status == PersonStatus.NORMAL
    assert audit_actions(mark) == ["observation.release"]
    with pytest.raises(ActionError) as refused:
        actions.release_observation(actor=secretary, observation=observation)
    assert refused.value.code == "observation_ended"


def test_a_grid_worker_releases_on_the_end_date(tree: SimpleNamespace, worker: User) -> None:
    observation = observe(tree.grid1, exposure_days_ago=14, started_days_ago=14)
    released = actions.release_observation(actor=worker, observation=observation)
    assert released.status == Status.RELEASED


def test_refer_and_case_end_the_observation_and_set_the_persons_status(
    tree: SimpleNamespace, worker: User
) -> None:
    referred = actions.refer_observation(
        actor=worker, observation=observe(tree.grid1, name="甲"), note="38.5℃，送发热门诊"
    )
    case = actions.end_as_case(actor=None, observation=observe(tree.grid1, name="乙"), note="确诊")
    referred.person.refresh_from_db()
    case.person.refresh_from_db()
    assert (referred.status, referred.person.status) == (Status.REFERRED, PersonStatus.REFERRED)
    assert (case.status, case.person.status) == (Status.CASE, PersonStatus.CASE)
    assert referred.end_note == "38.5℃，送发热门诊"


def test_ending_outside_the_jurisdiction_is_refused(tree: SimpleNamespace, worker: User) -> None:
    elsewhere = observe(tree.other_grid)
    for end in (actions.release_observation, actions.refer_observation, actions.rotate_link):
        with pytest.raises(OutOfJurisdiction):
            end(actor=worker, observation=elsewhere)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.ACTIVE


def test_rotating_the_link_changes_the_nonce_and_is_audited(
    tree: SimpleNamespace, worker: User
) -> None:
    observation = observe(tree.grid1)
    old = observation.link_nonce
    mark = audit_mark()
    rotated = actions.rotate_link(actor=worker, observation=observation)
    assert rotated.link_nonce != old
    assert audit_actions(mark) == ["observation.rotate_link"]
    event = AuditEvent.objects.get(id__gt=mark)
    assert old not in str(event.changes)  # the nonce itself is not written down
