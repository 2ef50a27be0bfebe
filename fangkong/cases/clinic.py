"""First diagnosis at the fever clinic (首诊负责制): every write of a clinic visit.

``register_visit`` records a patient seen at a fever clinic, referred by a grid (the referral
then shows as arrived) or walking in, with the epidemiological history pre-filled from the
person's screenings, observations and checkpoint passages (``epi_history_for``).
``decide_visit`` records the doctor's decision, once: home observation (observation app),
a suspected case isolated on the spot (``cases.actions.report_case``), or no risk.
Each runs in one transaction with its audit row, inside the actor's jurisdiction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.cases import actions as case_actions
from fangkong.cases.choices import Category, Decision, Importation, Occupation
from fangkong.cases.models import Case, ClinicVisit
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction, ensure_in_scope, path_in_scope
from fangkong.core.validators import clean_prose
from fangkong.medical.choices import FacilityKind
from fangkong.medical.models import Facility
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.models import Observation
from fangkong.people.choices import OBSERVATION_DAYS, Symptom
from fangkong.people.health import clean_symptoms, clean_temperature
from fangkong.people.idcard import InvalidIdNumber, normalise, parse_resident_id
from fangkong.people.models import Person
from fangkong.screening.choices import Contact
from fangkong.screening.choices import Outcome as ScreeningOutcome
from fangkong.screening.models import Screening

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.regions.models import Division

REFERRAL_OPEN_DAYS = 3  # a visit answers a referral made within the last 3 days
HISTORY_DAYS = OBSERVATION_DAYS  # the history looks back 14 days
HISTORY_MAX = 2000  # characters of the epidemiological history
VISIT_BACKDATE_DAYS = 7
ENTRY_SLACK = dt.timedelta(
    hours=1
)  # a visit's time is typed to the minute, often rounded; it may be entered up to 7 days late
CLINIC_KINDS = (FacilityKind.FEVER_CLINIC, FacilityKind.DESIGNATED_HOSPITAL)


# --- reading what a visit starts from -------------------------------------------------------


def _document_number(doc_number: str) -> str:
    """A typed document number as stored: spaces and full-width characters gone, a resident ID
    normalised (15 digits become 18, a lower-case x an X)."""
    number = normalise(" ".join((doc_number or "").split()))[:40]
    with contextlib.suppress(InvalidIdNumber):
        number = parse_resident_id(number).number
    return number


def find_person(user: User | AnonymousUser, doc_number: str) -> Person | None:
    """The person with this document number among those the user may see; None when none."""
    number = _document_number(doc_number)
    if not number:
        return None
    return (
        Person.objects.visible_to(user)
        .select_related("grid")
        .filter(doc_number=number)
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class Referral:
    """A referral to a fever clinic the person has not yet answered by a visit: a screening
    with the outcome fever clinic, or an observation ended as referred."""

    at: dt.datetime
    screening: Screening | None = None
    observation: Observation | None = None

    def __str__(self) -> str:
        if self.screening is not None:
            return _("screening of %(day)s in %(grid)s: referred to a fever clinic") % {
                "day": self.screening.screened_on.isoformat(),
                "grid": self.screening.grid.name,
            }
        assert self.observation is not None
        return _("medical observation in %(grid)s ended on %(day)s: referred") % {
            "day": self.observation.ended_on.isoformat() if self.observation.ended_on else "",
            "grid": self.observation.grid.name,
        }


def open_referral(person: Person, at: dt.datetime | None = None) -> Referral | None:
    """The person's latest referral within the last 3 days before ``at`` not yet answered by a
    visit (no visit of the person since it was made)."""
    at = at or timezone.now()
    since = at - dt.timedelta(days=REFERRAL_OPEN_DAYS)
    until = at + ENTRY_SLACK
    last_visit = (
        ClinicVisit.objects.filter(person_id=person.pk, visited_at__lte=at)
        .order_by("-visited_at")
        .values_list("visited_at", flat=True)
        .first()
    )
    floor = max(since, last_visit) if last_visit else since
    screening = (
        Screening.objects.filter(
            person_id=person.pk,
            outcome=ScreeningOutcome.FEVER_CLINIC,
            created_at__gte=floor,
            created_at__lte=until,
        )
        .select_related("grid")
        .order_by("-created_at")
        .first()
    )
    observation = (
        Observation.objects.filter(
            person_id=person.pk,
            status=ObservationStatus.REFERRED,
            updated_at__gte=floor,
            updated_at__lte=until,
        )
        .select_related("grid")
        .order_by("-updated_at")
        .first()
    )
    found = [
        r
        for r in (
            Referral(screening.created_at, screening=screening) if screening else None,
            Referral(observation.updated_at, observation=observation) if observation else None,
        )
        if r is not None
    ]
    return max(found, key=lambda r: r.at) if found else None


def _labels(values: list[str]) -> str:
    labels = dict(Symptom.choices)
    return "、".join(str(labels.get(v, v)) for v in values)


def _screening_line(s: Screening) -> str:
    parts = [
        _("%(day)s screening in %(grid)s: %(temperature)s ℃")
        % {"day": s.screened_on.isoformat(), "grid": s.grid.name, "temperature": s.temperature}
    ]
    if s.symptoms:
        parts.append(_("symptoms: %(symptoms)s") % {"symptoms": _labels(s.symptoms)})
    places = [str(t.get("name") or t.get("code") or "") for t in s.travel or [] if t]
    if places:
        parts.append(_("travel in the last 14 days: %(places)s") % {"places": "、".join(places)})
    if s.arrival_date or s.origin_name:
        parts.append(
            _("arrived %(day)s from %(origin)s")
            % {
                "day": s.arrival_date.isoformat() if s.arrival_date else "?",
                "origin": s.origin_name or "?",
            }
        )
    if s.transport_number:
        parts.append(_("by %(number)s") % {"number": s.transport_number})
    if s.contact and s.contact != Contact.NONE:
        parts.append(
            _("contact with %(whom)s on %(day)s")
            % {
                "whom": Contact(s.contact).label,
                "day": s.contact_date.isoformat() if s.contact_date else "?",
            }
        )
    parts.append(_("outcome: %(outcome)s") % {"outcome": ScreeningOutcome(s.outcome).label})
    return "；".join(parts)


def _observation_line(o: Observation) -> str:
    line = _("%(kind)s in %(grid)s from %(start)s to %(end)s (%(status)s)") % {
        "kind": o.get_kind_display(),
        "grid": o.grid.name,
        "start": o.start_date.isoformat(),
        "end": o.last_day.isoformat(),
        "status": o.get_status_display(),
    }
    if o.reason:
        line += "；" + _("reason: %(reason)s") % {"reason": o.reason}
    if o.last_temperature is not None:
        line += "；" + _("last check-in %(day)s: %(temperature)s ℃") % {
            "day": o.last_check_in_on.isoformat() if o.last_check_in_on else "?",
            "temperature": o.last_temperature,
        }
    return line


def _passage_lines(person: Person, since: dt.date) -> list[str]:
    from fangkong.checkpoints.models import PassagePerson

    entries = (
        PassagePerson.objects.filter(person_id=person.pk, passage__passed_at__date__gte=since)
        .select_related("passage__checkpoint")
        .order_by("-passage__passed_at")[:5]
    )
    lines = []
    for e in entries:
        line = _("%(at)s passed checkpoint %(checkpoint)s from %(origin)s, %(temperature)s ℃") % {
            "at": timezone.localtime(e.passage.passed_at).strftime("%Y-%m-%d %H:%M"),
            "checkpoint": e.passage.checkpoint.name,
            "origin": e.origin_name,
            "temperature": e.temperature,
        }
        if e.flagged:
            line += "；" + _("flagged") + (f"（{e.key_area}）" if e.key_area else "")
        lines.append(line)
    return lines


def epi_history_for(person: Person, today: dt.date | None = None) -> str:
    """The epidemiological history of the last 14 days as the doctor reads it first: the
    person's screenings (travel, contact, arrival, origin), observations (the active or last
    one, with the last temperature) and checkpoint passages (flagged ones marked). The form
    shows it pre-filled and editable; the visit keeps it as the doctor saw it."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=HISTORY_DAYS)
    lines: list[str] = []
    screenings = (
        Screening.objects.filter(person_id=person.pk, screened_on__gte=since)
        .select_related("grid")
        .order_by("-screened_on", "-id")[:3]
    )
    lines += [_screening_line(s) for s in screenings]
    observation = (
        Observation.objects.filter(person_id=person.pk)
        .select_related("grid")
        .order_by("-start_date", "-id")
        .first()
    )
    if observation is not None and (observation.is_active or observation.end_date >= since):
        lines.append(_observation_line(observation))
    lines += _passage_lines(person, since)
    if not lines:
        return _("No screening, observation or checkpoint passage in the last 14 days.")
    return "\n".join(lines)[:HISTORY_MAX]


def last_exposure_for(person: Person, today: dt.date | None = None) -> dt.date:
    """The last exposure a home observation counts from: the latest one a screening of the
    last 14 days gave, else today."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=HISTORY_DAYS)
    day = (
        Screening.objects.filter(
            person_id=person.pk, screened_on__gte=since, last_exposure__isnull=False
        )
        .order_by("-last_exposure")
        .values_list("last_exposure", flat=True)
        .first()
    )
    return day if day is not None and since < day <= today else today


# --- writes ---------------------------------------------------------------------------------


def _check_clinic(actor: User | None, facility: Facility) -> Facility:
    facility = Facility.objects.get(pk=facility.pk)
    ensure_in_scope(actor, facility.division_path)
    if facility.kind not in CLINIC_KINDS or not facility.active:
        raise ActionError(
            _("Patients are registered at an open fever clinic."),
            code="bad_facility",
            field="facility",
        )
    return facility


@transaction.atomic
def register_visit(
    *,
    actor: User | None,
    facility: Facility,
    person: Person,
    temperature: Any,
    symptoms: Any = (),
    visited_at: dt.datetime | None = None,
    epi_history: str | None = None,
) -> ClinicVisit:
    """Register a patient seen at a fever clinic. The person's open referral (a screening
    referred to a fever clinic, or an observation ended as referred, within 3 days) is found
    and answered by this visit; without one the patient walked in. ``epi_history`` None: the
    pre-filled history (``epi_history_for``)."""
    facility = _check_clinic(actor, facility)
    if actor is not None and not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise OutOfJurisdiction(_("This record is not in your jurisdiction."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    temperature = clean_temperature(temperature)
    if isinstance(symptoms, str) or not hasattr(symptoms, "__iter__"):
        raise ActionError(
            _("Unknown symptom: %(value)s.") % {"value": str(symptoms)[:40]},
            code="bad_symptom",
            field="symptoms",
        )
    symptoms = clean_symptoms([str(s) for s in symptoms])
    now = timezone.now()
    visited_at = case_actions.aware(visited_at, field="visited_at") if visited_at else now
    if visited_at > now + dt.timedelta(minutes=5):
        raise ActionError(
            _("The time of the visit cannot be in the future."),
            code="visit_future",
            field="visited_at",
        )
    if visited_at < now - dt.timedelta(days=VISIT_BACKDATE_DAYS):
        raise ActionError(
            _("A visit is registered within %(days)s days.") % {"days": VISIT_BACKDATE_DAYS},
            code="visit_too_old",
            field="visited_at",
        )
    if epi_history is None:
        epi_history = epi_history_for(person, timezone.localdate(visited_at))
    epi_history = clean_prose(epi_history, field="epi_history", limit=HISTORY_MAX)
    referral = open_referral(person, visited_at)
    visit = ClinicVisit.objects.create(
        facility=facility,
        division_path=facility.division_path,
        person=person,
        visited_at=visited_at,
        temperature=temperature,
        symptoms=symptoms,
        epi_history=epi_history,
        referral_screening=referral.screening if referral else None,
        referral_observation=referral.observation if referral else None,
        created_by=actor,
    )
    ensure_in_scope(actor, visit.division_path)
    record(
        actor=actor,
        action="cases.visit",
        obj=visit,
        division_path=visit.division_path,
        changes={
            "facility": [None, facility.pk],
            "person": [None, person.pk],
            "temperature": [None, str(temperature)],
            "referral": [
                None,
                f"screening:{referral.screening.pk}"
                if referral and referral.screening
                else (
                    f"observation:{referral.observation.pk}"
                    if referral and referral.observation
                    else "walk-in"
                ),
            ],
        },
    )
    return visit


@dataclass
class CaseFields:
    """What a suspected case's report card needs beyond the visit (``report_case``)."""

    address: str = ""
    address_division: Division | None = None
    onset_date: dt.date | None = None
    occupation: str = Occupation.UNKNOWN
    workplace: str = ""
    import_status: str = Importation.LOCAL
    origin: str = ""


@transaction.atomic
def decide_visit(
    *,
    actor: User | None,
    visit: ClinicVisit,
    decision: str,
    doctor: str,
    note: str = "",
    case: CaseFields | None = None,
    last_exposure: dt.date | None = None,
    at: dt.datetime | None = None,
) -> ClinicVisit:
    """The doctor's decision on a visit, once (``at``: when it was taken, entered later;
    default now; not before the visit, not in the future): ``home_observation`` starts a home
    medical observation in the person's grid (14 days from the last exposure, by default the one the
    history gives, else today); ``suspected`` reports a suspected case isolated on the spot
    (就地隔离) by this clinic, which stays responsible for it; ``no_risk`` sends the patient
    home. A second decision is refused."""
    from fangkong.observation import actions as observation_actions
    from fangkong.observation.choices import Kind

    visit = ClinicVisit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
    ensure_in_scope(actor, visit.division_path)
    if visit.decision != Decision.PENDING:
        raise Conflict(
            _("The doctor already decided on this visit (%(decision)s).")
            % {"decision": Decision(visit.decision).label},
            code="already_decided",
        )
    if decision not in Decision.values or decision == Decision.PENDING:
        raise ActionError(
            _("Choose the decision: home observation, suspected case or no risk."),
            code="bad_decision",
            field="decision",
        )
    doctor = clean_prose(doctor, field="doctor", limit=50, required=_("Enter the doctor's name."))
    note = clean_prose(note, field="note", limit=300)
    person = Person.objects.select_related("grid").get(pk=visit.person_id)
    now = timezone.now()
    if at is not None:
        at = case_actions.aware(at, field="decided_at")
        if at > now or at < visit.visited_at:
            raise ActionError(
                _("The decision is taken after the visit and not in the future."),
                code="bad_decided_at",
                field="decided_at",
            )
        now = at
    changes: dict[str, Any] = {
        "decision": [Decision.PENDING.value, decision],
        "doctor": [None, doctor],
    }
    new_case: Case | None = None
    observation: Observation | None = None
    if decision == Decision.SUSPECTED:
        fields = case or CaseFields()
        if fields.address_division is None:
            raise ActionError(
                _("Choose the division of the current address."),
                code="address_division_required",
                field="address_division",
            )
        new_case = case_actions.report_case(
            actor=actor,
            person=person,
            facility=visit.facility,
            category=Category.SUSPECTED,
            address=fields.address,
            address_division=fields.address_division,
            diagnosed_at=now,
            reporting_doctor=doctor,
            onset_date=fields.onset_date,
            occupation=fields.occupation,
            workplace=fields.workplace,
            import_status=fields.import_status,
            origin=fields.origin,
            note=note,
        )
        active = Observation.objects.filter(
            person_id=person.pk, status=ObservationStatus.ACTIVE
        ).first()
        if active is not None:  # the observation ends: the person is now a case
            observation_actions.end_as_case(
                actor=actor
                if actor is None or path_in_scope(actor, active.division_path)
                else None,
                observation=active,
                note=_("suspected case %(number)s") % {"number": new_case.number},
            )
        changes["case"] = [None, new_case.number]
    elif decision == Decision.HOME_OBSERVATION:
        today = timezone.localdate(now)
        exposure = last_exposure or last_exposure_for(person, today)
        if exposure > today:
            raise ActionError(
                _("The last exposure cannot be in the future."),
                code="exposure_future",
                field="last_exposure",
            )
        observation, _created = observation_actions.start_observation(
            actor=actor,
            person=person,
            grid=person.grid,
            last_exposure=exposure,
            reason=_("home observation decided at %(clinic)s by %(doctor)s")
            % {"clinic": visit.facility.name, "doctor": doctor},
            kind=Kind.HOME,
        )
        changes["observation"] = [None, observation.pk]
    ClinicVisit.objects.filter(pk=visit.pk).update(
        decision=decision,
        doctor=doctor,
        decided_at=now,
        decision_note=note,
        case=new_case,
        observation=observation,
    )
    visit.refresh_from_db()
    record(
        actor=actor,
        action="cases.visit_decide",
        obj=visit,
        division_path=visit.division_path,
        changes=changes,
    )
    return visit


@transaction.atomic
def register_patient(
    *,
    actor: User | None,
    facility: Facility,
    doc_type: str,
    doc_number: str,
    temperature: Any,
    symptoms: Any = (),
    visited_at: dt.datetime | None = None,
    epi_history: str | None = None,
    name: str = "",
    grid: Division | None = None,
    phone: str = "",
    address: str = "",
) -> ClinicVisit:
    """Register a visit of the person with this document number: found among those the actor
    may see, or registered new in ``grid`` (a grid of the actor's jurisdiction) with ``name``,
    then as :func:`register_visit`, all in one transaction."""
    from fangkong.people import actions as people_actions

    _check_clinic(actor, facility)
    person = find_person(actor, doc_number) if actor is not None else None
    if person is None and actor is None:
        person = find_person_any(doc_number)
    if person is None:
        if grid is None or not (name or "").strip():
            raise ActionError(
                _(
                    "No person with this document number in your jurisdiction: give the name "
                    "and the grid to register them."
                ),
                code="person_unknown",
                field="name" if grid is not None else "grid",
            )
        person, _created = people_actions.register_person(
            actor=actor,
            grid=grid,
            name=name,
            doc_type=doc_type,
            doc_number=doc_number,
            phone=phone,
            address=address,
        )
    return register_visit(
        actor=actor,
        facility=facility,
        person=person,
        temperature=temperature,
        symptoms=symptoms,
        visited_at=visited_at,
        epi_history=epi_history,
    )


def find_person_any(doc_number: str) -> Person | None:
    """As :func:`find_person`, for the system itself (no jurisdiction)."""
    number = _document_number(doc_number)
    return Person.objects.filter(doc_number=number).order_by("-id").first() if number else None
