"""Every write to care requests: record, assign, done, cancel; each audited in its transaction."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.care.choices import (
    DEFAULT_DUE_DAYS,
    DUE_DAYS,
    PENDING,
    CareKind,
    CareStatus,
    Urgency,
)
from fangkong.care.models import CareRequest
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import check_text
from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridStaff
from fangkong.regions.selectors import check_active_grid

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.people.models import Household, Person

MAX_DESCRIPTION = 1000
MAX_NOTE = 500
# A request taken down late may be dated back this far; older ones are a data-entry mistake.
MAX_BACKDATE_DAYS = 30
CREATE_FIELDS = [
    "grid",
    "person",
    "household",
    "kind",
    "urgency",
    "requested_on",
    "due_on",
    "status",
]


def default_due_on(kind: str, requested_on: dt.date, today: dt.date) -> dt.date:
    """Medicine within a day, food within two, everything else within three; never before
    today (a request written down late is due from now on, not born overdue)."""
    days = DUE_DAYS.get(kind, DEFAULT_DUE_DAYS)
    return max(requested_on + dt.timedelta(days=days), today)


def _clean_text(value: str, *, field: str, limit: int, required_message: str) -> str:
    text = check_text((value or "").strip(), field=field)  # prose: keeps its line breaks
    if not text:
        raise ActionError(required_message, code=f"{field}_required", field=field)
    if len(text) > limit:
        raise ActionError(
            _("This text cannot be longer than %(max)s characters (it has %(n)s).")
            % {"max": limit, "n": len(text)},
            code=f"{field}_too_long",
            field=field,
        )
    return text


def _check_grid(grid: Division) -> None:
    check_active_grid(
        grid,
        not_a_grid=_("Care requests are recorded in a grid."),
        retired=_("This grid has been retired; record the request in the grid that took it over."),
    )


def _subject(
    grid: Division, person: Person | None, household: Household | None
) -> tuple[Person | None, Household | None]:
    """The person and household the request is for: both must live in the grid."""
    if person is None and household is None:
        raise ActionError(
            _("Choose the person or the household the request is for."),
            code="subject_required",
            field="person",
        )
    if person is not None and person.grid_id != grid.pk:
        raise ActionError(
            _("%(name)s is not registered in this grid.") % {"name": person.name},
            code="person_other_grid",
            field="person",
        )
    if household is not None and household.grid_id != grid.pk:
        raise ActionError(
            _("This household is not in this grid."),
            code="household_other_grid",
            field="household",
        )
    if (
        person is not None
        and household is not None
        and person.household_id not in (None, household.pk)
    ):
        raise ActionError(
            _("%(name)s belongs to another household.") % {"name": person.name},
            code="person_other_household",
            field="household",
        )
    if household is None and person is not None:
        household = person.household
    return person, household


def _dates(
    kind: str, requested_on: dt.date | None, due_on: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    requested_on = requested_on or today
    if requested_on > today:
        raise ActionError(
            _("The requested date cannot be in the future."),
            code="requested_in_future",
            field="requested_on",
        )
    if requested_on < today - dt.timedelta(days=MAX_BACKDATE_DAYS):
        raise ActionError(
            _("The requested date can be at most %(days)s days ago.") % {"days": MAX_BACKDATE_DAYS},
            code="requested_too_old",
            field="requested_on",
        )
    if due_on is None:
        return requested_on, default_due_on(kind, requested_on, today)
    if due_on < today:
        raise ActionError(
            _("The due date cannot be in the past."), code="due_in_past", field="due_on"
        )
    # requested_on <= today <= due_on: the due date is never before the requested date.
    return requested_on, due_on


@transaction.atomic
def create_care_request(
    *,
    actor: User | None,
    grid: Division,
    kind: str,
    description: str,
    person: Person | None = None,
    household: Household | None = None,
    urgency: str = Urgency.NORMAL,
    requested_on: dt.date | None = None,
    due_on: dt.date | None = None,
    today: dt.date | None = None,
) -> CareRequest:
    """Record a request for help in a grid. Without a due date it gets the default for its
    kind (:func:`default_due_on`). ``today`` is the day the request is taken down (tests and
    the demo scenario back-date with it); it defaults to the local date."""
    ensure_in_scope(actor, grid.path)
    _check_grid(grid)
    today = today or timezone.localdate()
    if kind not in CareKind.values:
        raise ActionError(_("Choose what kind of help is needed."), code="bad_kind", field="kind")
    if urgency not in Urgency.values:
        raise ActionError(_("Choose how urgent it is."), code="bad_urgency", field="urgency")
    description = _clean_text(
        description,
        field="description",
        limit=MAX_DESCRIPTION,
        required_message=_("Describe what help is needed."),
    )
    person, household = _subject(grid, person, household)
    requested_on, due_on = _dates(kind, requested_on, due_on, today)
    care = CareRequest.objects.create(
        grid=grid,
        division_path=grid.path,
        person=person,
        household=household,
        kind=kind,
        description=description,
        urgency=urgency,
        requested_on=requested_on,
        due_on=due_on,
        created_by=actor,
    )
    ensure_in_scope(actor, care.division_path)
    record(
        actor=actor,
        action="care.create",
        obj=care,
        division_path=care.division_path,
        # The description may hold health facts: the audit row says what kind, not the text.
        changes=diff({}, snapshot(care, CREATE_FIELDS)),
    )
    return care


def _locked(care: CareRequest, actor: User | None) -> CareRequest:
    # Lock the request's row only: the person, household and assignee are outer joins, which
    # PostgreSQL cannot lock (and need not: the request is what changes).
    locked = (
        CareRequest.objects.select_for_update(of=("self",))
        .select_related("grid", "person", "household", "assignee")
        .get(pk=care.pk)
    )
    ensure_in_scope(actor, locked.division_path)
    return locked


def _closed(care: CareRequest) -> ActionError:
    return ActionError(
        _("This request is already %(status)s and can no longer be changed.")
        % {"status": care.get_status_display()},
        code="already_closed",
    )


@transaction.atomic
def assign_care_request(*, actor: User | None, care: CareRequest, staff: GridStaff) -> CareRequest:
    """Give the request to a party member of the grid's village (again, to hand it over)."""
    care = _locked(care, actor)
    if care.status not in PENDING:
        raise _closed(care)
    staff = GridStaff.objects.select_related("division").get(pk=staff.pk)
    if staff.division_id != care.grid.parent_id:
        raise ActionError(
            _("Only party members of this grid's village or community can be assigned."),
            code="staff_other_village",
            field="staff",
        )
    if staff.kind != StaffKind.PARTY_MEMBER:
        raise ActionError(
            _("%(name)s is not a party member.") % {"name": staff.name},
            code="staff_not_party_member",
            field="staff",
        )
    if not staff.active:
        raise ActionError(
            _("%(name)s is no longer active.") % {"name": staff.name},
            code="staff_inactive",
            field="staff",
        )
    if care.assignee_id == staff.pk:
        raise ActionError(
            _("The request is already assigned to %(name)s.") % {"name": staff.name},
            code="already_assigned",
            field="staff",
        )
    before = {"assignee": care.assignee.name if care.assignee else None, "status": care.status}
    care.assignee = staff
    care.status = CareStatus.ASSIGNED
    care.assigned_at = timezone.now()
    care.save(update_fields=["assignee", "status", "assigned_at", "updated_at"])
    record(
        actor=actor,
        action="care.assign",
        obj=care,
        division_path=care.division_path,
        changes=diff(before, {"assignee": staff.name, "status": care.status}),
    )
    return care


@transaction.atomic
def complete_care_request(*, actor: User | None, care: CareRequest, note: str) -> CareRequest:
    """The party member has done it: close the request with a note saying what was done."""
    care = _locked(care, actor)
    if care.status == CareStatus.OPEN:
        raise ActionError(
            _("Assign the request to a party member before marking it done."),
            code="not_assigned",
        )
    if care.status != CareStatus.ASSIGNED:
        raise _closed(care)
    note = _clean_text(note, field="note", limit=MAX_NOTE, required_message=_("Say what was done."))
    return _close(actor, care, CareStatus.DONE, note, action="care.done")


@transaction.atomic
def cancel_care_request(*, actor: User | None, care: CareRequest, reason: str) -> CareRequest:
    """Close a request that will not be done (no longer needed, recorded twice…), with why."""
    care = _locked(care, actor)
    if care.status not in PENDING:
        raise _closed(care)
    reason = _clean_text(
        reason,
        field="reason",
        limit=MAX_NOTE,
        required_message=_("Say why the request is cancelled."),
    )
    return _close(actor, care, CareStatus.CANCELLED, reason, action="care.cancel")


def _close(
    actor: User | None, care: CareRequest, status: str, note: str, *, action: str
) -> CareRequest:
    before = care.status
    care.status = status
    care.closed_at = timezone.now()
    care.closed_by = actor
    care.close_note = note
    care.save(update_fields=["status", "closed_at", "closed_by", "close_note", "updated_at"])
    record(
        actor=actor,
        action=action,
        obj=care,
        division_path=care.division_path,
        changes={"status": [before, status]},
        reason=note,
    )
    return care
