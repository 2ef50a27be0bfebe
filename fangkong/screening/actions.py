"""Every write of the screening module: key areas and screenings, each audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope, path_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import check_text, clean_phone
from fangkong.observation import actions as observation_actions
from fangkong.observation.choices import Kind, Status
from fangkong.observation.models import Observation
from fangkong.people.actions import register_person
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.health import clean_symptoms, clean_temperature
from fangkong.people.idcard import PROVINCES
from fangkong.people.models import Household, Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import check_active_grid
from fangkong.screening.choices import Contact, Outcome, Transport
from fangkong.screening.models import KeyArea, Screening
from fangkong.screening.rules import Area, Assessment, Facts, Place, assess
from fangkong.screening.validators import clean_past_date, clean_place_code, clean_uuid

if TYPE_CHECKING:
    from fangkong.accounts.models import User

COMMAND_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY)
MAX_TRAVEL = 20
HOUSEHOLD_MAX = 50


# --- key areas ---------------------------------------------------------------------------------


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = check_text(" ".join((value or "").split()), field=field)
    if required and not text:
        raise ActionError(_("This field is required."), code="required", field=field)
    if len(text) > max_length:
        raise ActionError(
            _("At most %(max)s characters.") % {"max": max_length}, code="too_long", field=field
        )
    return text


@transaction.atomic
def declare_key_area(
    *,
    actor: User | None,
    division: Division,
    code: str,
    name: str = "",
    start_date: dt.date,
    end_date: dt.date | None = None,
    note: str = "",
) -> KeyArea:
    """A command office (province, city or county) declares a key area (重点地区); it holds
    for screenings in the office's own subtree."""
    division = Division.objects.get(pk=division.pk)
    ensure_in_scope(actor, division.path)
    if division.level not in COMMAND_LEVELS:
        raise ActionError(
            _("Key areas are declared by the command office of a province, city or county."),
            code="not_a_command_office",
        )
    code = clean_place_code(code, field="code", required=True)
    name = clean_text(name, field="name", max_length=100) or PROVINCES.get(code, "")
    if not name:
        raise ActionError(_("Enter the name of the area."), code="required", field="name")
    check_date(start_date, field="start_date")  # 1900-2100: "+14 days" never overflows
    check_date(end_date, field="end_date")
    if end_date is not None and end_date < start_date:
        raise ActionError(
            _("The end date is before the start date."), code="end_before_start", field="end_date"
        )
    clash = KeyArea.objects.filter(division_path=division.path, code=code).filter(
        end_date__isnull=True
    )
    if end_date is None and clash.exists():
        raise ActionError(
            _("%(name)s is already a key area declared here; end it first.") % {"name": name},
            code="key_area_exists",
            field="code",
        )
    area = KeyArea.objects.create(
        code=code,
        name=name,
        start_date=start_date,
        end_date=end_date,
        declared_by=division,
        division_path=division.path,
        note=clean_text(note, field="note", max_length=200),
        created_by=actor,
    )
    record(
        actor=actor,
        action="key_area.declare",
        obj=area,
        division_path=division.path,
        changes=diff({}, snapshot(area, ["code", "name", "start_date", "end_date"])),
    )
    return area


@transaction.atomic
def end_key_area(
    *, actor: User | None, area: KeyArea, end_date: dt.date | None = None, note: str = ""
) -> KeyArea:
    """The area stops being a key area after ``end_date`` (inclusive; default today)."""
    area = KeyArea.objects.select_for_update().get(pk=area.pk)
    ensure_in_scope(actor, area.division_path)
    if area.end_date is not None:
        raise ActionError(
            _("This key area already ended on %(date)s.") % {"date": area.end_date.isoformat()},
            code="already_ended",
        )
    end_date = check_date(end_date, field="end_date") or timezone.localdate()
    if end_date < area.start_date:
        raise ActionError(
            _("The end date is before the start date (%(date)s).")
            % {"date": area.start_date.isoformat()},
            code="end_before_start",
            field="end_date",
        )
    area.end_date = end_date
    area.save(update_fields=["end_date"])
    record(
        actor=actor,
        action="key_area.end",
        obj=area,
        division_path=area.division_path,
        changes={"end_date": [None, end_date.isoformat()]},
        reason=clean_text(note, field="note", max_length=200),
    )
    return area


# --- screenings --------------------------------------------------------------------------------


def key_areas_for(path: str) -> list[Area]:
    """The key areas that hold for a grid at ``path`` (declared at or above it)."""
    return [
        Area(a.code, a.name, a.start_date, a.end_date)
        for a in KeyArea.objects.applying_to(path).only("code", "name", "start_date", "end_date")
    ]


@dataclass(frozen=True)
class CleanFacts:
    """A screening's facts once checked: what the rules read, and what is stored besides."""

    facts: Facts
    temperature: Decimal
    phone: str
    address: str
    origin_code: str
    origin_name: str
    travel: list[dict[str, str]]
    transport: str
    transport_number: str
    household_size: int
    measures: str


def _place(entry: Mapping[str, Any], *, field: str, screened_on: dt.date, what: str) -> Place:
    code = clean_place_code(entry.get("code"), field=field)
    name = clean_text(entry.get("name"), field=field, max_length=100) or PROVINCES.get(code, "")
    if not name:
        raise ActionError(
            _("Name the place (a place outside China has no code)."), code="required", field=field
        )
    when = entry.get("date")
    if isinstance(when, str):
        try:
            when = dt.date.fromisoformat(when)
        except ValueError:
            when = None
    date = clean_past_date(when, field=field, label=what, required=True, not_after=screened_on)
    assert date is not None
    return Place(code, name, date)


def clean_screening(
    *,
    temperature: Any,
    screened_on: dt.date | None = None,
    symptoms: Iterable[str] = (),
    phone: str = "",
    address: str = "",
    arrival_date: dt.date | None = None,
    origin_code: str = "",
    origin_name: str = "",
    travel: Iterable[Mapping[str, Any]] = (),
    transport: str = "",
    transport_number: str = "",
    contact: str = Contact.NONE,
    contact_date: dt.date | None = None,
    household_size: int | None = 1,
    measures: str = "",
) -> CleanFacts:
    """Check every fact of a screening; the first problem raises ActionError with its field."""
    today = timezone.localdate()
    screened = clean_past_date(
        screened_on or today, field="screened_on", label=_("screening date"), required=True
    )
    assert screened is not None
    value = clean_temperature(temperature)
    chosen = clean_symptoms(symptoms)
    arrival = None
    arrived = clean_past_date(
        arrival_date, field="arrival_date", label=_("arrival date"), not_after=screened
    )
    code = clean_place_code(origin_code, field="origin_code")
    place = clean_text(origin_name, field="origin_name", max_length=100) or PROVINCES.get(code, "")
    if arrived is not None or code or place:
        if arrived is None:
            raise ActionError(
                _("Enter the arrival date, or leave the origin empty."),
                code="date_required",
                field="arrival_date",
            )
        if not place:
            raise ActionError(
                _("Enter where the person arrived from."), code="required", field="origin_name"
            )
        arrival = Place(code, place, arrived)
    entries = list(travel or ())
    if len(entries) > MAX_TRAVEL:
        raise ActionError(
            _("At most %(max)s places of travel.") % {"max": MAX_TRAVEL},
            code="too_many_places",
            field="travel",
        )
    stops = [
        _place(e, field="travel", screened_on=screened, what=_("travel date")) for e in entries
    ]
    if transport and transport not in Transport.values:
        raise ActionError(
            _("Choose a means of transport."), code="bad_transport", field="transport"
        )
    number = "".join((transport_number or "").split()).upper()
    if number and (len(number) > 16 or not number.isascii() or not number.isalnum()):
        raise ActionError(
            _("A train or flight number has letters and digits only (G1234, CZ6101)."),
            code="bad_transport_number",
            field="transport_number",
        )
    if contact not in Contact.values:
        raise ActionError(_("Choose a contact history."), code="bad_contact", field="contact")
    met = None
    if contact != Contact.NONE:
        met = clean_past_date(
            contact_date,
            field="contact_date",
            label=_("date of the last contact"),
            required=True,
            not_after=screened,
        )
    size = household_size if household_size is not None else 1
    if not 1 <= size <= HOUSEHOLD_MAX:
        raise ActionError(
            _("The household has between 1 and %(max)s members.") % {"max": HOUSEHOLD_MAX},
            code="bad_household_size",
            field="household_size",
        )
    return CleanFacts(
        facts=Facts(
            screened_on=screened,
            temperature=value,
            symptoms=chosen,
            arrival=arrival,
            travel=stops,
            contact=contact,
            contact_date=met,
        ),
        temperature=value,
        phone=clean_phone(phone, required=True),
        address=clean_text(address, field="address", max_length=200, required=True),
        origin_code=code,
        origin_name=place if arrival else "",
        travel=[{"code": s.code, "name": s.name, "date": s.date.isoformat()} for s in stops],
        transport=transport,
        transport_number=number,
        household_size=size,
        measures=clean_text(measures, field="measures", max_length=200),
    )


def new_screening(
    clean: CleanFacts,
    assessment: Assessment,
    *,
    client_uuid: uuid.UUID | None,
    created_by: User | None,
    measures: str | None = None,
    **where: Any,
) -> Screening:
    """The (unsaved) screening of checked facts and the rules' assessment of them. ``where``
    names the person, grid and ``division_path`` (as objects or ``*_id``)."""
    return Screening(
        **where,
        screened_on=clean.facts.screened_on,
        phone=clean.phone,
        address=clean.address,
        arrival_date=clean.facts.arrival.date if clean.facts.arrival else None,
        origin_code=clean.origin_code,
        origin_name=clean.origin_name,
        travel=clean.travel,
        transport=clean.transport,
        transport_number=clean.transport_number,
        contact=clean.facts.contact,
        contact_date=clean.facts.contact_date,
        temperature=clean.temperature,
        symptoms=list(clean.facts.symptoms),
        measures=clean.measures if measures is None else measures,
        household_size=clean.household_size,
        outcome=assessment.outcome,
        reasons=[r.as_dict() for r in assessment.reasons],
        last_exposure=assessment.last_exposure,
        client_uuid=client_uuid,
        created_by=created_by,
    )


def screening_grid(actor: User | None, grid: Division) -> Division:
    grid = Division.objects.get(pk=grid.pk)
    ensure_in_scope(actor, grid.path)
    check_active_grid(grid, not_a_grid=_("Screenings are registered in a grid."))
    return grid


def observation_reason(assessment: Assessment) -> str:
    picked = [
        str(r)
        for r in assessment.reasons
        if r.code in ("arrival_key_area", "travel_key_area", "contact")
    ]
    return " ".join(picked)


@transaction.atomic
def register_screening(
    *,
    actor: User | None,
    grid: Division,
    name: str,
    doc_number: str,
    doc_type: str = DocType.RESIDENT_ID,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    client_uuid: Any = None,
    household: Household | None = None,
    **facts: Any,
) -> Screening:
    """Register a screening of a person (found by their document, or registered) in ``grid``.

    ``household``: the household of the member screened just before (同户下一位); the person
    joins it, if their record is not in it already.

    The rules decide the outcome. Home observation starts an observation in the same
    transaction; a referral refers the person's active observation, or marks them referred.
    ``facts`` are the keyword arguments of :func:`clean_screening`. With ``client_uuid``, sending
    the same screening again returns the stored one.
    """
    grid = screening_grid(actor, grid)
    key = clean_uuid(client_uuid) if client_uuid not in (None, "") else None
    if key is not None:
        stored = Screening.objects.filter(client_uuid=key).first()
        if stored is not None:
            ensure_in_scope(actor, stored.division_path)
            return stored
    clean = clean_screening(**facts)
    person, _created = register_person(
        actor=actor,
        grid=grid,
        name=name,
        doc_type=doc_type,
        doc_number=doc_number,
        sex=sex,
        birth_date=birth_date,
        phone=clean.phone,
        address=clean.address,
    )
    if household is not None:
        join_household(actor=actor, person=person, household=household)
    assessment = assess(clean.facts, key_areas_for(grid.path))
    screening = new_screening(
        clean,
        assessment,
        client_uuid=key,
        created_by=actor,
        person=person,
        grid=grid,
        division_path=grid.path,
    )
    try:
        with transaction.atomic():
            screening.save()
    except IntegrityError:  # the same client_uuid, stored concurrently
        return Screening.objects.get(client_uuid=key)
    record(
        actor=actor,
        action="screening.create",
        obj=screening,
        division_path=grid.path,
        changes={
            "person": [None, str(person.pk)],
            "screened_on": [None, screening.screened_on.isoformat()],
            "outcome": [None, screening.outcome],
        },
    )
    follow_up_screening(actor=actor, screening=screening, assessment=assessment)
    return screening


def join_household(*, actor: User | None, person: Person, household: Household) -> None:
    """Record ``person`` as a member of ``household`` (in the caller's transaction, audited);
    nothing happens when they are one already."""
    household = Household.objects.get(pk=household.pk)
    ensure_in_scope(actor, household.division_path)
    if person.household_id == household.pk:
        return
    before = person.household_id
    Person.objects.filter(pk=person.pk).update(household=household, updated_at=timezone.now())
    person.household = household
    record(
        actor=actor,
        action="person.update",
        obj=person,
        division_path=person.division_path,
        changes={"household": [str(before) if before else None, str(household.pk)]},
        reason=_("registered as a member of the same household"),
    )


def new_client_uuid() -> str:
    return str(uuid.uuid4())


def follow_up_screening(
    *, actor: User | None, screening: Screening, assessment: Assessment
) -> None:
    """What an outcome sets in motion, in the caller's transaction: home observation starts an
    observation; a referral refers the person's active observation, or marks them referred.
    Shared by :func:`register_screening` and the file import (fangkong/screening/importer.py),
    which calls it for the few imported rows whose outcome is not "no risk"."""
    person = screening.person
    if assessment.outcome == Outcome.HOME_OBSERVATION and assessment.last_exposure:
        observation_actions.start_observation(
            actor=actor,
            person=person,
            grid=screening.grid,
            last_exposure=assessment.last_exposure,
            reason=observation_reason(assessment),
            kind=Kind.HOME,
            start_date=screening.screened_on,
            source_screening=screening,
        )
    elif assessment.outcome == Outcome.FEVER_CLINIC:
        note = _("Screening of %(date)s: referral to a fever clinic.") % {
            "date": screening.screened_on.isoformat()
        }
        active = Observation.objects.filter(person=person, status=Status.ACTIVE).first()
        if active is not None and (actor is None or path_in_scope(actor, active.division_path)):
            observation_actions.refer_observation(actor=actor, observation=active, note=note)
        else:
            # An observation kept by another jurisdiction stays theirs to end; the person's
            # status tells them.
            status = observation_actions.set_person_status(person.pk, PersonStatus.REFERRED)
            record(
                actor=actor,
                action="person.status",
                obj=person,
                division_path=person.division_path,
                changes={"status": status},
                reason=note,
            )
