"""Every write of the command app: leading groups, their working groups and members, 包保
responsibilities and the secretaries of the five levels. Each is audited in its transaction
and kept inside the actor's jurisdiction (the division's subtree); history is ended, never
deleted."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.command.choices import MAX_START_AHEAD_DAYS, MemberRole, WorkField
from fangkong.command.models import (
    GroupMember,
    LeadingGroup,
    Responsibility,
    Secretary,
    WorkingGroup,
)
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.parsing import check_date
from fangkong.core.validators import clean_line, clean_phone
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_NAME = 100
MAX_PERSON = 50
MAX_POST = 100
MAX_REASON = 200


def _day(value: dt.date | None, *, field: str, required: str) -> dt.date:
    day = check_date(value, field=field)
    if day is None:
        raise ActionError(required, code=f"{field}_required", field=field)
    return day


def _not_ahead(day: dt.date, *, field: str) -> dt.date:
    if day > timezone.localdate():
        raise ActionError(_("This date is in the future."), code=f"{field}_in_future", field=field)
    return day


def _choice(value: Any, choices: Any, *, field: str, message: str, blank: bool = False) -> str:
    if blank and not value:
        return ""
    if value not in choices.values:
        raise ActionError(message, code=f"bad_{field}", field=field)
    return str(value)


# --- leading groups ----------------------------------------------------------------------------


def _clean_group(data: dict[str, Any]) -> dict[str, str]:
    return {
        "name": clean_line(
            data.get("name"),
            field="name",
            limit=MAX_NAME,
            required=_("Enter the name of the leading group."),
        ),
        "office_name": clean_line(data.get("office_name"), field="office_name", limit=MAX_NAME),
        "office_phone": clean_phone(
            str(data.get("office_phone") or ""), field="office_phone", required=False
        ),
    }


@transaction.atomic
def create_group(*, actor: User | None, division: Division, **data: Any) -> LeadingGroup:
    """Set up the leading group of a division (one per division)."""
    division = Division.objects.get(pk=division.pk)
    ensure_in_scope(actor, division.path)
    if not division.active or division.level == Level.GRID:
        raise ActionError(
            _("A leading group belongs to an active division from the village up, not a grid."),
            code="bad_division",
            field="division",
        )
    clean = _clean_group(data)
    group = LeadingGroup(division=division, division_path=division.path, **clean)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(division)s already has a leading group.") % {"division": division.name},
            code="group_exists",
            field="division",
        ) from exc
    record(
        actor=actor,
        action="command.group_create",
        obj=group,
        division_path=group.division_path,
        changes={k: [None, v] for k, v in clean.items() if v},
    )
    return group


@transaction.atomic
def update_group(*, actor: User | None, group: LeadingGroup, **data: Any) -> LeadingGroup:
    """Rename a leading group or change its office and the office's phone."""
    group = LeadingGroup.objects.select_for_update().get(pk=group.pk)
    ensure_in_scope(actor, group.division_path)
    clean = _clean_group(data)
    changes = {k: [getattr(group, k), v] for k, v in clean.items() if getattr(group, k) != v}
    for k, v in clean.items():
        setattr(group, k, v)
    group.save()
    record(
        actor=actor,
        action="command.group_update",
        obj=group,
        division_path=group.division_path,
        changes=changes,
    )
    return group


@transaction.atomic
def add_working_group(
    *, actor: User | None, group: LeadingGroup, name: str, field: str
) -> WorkingGroup:
    """Add a working group (medical treatment, supplies, checkpoints…) to a leading group."""
    group = LeadingGroup.objects.select_for_update().get(pk=group.pk)
    ensure_in_scope(actor, group.division_path)
    clean_name = clean_line(
        name, field="name", limit=MAX_NAME, required=_("Enter the name of the working group.")
    )
    clean_field = _choice(
        field, WorkField, field="field", message=_("Choose the field of the working group.")
    )
    if group.working_groups.filter(name=clean_name).exists():
        raise Conflict(
            _("This group already has a working group named %(name)s.") % {"name": clean_name},
            code="working_group_exists",
            field="name",
        )
    wg = WorkingGroup.objects.create(
        group=group, division_path=group.division_path, name=clean_name, field=clean_field
    )
    record(
        actor=actor,
        action="command.working_group_add",
        obj=wg,
        division_path=wg.division_path,
        changes={"name": [None, clean_name], "field": [None, clean_field]},
    )
    return wg


# --- members -----------------------------------------------------------------------------------


@transaction.atomic
def add_member(
    *,
    actor: User | None,
    group: LeadingGroup,
    name: str,
    post: str,
    phone: str,
    role: str,
    working_group: WorkingGroup | None = None,
    joined_on: dt.date | None = None,
) -> GroupMember:
    """Add a person to a leading group. A group has one leader at a time."""
    group = LeadingGroup.objects.select_for_update().get(pk=group.pk)
    ensure_in_scope(actor, group.division_path)
    clean = {
        "name": clean_line(
            name, field="name", limit=MAX_PERSON, required=_("Enter the member's name.")
        ),
        "post": clean_line(
            post, field="post", limit=MAX_POST, required=_("Enter the member's post.")
        ),
        "phone": clean_phone(phone),
        "role": _choice(
            role, MemberRole, field="role", message=_("Choose the member's role in the group.")
        ),
    }
    if working_group is not None and working_group.group_id != group.pk:
        raise ActionError(
            _("This working group belongs to another leading group."),
            code="working_group_other_group",
            field="working_group",
        )
    joined = _not_ahead(
        check_date(joined_on, field="joined_on") or timezone.localdate(), field="joined_on"
    )
    if (
        clean["role"] == MemberRole.LEADER
        and group.members.filter(role=MemberRole.LEADER, left_on__isnull=True).exists()
    ):
        raise Conflict(
            _("The group already has a leader; end the current leader's membership first."),
            code="leader_exists",
            field="role",
        )
    member = GroupMember.objects.create(
        group=group,
        division_path=group.division_path,
        working_group=working_group,
        joined_on=joined,
        **clean,
    )
    record(
        actor=actor,
        action="command.member_add",
        obj=member,
        division_path=member.division_path,
        changes={
            **{k: [None, v] for k, v in clean.items()},
            "working_group": [None, working_group.name if working_group else None],
            "joined_on": [None, joined.isoformat()],
        },
    )
    return member


@transaction.atomic
def end_member(
    *, actor: User | None, member: GroupMember, on: dt.date | None = None, reason: str = ""
) -> GroupMember:
    """End a membership (left the group on ``on``, today by default). The member's open 包保
    responsibilities end the same day."""
    member = GroupMember.objects.select_for_update().get(pk=member.pk)
    ensure_in_scope(actor, member.division_path)
    if member.left_on is not None:
        raise Conflict(
            _("This member has already left the group."), code="member_ended", field="left_on"
        )
    day = _not_ahead(check_date(on, field="left_on") or timezone.localdate(), field="left_on")
    if day < member.joined_on:
        raise ActionError(
            _("A member cannot leave before joining (%(day)s).")
            % {"day": member.joined_on.isoformat()},
            code="dates_reversed",
            field="left_on",
        )
    clean_reason = clean_line(reason, field="reason", limit=MAX_REASON)
    member.left_on, member.left_reason = day, clean_reason
    member.save(update_fields=["left_on", "left_reason"])
    ended = Responsibility.objects.filter(member=member, ends_on__isnull=True)
    # planned to start after the member leaves: ends on its own first day
    ended.filter(starts_on__gt=day).update(ends_on=F("starts_on"), end_reason=_("left the group"))
    n = ended.update(ends_on=day, end_reason=clean_reason or _("left the group"))
    record(
        actor=actor,
        action="command.member_end",
        obj=member,
        division_path=member.division_path,
        changes={"left_on": [None, day.isoformat()], "responsibilities_ended": [None, n]},
        reason=clean_reason,
    )
    return member


# --- 包保 responsibilities ---------------------------------------------------------------------


@transaction.atomic
def assign_responsibility(
    *,
    actor: User | None,
    member: GroupMember,
    division: Division | None = None,
    field: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Responsibility:
    """A member covers a division inside the group's subtree and/or a field, from
    ``starts_on`` (at most a month ahead) until ``ends_on`` (open when empty)."""
    member = GroupMember.objects.select_for_update().select_related("group").get(pk=member.pk)
    group = member.group
    ensure_in_scope(actor, group.division_path)
    if member.left_on is not None:
        raise ActionError(_("This member has left the group."), code="member_ended", field="member")
    clean_field = _choice(
        field, WorkField, field="field", message=_("Choose a field of work."), blank=True
    )
    if division is None and not clean_field:
        raise ActionError(
            _("Name the division, the field, or both that the member covers."),
            code="nothing_covered",
            field="division",
        )
    if division is not None:
        division = Division.objects.get(pk=division.pk)
        if not division.path.startswith(group.division_path):
            raise ActionError(
                _("%(division)s is not inside %(group)s's area.")
                % {"division": division.name, "group": group.division.name},
                code="division_outside_group",
                field="division",
            )
        ensure_in_scope(actor, division.path)
    start = _day(starts_on, field="starts_on", required=_("Enter the day the coverage starts."))
    today = timezone.localdate()
    if start > today + dt.timedelta(days=MAX_START_AHEAD_DAYS):
        raise ActionError(
            _("The coverage can start at most %(n)s days from today.")
            % {"n": MAX_START_AHEAD_DAYS},
            code="starts_on_too_far",
            field="starts_on",
        )
    end = check_date(ends_on, field="ends_on")
    if end is not None and end < start:
        raise ActionError(
            _("The last day cannot come before the first day."),
            code="dates_reversed",
            field="ends_on",
        )
    resp = Responsibility.objects.create(
        member=member,
        group=group,
        division_path=group.division_path,
        division=division,
        covered_path=division.path if division is not None else group.division_path,
        field=clean_field,
        starts_on=start,
        ends_on=end,
    )
    ensure_in_scope(actor, resp.division_path)
    record(
        actor=actor,
        action="command.responsibility_assign",
        obj=resp,
        division_path=resp.division_path,
        changes={
            "member": [None, member.name],
            "division": [None, division.name if division else None],
            "field": [None, clean_field or None],
            "starts_on": [None, start.isoformat()],
            "ends_on": [None, end.isoformat() if end else None],
        },
    )
    return resp


@transaction.atomic
def end_responsibility(
    *,
    actor: User | None,
    responsibility: Responsibility,
    on: dt.date | None = None,
    reason: str = "",
) -> Responsibility:
    """End a 包保 responsibility on ``on`` (today by default; kept in the history)."""
    resp = Responsibility.objects.select_for_update().get(pk=responsibility.pk)
    ensure_in_scope(actor, resp.division_path)
    if resp.ends_on is not None and resp.ends_on <= timezone.localdate():
        raise Conflict(
            _("This responsibility has already ended."), code="responsibility_ended", field="on"
        )
    day = _not_ahead(check_date(on, field="on") or timezone.localdate(), field="on")
    if day < resp.starts_on:
        raise ActionError(
            _("The last day cannot come before the first day (%(day)s).")
            % {"day": resp.starts_on.isoformat()},
            code="dates_reversed",
            field="on",
        )
    clean_reason = clean_line(reason, field="reason", limit=MAX_REASON)
    before = resp.ends_on
    resp.ends_on, resp.end_reason = day, clean_reason
    resp.save(update_fields=["ends_on", "end_reason"])
    record(
        actor=actor,
        action="command.responsibility_end",
        obj=resp,
        division_path=resp.division_path,
        changes={"ends_on": [before.isoformat() if before else None, day.isoformat()]},
        reason=clean_reason,
    )
    return resp


# --- secretaries -------------------------------------------------------------------------------


@transaction.atomic
def set_secretary(
    *,
    actor: User | None,
    division: Division,
    name: str,
    post: str,
    phone: str,
    starts_on: dt.date | None = None,
) -> Secretary:
    """Record the Party secretary of a division (province to village) from ``starts_on``; the
    previous one's term ends the day before."""
    division = Division.objects.select_for_update().get(pk=division.pk)
    ensure_in_scope(actor, division.path)
    if division.level == Level.GRID or not division.active:
        raise ActionError(
            _("Secretaries are recorded for active divisions from the province to the village."),
            code="bad_division",
            field="division",
        )
    clean = {
        "name": clean_line(
            name, field="name", limit=MAX_PERSON, required=_("Enter the secretary's name.")
        ),
        "post": clean_line(post, field="post", limit=MAX_POST, required=_("Enter the post.")),
        "phone": clean_phone(phone),
    }
    start = _not_ahead(
        check_date(starts_on, field="starts_on") or timezone.localdate(), field="starts_on"
    )
    previous = Secretary.objects.filter(division=division, ends_on__isnull=True).first()
    if previous is not None:
        if start <= previous.starts_on:
            raise ActionError(
                _("The new term must start after the current secretary's (%(day)s).")
                % {"day": previous.starts_on.isoformat()},
                code="dates_reversed",
                field="starts_on",
            )
        previous.ends_on = start - dt.timedelta(days=1)
        previous.save(update_fields=["ends_on"])
    secretary = Secretary.objects.create(
        division=division,
        division_path=division.path,
        level=division.level,
        starts_on=start,
        **clean,
    )
    record(
        actor=actor,
        action="command.secretary_set",
        obj=secretary,
        division_path=division.path,
        changes={
            **{k: [None, v] for k, v in clean.items()},
            "starts_on": [None, start.isoformat()],
            "previous": [previous.name if previous else None, None],
        },
    )
    return secretary
