"""Every write of admission and transfer, each audited in its transaction.

Who may do what (the views check the permission, these functions the side):

- the ordering side (where the patient lives or the facility that holds the patient) orders
  an admission or a transfer, and cancels it; the bed must lie in its jurisdiction;
- the receiving facility's side accepts or refuses; once it accepts it becomes responsible
  for the case (``cases.actions.record_treatment``);
- either side records the transport; on arrival the reserved bed becomes occupied, the stay
  starts and the previous one ends.

Bed counters move only here, through ``medical.actions``'s conditional updates."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import record
from fangkong.cases import actions as case_actions
from fangkong.cases.choices import CaseOutcome, Category
from fangkong.cases.models import Case
from fangkong.core.errors import ActionError, Conflict
from fangkong.core.jurisdiction import OutOfJurisdiction, ensure_in_scope, path_in_scope
from fangkong.core.validators import clean_line
from fangkong.medical import actions as beds
from fangkong.medical.models import Facility, Ward
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.treatment import allocation
from fangkong.treatment.choices import (
    OPEN_STATES,
    TRANSPORT_ORDER,
    OrderKind,
    OrderState,
    PlanState,
    StayEnd,
    Transport,
)
from fangkong.treatment.models import Order, Plan, Policy, Stay
from fangkong.treatment.rules import Need, need_of

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_PLAN = 20_000  # waiting patients one plan takes (a province's worst day of 2022 had ~4,000)


def _moment(at: dt.datetime | None, *, after: dt.datetime | None) -> dt.datetime:
    """When a step happened: now, or a moment typed after the fact (a phoned-in order, the
    ambulance's arrival time), between ``after`` and now."""
    now = timezone.now()
    if at is None:
        return now
    at = case_actions.aware(at, field="at")
    if at > now + dt.timedelta(minutes=5) or (after is not None and at < after):
        raise ActionError(
            _("The time must lie between %(after)s and now.")
            % {
                "after": timezone.localtime(after).strftime("%Y-%m-%d %H:%M")
                if after
                else "1900-01-01"
            },
            code="bad_time",
            field="at",
        )
    return at


def _audit(actor: User | None, action: str, obj: Any, path: str, changes: dict[str, Any]) -> None:
    record(actor=actor, action=action, obj=obj, division_path=path, changes=changes)


# --- what a case needs and where it is ------------------------------------------------------


def province_path(path: str) -> str:
    return path.split("/", 1)[0] + "/"


def mild_to_makeshift(path: str) -> bool:
    """The policy of the province of ``path`` (off when none is recorded)."""
    return bool(
        Policy.objects.filter(division_path=province_path(path))
        .values_list("mild_to_makeshift", flat=True)
        .first()
    )


def need_for(case: Case) -> Need | None:
    return need_of(
        case.category, case.severity, mild_to_makeshift=mild_to_makeshift(case.division_path)
    )


def open_stay(case: Case) -> Stay | None:
    return (
        Stay.objects.select_related("facility", "ward")
        .filter(case=case, ended_at__isnull=True)
        .first()
    )


def location_of(case: Case) -> Facility | None:
    """Where the patient is: the facility of the open stay, else the one responsible (the
    first-diagnosis clinic that isolated the patient on the spot)."""
    stay = open_stay(case)
    if stay is not None:
        return stay.facility
    return case.responsible_facility


def km_between(a: Facility | None, b: Facility) -> Decimal | None:
    if a is None or a.longitude is None or a.latitude is None:
        return None
    if b.longitude is None or b.latitude is None:
        return None
    return Decimal(str(round(_km(a.longitude, a.latitude, b.longitude, b.latitude), 1)))


def _km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> float:
    """One distance through the replaceable distance function (great-circle by default)."""
    matrix = allocation.get_distance_matrix()(
        np.array([[float(lon1), float(lat1)]]), np.array([[float(lon2), float(lat2)]])
    )
    return float(matrix[0][0])


def _case_for(actor: User | None, case: Case) -> Case:
    """The case, locked, if the actor sees it (404 otherwise)."""
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise OutOfJurisdiction(_("This record is not in your jurisdiction."))
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("responsible_facility")
        .get(pk=case.pk)
    )


def _check_ward(ward: Ward, need: Need, actor: User | None) -> Ward:
    ward = Ward.objects.select_related("facility").get(pk=ward.pk)
    ensure_in_scope(actor, ward.division_path)
    if not ward.active or not ward.facility.active:
        raise ActionError(
            _("%(ward)s is closed.") % {"ward": ward}, code="ward_closed", field="ward"
        )
    if ward.bed_type not in need.bed_types or ward.facility.kind not in need.kinds:
        raise ActionError(
            _("%(ward)s has %(type)s in a %(kind)s; this patient needs %(need)s.")
            % {
                "ward": ward,
                "type": ward.get_bed_type_display(),
                "kind": ward.facility.get_kind_display(),
                "need": need.reason,
            },
            code="wrong_bed_type",
            field="ward",
        )
    return ward


def _reserve(ward: Ward) -> None:
    if not beds.reserve_bed(ward.pk):
        raise Conflict(
            _("%(ward)s has no free bed left: choose another ward.") % {"ward": ward},
            code="ward_full",
            field="ward",
        )


def _open_order_refusal(case: Case) -> None:
    existing = Order.objects.filter(case=case, state__in=OPEN_STATES).first()
    if existing is not None:
        raise Conflict(
            _(
                "Case %(number)s already has an open order to %(facility)s: wait for it or "
                "cancel it first."
            )
            % {"number": case.number, "facility": existing.to_facility},
            code="order_open",
        )


def _create(
    *,
    actor: User | None,
    case: Case,
    ward: Ward,
    kind: str,
    note: str,
    plan: Plan | None = None,
    km: Decimal | None = None,
    at: dt.datetime | None = None,
) -> Order:
    origin = location_of(case)
    now = at or timezone.now()
    try:
        with transaction.atomic():
            order = Order.objects.create(
                case=case,
                kind=kind,
                bed_type=ward.bed_type,
                division_path=case.division_path,
                from_facility=origin,
                from_path=origin.division_path if origin else "",
                to_facility=ward.facility,
                to_path=ward.division_path,
                ward=ward,
                distance_km=km if km is not None else km_between(origin, ward.facility),
                note=note,
                plan=plan,
                ordered_by=actor,
                ordered_at=now,
            )
    except IntegrityError as exc:  # a concurrent order for the same case won
        raise Conflict(
            _("Case %(number)s already has an open order.") % {"number": case.number},
            code="order_open",
        ) from exc
    _audit(
        actor,
        "treatment.order",
        order,
        order.division_path,
        {
            "case": [None, case.number],
            "kind": [None, kind],
            "from": [None, origin.name if origin else None],
            "to": [None, str(ward)],
            "bed_type": [None, ward.bed_type],
            "distance_km": [None, str(order.distance_km) if order.distance_km else None],
        },
    )
    return order


@transaction.atomic
def order_admission(
    *,
    actor: User | None,
    case: Case,
    ward: Ward | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Order:
    """Order the admission of a case to a ward (收治), reserving one of its beds. Without a ward,
    the nearest free bed of the right type in the actor's jurisdiction is taken."""
    case = _case_for(actor, case)
    note = clean_line(note, field="note", limit=300)
    at = _moment(at, after=case.diagnosed_at)
    if not case.is_open:
        raise ActionError(
            _("Case %(number)s is %(outcome)s: it needs no bed.")
            % {"number": case.number, "outcome": case.get_outcome_display()},
            code="case_closed",
        )
    stay = open_stay(case)
    if stay is not None:
        raise Conflict(
            _(
                "Case %(number)s is already admitted to %(ward)s since %(at)s: order a transfer "
                "instead."
            )
            % {
                "number": case.number,
                "ward": stay.ward,
                "at": timezone.localtime(stay.started_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="already_admitted",
        )
    _open_order_refusal(case)
    need = need_for(case)
    if need is None:
        raise ActionError(_("This case needs no bed."), code="case_closed")
    if ward is None:
        from fangkong.treatment.selectors import nearest_wards

        found = nearest_wards(actor, case, need, limit=1)
        if not found:
            raise ActionError(
                _("No free bed for %(need)s in your jurisdiction.") % {"need": need.reason},
                code="no_free_bed",
            )
        ward = found[0].ward
    ward = _check_ward(ward, need, actor)
    _reserve(ward)
    return _create(actor=actor, case=case, ward=ward, kind=OrderKind.ADMISSION, note=note, at=at)


@transaction.atomic
def order_transfer(
    *,
    actor: User | None,
    case: Case,
    ward: Ward,
    kind: str,
    severity: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> Order:
    """Transfer an admitted case up (worsening, to ICU) or down (recovering), optionally with its
    new clinical severity; reserves a bed of ``ward``."""
    case = _case_for(actor, case)
    note = clean_line(note, field="note", limit=300)
    if kind not in (OrderKind.TRANSFER_UP, OrderKind.TRANSFER_DOWN):
        raise ActionError(_("Choose up or down."), code="bad_kind", field="kind")
    stay = open_stay(case)
    if stay is not None:
        at = _moment(at, after=stay.started_at)
    if stay is None or not case.is_open:
        raise ActionError(
            _("Case %(number)s is not in a bed: order an admission instead.")
            % {"number": case.number},
            code="not_admitted",
        )
    _open_order_refusal(case)
    if severity:
        case = case_actions.change_severity(actor=actor, case=case, severity=severity)
    need = need_for(case)
    if need is None:
        raise ActionError(_("This case needs no bed."), code="case_closed")
    if ward.pk == stay.ward_id:
        raise ActionError(
            _("The patient is already in %(ward)s.") % {"ward": stay.ward},
            code="same_ward",
            field="ward",
        )
    ward = _check_ward(ward, need, actor)
    _reserve(ward)
    return _create(actor=actor, case=case, ward=ward, kind=kind, note=note, at=at)


def _locked_order(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("case", "ward", "to_facility")
        .get(pk=order.pk)
    )


def _receiver(actor: User | None, order: Order) -> None:
    if actor is not None and not path_in_scope(actor, order.to_path):
        raise OutOfJurisdiction(_("This record is not in your jurisdiction."))


def _orderer(actor: User | None, order: Order) -> None:
    if actor is None:
        return
    if not (
        path_in_scope(actor, order.division_path)
        or (order.from_path and path_in_scope(actor, order.from_path))
    ):
        raise OutOfJurisdiction(_("This record is not in your jurisdiction."))


def _not_open(order: Order) -> ActionError:
    return Conflict(
        _("This order is already %(state)s.") % {"state": order.get_state_display()},
        code="order_not_open",
    )


@transaction.atomic
def accept_order(*, actor: User | None, order: Order, at: dt.datetime | None = None) -> Order:
    """The receiving facility accepts: it is responsible for the case from now on."""
    order = _locked_order(order)
    _receiver(actor, order)
    if order.state != OrderState.REQUESTED:
        raise _not_open(order)
    now = _moment(at, after=order.ordered_at)
    Order.objects.filter(pk=order.pk).update(
        state=OrderState.ACCEPTED, answered_by=actor, answered_at=now, updated_at=now
    )
    order.refresh_from_db()
    case_actions.record_treatment(
        actor=actor, case=order.case, facility=order.to_facility, admitted=False
    )
    _audit(
        actor,
        "treatment.accept",
        order,
        order.to_path,
        {"state": [OrderState.REQUESTED, OrderState.ACCEPTED]},
    )
    return order


@transaction.atomic
def refuse_order(*, actor: User | None, order: Order, reason: str) -> Order:
    """The receiving facility refuses, with the reason; the reserved bed is free again."""
    order = _locked_order(order)
    _receiver(actor, order)
    reason = clean_line(
        reason, field="reason", limit=300, required=_("Give the reason for refusing.")
    )
    if order.state != OrderState.REQUESTED:
        raise _not_open(order)
    return _close(actor, order, OrderState.REFUSED, reason, "treatment.refuse", order.to_path)


@transaction.atomic
def cancel_order(*, actor: User | None, order: Order, reason: str) -> Order:
    """The ordering side withdraws an open order; the reserved bed is free again."""
    order = _locked_order(order)
    _orderer(actor, order)
    reason = clean_line(
        reason, field="reason", limit=300, required=_("Give the reason for cancelling.")
    )
    if order.state not in OPEN_STATES:
        raise _not_open(order)
    return _close(
        actor, order, OrderState.CANCELLED, reason, "treatment.cancel", order.division_path
    )


def _close(
    actor: User | None, order: Order, state: str, reason: str, action: str, path: str
) -> Order:
    old = order.state
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        state=state, refusal=reason, answered_by=actor, answered_at=now, updated_at=now
    )
    beds.release_reservation(order.ward_id)
    order.refresh_from_db()
    _audit(actor, action, order, path, {"state": [old, state], "reason": [None, reason]})
    return order


@transaction.atomic
def advance_transport(
    *, actor: User | None, order: Order, transport: str, at: dt.datetime | None = None
) -> Order:
    """Record the transport (vehicle dispatched, on the way, arrived). Arrival needs the
    receiver's acceptance; it ends the previous stay and starts the new one in the reserved bed."""
    order = _locked_order(order)
    if actor is not None and not any(
        path and path_in_scope(actor, path)
        for path in (order.division_path, order.from_path, order.to_path)
    ):
        raise OutOfJurisdiction(_("This record is not in your jurisdiction."))
    if transport not in TRANSPORT_ORDER:
        raise ActionError(_("Choose a transport state."), code="bad_transport", field="transport")
    if order.state not in OPEN_STATES:
        raise _not_open(order)
    if TRANSPORT_ORDER.index(transport) <= TRANSPORT_ORDER.index(order.transport):
        raise ActionError(
            _("The transport is already “%(state)s”: it only moves forward.")
            % {"state": order.get_transport_display()},
            code="transport_backwards",
            field="transport",
        )
    if transport == Transport.ARRIVED and order.state != OrderState.ACCEPTED:
        raise ActionError(
            _("The receiving facility has not accepted the patient yet."),
            code="not_accepted",
            field="transport",
        )
    old = order.transport
    now = _moment(at, after=order.answered_at or order.ordered_at)
    Order.objects.filter(pk=order.pk).update(transport=transport, updated_at=timezone.now())
    _audit(
        actor, "treatment.transport", order, order.division_path, {"transport": [old, transport]}
    )
    if transport == Transport.ARRIVED:
        _arrive(actor, order, now)
    order.refresh_from_db()
    return order


def _arrive(actor: User | None, order: Order, now: dt.datetime) -> None:
    case = Case.objects.select_for_update().get(pk=order.case_id)
    previous = Stay.objects.filter(case=case, ended_at__isnull=True).first()
    if previous is not None:
        _end_stay(actor, previous, StayEnd.TRANSFERRED, now)
    beds.occupy_reserved(order.ward_id)
    stay = Stay.objects.create(
        case=case,
        facility=order.to_facility,
        ward=order.ward,
        division_path=order.to_path,
        case_path=case.division_path,
        order=order,
        started_at=now,
    )
    Order.objects.filter(pk=order.pk).update(state=OrderState.ARRIVED, arrived_at=now)
    case_actions.record_treatment(
        actor=actor,
        case=case,
        facility=order.to_facility,
        admitted=True,
        detail=str(order.ward),
    )
    _audit(
        actor,
        "treatment.arrive",
        stay,
        stay.division_path,
        {"case": [None, case.number], "ward": [None, str(order.ward)]},
    )


def _end_stay(actor: User | None, stay: Stay, end: str, now: dt.datetime) -> None:
    Stay.objects.filter(pk=stay.pk).update(ended_at=now, end=end)
    beds.vacate_bed(stay.ward_id)
    _audit(actor, "treatment.stay_end", stay, stay.division_path, {"end": [None, end]})


def end_treatment(case: Case, end: str, actor: User | None) -> None:
    """A case left care (``cases``' ``ON_CASE_CLOSED``): its stay ends and frees the bed, and an
    open order is cancelled with its reserved bed."""
    now = timezone.now()
    stay = Stay.objects.select_for_update().filter(case=case, ended_at__isnull=True).first()
    if stay is not None:
        _end_stay(actor, stay, end if end in StayEnd.values else StayEnd.DISCHARGED, now)
    for order in Order.objects.select_for_update().filter(case=case, state__in=OPEN_STATES):
        _close(
            actor,
            order,
            OrderState.CANCELLED,
            _("The case was %(end)s.")
            % {"end": StayEnd(end).label if end in StayEnd.values else end},
            "treatment.cancel",
            order.division_path,
        )


# --- the province's policy ----------------------------------------------------------------


@transaction.atomic
def set_policy(*, actor: User | None, province: Division, mild_to_makeshift: bool) -> Policy:
    """Whether mild cases and asymptomatic infections may go to makeshift hospitals."""
    if province.level != Level.PROVINCE:
        raise ActionError(
            _("The admission policy is the province's."), code="not_province", field="division"
        )
    ensure_in_scope(actor, province.path)
    policy, _created = Policy.objects.select_for_update().get_or_create(
        division=province, defaults={"division_path": province.path}
    )
    old = policy.mild_to_makeshift
    policy.mild_to_makeshift = bool(mild_to_makeshift)
    policy.updated_by = actor
    policy.save()
    _audit(
        actor,
        "treatment.policy",
        policy,
        policy.division_path,
        {"mild_to_makeshift": [old, policy.mild_to_makeshift]},
    )
    return policy


# --- batch allocation ---------------------------------------------------------------------


def waiting_cases(actor: User | None, division: Division) -> list[Case]:
    """Open cases of ``division`` isolated where found and not yet admitted or ordered, oldest
    diagnosis first (the order nearest-free-bed-first serves them in)."""
    qs = Case.objects.visible_to(actor) if actor is not None else Case.objects.all()
    return list(
        qs.filter(
            division_path__startswith=division.path,
            outcome=CaseOutcome.ISOLATED,
            category__in=(Category.SUSPECTED, Category.CONFIRMED, Category.ASYMPTOMATIC),
        )
        .exclude(orders__state__in=OPEN_STATES)
        .select_related("responsible_facility")
        .order_by("diagnosed_at", "id")[:MAX_PLAN]
    )


@transaction.atomic
def propose_plan(*, actor: User | None, division: Division) -> Plan:
    """Allocate every waiting patient of ``division`` to the free beds of the actor's
    jurisdiction at minimum total distance (a transportation problem solved by HiGHS); patients
    who cannot be placed are listed with the reason. Nothing is reserved until confirmed."""
    ensure_in_scope(actor, division.path)
    cases = waiting_cases(actor, division)
    wards = Ward.objects.visible_to(actor) if actor is not None else Ward.objects.all()
    pools: dict[tuple[int, str], int] = {}
    for row in (
        wards.filter(active=True, facility__active=True)
        .annotate(n=F("capacity") - F("occupied") - F("reserved") - F("out_of_service"))
        .filter(n__gt=0)
        .values("facility_id", "bed_type", "n")
    ):
        key = (row["facility_id"], row["bed_type"])
        pools[key] = pools.get(key, 0) + row["n"]
    facilities = {
        f.pk: f
        for f in Facility.objects.filter(pk__in={k[0] for k in pools}).only(
            "id", "name", "kind", "longitude", "latitude"
        )
    }
    # a pool with no free bed is still one "of the right type" for the reasons: add them empty
    for ward in wards.filter(active=True, facility__active=True).select_related("facility"):
        key = (ward.facility_id, ward.bed_type)
        if key not in pools:
            pools[key] = 0
            facilities.setdefault(ward.facility_id, ward.facility)
    pool_list = [
        allocation.Pool(
            key=key,
            facility_kind=facilities[key[0]].kind,
            bed_type=key[1],
            lon=_float(facilities[key[0]].longitude),
            lat=_float(facilities[key[0]].latitude),
            free=free,
        )
        for key, free in pools.items()
    ]
    policy = mild_to_makeshift(division.path)
    patients = []
    numbers = {}
    for case in cases:
        need = need_of(case.category, case.severity, mild_to_makeshift=policy)
        if need is None:
            continue
        origin = case.responsible_facility
        numbers[case.pk] = case.number
        patients.append(
            allocation.Waiting(
                key=case.pk,
                lon=_float(origin.longitude) if origin else None,
                lat=_float(origin.latitude) if origin else None,
                bed_type=need.bed_type,
                kinds=need.kinds,
            )
        )
    started = time.perf_counter()
    result = allocation.allocate(patients, pool_list)
    solve_ms = int((time.perf_counter() - started) * 1000)
    by_key = {p.key: p for p in patients}
    by_pool = {p.key: p for p in pool_list}
    assignments = []
    for case_key, pool_key in result.assignments.items():
        patient, pool = by_key[case_key], by_pool[pool_key]
        facility_id, bed_type = cast(tuple[int, str], pool_key)
        case_id = cast(int, case_key)
        assignments.append(
            {
                "case": case_id,
                "number": numbers[case_id],
                "facility": facility_id,
                "facility_name": facilities[facility_id].name,
                "bed_type": bed_type,
                "km": round(_km(patient.lon, patient.lat, pool.lon, pool.lat), 1),
            }
        )
    unplaced = [
        {"case": case_key, "number": numbers[cast(int, case_key)], "reason": reason}
        for case_key, reason in result.unplaced.items()
    ]
    plan = Plan.objects.create(
        division=division,
        division_path=division.path,
        waiting=len(patients),
        placed=len(assignments),
        total_km=Decimal(str(round(result.total_km, 1))),
        greedy_km=Decimal(str(round(result.greedy_total_km, 1))),
        greedy_placed=result.greedy_placed,
        solve_ms=solve_ms,
        assignments=sorted(assignments, key=lambda a: a["case"]),
        unplaced=unplaced,
        created_by=actor,
    )
    _audit(
        actor,
        "treatment.plan_propose",
        plan,
        plan.division_path,
        {
            "waiting": [None, plan.waiting],
            "placed": [None, plan.placed],
            "total_km": [None, str(plan.total_km)],
            "greedy_km": [None, str(plan.greedy_km)],
        },
    )
    return plan


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class Confirmed:
    plan: Plan
    orders: list[Order] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def _locked_plan(actor: User | None, plan: Plan) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    ensure_in_scope(actor, plan.division_path)
    if plan.state != PlanState.PROPOSED:
        raise Conflict(
            _("This plan is already %(state)s.") % {"state": plan.get_state_display()},
            code="plan_not_proposed",
        )
    return plan


@transaction.atomic
def confirm_plan(*, actor: User | None, plan: Plan) -> Confirmed:
    """Issue the plan's orders, each reserving a bed. A bed taken since the plan was made, or a
    case that changed meanwhile, is reported among the plan's unplaced with the reason, never
    dropped."""
    plan = _locked_plan(actor, plan)
    done = Confirmed(plan=plan)
    cases = {c.pk: c for c in Case.objects.filter(pk__in=[a["case"] for a in plan.assignments])}
    for item in plan.assignments:
        case = cases.get(item["case"])
        reason = ""
        ward = None
        if case is None or not case.is_open or case.outcome != CaseOutcome.ISOLATED:
            reason = "case_changed"
        elif Order.objects.filter(case=case, state__in=OPEN_STATES).exists():
            reason = "order_open"
        else:
            for candidate in Ward.objects.filter(
                facility_id=item["facility"],
                bed_type=item["bed_type"],
                active=True,
                facility__active=True,
            ).order_by("id"):
                if beds.reserve_bed(candidate.pk):
                    ward = candidate
                    break
            if ward is None:
                reason = "taken_meanwhile"
        if ward is None or case is None:
            done.failed.append({"case": item["case"], "number": item["number"], "reason": reason})
            continue
        ward.facility = Facility.objects.get(pk=ward.facility_id)
        done.orders.append(
            _create(
                actor=actor,
                case=case,
                ward=ward,
                kind=OrderKind.ADMISSION,
                note=_("allocation plan %(id)s") % {"id": plan.pk},
                plan=plan,
                km=Decimal(str(item["km"])),
            )
        )
    Plan.objects.filter(pk=plan.pk).update(
        state=PlanState.CONFIRMED, unplaced=[*plan.unplaced, *done.failed]
    )
    plan.refresh_from_db()
    done.plan = plan
    _audit(
        actor,
        "treatment.plan_confirm",
        plan,
        plan.division_path,
        {
            "state": [PlanState.PROPOSED, PlanState.CONFIRMED],
            "orders": [None, len(done.orders)],
            "failed": [None, len(done.failed)],
        },
    )
    return done


@transaction.atomic
def discard_plan(*, actor: User | None, plan: Plan) -> Plan:
    plan = _locked_plan(actor, plan)
    Plan.objects.filter(pk=plan.pk).update(state=PlanState.DISCARDED)
    plan.refresh_from_db()
    _audit(
        actor,
        "treatment.plan_discard",
        plan,
        plan.division_path,
        {"state": [PlanState.PROPOSED, PlanState.DISCARDED]},
    )
    return plan


# --- the nightly check --------------------------------------------------------------------


@dataclass
class BedCheck:
    wards: int
    wrong: list[dict[str, Any]]
    repaired: bool
    snapshot_rows: int


@transaction.atomic
def check_bed_counts(*, day: dt.date | None = None, repair: bool = False) -> BedCheck:
    """Prove every ward's ``occupied`` equals its open stays and ``reserved`` its open orders;
    list the wards where they differ (and set them right with ``repair``, audited), then store
    the day's beds by city (``medical.BedDay``) for the trend."""
    day = day or timezone.localdate()
    # lock the wards first: a counter change in flight commits before the counting starts
    list(Ward.objects.select_for_update().order_by("id").values_list("id", flat=True))
    stays = dict(
        Stay.objects.filter(ended_at__isnull=True)
        .values("ward")
        .annotate(n=Count("id"))
        .values_list("ward", "n")
    )
    orders = dict(
        Order.objects.filter(state__in=OPEN_STATES)
        .values("ward")
        .annotate(n=Count("id"))
        .values_list("ward", "n")
    )
    wrong = []
    wards = 0
    for ward in Ward.objects.order_by("id").iterator(chunk_size=2000):
        wards += 1
        occupied, reserved = stays.get(ward.pk, 0), orders.get(ward.pk, 0)
        if (ward.occupied, ward.reserved) != (occupied, reserved):
            wrong.append(
                {
                    "ward": ward.pk,
                    "name": str(ward.name),
                    "occupied": [ward.occupied, occupied],
                    "reserved": [ward.reserved, reserved],
                }
            )
            if repair:
                beds.set_counts(ward.pk, occupied=occupied, reserved=reserved)
                _audit(
                    None,
                    "treatment.bed_repair",
                    ward,
                    ward.division_path,
                    {"occupied": [ward.occupied, occupied], "reserved": [ward.reserved, reserved]},
                )
    rows = beds.snapshot_beds(day)
    return BedCheck(wards=wards, wrong=wrong, repaired=repair and bool(wrong), snapshot_rows=rows)


@transaction.atomic
def rebuild_bed_days(*, days: int, today: dt.date | None = None) -> int:
    """Rebuild the trend's past ``days`` (before today) from the stays and orders: a bed was
    occupied at the end of a day by a stay that had started and not ended, reserved by an order
    given and not yet answered otherwise than by acceptance or arrival. For a new deployment
    that loads its history, and for the demo. Returns the rows written."""
    today = today or timezone.localdate()
    written = 0
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        end = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        occupied = dict(
            Stay.objects.filter(started_at__lte=end)
            .exclude(ended_at__lte=end)
            .values("ward")
            .annotate(n=Count("id"))
            .values_list("ward", "n")
        )
        reserved = dict(
            Order.objects.filter(ordered_at__lte=end)
            .exclude(arrived_at__lte=end)
            .exclude(state__in=(OrderState.REFUSED, OrderState.CANCELLED), answered_at__lte=end)
            .values("ward")
            .annotate(n=Count("id"))
            .values_list("ward", "n")
        )
        counts = {
            ward: (occupied.get(ward, 0), reserved.get(ward, 0)) for ward in {*occupied, *reserved}
        }
        written += beds.snapshot_beds(day, counts)
    return written
