"""The person registry's writes: register, update, move, reveal (fangkong/people/actions.py).

One person per identity; sex and birth date come from a resident ID number; moves keep the
history; writes stay inside the actor's jurisdiction; full numbers and phones never reach the
audit log, and every look at them is audited.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.observation.models import Observation
from fangkong.people import actions
from fangkong.people.choices import DocType, Sex
from fangkong.people.models import Household, Person, PersonMove
from fangkong.people.tests.conftest import (
    LI_ID,
    ZHANG_ID,
    audit_mark,
    audit_since,
    everything,
    new_id,
)
from fangkong.regions import actions as region_actions
from fangkong.screening.tests.factories import observe


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """These tests read the messages' English source text; the pages test the Chinese."""
    with translation.override("en"):
        yield


def register(actor: User | None, grid: Any, **fields: Any) -> tuple[Person, bool]:
    data = {"name": "张伟", "doc_type": DocType.RESIDENT_ID, "doc_number": ZHANG_ID, **fields}
    return actions.register_person(actor=actor, grid=grid, **data)


def refused(call: Callable[[], Any]) -> ActionError:
    """The action refuses with a reason, and writes nothing at all."""
    before = everything()
    with pytest.raises(ActionError) as caught:
        call()
    assert everything() == before
    assert caught.value.message.strip()
    return caught.value


# --- register ----------------------------------------------------------------------------------


def test_a_grid_worker_registers_a_person_and_the_id_number_gives_sex_and_birth_date(
    tree: Any, worker: User
) -> None:
    mark = audit_mark()
    # when the worker registers 张伟 with his ID number, without sex or birth date
    person, created = register(
        worker, tree.grid1, phone="138 1234 5678", address=" 华阳街 8 号  2 单元 301 "
    )
    # then he is in the grid, with what the number says
    assert created
    assert (person.grid, person.division_path) == (tree.grid1, tree.grid1.path)
    assert (person.sex, person.birth_date) == (Sex.MALE, dt.date(1985, 3, 7))
    assert (person.doc_number, person.phone) == (ZHANG_ID, "13812345678")
    assert person.address == "华阳街 8 号 2 单元 301"
    assert person.household is not None and person.household.address == person.address
    # and one audit row says who registered whom, without the number or the phone
    [event] = audit_since(mark)
    assert (event.action, event.actor, event.object_id) == ("person.create", worker, str(person.pk))
    assert event.division_path == tree.grid1.path
    assert event.changes["sex"] == [None, "M"]
    assert ZHANG_ID not in json.dumps(event.changes) and "13812345678" not in str(event.changes)


def test_a_legacy_15_digit_number_is_stored_as_18_digits(tree: Any, worker: User) -> None:
    person, _created = register(worker, tree.grid1, doc_number="220102850307123")
    assert person.doc_number == ZHANG_ID
    # and the 18-digit number then finds the same person
    again, created = register(worker, tree.grid1, doc_number=ZHANG_ID)
    assert (again.pk, created) == (person.pk, False)


def test_sex_and_birth_date_that_agree_with_the_number_are_accepted(
    tree: Any, worker: User
) -> None:
    person, created = register(worker, tree.grid1, sex=Sex.MALE, birth_date=dt.date(1985, 3, 7))
    assert created and person.sex == Sex.MALE


def test_a_sex_that_contradicts_the_number_is_refused(tree: Any, worker: User) -> None:
    error = refused(lambda: register(worker, tree.grid1, sex=Sex.FEMALE))
    assert (error.code, error.field) == ("sex_mismatch", "sex")


def test_a_birth_date_that_contradicts_the_number_is_refused_and_says_the_right_one(
    tree: Any, worker: User
) -> None:
    error = refused(lambda: register(worker, tree.grid1, birth_date=dt.date(1985, 7, 3)))
    assert (error.code, error.field) == ("birth_date_mismatch", "birth_date")
    assert "1985-03-07" in error.message


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        (ZHANG_ID[:17] + "8", "check character"),
        ("220102198502300013", "does not exist"),
        ("2201021985030712", "18 characters"),
        ("990102198503071236", "province"),
        ("", "18 characters"),
    ],
)
def test_a_bad_resident_id_number_is_refused_with_its_reason(
    tree: Any, worker: User, number: str, fragment: str
) -> None:
    error = refused(lambda: register(worker, tree.grid1, doc_number=number))
    assert (error.code, error.field) == ("bad_id_number", "doc_number")
    assert fragment in error.message


def test_a_resident_id_born_in_the_future_is_refused(tree: Any, worker: User) -> None:
    from fangkong.people.idcard import compose_resident_id

    future = compose_resident_id("220102", dt.date.today() + dt.timedelta(days=2), 11)
    error = refused(lambda: register(worker, tree.grid1, doc_number=future))
    assert error.code == "bad_id_number" and "impossible" in error.message


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"name": "  "}, "name_required", "name"),
        ({"name": "张" * 51}, "name_too_long", "name"),
        ({"phone": "12345"}, "bad_phone", "phone"),
        ({"phone": "2381234567a"}, "bad_phone", "phone"),
        ({"address": "华阳街" * 70}, "address_too_long", "address"),
        ({"doc_type": "driving_licence"}, "bad_doc_type", "doc_type"),
        ({"sex": "Z"}, "bad_sex", "sex"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(
    tree: Any, worker: User, fields: dict[str, Any], code: str, field: str
) -> None:
    error = refused(lambda: register(worker, tree.grid1, **fields))
    assert (error.code, error.field) == (code, field)


def test_only_a_grid_takes_people(tree: Any, secretary: User) -> None:
    error = refused(lambda: register(secretary, tree.huayang))
    assert error.code == "not_a_grid"


def test_a_retired_grid_takes_no_one(tree: Any, secretary: User) -> None:
    region_actions.retire_grid(actor=None, grid=tree.grid2, reason="合并")
    tree.grid2.refresh_from_db()
    assert refused(lambda: register(secretary, tree.grid2)).code == "grid_retired"


# --- one person per identity -------------------------------------------------------------------


def test_registering_a_known_identity_finds_the_person_instead_of_a_duplicate(
    tree: Any, worker: User
) -> None:
    # given 张伟 registered
    first, _created = register(worker, tree.grid1, phone="13812345678")
    mark = audit_mark()
    # when the same number is registered again, typed differently, with a new phone
    again, created = register(
        worker, tree.grid1, name=" 张 伟", doc_number=ZHANG_ID[:6] + " " + ZHANG_ID[6:]
    )
    # then it is the same person, nothing was added or changed, and nothing audited
    assert (again.pk, created) == (first.pk, False)
    assert Person.objects.count() == 1
    assert audit_since(mark) == []


def test_a_known_number_with_another_name_is_refused_without_saying_whose(
    tree: Any, worker: User
) -> None:
    register(worker, tree.grid1)
    error = refused(lambda: register(worker, tree.grid1, name="王芳"))
    assert (error.code, error.field) == ("name_mismatch", "doc_number")
    assert "张伟" not in error.message


def test_a_person_known_in_another_county_is_registered_anew_and_stays_there_as_history(
    tree: Any, worker: User, other_worker: User
) -> None:
    # given 张伟 registered in 吉林市's 东市场社区 (outside 第一网格), under observation there
    first, _created = register(
        other_worker, tree.other_grid, phone="13900000001", address="东市场 1 号"
    )
    observation = observe(tree.other_grid, who=first)
    mark = audit_mark()

    # when 第一网格's worker (南关区, 长春市) registers him where he now lives
    person, created = register(worker, tree.grid1, phone="13812345678", address="华阳街 8 号")

    # then 第一网格 gets a record of its own, made only of what the worker typed, answered
    # exactly as a new identity would be
    assert created is True and person.pk != first.pk
    assert (person.grid, person.phone, person.address) == (tree.grid1, "13812345678", "华阳街 8 号")
    assert person.status == "normal" and person.status_since is None
    assert person.household is not None and person.household.address == "华阳街 8 号"
    # and 吉林市 keeps its record, its observation and its phone, marked moved out
    first.refresh_from_db()
    assert (first.grid, first.phone, first.moved_out_at is not None) == (
        tree.other_grid,
        "13900000001",
        True,
    )
    assert Person.objects.visible_to(other_worker).filter(pk=first.pk).exists()
    assert Observation.objects.visible_to(other_worker).get().person_id == first.pk
    assert not Person.objects.visible_to(worker).filter(pk=first.pk).exists()
    assert not Observation.objects.visible_to(worker).filter(pk=observation.pk).exists()
    # and 吉林市 sees that he moved, when, and where to only as 长春市 (the child of 吉林省,
    # their common parent); 南关区 is not told where he came from
    [move] = PersonMove.objects.visible_to(other_worker)
    assert (move.person, move.successor, move.to_area) == (first, person, tree.changchun)
    assert first.moved_out_at is not None and not move.name_differs
    assert move.moved_at.date() == first.moved_out_at.date()
    assert not PersonMove.objects.visible_to(worker).exists()
    # and each side has the move in its own audit log
    events = {e.action: e for e in audit_since(mark)}
    assert set(events) == {"person.create", "person.move_in", "person.move_out"}
    assert events["person.move_out"].division_path == tree.other_grid.path
    assert events["person.move_out"].object_id == str(first.pk)
    assert events["person.move_out"].changes == {"moved_to": [None, "长春市 (220100000000)"]}
    assert events["person.move_in"].division_path == tree.grid1.path
    assert events["person.move_in"].changes == {"moved_from": [None, "吉林市 (220200000000)"]}
    assert AuditEvent.objects.visible_to(other_worker).filter(action="person.move_out").exists()
    assert AuditEvent.objects.visible_to(worker).filter(action="person.move_in").exists()
    assert not AuditEvent.objects.visible_to(worker).filter(action="person.move_out").exists()
    # and the number is now 第一网格's: registering it again there finds this record
    assert register(worker, tree.grid1) == (person, False)


def test_a_known_number_under_another_name_elsewhere_is_accepted_and_flagged_there(
    tree: Any, worker: User, other_worker: User
) -> None:
    # given 张伟's number registered in 吉林市
    first, _created = register(other_worker, tree.other_grid)
    # when 第一网格 registers the same number under another name: the answer must not say
    # that the number exists elsewhere, so it is accepted like a new one
    person, created = register(worker, tree.grid1, name="王芳")
    assert (created, person.name) == (True, "王芳")
    # then the flag goes to 吉林市 only, on the move it sees
    [move] = PersonMove.objects.visible_to(other_worker)
    assert move.name_differs and move.person == first
    assert not PersonMove.objects.visible_to(worker).exists()


def test_the_area_moved_to_is_the_child_of_the_common_ancestor(tree: Any) -> None:
    assert actions.area_towards(tree.grid1, tree.other_grid) == tree.jilin_city
    assert actions.area_towards(tree.other_grid, tree.grid1) == tree.changchun
    assert actions.area_towards(tree.grid1, tree.grid2) == tree.grid2


def test_a_person_known_in_another_grid_of_the_same_jurisdiction_is_found_not_moved(
    tree: Any, secretary: User
) -> None:
    first, _created = register(secretary, tree.grid1)
    person, created = register(secretary, tree.grid2)
    assert (person.pk, created, person.grid) == (first.pk, False, tree.grid1)
    assert not PersonMove.objects.exists()


def test_other_documents_are_allowed_with_their_type(tree: Any, worker: User) -> None:
    # a passport: no rule inside the number, so sex and birth date are as entered
    passport, created = register(
        worker,
        tree.grid1,
        name="John Smith",
        doc_type=DocType.PASSPORT,
        doc_number="e1234 5678",
        sex=Sex.MALE,
        birth_date=dt.date(1970, 5, 1),
    )
    assert created
    assert (passport.doc_number, passport.sex, passport.birth_date) == (
        "E12345678",
        Sex.MALE,
        dt.date(1970, 5, 1),
    )
    # the same number under another document type is another identity
    permit, created = register(
        worker, tree.grid1, name="陈大文", doc_type=DocType.HK_MACAO, doc_number="E12345678"
    )
    assert created and permit.pk != passport.pk and permit.sex == Sex.UNKNOWN
    # and the same passport again is the same person
    again, created = register(
        worker, tree.grid1, name="john smith", doc_type=DocType.PASSPORT, doc_number="E12345678"
    )
    assert (again.pk, created) == (passport.pk, False)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"doc_number": "E12"}, "bad_doc_number"),
        ({"doc_number": "E" * 33}, "bad_doc_number"),
        ({"doc_number": "E123-456/78"}, "bad_doc_number"),
        ({"doc_number": "护照12345"}, "bad_doc_number"),
        ({"birth_date": dt.date.today() + dt.timedelta(days=1)}, "future_birth_date"),
        ({"birth_date": dt.date(1850, 1, 1)}, "impossible_birth_date"),
    ],
)
def test_bad_other_documents_are_refused(
    tree: Any, worker: User, fields: dict[str, Any], code: str
) -> None:
    data = {"doc_type": DocType.PASSPORT, "doc_number": "E12345678", **fields}
    assert refused(lambda: register(worker, tree.grid1, **data)).code == code


@pytest.mark.django_db(transaction=True)
def test_two_people_registering_one_identity_at_once_make_one_record(
    tree: Any, worker: User, secretary: User
) -> None:
    # given two grid workers submitting the same new person at the same moment
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def submit(actor: User, grid: Any) -> None:
        try:
            barrier.wait(timeout=10)
            person, created = register(actor, grid)
            results.append((person.pk, created))
        except BaseException as exc:  # reported below, on the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(worker, tree.grid1)),
        threading.Thread(target=submit, args=(secretary, tree.grid1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # then one was created, the other found it; one record, one audit row for it
    assert errors == []
    assert sorted(created for _pk, created in results) == [False, True]
    assert len({pk for pk, _created in results}) == 1
    assert Person.objects.count() == 1
    assert AuditEvent.objects.filter(action="person.create").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_counties_registering_a_person_known_elsewhere_at_once_leave_one_current_record(
    tree: Any, worker: User, other_worker: User, make_user: Callable[..., User]
) -> None:
    # given 张伟 registered in 第二网格, and the workers of 第一网格 and of 吉林市 (neither sees
    # 第二网格) registering him at the same moment
    register(None, tree.grid2)
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def submit(actor: User, grid: Any) -> None:
        try:
            barrier.wait(timeout=10)
            person, created = register(actor, grid)
            results.append((person.pk, created))
        except BaseException as exc:  # reported below, on the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(worker, tree.grid1)),
        threading.Thread(target=submit, args=(other_worker, tree.other_grid)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # then each was answered as a new registration, and one record is current: the records
    # left behind each know where he went
    assert errors == []
    assert [created for _pk, created in results] == [True, True]
    current = Person.objects.filter(doc_number=ZHANG_ID, moved_out_at__isnull=True)
    assert current.count() == 1 and Person.objects.count() == 3
    assert PersonMove.objects.filter(successor__isnull=False).count() == 2


# --- households --------------------------------------------------------------------------------


def test_people_at_one_address_of_a_grid_form_a_household(
    tree: Any, make_person: Callable[..., Person]
) -> None:
    father = make_person("张伟", address="华阳街 8 号 301")
    daughter = make_person("张小红", address="华阳街  8 号 301")
    neighbour = make_person("李娜", address="华阳街 8 号 302")
    elsewhere = make_person("赵强", grid=tree.grid2, address="华阳街 8 号 301")
    assert father.household_id == daughter.household_id
    assert neighbour.household_id != father.household_id
    assert elsewhere.household_id != father.household_id
    assert Household.objects.count() == 3


# --- update ------------------------------------------------------------------------------------


def test_update_changes_details_and_the_audit_row_hides_the_phone(
    tree: Any, worker: User, make_person: Callable[..., Person]
) -> None:
    person = make_person(doc_number=ZHANG_ID, phone="13812345678", address="华阳街 8 号")
    mark = audit_mark()
    updated = actions.update_person(
        actor=worker, person=person, name="张 伟", phone="13987654321", address="华阳街 9 号"
    )
    assert (updated.name, updated.phone, updated.address) == ("张 伟", "13987654321", "华阳街 9 号")
    assert (updated.sex, updated.birth_date) == (Sex.MALE, dt.date(1985, 3, 7))
    [event] = audit_since(mark)
    assert event.action == "person.update"
    assert event.changes["phone"] == ["***", "***"]
    assert event.changes["name"] == ["张伟", "张 伟"]
    assert "13812345678" not in str(event.changes) and "13987654321" not in str(event.changes)


def test_an_update_that_changes_nothing_writes_nothing(
    tree: Any, worker: User, make_person: Callable[..., Person]
) -> None:
    person = make_person(phone="13812345678", address="华阳街 8 号")
    before = everything()
    actions.update_person(
        actor=worker, person=person, name="张伟", phone="13812345678", address="华阳街 8 号"
    )
    assert everything() == before


def test_an_update_cannot_contradict_the_id_number(
    tree: Any, worker: User, make_person: Callable[..., Person]
) -> None:
    person = make_person(doc_number=LI_ID, name="李娜")
    error = refused(
        lambda: actions.update_person(actor=worker, person=person, name="李娜", sex=Sex.MALE)
    )
    assert error.code == "sex_mismatch"


# --- move --------------------------------------------------------------------------------------


def test_the_village_moves_a_person_between_its_grids_and_their_history_stays(
    tree: Any, secretary: User, make_person: Callable[..., Person]
) -> None:
    person = make_person(address="华阳街 8 号")
    mark = audit_mark()
    moved = actions.move_person(actor=secretary, person=person, grid=tree.grid2)
    assert (moved.grid, moved.division_path) == (tree.grid2, tree.grid2.path)
    assert moved.household is not None and moved.household.grid == tree.grid2
    assert [(m.from_grid, m.to_grid) for m in moved.moves.all()] == [(tree.grid1, tree.grid2)]
    assert [e.action for e in audit_since(mark)] == ["person.move", "person.move_out"]
    # and moving to where they already are changes nothing
    before = everything()
    actions.move_person(actor=secretary, person=moved, grid=tree.grid2)
    assert everything() == before


def test_a_move_to_a_retired_grid_is_refused(
    tree: Any, secretary: User, make_person: Callable[..., Person]
) -> None:
    person = make_person()
    region_actions.retire_grid(actor=None, grid=tree.grid2, reason="撤销")
    tree.grid2.refresh_from_db()
    error = refused(lambda: actions.move_person(actor=secretary, person=person, grid=tree.grid2))
    assert error.code == "grid_retired"


# --- jurisdiction ------------------------------------------------------------------------------


def test_writes_outside_the_actors_subtree_are_refused_and_write_nothing(
    tree: Any, worker: User, secretary: User, make_person: Callable[..., Person]
) -> None:
    mine = make_person("张伟")
    theirs = make_person("赵强", grid=tree.other_grid)
    in_grid2 = make_person("王芳", grid=tree.grid2)
    attempts: list[Callable[[], Any]] = [
        # registering into a grid of another subtree
        lambda: register(worker, tree.other_grid, doc_number=new_id(), name="新人"),
        # changing someone outside
        lambda: actions.update_person(actor=worker, person=theirs, name="改名"),
        lambda: actions.update_person(actor=worker, person=in_grid2, name="改名"),
        # moving someone out of, or into, the subtree
        lambda: actions.move_person(actor=secretary, person=mine, grid=tree.other_grid),
        lambda: actions.move_person(actor=secretary, person=theirs, grid=tree.grid1),
        lambda: actions.move_person(actor=worker, person=mine, grid=tree.grid2),
        # looking at a full number outside
        lambda: actions.reveal_person(actor=worker, person=theirs),
    ]
    for attempt in attempts:
        before = everything()
        with pytest.raises(OutOfJurisdiction):
            attempt()
        assert everything() == before


# --- reveal ------------------------------------------------------------------------------------


def test_revealing_a_full_number_is_audited_with_the_reason(
    tree: Any, worker: User, make_person: Callable[..., Person]
) -> None:
    person = make_person(phone="13812345678")
    mark = audit_mark()
    actions.reveal_person(actor=worker, person=person, reason="电话随访")
    [event] = audit_since(mark)
    assert (event.action, event.actor, event.object_id) == ("person.reveal", worker, str(person.pk))
    assert (event.reason, event.division_path) == ("电话随访", tree.grid1.path)


def test_revealing_needs_the_unmask_permission(
    tree: Any, county: User, make_person: Callable[..., Person]
) -> None:
    person = make_person()
    error = refused(lambda: actions.reveal_person(actor=county, person=person))
    assert error.code == "forbidden_unmask"
    error = refused(lambda: actions.reveal_people(actor=county, people=[person]))
    assert error.code == "forbidden_unmask"


def test_revealing_a_page_writes_one_audit_row_per_person(
    tree: Any, secretary: User, make_person: Callable[..., Person]
) -> None:
    people = [make_person("张伟"), make_person("李娜", grid=tree.grid2)]
    mark = audit_mark()
    actions.reveal_people(actor=secretary, people=people, reason="上报")
    events = audit_since(mark)
    assert [(e.action, e.object_id, e.division_path) for e in events] == [
        ("person.reveal", str(people[0].pk), tree.grid1.path),
        ("person.reveal", str(people[1].pk), tree.grid2.path),
    ]


def test_the_audit_log_never_holds_a_full_id_number_or_phone(
    tree: Any, worker: User, secretary: User, other_worker: User
) -> None:
    # given everything the registry does to one person, from registration to a reveal
    phones = ["13812345678", "13987654321"]
    register(other_worker, tree.other_grid, phone=phones[0])
    person, _created = register(worker, tree.grid1, phone=phones[1])  # registered here anew
    actions.update_person(actor=worker, person=person, name="张伟", phone=phones[1])
    actions.move_person(actor=secretary, person=person, grid=tree.grid2)
    actions.reveal_person(actor=secretary, person=person, reason="核实身份")
    register(worker, tree.grid1, name="John", doc_type=DocType.PASSPORT, doc_number="E12345678")
    # then no audit row holds a full number or phone, in any column
    secrets = [ZHANG_ID, "E12345678", *phones]
    assert AuditEvent.objects.count() >= 6
    for event in AuditEvent.objects.all():
        text = json.dumps(
            [event.changes, event.object_repr, event.object_id, event.reason], ensure_ascii=False
        )
        for secret in secrets:
            assert secret not in text, f"{event.action} holds {secret}"


def test_a_registration_that_loses_the_race_finds_the_winners_record(
    tree: Any, worker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given someone else's registration of the same number committed just after our look-up
    # found nothing
    winner: list[Person] = []
    find = actions._find

    def look_up_then_lose_the_race(identity: Any) -> Person | None:
        if winner:
            return find(identity)
        found = find(identity)
        winner.append(
            Person.objects.create(
                name="张伟",
                doc_type=DocType.RESIDENT_ID,
                doc_number=ZHANG_ID,
                grid=tree.grid1,
                division_path=tree.grid1.path,
            )
        )
        return found

    monkeypatch.setattr(actions, "_find", look_up_then_lose_the_race)
    mark = audit_mark()
    # when our insert hits the unique constraint
    person, created = register(worker, tree.grid1, address="华阳街 8 号")
    # then we get their record, not an error, and write no creation of our own
    assert (person.pk, created) == (winner[0].pk, False)
    assert Person.objects.count() == 1
    assert not Household.objects.exists()
    assert [e.action for e in audit_since(mark)] == []
