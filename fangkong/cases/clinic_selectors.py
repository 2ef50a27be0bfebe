"""Reads of first diagnosis: the visit list, and referrals to fever clinics that arrived or not.

A referral is a screening with the outcome fever clinic (its ``created_at``) or an observation
ended as referred (its ``updated_at``, the moment it ended). It has *arrived* when the person
has a clinic visit at or after it, at any clinic. Not arrived within 24 h, it is on the to-do
list of the grid and the county (``REFERRAL_ARRIVAL_HOURS``); referrals older than
``REFERRAL_WATCH_DAYS`` drop off the lists (the observation period is over by then).
Every read starts from ``visible_to``: a grid sees its own people's referrals, a clinic (home:
its county) those of its county."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fangkong.cases.choices import REFERRAL_ARRIVAL_HOURS, Decision
from fangkong.cases.models import Case, ClinicVisit
from fangkong.cases.selectors import awaiting_q
from fangkong.core.jurisdiction import ALL, scope_of
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.models import Observation
from fangkong.screening.choices import Outcome as ScreeningOutcome
from fangkong.screening.models import Screening

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

REFERRAL_WATCH_DAYS = 14
ARRIVAL = dt.timedelta(hours=REFERRAL_ARRIVAL_HOURS)

EXPECTED, ARRIVED, MISSING = "expected", "arrived", "missing"
STATES = (EXPECTED, ARRIVED, MISSING)


def _arrived(moment: str, link: str, *extra: Q) -> Exists:
    """The person came to a clinic at or after the referral, or a visit answers it by name
    (a visit's time is entered to the minute, and may be a little before the record)."""
    seen = Q(person_id=OuterRef("person_id"), visited_at__gte=OuterRef(moment)) | Q(
        **{link: OuterRef("pk")}
    )
    return Exists(ClinicVisit.objects.filter(seen, *extra))


def referral_screenings(user: User | AnonymousUser) -> QuerySet[Screening]:
    return Screening.objects.visible_to(user).filter(outcome=ScreeningOutcome.FEVER_CLINIC)


def referral_observations(user: User | AnonymousUser) -> QuerySet[Observation]:
    return Observation.objects.visible_to(user).filter(status=ObservationStatus.REFERRED)


def _window(state: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The span of referral moments a state covers (``[low, high)``)."""
    if state == MISSING:
        return now - dt.timedelta(days=REFERRAL_WATCH_DAYS), now - ARRIVAL
    if state == EXPECTED:
        return now - ARRIVAL, now + dt.timedelta(minutes=1)
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start - dt.timedelta(days=REFERRAL_WATCH_DAYS), now + dt.timedelta(minutes=1)


def _today(now: dt.datetime) -> Q:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Q(visited_at__gte=start, visited_at__lt=now + dt.timedelta(minutes=1))


def referrals(
    user: User | AnonymousUser, state: str, now: dt.datetime | None = None
) -> tuple[QuerySet[Screening], QuerySet[Observation]]:
    """The referrals in ``state``: ``missing`` (older than 24 h, not arrived), ``expected``
    (made in the last 24 h, not yet arrived), ``arrived`` (answered by a visit today)."""
    from django.db.models import F

    now = now or timezone.now()
    low, high = _window(state, now)
    screenings = referral_screenings(user).annotate(moment=F("created_at"))
    observations = referral_observations(user).annotate(moment=F("updated_at"))
    screenings = screenings.filter(created_at__gte=low, created_at__lt=high)
    observations = observations.filter(updated_at__gte=low, updated_at__lt=high)
    if state == ARRIVED:
        return (
            screenings.filter(_arrived("created_at", "referral_screening_id", _today(now))),
            observations.filter(_arrived("updated_at", "referral_observation_id", _today(now))),
        )
    return (
        screenings.filter(~_arrived("created_at", "referral_screening_id")),
        observations.filter(~_arrived("updated_at", "referral_observation_id")),
    )


def count_referrals(user: User | AnonymousUser, state: str, now: dt.datetime | None = None) -> int:
    screenings, observations = referrals(user, state, now)
    return screenings.count() + observations.count()


def pending_referrals(user: User | AnonymousUser, now: dt.datetime | None = None) -> int:
    """Referrals older than 24 h the person has not answered by a clinic visit (the to-do
    entry of the grid and the county)."""
    return count_referrals(user, MISSING, now)


def expected_today(user: User | AnonymousUser, now: dt.datetime | None = None) -> int:
    return count_referrals(user, EXPECTED, now)


@dataclass(frozen=True)
class ReferralRow:
    kind: str  # "screening" or "observation"
    at: dt.datetime
    person: Any
    grid: Any
    record: Any
    temperature: Any


def referral_rows(
    user: User | AnonymousUser, state: str, now: dt.datetime | None = None, limit: int = 200
) -> list[ReferralRow]:
    """The referrals of a state as one list, oldest first (two queries, bounded)."""
    screenings, observations = referrals(user, state, now)
    rows = [
        ReferralRow("screening", s.created_at, s.person, s.grid, s, s.temperature)
        for s in screenings.select_related("person", "grid").order_by("created_at")[:limit]
    ]
    rows += [
        ReferralRow("observation", o.updated_at, o.person, o.grid, o, o.last_temperature)
        for o in observations.select_related("person", "grid").order_by("updated_at")[:limit]
    ]
    return sorted(rows, key=lambda r: r.at)[:limit]


# --- visits -------------------------------------------------------------------------------


@dataclass
class Filters:
    decision: str = ""
    day: dt.date | None = None
    facility_id: int | None = None


@dataclass
class Page:
    items: Sequence[ClinicVisit]
    next_after: int | None


def visits(user: User | AnonymousUser, filters: Filters) -> QuerySet[ClinicVisit]:
    qs: QuerySet[ClinicVisit] = ClinicVisit.objects.visible_to(user)
    if filters.decision:
        qs = qs.filter(decision=filters.decision)
    if filters.day is not None:
        start = timezone.make_aware(dt.datetime.combine(filters.day, dt.time.min))
        qs = qs.filter(visited_at__gte=start, visited_at__lt=start + dt.timedelta(days=1))
    if filters.facility_id:
        qs = qs.filter(facility_id=filters.facility_id)
    return qs


def page(qs: QuerySet[ClinicVisit], *, after: int | None, size: int) -> Page:
    """Newest first by id (keyset), with the person, the clinic and the case in one query."""
    qs = qs.select_related("person", "facility", "case").order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def waiting_decision(user: User | AnonymousUser) -> QuerySet[ClinicVisit]:
    return ClinicVisit.objects.visible_to(user).filter(decision=Decision.PENDING)


def suspected_awaiting_results(user: User | AnonymousUser) -> QuerySet[Case]:
    """Suspected cases awaiting results (``selectors.awaiting_q``) reported in the user's
    jurisdiction, by its clinics."""
    scope = scope_of(user)
    if scope is None:
        return Case.objects.none()
    qs = Case.objects.visible_to(user).filter(awaiting_q())
    if scope != ALL:
        qs = qs.filter(reporting_path__startswith=scope)
    return qs
