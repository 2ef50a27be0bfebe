"""Reads of the command app: the leading groups of a jurisdiction, one group with its members,
working groups and responsibilities, and the chain of a village or grid."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.command.models import GroupMember, LeadingGroup, Responsibility, Secretary
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


def groups(user: User | AnonymousUser) -> QuerySet[LeadingGroup]:
    """The leading groups in the user's jurisdiction, with their current member count."""
    return (
        LeadingGroup.objects.visible_to(user)
        .select_related("division")
        .annotate(n_members=Count("members", filter=Q(members__left_on__isnull=True)))
        .order_by("division_path")
    )


def current(day: dt.date) -> Q:
    """Rows whose period (``starts_on`` … ``ends_on``, both included) holds ``day``."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def members(group: LeadingGroup) -> QuerySet[GroupMember]:
    return group.members.select_related("working_group").order_by("left_on", "role", "id")


def responsibilities(group: LeadingGroup) -> QuerySet[Responsibility]:
    """Every 包保 assignment of the group, open ones first, history after."""
    return (
        Responsibility.objects.filter(group=group)
        .select_related("member", "division")
        .order_by("ends_on", "-starts_on", "-id")
    )


@dataclass
class Link:
    """One level of the chain: a division, its secretary and the leaders covering it."""

    division: Division
    secretary: Secretary | None = None
    leaders: list[Responsibility] = field(default_factory=list)


def chain(division: Division, day: dt.date | None = None) -> list[Link]:
    """The chain of a division (a village or grid), province first: for the division and each
    ancestor, its current secretary and the 包保 responsibilities covering it on ``day``.
    Three queries whatever the depth: divisions, secretaries and responsibilities, each by the
    ancestor paths (``Division.ancestor_paths``)."""
    day = day or timezone.localdate()
    paths = [*division.ancestor_paths(), division.path]
    found = {d.path: d for d in Division.objects.filter(path__in=paths)}
    secretaries = {
        s.division_path: s
        for s in Secretary.objects.filter(current(day), division_path__in=paths).order_by(
            "starts_on", "id"
        )
    }
    leaders: dict[str, list[Responsibility]] = defaultdict(list)
    for r in (
        Responsibility.objects.filter(current(day), covered_path__in=paths)
        .select_related("member", "group")
        .order_by("member__role", "id")
    ):
        leaders[r.covered_path].append(r)
    return [Link(found[p], secretaries.get(p), leaders.get(p, [])) for p in paths if p in found]
