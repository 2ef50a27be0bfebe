"""Every write of the medical staff app: staff, the province's rotation rule, rosters (checked
against the rule as a whole), occupational exposures (which start an observation) and family
care (routed to a care request in the family's grid). Each is audited in its transaction and
kept inside the actor's jurisdiction (the facility's division)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.care import actions as care_actions
from fangkong.care.choices import Urgency
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import clean_line
from fangkong.medical.models import Facility, Ward
from fangkong.medical_staff.choices import (
    CARE_KIND_FOR,
    DEFAULT_MAX_DAYS,
    DEFAULT_REST_DAYS,
    MAX_ROSTER_DAYS,
    MAX_RULE_DAYS,
    ExposureKind,
    FamilyCareKind,
    ShiftKind,
    StaffRole,
)
from fangkong.medical_staff.models import Exposure, FamilyCare, RotationRule, Shift, StaffMember
from fangkong.observation import actions as observation_actions
from fangkong.observation.choices import Kind as ObservationKind
from fangkong.people.idcard import normalise
from fangkong.people.models import Person
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_DESCRIPTION = 500
# An exposure recorded late may be dated back this far (the observation lasts 14 days from it).
MAX_EXPOSURE_BACKDATE = 13


def _ward_of(facility: Facility, ward: Ward | None, *, field: str = "ward") -> Ward | None:
    if ward is None:
        return None
    if ward.facility_id != facility.pk:
        raise ActionError(
            _("The ward %(ward)s is not a ward of %(facility)s.")
            % {"ward": ward.name, "facility": facility.name},
            code="ward_other_facility",
            field=field,
        )
    return ward


# --- staff ---------------------------------------------------------------------------------


def find_person(name: str, doc_number: str) -> Person | None:
    """The staff member's record in the population register, by ID number and the same name
    (anywhere in the province: staff often live in another county than their hospital)."""
    number = normalise(doc_number or "")
    if not number:
        return None
    person = Person.objects.filter(doc_number=number).order_by("-id").first()
    if person is None or "".join(person.name.split()) != "".join(name.split()):
        raise ActionError(
            _(
                "No one with this ID number and this name is in the population register; "
                "ask the grid where they live to register them first."
            ),
            code="person_not_found",
            field="doc_number",
        )
    return person


def _clean_staff(facility: Facility, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {
        "name": clean_line(
            data.get("name"), field="name", limit=50, required=_("Enter the staff member's name.")
        )
    }
    role = data.get("role")
    if role not in StaffRole.values:
        raise ActionError(_("Choose the staff member's role."), code="bad_role", field="role")
    clean["role"] = role
    clean["specialty"] = clean_line(data.get("specialty"), field="specialty", limit=50)
    clean["phone"] = clean_line(data.get("phone"), field="phone", limit=20)
    clean["ward"] = _ward_of(facility, data.get("ward"))
    clean["person"] = data.get("person")
    clean["active"] = bool(data.get("active", True))
    return clean


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        k: [None if before.get(k) is None else str(before.get(k)), None if v is None else str(v)]
        for k, v in after.items()
        if before.get(k) != v and k != "person"
    }


def _save_staff(staff: StaffMember) -> None:
    try:
        with transaction.atomic():
            staff.save()
    except IntegrityError as exc:
        raise Conflict(
            _("This person is already on the staff of this facility."),
            code="staff_exists",
            field="doc_number",
        ) from exc


@transaction.atomic
def create_staff(*, actor: User | None, facility: Facility, **data: Any) -> StaffMember:
    """Add a doctor, nurse, technician or other worker to a facility."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    ensure_in_scope(actor, facility.division_path)
    clean = _clean_staff(facility, data)
    staff = StaffMember(facility=facility, division_path=facility.division_path, **clean)
    _save_staff(staff)
    record(
        actor=actor,
        action="medical_staff.staff_create",
        obj=staff,
        division_path=staff.division_path,
        changes={
            **_changes({}, {k: v for k, v in clean.items() if v not in (None, "")}),
            "linked_person": [None, clean["person"] is not None],
        },
    )
    return staff


@transaction.atomic
def update_staff(*, actor: User | None, staff: StaffMember, **data: Any) -> StaffMember:
    """Change a staff member (name, role, specialty, ward, phone, person record, at work)."""
    staff = StaffMember.objects.select_for_update().select_related("facility").get(pk=staff.pk)
    ensure_in_scope(actor, staff.division_path)
    clean = _clean_staff(staff.facility, data)
    before = {k: getattr(staff, k) for k in clean}
    changes = _changes(before, clean)
    if before["person"] != clean["person"]:
        changes["linked_person"] = [before["person"] is not None, clean["person"] is not None]
    for k, v in clean.items():
        setattr(staff, k, v)
    _save_staff(staff)
    record(
        actor=actor,
        action="medical_staff.staff_update",
        obj=staff,
        division_path=staff.division_path,
        changes=changes,
    )
    return staff


# --- the rotation rule ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    max_days: int = DEFAULT_MAX_DAYS
    rest_days: int = DEFAULT_REST_DAYS


def province_path(division_path: str) -> str:
    return division_path.split("/", 1)[0] + "/"


def rule_for(division_path: str) -> Rule:
    """The rule of the province a division lies in (14 and 14 unless the province set one)."""
    found = RotationRule.objects.filter(division_path=province_path(division_path)).first()
    return Rule(found.max_days, found.rest_days) if found else Rule()


def rules_by_province() -> dict[str, Rule]:
    return {r.division_path: Rule(r.max_days, r.rest_days) for r in RotationRule.objects.all()}


@transaction.atomic
def set_rotation_rule(
    *, actor: User | None, province: Division, max_days: int, rest_days: int
) -> RotationRule:
    """Set a province's rotation and rest rule (the province's health commission)."""
    if province.level != Level.PROVINCE:
        raise ActionError(_("A rotation rule is set for a province."), code="not_a_province")
    ensure_in_scope(actor, province.path)
    for field, value, low in (("max_days", max_days, 1), ("rest_days", rest_days, 0)):
        if not isinstance(value, int) or not low <= value <= MAX_RULE_DAYS:
            raise ActionError(
                _("Enter a number of days from %(min)s to %(max)s.")
                % {"min": low, "max": MAX_RULE_DAYS},
                code=f"bad_{field}",
                field=field,
            )
    rule, _created = RotationRule.objects.select_for_update().get_or_create(
        province=province, defaults={"division_path": province.path}
    )
    before = [rule.max_days, rule.rest_days]
    rule.max_days, rule.rest_days = max_days, rest_days
    rule.save()
    record(
        actor=actor,
        action="medical_staff.rule_set",
        obj=rule,
        division_path=province.path,
        changes={"max_days": [before[0], max_days], "rest_days": [before[1], rest_days]},
    )
    return rule


@dataclass(frozen=True)
class Break:
    """A roster breaking the rule: ``days`` consecutive isolation days from ``start`` to
    ``end``; for the rest rule, ``day`` is the shift inside the rest that follows."""

    code: str
    start: dt.date
    end: dt.date
    days: int
    day: dt.date | None = None


def runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days grouped into (first, last) runs, in order."""
    found: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if found and day == found[-1][1] + dt.timedelta(days=1):
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def breaks(
    isolation: Iterable[dt.date],
    duty: Iterable[dt.date],
    rule: Rule,
    *,
    within: tuple[dt.date, dt.date] | None = None,
) -> list[Break]:
    """Where a person's shifts break the rule: a run of more than ``max_days`` days in an
    isolation ward, or a shift during the ``rest_days`` after a run that reached the maximum.
    ``within``: only breaks touching these days (those the roster being saved changes)."""
    duty_days = sorted(set(duty))
    found = []
    for start, end in runs(isolation):
        length = (end - start).days + 1
        touches = within is None or (start <= within[1] and end >= within[0])
        if length > rule.max_days:
            if touches:
                found.append(Break("too_many_days", start, end, length))
            continue
        if length < rule.max_days or rule.rest_days == 0:
            continue
        rest_end = end + dt.timedelta(days=rule.rest_days)
        for day in duty_days:
            if end < day <= rest_end and (
                touches or within is None or within[0] <= day <= within[1]
            ):
                found.append(Break("no_rest", start, end, length, day))
                break
    return found


def break_message(staff_name: str, found: Break, rule: Rule) -> str:
    if found.code == "too_many_days":
        return _(
            "%(name)s would be on duty in an isolation ward %(days)s days in a row "
            "(%(start)s to %(end)s); at most %(max)s are allowed."
        ) % {
            "name": staff_name,
            "days": found.days,
            "start": found.start.isoformat(),
            "end": found.end.isoformat(),
            "max": rule.max_days,
        }
    return _(
        "%(name)s has a shift on %(day)s, during the %(rest)s days of rest due after "
        "%(days)s days in an isolation ward (%(start)s to %(end)s)."
    ) % {
        "name": staff_name,
        "day": found.day.isoformat() if found.day else "",
        "rest": rule.rest_days,
        "days": found.days,
        "start": found.start.isoformat(),
        "end": found.end.isoformat(),
    }


@dataclass(frozen=True)
class PlannedShift:
    """One shift of a roster being saved (parsed by the form or the API)."""

    staff: StaffMember
    day: dt.date
    kind: str
    ward: Ward | None = None


class RosterBreaksRule(Conflict):
    """The roster breaks the rotation rule: refused as a whole (409)."""


def _check_period(start: dt.date, end: dt.date) -> None:
    check_date(start, field="start")
    check_date(end, field="end")
    if end < start:
        raise ActionError(
            _("The end of the roster cannot be before its start."), code="end_before_start"
        )
    if (end - start).days + 1 > MAX_ROSTER_DAYS:
        raise ActionError(
            _("A roster is saved for at most %(days)s days at a time.") % {"days": MAX_ROSTER_DAYS},
            code="roster_too_long",
        )


@transaction.atomic
def save_roster(
    *,
    actor: User | None,
    facility: Facility,
    start: dt.date,
    end: dt.date,
    shifts: Sequence[PlannedShift],
) -> list[Shift]:
    """Replace a facility's shifts from ``start`` to ``end`` (inclusive) with ``shifts``, after
    checking every staff member's days against the province's rotation rule together with the
    shifts before and after. Anything wrong refuses the roster as a whole: nothing is written."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)  # one save at a time
    ensure_in_scope(actor, facility.division_path)
    _check_period(start, end)
    seen: set[tuple[int, dt.date]] = set()
    for planned in shifts:
        staff = planned.staff
        if staff.facility_id != facility.pk:
            raise ActionError(
                _("%(name)s is not on the staff of %(facility)s.")
                % {"name": staff.name, "facility": facility.name},
                code="staff_other_facility",
            )
        if not start <= planned.day <= end:
            raise ActionError(
                _("The shift of %(name)s on %(day)s is outside the roster (%(start)s to %(end)s).")
                % {
                    "name": staff.name,
                    "day": planned.day.isoformat(),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
                code="day_outside_roster",
            )
        if planned.kind not in ShiftKind.values:
            raise ActionError(_("Choose the shift."), code="bad_shift")
        _ward_of(facility, planned.ward)
        if (staff.pk, planned.day) in seen:
            raise ActionError(
                _("%(name)s has two shifts on %(day)s; one shift a day.")
                % {"name": staff.name, "day": planned.day.isoformat()},
                code="two_shifts",
            )
        seen.add((staff.pk, planned.day))
        if not staff.active:
            raise ActionError(
                _("%(name)s is no longer at work.") % {"name": staff.name}, code="staff_inactive"
            )
    rule = rule_for(facility.division_path)
    _check_rule(facility, start, end, shifts, rule)
    removed, _deleted = Shift.objects.filter(
        facility=facility, day__gte=start, day__lte=end
    ).delete()
    saved = Shift.objects.bulk_create(
        Shift(
            facility=facility,
            division_path=facility.division_path,
            staff=p.staff,
            day=p.day,
            kind=p.kind,
            ward=p.ward,
        )
        for p in sorted(shifts, key=lambda p: (p.day, p.staff.pk))
    )
    record(
        actor=actor,
        action="medical_staff.roster_save",
        obj=facility,
        division_path=facility.division_path,
        changes={
            "start": [None, start.isoformat()],
            "end": [None, end.isoformat()],
            "shifts": [removed, len(saved)],
        },
    )
    return saved


def _check_rule(
    facility: Facility,
    start: dt.date,
    end: dt.date,
    shifts: Sequence[PlannedShift],
    rule: Rule,
) -> None:
    """Every staff member with a shift in the roster, with their shifts (in any facility)
    before and after it, against the rule; the first break refuses the roster."""
    margin = dt.timedelta(days=rule.max_days + rule.rest_days + 1)
    staff_ids = {p.staff.pk for p in shifts}
    isolation: dict[int, set[dt.date]] = defaultdict(set)
    duty: dict[int, set[dt.date]] = defaultdict(set)
    outside = (
        Shift.objects.filter(staff_id__in=staff_ids, day__gte=start - margin, day__lte=end + margin)
        .exclude(facility=facility, day__gte=start, day__lte=end)
        .values_list("staff_id", "day", "ward_id")
    )
    for staff_id, day, ward_id in outside:
        duty[staff_id].add(day)
        if ward_id is not None:
            isolation[staff_id].add(day)
    names = {}
    for p in shifts:
        names[p.staff.pk] = p.staff.name
        duty[p.staff.pk].add(p.day)
        if p.ward is not None:
            isolation[p.staff.pk].add(p.day)
    problems = []
    for staff_id in sorted(staff_ids, key=lambda pk: (names[pk], pk)):
        for found in breaks(isolation[staff_id], duty[staff_id], rule, within=(start, end)):
            problems.append(break_message(names[staff_id], found, rule))
    if problems:
        raise RosterBreaksRule(
            " ".join([_("The roster breaks the rotation rule and was not saved."), *problems[:5]]),
            code="roster_breaks_rule",
        )


# --- occupational exposures ----------------------------------------------------------------


@transaction.atomic
def record_exposure(
    *,
    actor: User | None,
    staff: StaffMember,
    occurred_on: dt.date,
    kind: str,
    description: str,
    ward: Ward | None = None,
    today: dt.date | None = None,
) -> Exposure:
    """Record an occupational exposure (职业暴露) and start the staff member's medical
    observation (centralized, 14 days from the exposure) in the grid where they live. A staff
    member already under observation keeps that one, which the exposure is linked to."""
    staff = StaffMember.objects.select_for_update().select_related("facility").get(pk=staff.pk)
    ensure_in_scope(actor, staff.division_path)
    if kind not in ExposureKind.values:
        raise ActionError(_("Choose the kind of exposure."), code="bad_kind", field="kind")
    today = today or timezone.localdate()
    check_date(occurred_on, field="occurred_on")
    if occurred_on > today:
        raise ActionError(
            _("The exposure cannot be in the future."), code="future_date", field="occurred_on"
        )
    if occurred_on < today - dt.timedelta(days=MAX_EXPOSURE_BACKDATE):
        raise ActionError(
            _("The exposure can be at most %(days)s days ago (the observation lasts 14 days).")
            % {"days": MAX_EXPOSURE_BACKDATE},
            code="exposure_too_old",
            field="occurred_on",
        )
    description = clean_line(
        description,
        field="description",
        limit=MAX_DESCRIPTION,
        required=_("Say what happened."),
    )
    ward = _ward_of(staff.facility, ward)
    if staff.person_id is None:
        raise ActionError(
            _(
                "%(name)s has no person record: link the staff member to their record in the "
                "population register (their ID number) before recording an exposure, so that "
                "their observation can start where they live."
            )
            % {"name": staff.name},
            code="no_person",
        )
    person = Person.objects.select_related("grid").get(pk=staff.person_id)
    observation, started = observation_actions.start_observation(
        actor=None,  # the person's grid is often outside the hospital's jurisdiction
        person=person,
        grid=person.grid,
        last_exposure=occurred_on,
        reason=_("Occupational exposure at %(facility)s") % {"facility": staff.facility.name},
        kind=ObservationKind.CENTRALIZED,
    )
    exposure = Exposure.objects.create(
        staff=staff,
        facility=staff.facility,
        division_path=staff.division_path,
        occurred_on=occurred_on,
        kind=kind,
        ward=ward,
        description=description,
        observation=observation,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="medical_staff.exposure",
        obj=exposure,
        division_path=exposure.division_path,
        changes={
            "staff": [None, staff.name],
            "kind": [None, kind],
            "occurred_on": [None, occurred_on.isoformat()],
            "observation": [None, observation.pk],
            "observation_started": [None, started],
        },
    )
    return exposure


# --- family care ---------------------------------------------------------------------------


def _family_subject(
    staff: StaffMember, grid: Division, family_doc_number: str
) -> tuple[Person | None, Any]:
    """Who in the family's grid the care request is for: the family member with this ID
    number, registered in that grid; without one, the staff member's own household when they
    are registered there."""
    number = normalise(family_doc_number or "")
    if number:
        member = (
            Person.objects.filter(doc_number=number, grid=grid).select_related("household").first()
        )
        if member is None:
            raise ActionError(
                _(
                    "No one with this ID number is registered in %(grid)s; ask the grid to "
                    "register the family member first."
                )
                % {"grid": grid.name},
                code="family_member_not_found",
                field="family_doc_number",
            )
        return member, member.household
    person = staff.person
    if person is not None and person.grid_id == grid.pk:
        if person.household_id is not None:
            return None, person.household
        return person, None
    raise ActionError(
        _(
            "%(name)s is not registered in %(grid)s: give the ID number of the family member "
            "the help is for, registered in that grid."
        )
        % {"name": staff.name, "grid": grid.name},
        code="family_member_required",
        field="family_doc_number",
    )


@transaction.atomic
def request_family_care(
    *,
    actor: User | None,
    staff: StaffMember,
    grid: Division,
    kind: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    family_doc_number: str = "",
    today: dt.date | None = None,
) -> FamilyCare:
    """Record a need of a staff member's family and route it to a care request in the
    family's own grid (``care.actions.create_care_request``), where the grid assigns it to a
    party member. The care request is written by the platform on the hospital's behalf (the
    family often lives in another county): this action's audit row names who asked."""
    staff = (
        StaffMember.objects.select_for_update(of=("self",))
        .select_related("facility", "person")
        .get(pk=staff.pk)
    )
    ensure_in_scope(actor, staff.division_path)
    if kind not in FamilyCareKind.values:
        raise ActionError(_("Choose what the family needs."), code="bad_kind", field="kind")
    description = clean_line(
        description, field="description", limit=MAX_DESCRIPTION, required=_("Say what is needed.")
    )
    grid = Division.objects.get(pk=grid.pk)
    if grid.level != Level.GRID or not grid.active:
        raise ActionError(
            _("Choose the grid where the family lives."), code="not_a_grid", field="grid"
        )
    person, household = _family_subject(staff, grid, family_doc_number)
    care = care_actions.create_care_request(
        actor=None,
        grid=grid,
        person=person,
        household=household,
        kind=CARE_KIND_FOR[kind],
        description=_("Family of health worker %(name)s (%(facility)s), %(need)s: %(text)s")
        % {
            "name": staff.name,
            "facility": staff.facility.name,
            "need": FamilyCareKind(kind).label,
            "text": description,
        },
        urgency=urgency,
        today=today,
    )
    family = FamilyCare.objects.create(
        staff=staff,
        facility=staff.facility,
        division_path=staff.division_path,
        kind=kind,
        grid=grid,
        care=care,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="medical_staff.family_care",
        obj=family,
        division_path=family.division_path,
        changes={
            "staff": [None, staff.name],
            "kind": [None, kind],
            "grid": [None, grid.code],
            "care_request": [None, care.pk],
        },
    )
    return family
