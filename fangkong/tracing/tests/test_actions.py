"""Contacts and hand-overs through the actions: the rules, the refusals of bad input (each with
its message and nothing written), two counties through a hand-over into observation, escalation
after 2 hours and the link from a new case to the contact it was."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.observation import actions as observation_actions
from fangkong.observation.choices import Kind
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.people.choices import DocType
from fangkong.people.models import Person
from fangkong.tracing import actions
from fangkong.tracing.choices import ContactKind, ContactStatus, HandoverState
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.tests.factories import contact_of, days_ago, identity, tracing_case

pytestmark = pytest.mark.django_db


def _refused(code: str, call: Any) -> ActionError:
    contacts, handovers, audits = (
        Contact.objects.count(),
        Handover.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ActionError) as info:
        call()
    assert info.value.code == code
    assert info.value.message
    assert (Contact.objects.count(), Handover.objects.count(), AuditEvent.objects.count()) == (
        contacts,
        handovers,
        audits,
    )
    return info.value


# --- the rules --------------------------------------------------------------------------------


def test_unprotected_contact_in_the_window_is_a_close_contact_to_find(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)

    assert contact.kind == ContactKind.CLOSE
    assert contact.status == ContactStatus.TO_FIND
    assert contact.observe_until == days_ago(2) + dt.timedelta(days=14)
    assert days_ago(5).isoformat() in contact.kind_reason  # two days before the onset
    assert contact.division_path == tr.case.division_path
    assert not Handover.objects.exists()
    assert AuditEvent.objects.filter(action="contact.add", object_id=str(contact.pk)).exists()


def test_protected_or_early_contact_is_general_and_not_traced(tr: SimpleNamespace) -> None:
    protected = contact_of(tr.case, tr.tree.grid2, actor=tr.health, protected=True)
    early = contact_of(
        tr.case,
        tr.tree.other_grid,
        actor=tr.health,
        first_exposure=days_ago(9),
        last_exposure=days_ago(8),
    )

    assert (protected.kind, protected.status) == (ContactKind.GENERAL, ContactStatus.NOT_TRACED)
    assert (early.kind, early.status) == (ContactKind.GENERAL, ContactStatus.NOT_TRACED)
    assert early.observe_until is None
    assert not Handover.objects.exists()  # a general contact elsewhere is not handed over


def test_contact_of_a_close_contact_is_secondary(tr: SimpleNamespace) -> None:
    close = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    secondary = contact_of(tr.case, tr.tree.grid2, actor=tr.health, source_contact=close)

    assert secondary.kind == ContactKind.SECONDARY
    assert secondary.degree == 2
    assert secondary.status == ContactStatus.TO_FIND


def test_secondary_needs_a_close_contact_of_the_same_case(tr: SimpleNamespace) -> None:
    general = contact_of(tr.case, tr.tree.grid2, actor=tr.health, protected=True)
    _refused(
        "bad_source_contact",
        lambda: contact_of(tr.case, tr.tree.grid2, actor=tr.health, source_contact=general),
    )


# --- bad input ----------------------------------------------------------------------------


def test_exposure_after_the_isolation_is_refused(tr: SimpleNamespace) -> None:
    error = _refused(
        "exposure_after_isolation",
        lambda: contact_of(
            tr.case,
            tr.tree.grid2,
            actor=tr.health,
            first_exposure=days_ago(0),
            last_exposure=days_ago(0),
        ),
    )
    assert days_ago(1).isoformat() in error.message


def test_exposure_lasting_beyond_the_isolation_is_refused(tr: SimpleNamespace) -> None:
    # the case was isolated yesterday: an exposure from three days ago until today cannot be
    error = _refused(
        "exposure_after_isolation",
        lambda: contact_of(
            tr.case,
            tr.tree.grid2,
            actor=tr.health,
            first_exposure=days_ago(3),
            last_exposure=days_ago(0),
        ),
    )
    assert error.field == "last_exposure" and days_ago(1).isoformat() in error.message
    # until the day of the isolation it is a close contact
    contact = contact_of(
        tr.case,
        tr.tree.grid2,
        actor=tr.health,
        first_exposure=days_ago(3),
        last_exposure=days_ago(1),
    )
    assert contact.kind == ContactKind.CLOSE


def test_exposure_in_the_wrong_order_is_refused(tr: SimpleNamespace) -> None:
    _refused(
        "exposure_order",
        lambda: contact_of(
            tr.case,
            tr.tree.grid2,
            actor=tr.health,
            first_exposure=days_ago(2),
            last_exposure=days_ago(4),
        ),
    )


def test_duplicate_contact_names_the_existing_one(tr: SimpleNamespace) -> None:
    first = contact_of(tr.case, tr.tree.grid2, actor=tr.health, name="王立伟")

    error = _refused(
        "duplicate_contact",
        lambda: contact_of(
            tr.case,
            tr.tree.grid2,
            actor=tr.health,
            name="王立",
            doc_number=first.doc_number.lower(),
        ),
    )
    assert "王立伟" in error.message


def test_same_person_may_be_contact_of_two_cases(tr: SimpleNamespace) -> None:
    other_case = tracing_case(tr.tree.grid2)
    first = contact_of(tr.case, tr.tree.grid2, actor=tr.health)

    second = contact_of(other_case, tr.tree.grid2, actor=tr.health, doc_number=first.doc_number)

    assert second.pk != first.pk


def test_self_contact_is_refused(tr: SimpleNamespace) -> None:
    _refused(
        "self_contact",
        lambda: contact_of(
            tr.case, tr.tree.grid2, actor=tr.health, doc_number=tr.case.person.doc_number
        ),
    )


def test_a_case_upstream_in_the_chain_cannot_be_a_contact(tr: SimpleNamespace) -> None:
    # given: B was a contact of case A and became case B; C was B's contact and became case C
    b_contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    b_person = make_person(tr.tree.grid2)
    Person.objects.filter(pk=b_person.pk).update(doc_number=b_contact.doc_number)
    case_b = tracing_case(tr.tree.grid2, person=Person.objects.get(pk=b_person.pk))
    actions.link_case_to_contacts(case_b)
    c_contact = contact_of(case_b, tr.tree.grid2, actor=tr.health)
    c_person = make_person(tr.tree.grid2)
    Person.objects.filter(pk=c_person.pk).update(doc_number=c_contact.doc_number)
    case_c = tracing_case(tr.tree.grid2, person=Person.objects.get(pk=c_person.pk))
    actions.link_case_to_contacts(case_c)

    # when / then: A's person or B's as a contact of C closes a loop
    for doc in (tr.case.person.doc_number, b_contact.doc_number):
        _refused(
            "chain_cycle",
            lambda doc=doc: contact_of(case_c, tr.tree.grid2, actor=tr.health, doc_number=doc),
        )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("doc_number", "220102198501011234", "bad_id_number"),
        ("doc_type", "licence", "bad_doc_type"),
        ("name", "", "name_required"),
        ("phone", "12345", "bad_phone"),
        ("relation", "lover", "bad_relation"),
        ("address", "华阳\u202e街", "bad_character"),
    ],
)
def test_bad_identity_is_refused(tr: SimpleNamespace, field: str, value: str, code: str) -> None:
    error = _refused(
        code, lambda: contact_of(tr.case, tr.tree.grid2, actor=tr.health, **{field: value})
    )
    assert error.field == field


def test_residence_must_be_a_real_division_at_county_level_or_below(tr: SimpleNamespace) -> None:
    from fangkong.regions.models import Division

    _refused("residence_too_broad", lambda: contact_of(tr.case, tr.tree.changchun, actor=tr.health))
    _refused("bad_residence", lambda: contact_of(tr.case, Division(code="999"), actor=tr.health))


def test_contact_of_a_case_outside_the_jurisdiction_is_refused(tr: SimpleNamespace) -> None:
    with pytest.raises(OutOfJurisdiction):
        contact_of(tr.case, tr.tree.other_grid, actor=tr.other_health)
    assert not Contact.objects.exists()


# --- tracing in the county -------------------------------------------------------------------


def test_found_contact_is_registered_and_observed_centrally(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)

    contact = actions.find_contact(actor=tr.health, contact=contact, grid=tr.tree.grid2)
    assert contact.status == ContactStatus.FOUND
    assert contact.person is not None and contact.person.grid == tr.tree.grid2
    contact = actions.observe_contact(actor=tr.health, contact=contact)

    assert contact.status == ContactStatus.OBSERVING
    observation = contact.observation
    assert observation is not None and observation.kind == Kind.CENTRALIZED
    assert observation.last_exposure == days_ago(2)
    assert observation.person == contact.person


def test_observe_before_found_and_find_twice_are_refused(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    _refused("wrong_status", lambda: actions.observe_contact(actor=tr.health, contact=contact))
    actions.find_contact(actor=tr.health, contact=contact, grid=tr.tree.grid2)
    with pytest.raises(ActionError) as info:
        actions.find_contact(actor=tr.health, contact=contact, grid=tr.tree.grid2)
    assert info.value.code == "wrong_status"


def test_lost_contact_keeps_the_note_and_can_be_found_later(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    _refused("note_required", lambda: actions.mark_lost(actor=tr.health, contact=contact, note=" "))

    contact = actions.mark_lost(actor=tr.health, contact=contact, note="电话关机，住址无人")
    assert (contact.status, contact.note) == (ContactStatus.LOST, "电话关机，住址无人")
    contact = actions.find_contact(actor=tr.health, contact=contact, grid=tr.tree.grid1)
    assert contact.status == ContactStatus.FOUND


def test_released_observation_shows_the_contact_released(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    actions.find_contact(actor=tr.health, contact=contact, grid=tr.tree.grid2)
    contact = actions.observe_contact(actor=tr.health, contact=contact)
    observation_actions.release_observation(
        actor=None,
        observation=contact.observation,  # type: ignore[arg-type]
        note="期满",
    )

    assert actions.sync_contacts() == 1
    assert actions.sync_contacts() == 0
    contact.refresh_from_db()
    assert contact.status == ContactStatus.RELEASED


# --- across counties ------------------------------------------------------------------------


def test_contact_in_another_county_is_handed_over_and_traced_there(tr: SimpleNamespace) -> None:
    # given: 南关区 adds a contact living in 昌邑区
    sent_at = timezone.now()
    contact = contact_of(tr.case, tr.tree.dongshi, actor=tr.health, now=sent_at)
    handover = contact.handover
    assert contact.status == ContactStatus.HANDED_OVER
    assert (handover.from_division, handover.to_division) == (tr.tree.nanguan, tr.tree.changyi)
    assert handover.state == HandoverState.SENT
    assert handover.accept_due_at == sent_at + dt.timedelta(hours=2)
    # the investigating side cannot trace it itself
    _refused(
        "handed_over",
        lambda: actions.find_contact(actor=tr.health, contact=contact, grid=tr.tree.grid2),
    )

    # when: 昌邑区 accepts, finds and observes
    actions.accept_handover(actor=tr.other_health, handover=handover)
    contact.refresh_from_db()
    assert contact.status == ContactStatus.HANDED_OVER
    handover = actions.handover_found(
        actor=tr.other_health, handover=handover, grid=tr.tree.other_grid
    )
    contact.refresh_from_db()
    assert contact.status == ContactStatus.FOUND
    handover = actions.handover_observe(actor=tr.other_health, handover=handover)

    # then: the receiver holds the person and the observation; the sender only the state
    assert handover.state == HandoverState.OBSERVING
    assert handover.observation is not None and handover.person_id is not None
    assert handover.observation.grid == tr.tree.other_grid
    assert handover.observation.kind == Kind.CENTRALIZED
    contact.refresh_from_db()
    assert contact.status == ContactStatus.OBSERVING
    assert contact.person is None and contact.observation is None
    assert not Person.objects.visible_to(tr.health).filter(pk=handover.person_id).exists()
    # audited on both sides
    for action in ("handover.accept", "handover.found", "handover.observe"):
        paths = set(
            AuditEvent.objects.filter(action=action).values_list("division_path", flat=True)
        )
        assert paths == {tr.tree.nanguan.path, tr.tree.changyi.path}
    sender_rows = AuditEvent.objects.filter(
        division_path=tr.tree.nanguan.path, action__startswith="handover."
    )
    assert all(
        "person" not in row.changes and "observation" not in row.changes for row in sender_rows
    )

    # and the release shows on both sides
    observation_actions.release_observation(
        actor=None, observation=handover.observation, note="期满"
    )
    actions.sync_contacts()
    handover.refresh_from_db()
    contact.refresh_from_db()
    assert (handover.state, contact.status) == (HandoverState.RELEASED, ContactStatus.RELEASED)


def test_only_the_receiving_county_works_a_handover(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.dongshi, actor=tr.health)
    with pytest.raises(OutOfJurisdiction):
        actions.accept_handover(actor=tr.health, handover=contact.handover)
    with pytest.raises(OutOfJurisdiction):
        actions.handover_found(actor=tr.other_health, handover=contact.handover, grid=tr.tree.grid1)
    contact.handover.refresh_from_db()
    assert contact.handover.state == HandoverState.SENT


def test_handover_not_found_shows_lost_to_the_sender(tr: SimpleNamespace) -> None:
    contact = contact_of(tr.case, tr.tree.dongshi, actor=tr.health)
    _refused(
        "wrong_state",
        lambda: actions.handover_observe(actor=tr.other_health, handover=contact.handover),
    )

    handover = actions.handover_not_found(
        actor=tr.other_health, handover=contact.handover, note="查无此人"
    )

    contact.refresh_from_db()
    assert (handover.state, contact.status) == (HandoverState.NOT_FOUND, ContactStatus.LOST)
    assert handover.accepted_at is not None
    with pytest.raises(ActionError):
        actions.accept_handover(actor=tr.other_health, handover=handover)


def test_overdue_handovers_escalate_to_the_common_parent_once(tr: SimpleNamespace) -> None:
    sent = timezone.now() - dt.timedelta(hours=3)
    late = contact_of(tr.case, tr.tree.dongshi, actor=tr.health, now=sent).handover
    fresh = contact_of(tr.case, tr.tree.dongshi, actor=tr.health).handover
    accepted = contact_of(tr.case, tr.tree.dongshi, actor=tr.health, now=sent).handover
    actions.accept_handover(actor=tr.other_health, handover=accepted)

    assert actions.escalate_overdue_handovers() == 1
    assert actions.escalate_overdue_handovers() == 0

    late.refresh_from_db()
    fresh.refresh_from_db()
    accepted.refresh_from_db()
    assert late.escalated_to == tr.tree.province  # 长春市 and 吉林市 meet at the province
    assert late.escalated_at is not None
    assert fresh.escalated_at is None and accepted.escalated_at is None
    assert (
        AuditEvent.objects.filter(
            action="handover.escalate", division_path=tr.tree.province.path
        ).count()
        == 1
    )


def test_common_path() -> None:
    assert actions.common_path("22/2201/220102/", "22/2202/220202/") == "22/"
    assert actions.common_path("22/2201/220102/", "22/2201/220103/") == "22/2201/"
    assert actions.common_path("22/", "23/") == ""


def test_escalate_command(tr: SimpleNamespace) -> None:
    from io import StringIO

    from django.core.management import call_command

    contact_of(
        tr.case, tr.tree.dongshi, actor=tr.health, now=timezone.now() - dt.timedelta(hours=3)
    )
    out = StringIO()
    call_command("escalate_handovers", stdout=out)
    assert Handover.objects.filter(escalated_to=tr.tree.province).count() == 1


# --- a contact becomes a case ------------------------------------------------------------------


def test_a_new_case_of_an_open_contact_links_back(tr: SimpleNamespace) -> None:
    here = contact_of(tr.case, tr.tree.grid2, actor=tr.health)
    there = contact_of(tr.case, tr.tree.dongshi, actor=tr.health)
    person = make_person(tr.tree.other_grid)
    Person.objects.filter(pk=person.pk).update(doc_number=there.doc_number)

    new_case = make_case(tr.tree.other_grid, person=Person.objects.get(pk=person.pk))
    assert actions.link_case_to_contacts(case=new_case, actor=None) == 1

    there.refresh_from_db()
    here.refresh_from_db()
    assert (there.status, there.became_case) == (ContactStatus.BECAME_CASE, new_case)
    assert there.handover.state == HandoverState.BECAME_CASE
    assert here.status == ContactStatus.TO_FIND
    assert new_case.source_contacts.get() == there


def test_registry_exposes_the_case_hook() -> None:
    from fangkong.tracing.registry import ON_CASE_REPORTED

    assert actions.link_case_to_contacts in ON_CASE_REPORTED


def test_identity_is_stored_normalised(tr: SimpleNamespace) -> None:
    number = identity()
    contact = contact_of(
        tr.case, tr.tree.grid2, actor=tr.health, doc_number=" " + number[:-1] + number[-1].lower()
    )
    assert contact.doc_number == number
    passport = contact_of(
        tr.case, tr.tree.grid2, actor=tr.health, doc_type=DocType.PASSPORT, doc_number="E12345678"
    )
    assert passport.doc_type == DocType.PASSPORT
    assert ObservationStatus.ACTIVE  # imported for the release tests above
