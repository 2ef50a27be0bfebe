"""Reads of admission and transfer: the nearest free beds for one patient, the orders a user
has to answer or follow, the patients waiting for a bed, a case's stays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import F, QuerySet

from fangkong.cases.models import Case
from fangkong.medical.models import Ward
from fangkong.treatment import allocation
from fangkong.treatment.choices import OPEN_STATES, OrderState
from fangkong.treatment.models import Order, Plan, Stay
from fangkong.treatment.rules import Need

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


@dataclass
class Candidate:
    ward: Ward
    km: float | None
    free: int


def nearest_wards(
    user: User | AnonymousUser | None, case: Case, need: Need, *, limit: int = 5
) -> list[Candidate]:
    """The wards of the user's jurisdiction with a free bed of a type the case needs, nearest
    first (great-circle from where the patient is, through ``allocation.get_distance_matrix``);
    wards without coordinates come last."""
    from fangkong.treatment.actions import location_of

    wards = Ward.objects.visible_to(user) if user is not None else Ward.objects.all()
    rows = list(
        wards.filter(
            active=True,
            facility__active=True,
            bed_type__in=need.bed_types,
            facility_kind__in=need.kinds,
        )
        .annotate(n=F("capacity") - F("occupied") - F("reserved") - F("out_of_service"))
        .filter(n__gt=0)
        .select_related("facility")
        .order_by("id")[:5000]
    )
    origin = location_of(case)
    kms: list[float | None] = [None] * len(rows)
    located = [
        i for i, w in enumerate(rows) if w.facility.longitude is not None and w.facility.latitude
    ]
    if located and origin is not None and origin.longitude is not None and origin.latitude:
        sites = np.array(
            [
                [float(rows[i].facility.longitude or 0), float(rows[i].facility.latitude or 0)]
                for i in located
            ]
        )
        matrix = allocation.get_distance_matrix()(
            np.array([[float(origin.longitude), float(origin.latitude)]]), sites
        )
        for j, i in enumerate(located):
            kms[i] = round(float(matrix[0][j]), 1)
    found = [Candidate(ward=w, km=kms[i], free=w.n) for i, w in enumerate(rows)]
    # the preferred bed type first at equal distance, unknown distances last
    preference = {t: n for n, t in enumerate(need.bed_types)}
    found.sort(
        key=lambda c: (c.km is None, c.km or 0.0, preference.get(c.ward.bed_type, 9), c.ward.pk)
    )
    return found[:limit]


def orders(
    user: User | AnonymousUser,
    *,
    state: str = "",
    side: str = "",
    overdue_before: dt.datetime | None = None,
) -> QuerySet[Order]:
    """Orders the user sees, newest first; ``side="in"``: those its jurisdiction receives,
    ``"out"``: those for its patients or leaving its facilities."""
    from fangkong.core.jurisdiction import scope_of

    qs: QuerySet[Order] = Order.objects.visible_to(user)
    scope = scope_of(user)
    if side and scope:
        if side == "in":
            qs = qs.filter(to_path__startswith=scope)
        elif side == "out":
            qs = qs.exclude(to_path__startswith=scope)
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if overdue_before is not None:
        qs = qs.filter(state=OrderState.REQUESTED, ordered_at__lt=overdue_before)
    return qs.select_related("case", "case__person", "to_facility", "from_facility", "ward")


def page(
    qs: QuerySet[Order], *, after: int | None, size: int
) -> tuple[Sequence[Order], int | None]:
    """Newest first, keyset by id."""
    qs = qs.order_by("-id")
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    return items[:size], (items[size - 1].pk if len(items) > size else None)


def stays_of(case: Case) -> list[Stay]:
    return list(
        Stay.objects.filter(case=case).select_related("facility", "ward").order_by("started_at")
    )


def orders_of(case: Case) -> list[Order]:
    return list(
        Order.objects.filter(case=case)
        .select_related("to_facility", "from_facility", "ward")
        .order_by("ordered_at", "id")
    )


def plans(user: User | AnonymousUser) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user).select_related("division", "created_by").order_by("-id")


def waiting(user: User | AnonymousUser) -> QuerySet[Case]:
    """Open cases the user sees, isolated where found and neither admitted nor ordered, oldest
    diagnosis first."""
    from fangkong.cases.choices import CaseOutcome, Category

    return (
        Case.objects.visible_to(user)
        .filter(
            outcome=CaseOutcome.ISOLATED,
            category__in=(Category.SUSPECTED, Category.CONFIRMED, Category.ASYMPTOMATIC),
        )
        .exclude(orders__state__in=OPEN_STATES)
        .select_related("person", "responsible_facility")
        .order_by("diagnosed_at", "id")
    )
