"""Escalations (issue #11, "Leading groups and responsibility"): what is overdue or missing at a
division goes to the people who answer for it there, and on to the level above while it stays
open. What the other apps call:

``escalate(division, *, field, kind, title, body="", link="", key, day=None) -> int``
    Notify, once, those who answer for ``division`` in ``field`` (a
    ``fangkong.command.choices.WorkField`` value, or ``""`` for any field) on ``day`` (today by
    default): the 包保 leaders whose current responsibility covers the division or, failing
    that, its nearest ancestor that has one (matching the field, or with no field), the leader
    of the division's own leading group, and the users whose home division it is and who hold
    the command role of its level (:data:`COMMAND_ROLE`). Leaders are reached in the app through
    ``GroupMember.account`` when it is set and by SMS at their phone; the command office in the
    app. ``key`` makes it idempotent per recipient (``notify``): the same key never notifies the
    same person twice, so put the division in it (``directive:12:220102001``). Returns the
    number of notifications created.

``open_escalation(division, *, field, kind, title, body="", link="", key, source="", now=None)``
    Open an :class:`~fangkong.notifications.models.Escalation` at ``division`` and notify it
    there (``escalate``); returns the escalation. Opening a key that exists returns the existing
    escalation unchanged, open or resolved: call it as often as a check runs.

``resolve_escalation(key, *, now=None) -> bool``
    Close the escalation of ``key`` (the directive was answered, the report came in): it goes
    no higher. False when there is none or it was already resolved.

``raise_open_escalations(now=None, after_hours=None) -> int``
    Every escalation still open ``after_hours`` (``settings.FANGKONG_ESCALATE_AFTER_HOURS``,
    4 by default) after it last escalated moves one level up (``Escalation.reached``) and the
    responsible leaders and command office of that level are notified, up to the province.
    Returns how many moved. ``fangkong escalate`` and ``raise_escalations_task`` run it; a
    deployment runs the command every 10 minutes.

Opening, raising and resolving are audited as the system's actions (``notifications.escalation_*``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role, group_name
from fangkong.audit.actions import record
from fangkong.command.choices import MemberRole
from fangkong.command.models import GroupMember, Responsibility
from fangkong.core.errors import ActionError
from fangkong.notifications.actions import Recipient, notify
from fangkong.notifications.models import Escalation, Kind
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

# The role that answers for a division of each level: its command office (a village's is its
# secretary; a grid's, its grid workers).
COMMAND_ROLE: dict[int, str] = {
    Level.PROVINCE: Role.PROVINCE_COMMAND,
    Level.PREFECTURE: Role.CITY_COMMAND,
    Level.COUNTY: Role.COUNTY_COMMAND,
    Level.TOWNSHIP: Role.TOWNSHIP_COMMAND,
    Level.VILLAGE: Role.VILLAGE_SECRETARY,
    Level.GRID: Role.GRID_WORKER,
}
MAX_KEY = Escalation._meta.get_field("key").max_length or 100


def _current(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def _member(member: GroupMember) -> Recipient:
    account = member.account if member.account is not None and member.account.is_active else None
    return Recipient(user=account, name=member.name, phone=member.phone)


def responsible(division: Division, field: str = "", day: dt.date | None = None) -> list[Recipient]:
    """Who answers for ``division`` in ``field`` on ``day``: its nearest 包保 leaders, the
    leader of its leading group, its command office. Three queries; no one twice."""
    day = day or timezone.localdate()
    paths = [division.path, *reversed(division.ancestor_paths())]  # nearest first
    covering = Responsibility.objects.filter(
        _current(day), covered_path__in=paths, member__left_on__isnull=True
    )
    if field:
        covering = covering.filter(Q(field=field) | Q(field=""))
    rows = list(covering.select_related("member__account").order_by("member__role", "id"))
    found: list[Recipient] = []
    if rows:
        nearest = min(paths.index(r.covered_path) for r in rows)
        found += [_member(r.member) for r in rows if r.covered_path == paths[nearest]]
    found += [
        _member(m)
        for m in GroupMember.objects.filter(
            group__division=division, role=MemberRole.LEADER, left_on__isnull=True
        ).select_related("account")
    ]
    role = COMMAND_ROLE.get(division.level)
    if role is not None:
        found += [
            Recipient(user=u, name=str(u))
            for u in User.objects.filter(
                home_division=division, is_active=True, groups__name=group_name(role)
            ).order_by("pk")
        ]
    unique: list[Recipient] = []
    seen_users: set[int] = set()
    seen_phones: set[str] = set()
    for r in found:
        if r.user is not None:
            if r.user.pk in seen_users:
                continue
            seen_users.add(r.user.pk)
        elif r.phone in seen_phones:
            continue
        if r.phone:
            seen_phones.add(r.phone)
        unique.append(r)
    return unique


def escalate(
    division: Division,
    *,
    field: str,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    key: str,
    day: dt.date | None = None,
) -> int:
    """Notify who answers for ``division`` in ``field`` (see the module's docstring); returns
    the number of notifications created. Runs in the caller's transaction."""
    created = notify(
        responsible(division, field, day),
        kind=kind,
        title=title,
        body=body,
        link=link,
        key=key,
    )
    return len(created)


def _level_key(key: str, division: Division) -> str:
    return f"{key}@{division.code}"


def open_escalation(
    division: Division,
    *,
    field: str,
    kind: str = Kind.ESCALATION,
    title: str,
    body: str = "",
    link: str = "",
    key: str,
    source: str = "",
    now: dt.datetime | None = None,
) -> Escalation:
    """Open the escalation ``key`` at ``division`` and notify who answers for it there; an
    existing ``key`` is returned as it is."""
    if not key or len(key) > MAX_KEY:
        raise ActionError(
            _("An escalation needs a key of 1 to %(max)s characters.") % {"max": MAX_KEY},
            code="bad_key",
        )
    now = now or timezone.now()
    with transaction.atomic():
        escalation, created = Escalation.objects.get_or_create(
            key=key,
            defaults={
                "division": division,
                "division_path": division.path,
                "reached": division,
                "field": field,
                "kind": kind,
                "title": title[:200],
                "body": body,
                "link": link[:300],
                "source": source[:50],
                "opened_at": now,
                "escalated_at": now,
            },
        )
        if created:
            escalate(
                division,
                field=field,
                kind=kind,
                title=title,
                body=body,
                link=link,
                key=_level_key(key, division),
                day=timezone.localdate(now),
            )
            record(
                actor=None,
                action="notifications.escalation_open",
                obj=escalation,
                division_path=division.path,
                changes={"key": key, "division": division.code, "source": source},
            )
    return escalation


def resolve_escalation(key: str, *, now: dt.datetime | None = None) -> bool:
    """Close the open escalation ``key``; False when there is none open."""
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update().filter(key=key, resolved_at__isnull=True).first()
        )
        if escalation is None:
            return False
        escalation.resolved_at = now or timezone.now()
        escalation.save(update_fields=["resolved_at"])
        record(
            actor=None,
            action="notifications.escalation_resolve",
            obj=escalation,
            division_path=escalation.division_path,
            changes={"key": key},
        )
    return True


def raise_open_escalations(now: dt.datetime | None = None, after_hours: int | None = None) -> int:
    """Move every escalation open ``after_hours`` since it last escalated one level up and
    notify that level; returns how many moved. Idempotent: run it as often as you like."""
    now = now or timezone.now()
    hours = settings.FANGKONG_ESCALATE_AFTER_HOURS if after_hours is None else after_hours
    due_before = now - dt.timedelta(hours=hours)
    due = Escalation.objects.filter(
        resolved_at__isnull=True, escalated_at__lte=due_before, reached__parent__isnull=False
    ).values_list("pk", flat=True)
    raised = 0
    for pk in list(due):
        with transaction.atomic():
            escalation = (
                # lock the escalation row only: PostgreSQL refuses FOR UPDATE on the nullable
                # side of the outer join to the parent
                Escalation.objects.select_for_update(of=("self",))
                .select_related("reached__parent", "division")
                .filter(pk=pk, resolved_at__isnull=True, escalated_at__lte=due_before)
                .first()
            )
            if escalation is None or escalation.reached.parent is None:
                continue  # resolved or raised by another run meanwhile
            below, parent = escalation.reached, escalation.reached.parent
            since = timezone.localtime(escalation.opened_at).strftime("%Y-%m-%d %H:%M")
            note = _("Escalated from %(division)s: still open since %(since)s.") % {
                "division": escalation.division.name,
                "since": since,
            }
            escalate(
                parent,
                field=escalation.field,
                kind=escalation.kind,
                title=escalation.title,
                body="\n".join(p for p in (escalation.body, note) if p),
                link=escalation.link,
                key=_level_key(escalation.key, parent),
                day=timezone.localdate(now),
            )
            escalation.reached = parent
            escalation.escalated_at = now
            escalation.save(update_fields=["reached", "escalated_at"])
            record(
                actor=None,
                action="notifications.escalation_raise",
                obj=escalation,
                division_path=escalation.division_path,
                changes={"from": below.code, "to": parent.code},
            )
            raised += 1
    return raised
