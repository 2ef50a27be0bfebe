"""Every write to the person registry, each audited in its own transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope, path_in_scope
from fangkong.core.validators import check_text, clean_phone
from fangkong.people.choices import DocType, Sex
from fangkong.people.idcard import (
    EARLIEST_BIRTH_YEAR,
    InvalidIdNumber,
    normalise,
    parse_resident_id,
)
from fangkong.people.models import Household, Person, PersonMove
from fangkong.people.permissions import PeoplePerm
from fangkong.regions.selectors import check_active_grid

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.regions.models import Division

MAX_ADDRESS = 200  # Person.address, Household.address
PERSON_FIELDS = [
    "name",
    "doc_type",
    "doc_number",
    "sex",
    "birth_date",
    "phone",
    "address",
    "grid",
    "household",
]


@dataclass(frozen=True)
class Identity:
    doc_type: str
    doc_number: str
    sex: str
    birth_date: dt.date | None


DOC_TYPES = frozenset(DocType.values)
SEXES = frozenset(Sex.values)


def clean_identity(
    doc_type: str,
    doc_number: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> Identity:
    """Validate a document; for a resident ID, sex and birth date come from the number and a
    form's values must not contradict it. Raises ActionError with the reason. ``today`` lets a
    caller checking many rows (an import) read the clock once."""
    if doc_type not in DOC_TYPES:
        raise ActionError(_("Choose a document type."), code="bad_doc_type", field="doc_type")
    if sex and sex not in SEXES:
        raise ActionError(_("Choose male, female or unknown."), code="bad_sex", field="sex")
    if doc_type == DocType.RESIDENT_ID:
        try:
            rid = parse_resident_id(doc_number, today=today)
        except InvalidIdNumber as exc:
            raise ActionError(str(exc), code="bad_id_number", field="doc_number") from exc
        if sex and sex != Sex.UNKNOWN and sex != rid.sex:
            raise ActionError(
                _("The sex does not match the ID number (which says %(sex)s).")
                % {"sex": Sex(rid.sex).label},
                code="sex_mismatch",
                field="sex",
            )
        if birth_date and birth_date != rid.birth_date:
            raise ActionError(
                _("The birth date does not match the ID number (which says %(date)s).")
                % {"date": rid.birth_date.isoformat()},
                code="birth_date_mismatch",
                field="birth_date",
            )
        return Identity(DocType.RESIDENT_ID, rid.number, rid.sex, rid.birth_date)
    number = normalise(doc_number)
    if not (4 <= len(number) <= 32) or not number.isascii() or not number.isalnum():
        raise ActionError(
            _("A document number has 4 to 32 letters and digits."),
            code="bad_doc_number",
            field="doc_number",
        )
    if birth_date and birth_date > (today or timezone.localdate()):
        raise ActionError(
            _("The birth date is in the future."), code="future_birth_date", field="birth_date"
        )
    if birth_date and birth_date.year < EARLIEST_BIRTH_YEAR:
        raise ActionError(
            _("The birth date is impossible."), code="impossible_birth_date", field="birth_date"
        )
    return Identity(doc_type, number, sex or Sex.UNKNOWN, birth_date)


def clean_name(name: str) -> str:
    name = check_text(" ".join((name or "").split()), field="name")
    if not name:
        raise ActionError(_("Enter the person's name."), code="name_required", field="name")
    if len(name) > 50:
        raise ActionError(
            _("A name has at most 50 characters."), code="name_too_long", field="name"
        )
    return name


def _check_grid(grid: Division) -> None:
    check_active_grid(grid, not_a_grid=_("People are registered in a grid."))


def _clean_address(address: str) -> str:
    address = check_text(" ".join((address or "").split()), field="address")
    if len(address) > MAX_ADDRESS:
        raise ActionError(
            _("An address has at most %(max)d characters.") % {"max": MAX_ADDRESS},
            code="address_too_long",
            field="address",
        )
    return address


def _household(grid: Division, address: str) -> Household | None:
    """The household at this address of the grid, made on first use."""
    if not address:
        return None
    household, _created = Household.objects.get_or_create(
        grid=grid, address=address, defaults={"division_path": grid.path}
    )
    return household


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def _known_person(actor: User | None, person: Person, grid: Division, name: str) -> Person:
    """Someone registers a person whose record they can see already: the same person, found.

    The name must agree with the record, or the number is probably mistyped and nothing is
    done. (The record is inside the actor's jurisdiction, so saying so discloses nothing.)
    """
    if not _same_name(person.name, name):
        raise ActionError(
            _(
                "This document number is already registered under another name. Check the "
                "number and the name."
            ),
            code="name_mismatch",
            field="doc_number",
        )
    return person


def _find(identity: Identity) -> Person | None:
    """The current record of this identity, locked, or None."""
    return (
        Person.objects.select_for_update()
        .select_related("grid")
        .filter(
            doc_type=identity.doc_type, doc_number=identity.doc_number, moved_out_at__isnull=True
        )
        .first()
    )


def _sees(actor: User | None, person: Person) -> bool:
    return actor is None or path_in_scope(actor, person.division_path)


def area_towards(start: Division, end: Division) -> Division:
    """Where ``end`` lies, as seen from ``start``: the child of their common ancestor on the way
    to ``end`` (from a grid of 南关区 to one of 吉林市: 吉林市; to another grid of the same
    village: that grid)."""
    from fangkong.regions.models import Division

    ours, theirs = start.path.strip("/").split("/"), end.path.strip("/").split("/")
    depth = 0
    while depth < min(len(ours), len(theirs)) - 1 and ours[depth] == theirs[depth]:
        depth += 1
    if depth < len(theirs) - 1 or ours[depth] != theirs[depth]:
        return Division.objects.get(path="/".join(theirs[: depth + 1]) + "/")
    return end


def _relocate(
    actor: User | None, old: Person, grid: Division, fresh: Person
) -> tuple[Person, bool]:
    """A person whose current record lies outside the actor's jurisdiction registers where
    they live now. The actor's jurisdiction gets a record of its own, made of what the actor
    typed, and the answer is the same as for an identity never seen (nothing of the other
    record is returned, not even that it exists). The old record stays where it was, with its
    history, marked moved out; that jurisdiction is told where to (``area_towards``) and when,
    and, if the names differ, that the number should be checked. Audited on both sides."""
    old.moved_out_at = timezone.now()
    old.save(update_fields=["moved_out_at", "updated_at"])
    fresh.household = _household(grid, fresh.address)
    fresh.save()
    _audit_creation(actor, fresh, grid)
    to_area, from_area = area_towards(old.grid, grid), area_towards(grid, old.grid)
    name_differs = not _same_name(old.name, fresh.name)
    PersonMove.objects.create(
        person=old,
        successor=fresh,
        from_grid=old.grid,
        from_path=old.division_path,
        to_grid=grid,
        to_path=grid.path,
        to_area=to_area,
        name_differs=name_differs,
        moved_by=actor,
    )
    reason = _("registered where they now live")
    moved_to: dict[str, Any] = {"moved_to": [None, f"{to_area.name} ({to_area.code})"]}
    if name_differs:
        moved_to["name_differs"] = [None, True]
    record(
        actor=actor,
        action="person.move_out",
        obj=old,
        division_path=old.division_path,
        changes=moved_to,
        reason=reason,
    )
    record(
        actor=actor,
        action="person.move_in",
        obj=fresh,
        division_path=grid.path,
        changes={"moved_from": [None, f"{from_area.name} ({from_area.code})"]},
        reason=reason,
    )
    return fresh, True


def _audit_creation(actor: User | None, person: Person, grid: Division) -> None:
    record(
        actor=actor,
        action="person.create",
        obj=person,
        division_path=grid.path,
        changes=diff({}, snapshot(person, ["name", "doc_type", "sex", "birth_date", "grid"])),
    )


@transaction.atomic
def register_person(
    *,
    actor: User | None,
    grid: Division,
    name: str,
    doc_type: str,
    doc_number: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    address: str = "",
) -> tuple[Person, bool]:
    """Find the person with this identity, or register them in ``grid``. Returns (person,
    created). A person whose record the actor can see is found (``created`` false). A person
    known only outside the actor's jurisdiction is registered here anew, exactly as if the
    identity were new, and their old record stays behind as history (``_relocate``).

    Safe under concurrency: two people registering the same identity at once get one record
    (the unique constraint decides; the loser finds the winner's row).
    """
    ensure_in_scope(actor, grid.path)
    _check_grid(grid)
    identity = clean_identity(doc_type, doc_number, sex, birth_date)
    name = clean_name(name)
    phone = clean_phone(phone, required=False)
    address = _clean_address(address)
    existing = _find(identity)
    if existing is not None and _sees(actor, existing):
        return _known_person(actor, existing, grid, name), False
    person = Person(
        name=name,
        doc_type=identity.doc_type,
        doc_number=identity.doc_number,
        sex=identity.sex,
        birth_date=identity.birth_date,
        phone=phone,
        address=address,
        grid=grid,
        division_path=grid.path,
    )
    if existing is not None:
        return _relocate(actor, existing, grid, person)
    try:
        with transaction.atomic():  # a lost race leaves no household behind either
            person.household = _household(grid, address)
            person.save()
    except IntegrityError:  # registered concurrently by someone else: theirs is the record
        existing = _find(identity)
        if existing is None:  # pragma: no cover - an integrity error of another kind
            raise
        if not _sees(actor, existing):
            person.pk = None
            return _relocate(actor, existing, grid, person)
        return _known_person(actor, existing, grid, name), False
    _audit_creation(actor, person, grid)
    return person, True


@transaction.atomic
def update_person(
    *,
    actor: User | None,
    person: Person,
    name: str,
    phone: str = "",
    address: str = "",
    sex: str | None = None,
    birth_date: dt.date | None = None,
) -> Person:
    person = Person.objects.select_for_update().select_related("grid").get(pk=person.pk)
    ensure_in_scope(actor, person.division_path)
    before = snapshot(person, PERSON_FIELDS)
    identity = clean_identity(person.doc_type, person.doc_number, sex, birth_date)
    person.name = clean_name(name)
    person.phone = clean_phone(phone, required=False)
    person.address = _clean_address(address)
    person.sex, person.birth_date = identity.sex, identity.birth_date
    person.household = _household(person.grid, person.address)
    changes = diff(before, snapshot(person, PERSON_FIELDS))
    if changes:
        person.save()
        # Numbers and phones are personal data: the audit row says they changed, not to what.
        for key in ("doc_number", "phone"):
            if key in changes:
                changes[key] = ["***", "***"]
        record(
            actor=actor,
            action="person.update",
            obj=person,
            division_path=person.division_path,
            changes=changes,
        )
    return person


def _move(actor: User | None, person: Person, grid: Division, reason: str) -> None:
    _check_grid(grid)
    old = person.grid
    PersonMove.objects.create(
        person=person,
        from_grid=old,
        from_path=old.path,
        to_grid=grid,
        to_path=grid.path,
        to_area=area_towards(old, grid),
        moved_by=actor,
    )
    person.grid, person.division_path = grid, grid.path
    person.household = _household(grid, person.address)
    person.save(update_fields=["grid", "division_path", "household", "updated_at"])
    changes = {"grid": [old.code, grid.code]}
    record(
        actor=actor,
        action="person.move",
        obj=person,
        division_path=grid.path,
        changes=changes,
        reason=reason,
    )
    # The grid they left (and whoever is above it only) keeps a trace of where they went.
    record(
        actor=actor,
        action="person.move_out",
        obj=person,
        division_path=old.path,
        changes=changes,
        reason=reason,
    )


@transaction.atomic
def move_person(*, actor: User | None, person: Person, grid: Division) -> Person:
    """Move a person to another grid; both must be inside the actor's jurisdiction."""
    person = Person.objects.select_for_update().select_related("grid").get(pk=person.pk)
    ensure_in_scope(actor, person.division_path)
    ensure_in_scope(actor, grid.path)
    if person.moved_out_at is not None:
        raise ActionError(
            _(
                "This person has moved to another jurisdiction; this record stays as their "
                "history here. Register them again where they live."
            ),
            code="moved_away",
            field="grid",
        )
    if person.grid_id != grid.pk:
        _move(actor, person, grid, reason=_("moved"))
    return person


@transaction.atomic
def reveal_person(*, actor: User, person: Person, reason: str = "") -> Person:
    """Show the unmasked ID number and phone: allowed by role, and always audited."""
    person = Person.objects.select_related("grid").get(pk=person.pk)  # where they are now
    ensure_in_scope(actor, person.division_path)
    if not actor.has_perm(PeoplePerm.VIEW_UNMASKED):
        raise ActionError(
            _("Your role may not see full ID numbers and phones."), code="forbidden_unmask"
        )
    record(
        actor=actor,
        action="person.reveal",
        obj=person,
        division_path=person.division_path,
        reason=(reason or "")[:200],
    )
    return person


@transaction.atomic
def reveal_people(*, actor: User, people: list[Person], reason: str = "") -> list[Person]:
    """A page of people shown unmasked (the API's ``?unmasked=1``): one audit row each, so
    each person's jurisdiction sees who looked at them."""
    if not actor.has_perm(PeoplePerm.VIEW_UNMASKED):
        raise ActionError(
            _("Your role may not see full ID numbers and phones."), code="forbidden_unmask"
        )
    for person in people:
        ensure_in_scope(actor, person.division_path)
    for person in people:
        record(
            actor=actor,
            action="person.reveal",
            obj=person,
            division_path=person.division_path,
            reason=(reason or "")[:200],
        )
    return people
