"""Reads of the medical staff app: the staff of a jurisdiction (by facility, by name, keyset
pages), a facility's week of shifts, who is due for rotation, exposures and family care."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from fangkong.medical.models import Facility, Ward
from fangkong.medical_staff.actions import Rule, province_path, rules_by_province
from fangkong.medical_staff.choices import DUE_WITHIN_DAYS
from fangkong.medical_staff.models import Exposure, FamilyCare, Shift, StaffMember

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


@dataclass
class Page:
    items: Sequence[Any]
    next_after: int | None


def keyset_page(qs: QuerySet[Any], *, after: int | None, size: int) -> Page:
    """By id (keyset): ``next_after`` is the last id shown when there is more."""
    qs = qs.order_by("id")
    if after:
        qs = qs.filter(id__gt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def facilities(user: User | AnonymousUser) -> QuerySet[Facility]:
    return Facility.objects.visible_to(user).filter(active=True).order_by("name", "id")


def staff(
    user: User | AnonymousUser, *, facility: Facility | None = None, q: str = ""
) -> QuerySet[StaffMember]:
    qs: QuerySet[StaffMember] = StaffMember.objects.visible_to(user).select_related(
        "facility", "ward"
    )
    if facility is not None:
        qs = qs.filter(facility=facility)
    if q:
        qs = qs.filter(name__contains=" ".join(q.split())[:40])
    return qs


def wards(facility: Facility) -> QuerySet[Ward]:
    return Ward.objects.filter(facility=facility, active=True).order_by("bed_type", "name")


def week_start(day: dt.date) -> dt.date:
    """The Monday of a day's week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class RosterRow:
    staff: StaffMember
    cells: list[Shift | None]


@dataclass
class Week:
    facility: Facility
    days: list[dt.date]
    rows: list[RosterRow] = field(default_factory=list)


def roster_week(facility: Facility, start: dt.date) -> Week:
    """A facility's staff at work and their shifts of the 7 days from ``start``: two queries."""
    days = [start + dt.timedelta(days=i) for i in range(7)]
    people = list(
        StaffMember.objects.filter(facility=facility, active=True)
        .select_related("ward")
        .order_by("role", "name", "id")
    )
    shifts = Shift.objects.filter(facility=facility, day__gte=days[0], day__lte=days[-1])
    by_key = {(s.staff_id, s.day): s for s in shifts.select_related("ward")}
    week = Week(facility=facility, days=days)
    for person in people:
        week.rows.append(RosterRow(person, [by_key.get((person.pk, d)) for d in days]))
    return week


@dataclass
class Due:
    """A staff member whose run in the isolation ward reaches the maximum within the week."""

    staff: StaffMember
    run_start: dt.date
    day_of_run: int  # today is this day of the run (1 = the first)
    max_days: int
    last_day: dt.date  # the run's last allowed day
    rest_until: dt.date  # the last day of the rest that follows


def due_for_rotation(user: User | AnonymousUser, today: dt.date) -> list[Due]:
    """Staff on duty in an isolation ward today whose run of consecutive isolation days
    reaches the province's maximum within 7 days (today included): the replacements to plan.
    Two queries: the isolation shifts of the last ``max_days`` days, then those staff."""
    rules = rules_by_province()
    longest = max([Rule().max_days, *(r.max_days for r in rules.values())])
    days: dict[int, set[dt.date]] = defaultdict(set)
    rows = (
        Shift.objects.visible_to(user)
        .filter(
            ward__isnull=False,
            day__gte=today - dt.timedelta(days=longest - 1),
            day__lte=today,
        )
        .values_list("staff_id", "day")
    )
    for staff_id, day in rows:
        days[staff_id].add(day)
    on_duty = [pk for pk, found in days.items() if today in found]
    if not on_duty:
        return []
    found: list[Due] = []
    for member in (
        StaffMember.objects.filter(pk__in=on_duty)
        .select_related("facility", "ward")
        .order_by("facility__name", "name", "id")
    ):
        rule = rules.get(province_path(member.division_path), Rule())
        start = today
        while start - dt.timedelta(days=1) in days[member.pk] and (today - start).days + 1 < (
            rule.max_days
        ):
            start -= dt.timedelta(days=1)
        day_of_run = (today - start).days + 1
        last_day = start + dt.timedelta(days=rule.max_days - 1)
        if (last_day - today).days < DUE_WITHIN_DAYS:
            found.append(
                Due(
                    staff=member,
                    run_start=start,
                    day_of_run=day_of_run,
                    max_days=rule.max_days,
                    last_day=last_day,
                    rest_until=last_day + dt.timedelta(days=rule.rest_days),
                )
            )
    found.sort(key=lambda d: (d.last_day, d.staff.name, d.staff.pk))
    return found


def exposures(user: User | AnonymousUser) -> QuerySet[Exposure]:
    return Exposure.objects.visible_to(user).select_related(
        "staff", "facility", "ward", "observation"
    )


def family_care(user: User | AnonymousUser) -> QuerySet[FamilyCare]:
    return FamilyCare.objects.visible_to(user).select_related("staff", "facility", "grid", "care")


def newest_page(qs: QuerySet[Any], *, after: int | None, size: int) -> Page:
    """Newest first, by id (keyset): ``next_after`` is the last id shown when there is more."""
    qs = qs.order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)
