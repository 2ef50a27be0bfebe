"""Every write to close contacts and their hand-overs, each audited in its transaction.

The investigating county adds a case's contacts (:func:`add_contact`): the rules
(``tracing/rules.py``) classify each one; a contact living in the actor's jurisdiction is found
(:func:`find_contact`) and observed (:func:`observe_contact`) here, one living elsewhere is
handed over to their county (:class:`~fangkong.tracing.models.Handover`), which accepts, finds
and observes them there (``accept_handover`` … ``handover_not_found``). The sender sees the
hand-over's state and nothing of the receiver's records (DESIGN.md section 3).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import check_text, clean_phone
from fangkong.people.actions import clean_identity, clean_name, register_person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.tracing.choices import (
    HANDOVER_ESCALATE_HOURS,
    ContactKind,
    ContactStatus,
    HandoverState,
    Relation,
)
from fangkong.tracing.models import Contact, Handover
from fangkong.tracing.rules import classify_contact

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.cases.models import Case

MAX_ADDRESS = 200
MAX_NOTE = 300
MAX_CHAIN = 100  # cases walked up a chain looking for a cycle (a real chain is far shorter)
# Statuses of a contact still being traced: a new case of the same person is linked to them.
OPEN_STATUSES = (
    ContactStatus.TO_FIND,
    ContactStatus.FOUND,
    ContactStatus.OBSERVING,
    ContactStatus.HANDED_OVER,
    ContactStatus.LOST,
    ContactStatus.NOT_TRACED,
)
# The sender's view of a hand-over's state, as its contact's status.
STATUS_OF_STATE = {
    HandoverState.SENT: ContactStatus.HANDED_OVER,
    HandoverState.ACCEPTED: ContactStatus.HANDED_OVER,
    HandoverState.FOUND: ContactStatus.FOUND,
    HandoverState.OBSERVING: ContactStatus.OBSERVING,
    HandoverState.NOT_FOUND: ContactStatus.LOST,
    HandoverState.RELEASED: ContactStatus.RELEASED,
    HandoverState.BECAME_CASE: ContactStatus.BECAME_CASE,
}


# --- helpers --------------------------------------------------------------------------------


def county_of(division: Division) -> Division | None:
    """The county-level division at or above ``division`` (None above county level)."""
    if division.level == Level.COUNTY:
        return division
    if division.level < Level.COUNTY:
        return None
    return (
        Division.objects.filter(path__in=division.ancestor_paths(), level=Level.COUNTY)
        .order_by("-path")
        .first()
    )


def common_path(a: str, b: str) -> str:
    """The path of the lowest common ancestor of two divisions' paths ("" when none)."""
    ours, theirs = a.strip("/").split("/"), b.strip("/").split("/")
    common: list[str] = []
    for x, y in zip(ours, theirs, strict=False):
        if x != y:
            break
        common.append(x)
    return "/".join(common) + "/" if common else ""


def _clean_note(note: str, *, required: str | None = None) -> str:
    note = " ".join(check_text(note or "", field="note").split())
    if required and not note:
        raise ActionError(required, code="note_required", field="note")
    if len(note) > MAX_NOTE:
        raise ActionError(
            _("This text cannot be longer than %(max)s characters (it has %(n)s).")
            % {"max": MAX_NOTE, "n": len(note)},
            code="note_too_long",
            field="note",
        )
    return note


def clean_contact_address(address: str) -> str:
    """The contact's address, spaces collapsed, at most ``MAX_ADDRESS`` characters."""
    address = " ".join(check_text(address or "", field="address").split())
    if len(address) > MAX_ADDRESS:
        raise ActionError(
            _("The address cannot be longer than %(max)s characters.") % {"max": MAX_ADDRESS},
            code="address_too_long",
            field="address",
        )
    return address


def _check_residence(residence: Division | None) -> Division:
    """A real, active division at county level or below."""
    found = None
    if residence is not None and residence.pk is not None:
        found = Division.objects.filter(pk=residence.pk, active=True).first()
    return check_residence_level(found)


def check_residence_level(found: Division | None) -> Division:
    """``found`` (an active division, or None when there is none) if a contact can live there:
    at county level or below. Shared with the contact import (``tracing/importer.py``)."""
    if found is None:
        raise ActionError(
            _("Choose the division where the contact lives."),
            code="bad_residence",
            field="residence",
        )
    if found.level < Level.COUNTY:
        raise ActionError(
            _("Choose where the contact lives at county level or below (%(name)s is too broad).")
            % {"name": found.name},
            code="residence_too_broad",
            field="residence",
        )
    return found


def clean_relation(relation: str) -> str:
    if relation not in Relation.values:
        raise ActionError(
            _("Choose the relation to the case."), code="bad_relation", field="relation"
        )
    return relation


def check_not_self(identity: tuple[str, str], case_identity: tuple[str, str]) -> None:
    """A case cannot be its own contact (document type and number compared)."""
    if identity == case_identity:
        raise ActionError(
            _("This is the case's own person: a case cannot be their own contact."),
            code="self_contact",
            field="doc_number",
        )


def chain_cycle() -> ActionError:
    return ActionError(
        _(
            "This person is a case earlier in this case's chain of transmission: recording "
            "them as its contact would make a cycle."
        ),
        code="chain_cycle",
        field="doc_number",
    )


def isolation_day(isolated_at: dt.datetime | None) -> dt.date | None:
    """The local day a case was isolated (nobody meets them unprotected after it)."""
    return timezone.localtime(isolated_at).date() if isolated_at else None


def status_for(kind: str, in_scope: bool) -> ContactStatus:
    """A new contact's tracing status: a general contact is not traced; a traced one is found
    here when they live in the actor's jurisdiction, else handed over to their county."""
    if kind == ContactKind.GENERAL:
        return ContactStatus.NOT_TRACED
    return ContactStatus.TO_FIND if in_scope else ContactStatus.HANDED_OVER


def _ancestor_identities(case: Case) -> set[tuple[str, str]]:
    """The identities of the cases above ``case`` in its chain (the case it was a contact of,
    that case's source, …), walking ``Contact.became_case`` upward."""
    from fangkong.cases.models import Case

    seen: set[int] = {case.pk}
    frontier = [case.pk]
    identities: set[tuple[str, str]] = set()
    while frontier and len(seen) < MAX_CHAIN:
        parents = list(
            Contact.objects.filter(became_case_id__in=frontier)
            .exclude(case_id__in=seen)
            .values_list("case_id", flat=True)
            .distinct()
        )
        if not parents:
            break
        seen.update(parents)
        frontier = parents
        identities.update(
            Case.objects.filter(pk__in=parents).values_list(
                "person__doc_type", "person__doc_number"
            )
        )
    return identities


def _existing_contact(case: Case, doc_type: str, doc_number: str) -> Contact | None:
    return Contact.objects.filter(case=case, doc_type=doc_type, doc_number=doc_number).first()


def _duplicate(existing: Contact) -> Conflict:
    return Conflict(
        _(
            "%(name)s is already a contact of this case (added %(day)s, %(status)s); open that "
            "record instead."
        )
        % {
            "name": existing.name,
            "day": timezone.localtime(existing.created_at).date().isoformat(),
            "status": existing.get_status_display(),
        },
        code="duplicate_contact",
        field="doc_number",
    )


def _locked_contact(contact: Contact, actor: User | None) -> Contact:
    locked = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("case", "residence")
        .get(pk=contact.pk)
    )
    ensure_in_scope(actor, locked.division_path)
    return locked


def _traced_here(contact: Contact) -> None:
    """Refuse the investigating side's tracing steps on a contact handed over elsewhere."""
    handover = Handover.objects.filter(contact=contact).select_related("to_division").first()
    if handover is not None:
        raise ActionError(
            _("This contact was handed over to %(county)s, which traces them there.")
            % {"county": handover.to_division.name},
            code="handed_over",
        )


def _wrong_status(contact: Contact) -> ActionError:
    return ActionError(
        _("This contact is %(status)s: this step does not apply.")
        % {"status": contact.get_status_display()},
        code="wrong_status",
    )


# --- adding a contact -----------------------------------------------------------------------


@transaction.atomic
def add_contact(
    *,
    actor: User | None,
    case: Case,
    name: str,
    doc_type: str,
    doc_number: str,
    phone: str = "",
    address: str = "",
    residence: Division | None,
    relation: str,
    first_exposure: dt.date,
    last_exposure: dt.date,
    protected: bool = False,
    source_contact: Contact | None = None,
    now: dt.datetime | None = None,
) -> Contact:
    """Record a contact of ``case`` (a secondary contact, 次密接, when ``source_contact`` names
    the close contact they met). Classified by the rules; a general contact is not traced; a
    close or secondary contact living in the actor's jurisdiction is to be found here, one
    living elsewhere is handed over to their county (accept within 2 h)."""
    from fangkong.cases.models import Case

    now = now or timezone.now()
    case = Case.objects.select_related("person", "county").get(pk=case.pk)
    ensure_in_scope(actor, case.division_path)
    name = clean_name(name)
    identity = clean_identity(doc_type, doc_number)
    phone = clean_phone(phone, required=False)
    address = clean_contact_address(address)
    residence = _check_residence(residence)
    relation = clean_relation(relation)
    key = (identity.doc_type, identity.doc_number)
    check_not_self(key, (case.person.doc_type, case.person.doc_number))
    if key in _ancestor_identities(case):
        raise chain_cycle()
    existing = _existing_contact(case, *key)
    if existing is not None:
        raise _duplicate(existing)
    if source_contact is not None:
        source_contact = Contact.objects.filter(pk=source_contact.pk, case=case).first()
        if source_contact is None or source_contact.kind != ContactKind.CLOSE:
            raise ActionError(
                _("A secondary contact is recorded from a close contact of the same case."),
                code="bad_source_contact",
                field="source_contact",
            )
    verdict = classify_contact(
        infection_date=case.infection_date,
        isolated_on=isolation_day(case.isolated_at),
        first_exposure=first_exposure,
        last_exposure=last_exposure,
        protected=protected,
        secondary=source_contact is not None,
        today=timezone.localdate(now),
    )
    traced = verdict.kind != ContactKind.GENERAL
    # a contact living in another county than the case's is handed over to it, whoever
    # investigates (a city's or the province's investigator too): that county finds them
    in_scope = residence.path.startswith(case.county.path)
    county = None
    if traced and not in_scope:
        county = county_of(residence)
        if county is None:  # pragma: no cover - _check_residence keeps to county level or below
            raise ActionError(
                _("Choose the division where the contact lives."), code="bad_residence"
            )
    status = status_for(verdict.kind, county is None)
    contact = Contact(
        case=case,
        source_contact=source_contact,
        division_path=case.division_path,
        kind=verdict.kind,
        kind_reason=verdict.reason[:200],
        name=name,
        doc_type=identity.doc_type,
        doc_number=identity.doc_number,
        phone=phone,
        address=address,
        residence=residence,
        relation=relation,
        first_exposure=first_exposure,
        last_exposure=last_exposure,
        protected=protected,
        observe_until=verdict.observe_until,
        status=status,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # added concurrently by someone else
        existing = _existing_contact(case, *key)
        if existing is None:  # pragma: no cover - an integrity error of another kind
            raise
        raise _duplicate(existing) from None
    ensure_in_scope(actor, contact.division_path)
    changes: dict[str, object] = {
        "case": [None, case.number],
        "kind": [None, contact.kind],
        "relation": [None, relation],
        "first_exposure": [None, first_exposure.isoformat()],
        "last_exposure": [None, last_exposure.isoformat()],
        "status": [None, status],
    }
    if source_contact is not None:
        changes["source_contact"] = [None, source_contact.pk]
    record(
        actor=actor,
        action="contact.add",
        obj=contact,
        division_path=contact.division_path,
        changes=changes,
    )
    if county is not None:
        _send(actor, contact, case, county, now)
    return contact


def _send(
    actor: User | None, contact: Contact, case: Case, county: Division, now: dt.datetime
) -> None:
    handover = new_handover(contact.pk, case.county, county, now)
    handover.save(force_insert=True)
    audit_handover(actor, handover, case.county, county)


def new_handover(contact_id: int, sender: Division, county: Division, now: dt.datetime) -> Handover:
    """The hand-over (unsaved) of a contact of the ``sender`` county's case to ``county``,
    to accept within 2 h. The contact import creates them in bulk."""
    return Handover(
        contact_id=contact_id,
        from_division=sender,
        from_path=sender.path,
        to_division=county,
        to_path=county.path,
        state=HandoverState.SENT,
        sent_at=now,
        accept_due_at=now + dt.timedelta(hours=HANDOVER_ESCALATE_HOURS),
    )


def audit_handover(
    actor: User | None, handover: Handover, sender: Division, county: Division
) -> None:
    """The sending and the receiving county's audit rows of a new hand-over."""
    changes = {"to": [None, county.name], "state": [None, HandoverState.SENT]}
    record(
        actor=actor,
        action="handover.send",
        obj=handover,
        division_path=handover.from_path,
        changes=changes,
    )
    record(
        actor=actor,
        action="handover.receive",
        obj=handover,
        division_path=handover.to_path,
        changes={"from": [None, sender.name], "state": [None, HandoverState.SENT]},
    )


# --- tracing a contact in the actor's own jurisdiction ----------------------------------------


@transaction.atomic
def find_contact(*, actor: User | None, contact: Contact, grid: Division) -> Contact:
    """The contact was found: register them in ``grid`` (of the actor's jurisdiction) and link
    the person record."""
    contact = _locked_contact(contact, actor)
    _traced_here(contact)
    if contact.status not in (ContactStatus.TO_FIND, ContactStatus.LOST):
        raise _wrong_status(contact)
    grid = Division.objects.get(pk=grid.pk)
    ensure_in_scope(actor, grid.path)
    person, _created = register_person(
        actor=actor,
        grid=grid,
        name=contact.name,
        doc_type=contact.doc_type,
        doc_number=contact.doc_number,
        phone=contact.phone,
        address=contact.address,
    )
    before = contact.status
    contact.person = person
    contact.status = ContactStatus.FOUND
    contact.note = ""
    contact.save(update_fields=["person", "status", "note", "updated_at"])
    record(
        actor=actor,
        action="contact.find",
        obj=contact,
        division_path=contact.division_path,
        changes={"status": [before, contact.status], "grid": [None, grid.name]},
    )
    return contact


def _reason(contact: Contact) -> str:
    return (
        _("close contact of case %(number)s") % {"number": contact.case.number}
        if (contact.kind == ContactKind.CLOSE)
        else _("secondary contact of case %(number)s") % {"number": contact.case.number}
    )


@transaction.atomic
def observe_contact(*, actor: User | None, contact: Contact) -> Contact:
    """Start the found contact's centralized observation (14 days from the last exposure)."""
    from fangkong.observation.actions import start_observation
    from fangkong.observation.choices import Kind

    contact = _locked_contact(contact, actor)
    _traced_here(contact)
    if contact.status != ContactStatus.FOUND or contact.person is None:
        raise _wrong_status(contact)
    person = contact.person
    observation, _created = start_observation(
        actor=actor,
        person=person,
        grid=person.grid,
        last_exposure=contact.last_exposure,
        reason=_reason(contact),
        kind=Kind.CENTRALIZED,
    )
    contact.observation = observation
    contact.status = ContactStatus.OBSERVING
    contact.save(update_fields=["observation", "status", "updated_at"])
    record(
        actor=actor,
        action="contact.observe",
        obj=contact,
        division_path=contact.division_path,
        changes={
            "status": [ContactStatus.FOUND, contact.status],
            "observation": [None, observation.pk],
        },
    )
    return contact


@transaction.atomic
def mark_lost(*, actor: User | None, contact: Contact, note: str) -> Contact:
    """The contact cannot be found (失联), with what was tried."""
    contact = _locked_contact(contact, actor)
    _traced_here(contact)
    if contact.status not in (ContactStatus.TO_FIND, ContactStatus.FOUND):
        raise _wrong_status(contact)
    note = _clean_note(note, required=_("Say what was tried to find the contact."))
    before = contact.status
    contact.status = ContactStatus.LOST
    contact.note = note
    contact.save(update_fields=["status", "note", "updated_at"])
    record(
        actor=actor,
        action="contact.lost",
        obj=contact,
        division_path=contact.division_path,
        changes={"status": [before, contact.status]},
        reason=note,
    )
    return contact


def sync_contacts() -> int:
    """Contacts (and hand-overs) whose observation has ended released show released: set-based,
    idempotent; run by the task and before a contact list is read. Returns rows changed."""
    from fangkong.observation.choices import Status as ObservationStatus

    with transaction.atomic():
        n = Contact.objects.filter(
            status=ContactStatus.OBSERVING,
            observation__status=ObservationStatus.RELEASED,
        ).update(status=ContactStatus.RELEASED, updated_at=timezone.now())
        n += Handover.objects.filter(
            state=HandoverState.OBSERVING,
            observation__status=ObservationStatus.RELEASED,
        ).update(state=HandoverState.RELEASED, updated_at=timezone.now())
        n += Contact.objects.filter(
            status=ContactStatus.OBSERVING, handover__state=HandoverState.RELEASED
        ).update(status=ContactStatus.RELEASED, updated_at=timezone.now())
    return n


# --- the receiving county's side of a hand-over ------------------------------------------------


def _locked_handover(handover: Handover, actor: User | None) -> Handover:
    locked = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("contact", "contact__case", "to_division", "from_division")
        .get(pk=handover.pk)
    )
    ensure_in_scope(actor, locked.to_path)
    return locked


def _handover_done(handover: Handover) -> ActionError:
    return ActionError(
        _("This hand-over is %(state)s: this step does not apply.")
        % {"state": handover.get_state_display()},
        code="wrong_state",
    )


def _move(
    actor: User | None,
    handover: Handover,
    state: str,
    *,
    action: str,
    fields: list[str],
    receiver_changes: dict[str, object] | None = None,
    note: str = "",
) -> Handover:
    """Set the hand-over's state and the sender's contact status together; one audit row on
    each side (the sender's says only the state)."""
    before = handover.state
    handover.state = state
    handover.save(update_fields=["state", "updated_at", *fields])
    contact = handover.contact
    status_before = contact.status
    contact.status = STATUS_OF_STATE[HandoverState(state)]
    contact.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action=action,
        obj=handover,
        division_path=handover.to_path,
        changes={"state": [before, state], **(receiver_changes or {})},
        reason=note,
    )
    record(
        actor=actor,
        action=action,
        obj=contact,
        division_path=handover.from_path,
        changes={"state": [before, state], "status": [status_before, contact.status]},
    )
    return handover


@transaction.atomic
def accept_handover(*, actor: User | None, handover: Handover) -> Handover:
    """The receiving county takes the contact on."""
    handover = _locked_handover(handover, actor)
    if handover.state != HandoverState.SENT:
        raise _handover_done(handover)
    handover.accepted_at = timezone.now()
    handover.accepted_by = actor
    return _move(
        actor,
        handover,
        HandoverState.ACCEPTED,
        action="handover.accept",
        fields=["accepted_at", "accepted_by"],
    )


def _accept_implicitly(actor: User | None, handover: Handover) -> list[str]:
    if handover.accepted_at is not None:
        return []
    handover.accepted_at = timezone.now()
    handover.accepted_by = actor
    return ["accepted_at", "accepted_by"]


@transaction.atomic
def handover_found(*, actor: User | None, handover: Handover, grid: Division) -> Handover:
    """The receiving county found the contact: registered in ``grid`` of its jurisdiction."""
    handover = _locked_handover(handover, actor)
    if handover.state not in (HandoverState.SENT, HandoverState.ACCEPTED, HandoverState.NOT_FOUND):
        raise _handover_done(handover)
    grid = Division.objects.get(pk=grid.pk)
    ensure_in_scope(actor, grid.path)
    if not grid.path.startswith(handover.to_path):
        raise ActionError(
            _("Register the contact in a grid of %(county)s.")
            % {"county": handover.to_division.name},
            code="grid_other_county",
            field="grid",
        )
    contact = handover.contact
    person, _created = register_person(
        actor=actor,
        grid=grid,
        name=contact.name,
        doc_type=contact.doc_type,
        doc_number=contact.doc_number,
        phone=contact.phone,
        address=contact.address,
    )
    handover.person = person
    handover.note = ""
    fields = ["person", "note", *_accept_implicitly(actor, handover)]
    return _move(
        actor,
        handover,
        HandoverState.FOUND,
        action="handover.found",
        fields=fields,
        receiver_changes={"person": [None, person.pk], "grid": [None, grid.name]},
    )


@transaction.atomic
def handover_observe(*, actor: User | None, handover: Handover) -> Handover:
    """Start the found contact's centralized observation in the receiving county."""
    from fangkong.observation.actions import start_observation
    from fangkong.observation.choices import Kind

    handover = _locked_handover(handover, actor)
    if handover.state != HandoverState.FOUND or handover.person is None:
        raise _handover_done(handover)
    person = handover.person
    observation, _created = start_observation(
        actor=actor,
        person=person,
        grid=person.grid,
        last_exposure=handover.contact.last_exposure,
        reason=_reason(handover.contact),
        kind=Kind.CENTRALIZED,
    )
    handover.observation = observation
    return _move(
        actor,
        handover,
        HandoverState.OBSERVING,
        action="handover.observe",
        fields=["observation"],
        receiver_changes={"observation": [None, observation.pk]},
    )


@transaction.atomic
def handover_not_found(*, actor: User | None, handover: Handover, note: str) -> Handover:
    """The receiving county could not find the contact (失联), with what was tried."""
    handover = _locked_handover(handover, actor)
    if handover.state not in (HandoverState.SENT, HandoverState.ACCEPTED):
        raise _handover_done(handover)
    handover.note = _clean_note(note, required=_("Say what was tried to find the contact."))
    fields = ["note", *_accept_implicitly(actor, handover)]
    return _move(
        actor,
        handover,
        HandoverState.NOT_FOUND,
        action="handover.not_found",
        fields=fields,
        note=handover.note,
    )


# --- escalation and links to new cases ----------------------------------------------------------


def escalate_overdue_handovers(now: dt.datetime | None = None) -> int:
    """Hand-overs still not accepted past their 2 hours go to the lowest common ancestor of the
    two counties (its command office sees them on its workbench). Set-based: one UPDATE per
    pair of counties; idempotent (an escalated hand-over is not escalated again). Returns how
    many were escalated."""
    now = now or timezone.now()
    overdue = Handover.objects.filter(
        state=HandoverState.SENT, accept_due_at__lte=now, escalated_at__isnull=True
    )
    total = 0
    with transaction.atomic():
        pairs = list(overdue.values_list("from_path", "to_path").distinct())
        parents = {common_path(a, b) for a, b in pairs}
        by_path = {d.path: d for d in Division.objects.filter(path__in=parents)}
        for from_path, to_path in pairs:
            parent = by_path.get(common_path(from_path, to_path))
            if parent is None:
                continue
            ids = list(
                overdue.filter(from_path=from_path, to_path=to_path).values_list("pk", flat=True)
            )
            n = Handover.objects.filter(pk__in=ids, escalated_at__isnull=True).update(
                escalated_at=now, escalated_to=parent, updated_at=now
            )
            total += n
            record(
                actor=None,
                action="handover.escalate",
                object_type="tracing.handover",
                object_id=",".join(str(i) for i in ids[:10]),
                object_repr=_("%(n)s hand-overs not accepted in time") % {"n": n},
                division_path=parent.path,
                changes={"escalated_to": [None, parent.name], "count": [0, n]},
            )
    return total


@transaction.atomic
def link_case_to_contacts(case: Case, actor: User | None = None) -> int:
    """A case was reported for a person who is an open contact (of any case): the contact
    records point to the new case and show "became a case" (their hand-over too). Called by
    ``cases`` through ``tracing/registry.py`` ``ON_CASE_REPORTED``. Returns contacts linked."""
    from fangkong.cases.models import Case

    case = Case.objects.select_related("person").get(pk=case.pk)
    contacts = list(
        Contact.objects.select_for_update()
        .filter(
            doc_type=case.person.doc_type,
            doc_number=case.person.doc_number,
            status__in=OPEN_STATUSES,
        )
        .exclude(case_id=case.pk)
        .values_list("pk", "status", "division_path")
    )
    if not contacts:
        return 0
    ids = [pk for pk, _status, _path in contacts]
    Contact.objects.filter(pk__in=ids).update(
        became_case=case, status=ContactStatus.BECAME_CASE, updated_at=timezone.now()
    )
    handovers = list(
        Handover.objects.filter(contact_id__in=ids).values_list("pk", "state", "to_path")
    )
    Handover.objects.filter(contact_id__in=ids).update(
        state=HandoverState.BECAME_CASE, updated_at=timezone.now()
    )
    for pk, status, path in contacts:
        record(
            actor=actor,
            action="contact.became_case",
            object_type="tracing.contact",
            object_id=str(pk),
            object_repr=_("contact %(id)s") % {"id": pk},
            division_path=path,
            changes={"status": [status, ContactStatus.BECAME_CASE]},
        )
    for pk, state, path in handovers:
        record(
            actor=actor,
            action="contact.became_case",
            object_type="tracing.handover",
            object_id=str(pk),
            object_repr=_("hand-over %(id)s") % {"id": pk},
            division_path=path,
            changes={"state": [state, HandoverState.BECAME_CASE]},
        )
    return len(ids)
