"""The REST API of admission and transfer (收治与转运, mounted in fangkong/api.py): orders and
their answers and transport, the free beds nearest a patient, the patients waiting for a bed,
batch allocation plans and the province's admission policy.

Thin: each operation parses, checks the role, fetches through ``visible_to`` (404 otherwise),
calls one action of ``treatment/actions.py`` and answers. A refused action answers JSON 400 or
409 with its code (``ward_full``, ``wrong_bed_type``, ``order_open``, …); a record out of the
caller's side answers 404 like one that does not exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fangkong.cases.choices import Category, Severity
from fangkong.cases.models import Case
from fangkong.core.api import InputSchema
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.parsing import ApiId
from fangkong.core.permissions import require
from fangkong.medical.choices import BedType
from fangkong.medical.models import Ward
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import visible_division
from fangkong.treatment import actions, selectors
from fangkong.treatment.choices import ACCEPT_HOURS, OrderKind, OrderState, PlanState
from fangkong.treatment.models import Order, Plan
from fangkong.treatment.permissions import TreatmentPerm

router = Router(tags=["treatment"])

CODE = r"^\d{1,15}$"
TEXT_LIMIT = 300  # a note, a reason for refusing or cancelling (as the actions check)
ORDER_RELATED = ("case", "to_facility", "from_facility", "ward")
# ``choices.Transport`` shares its class name with screening's, and the OpenAPI description
# needs unique names: its values, inline (test_api checks they stay equal).
OrderTransport = Literal["requested", "dispatched", "on_the_way", "arrived"]


# --- answers ------------------------------------------------------------------------------------


def _km(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class TreatmentOrderOut(Schema):
    id: int
    kind: OrderKind
    state: OrderState
    transport: OrderTransport
    bed_type: BedType
    case_id: int
    case_number: str = Field(..., alias="case.number")
    from_facility_id: int | None
    from_facility_name: str | None = None
    to_facility_id: int
    to_facility_name: str = Field(..., alias="to_facility.name")
    ward_id: int
    ward_name: str = Field(..., alias="ward.name")
    distance_km: float | None = Field(None, description="from where the patient is, great circle")
    note: str
    refusal: str = Field(..., description="the reason for refusing or cancelling")
    plan_id: int | None
    ordered_at: dt.datetime
    answered_at: dt.datetime | None
    arrived_at: dt.datetime | None

    @staticmethod
    def resolve_from_facility_name(obj: Order) -> str | None:
        return obj.from_facility.name if obj.from_facility else None

    @staticmethod
    def resolve_distance_km(obj: Order) -> float | None:
        return _km(obj.distance_km)


class TreatmentOrderPage(Schema):
    items: list[TreatmentOrderOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class TreatmentOrderQuery(Schema):
    state: OrderState | None = None
    side: Literal["in", "out"] | None = Field(
        None, description="in: orders your jurisdiction receives; out: the others"
    )
    overdue: bool = Field(False, description=f"only orders not answered in {ACCEPT_HOURS} hours")
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class TreatmentBedOut(Schema):
    ward_id: int
    ward_name: str
    facility_id: int
    facility_name: str
    bed_type: BedType
    free: int
    km: float | None = Field(None, description="from where the patient is; unknown last")


class TreatmentBedsOut(Schema):
    need: str | None = Field(None, description="the bed the case needs, and why")
    items: list[TreatmentBedOut]


class TreatmentBedsQuery(Schema):
    limit: int = Field(5, ge=1, le=20)


class TreatmentWaitingOut(Schema):
    id: int
    number: str
    person_name: str = Field(..., alias="person.name")
    category: Category
    severity: Severity | None = None
    diagnosed_at: dt.datetime
    responsible_facility_id: int
    responsible_facility_name: str = Field(..., alias="responsible_facility.name")

    @staticmethod
    def resolve_severity(obj: Case) -> str | None:
        return obj.severity or None


class TreatmentWaitingPage(Schema):
    items: list[TreatmentWaitingOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class TreatmentWaitingQuery(Schema):
    after: ApiId | None = None
    limit: int = Field(50, ge=1, le=200)


class PlanAssignmentOut(Schema):
    case: int
    number: str
    facility: int
    facility_name: str
    bed_type: BedType
    km: float


class PlanUnplacedOut(Schema):
    case: int
    number: str
    reason: str = Field(
        ...,
        description="no_location, no_pool, no_free_bed; at confirmation also case_changed, "
        "order_open, taken_meanwhile",
    )


class TreatmentPlanOut(Schema):
    id: int
    division_code: str = Field(..., alias="division.code")
    division_name: str = Field(..., alias="division.name")
    state: PlanState
    waiting: int
    placed: int
    total_km: float
    greedy_km: float = Field(..., description="what nearest free bed first would have given")
    greedy_placed: int
    solve_ms: int
    assignments: list[PlanAssignmentOut]
    unplaced: list[PlanUnplacedOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_total_km(obj: Plan) -> float:
        return float(obj.total_km)

    @staticmethod
    def resolve_greedy_km(obj: Plan) -> float:
        return float(obj.greedy_km)


class PlanConfirmedOut(Schema):
    plan: TreatmentPlanOut
    orders: list[TreatmentOrderOut]
    failed: list[PlanUnplacedOut]


class TreatmentPolicyOut(Schema):
    province_code: str = Field(..., alias="division.code")
    province_name: str = Field(..., alias="division.name")
    mild_to_makeshift: bool
    updated_at: dt.datetime


# --- requests -----------------------------------------------------------------------------------


class AdmissionIn(InputSchema):
    ward: ApiId | None = Field(None, description="a ward id; none: the nearest free bed")
    note: str = Field("", max_length=TEXT_LIMIT)


class TransferIn(InputSchema):
    ward: ApiId
    kind: OrderKind = Field(..., description="transfer_up or transfer_down")
    severity: Severity | None = Field(None, description="the case's new clinical severity")
    note: str = Field("", max_length=TEXT_LIMIT)


class OrderReasonIn(InputSchema):
    reason: str = Field(..., max_length=TEXT_LIMIT)


class OrderTransportIn(InputSchema):
    transport: OrderTransport


class PlanIn(InputSchema):
    division: str = Field(..., pattern=CODE, description="a division code: its waiting patients")


class PolicyIn(InputSchema):
    mild_to_makeshift: bool


# --- fetching -----------------------------------------------------------------------------------


def _order(request: HttpRequest, pk: int) -> Order:
    order: Order = get_visible_or_404(
        Order.objects.select_related(*ORDER_RELATED), request.user, pk=pk
    )
    return order


def _case(request: HttpRequest, pk: int) -> Case:
    case: Case = get_visible_or_404(Case.objects.all(), request.user, pk=pk)
    return case


def _ward(request: HttpRequest, pk: int) -> Ward:
    ward: Ward = get_visible_or_404(Ward.objects.select_related("facility"), request.user, pk=pk)
    return ward


def _plan(request: HttpRequest, pk: int) -> Plan:
    plan: Plan = get_visible_or_404(Plan.objects.select_related("division"), request.user, pk=pk)
    return plan


def _fresh(order: Order) -> Order:
    """The order as stored after an action, with what the answer shows."""
    return Order.objects.select_related(*ORDER_RELATED).get(pk=order.pk)


# --- orders -------------------------------------------------------------------------------------


@router.get("/orders", response=TreatmentOrderPage, summary="Admission and transfer orders")
def list_orders(request: HttpRequest, query: Query[TreatmentOrderQuery]) -> dict[str, Any]:
    """Orders for the patients of your jurisdiction, leaving its facilities or received by them,
    newest first, paged by key: pass `next_after` back as `after`."""
    require(request, TreatmentPerm.VIEW_ORDER)
    overdue_before = timezone.now() - dt.timedelta(hours=ACCEPT_HOURS) if query.overdue else None
    qs = selectors.orders(
        request.user,
        state=query.state or "",
        side=query.side or "",
        overdue_before=overdue_before,
    )
    items, next_after = selectors.page(qs, after=query.after, size=query.limit)
    return {"items": items, "next_after": next_after}


@router.get("/orders/{pk}", response=TreatmentOrderOut, summary="One admission or transfer order")
def get_order(request: HttpRequest, pk: ApiId) -> Order:
    require(request, TreatmentPerm.VIEW_ORDER)
    return _order(request, pk)


@router.post(
    "/cases/{pk}/admission",
    response={201: TreatmentOrderOut},
    summary="Order the admission of a case to a ward",
)
def order_admission(request: HttpRequest, pk: ApiId, payload: AdmissionIn) -> Status[Order]:
    """Reserves a bed of the ward (or of the nearest ward with a free bed of the type the case
    needs, in your jurisdiction) until the receiving facility answers. Refused: `ward_full`
    (409), `wrong_bed_type`, `already_admitted`, `order_open` (409), `no_free_bed`."""
    require(request, TreatmentPerm.ADD_ORDER)
    case = _case(request, pk)
    ward = _ward(request, payload.ward) if payload.ward is not None else None
    order = actions.order_admission(actor=user_of(request), case=case, ward=ward, note=payload.note)
    return Status(201, _fresh(order))


@router.post(
    "/cases/{pk}/transfer",
    response={201: TreatmentOrderOut},
    summary="Order the transfer of an admitted case up or down",
)
def order_transfer(request: HttpRequest, pk: ApiId, payload: TransferIn) -> Status[Order]:
    """Up (worsening, e.g. to ICU) or down (recovering), with the case's new clinical severity
    if it changed; reserves a bed of the ward."""
    require(request, TreatmentPerm.ADD_ORDER)
    case = _case(request, pk)
    ward = _ward(request, payload.ward)
    order = actions.order_transfer(
        actor=user_of(request),
        case=case,
        ward=ward,
        kind=payload.kind,
        severity=payload.severity or "",
        note=payload.note,
    )
    return Status(201, _fresh(order))


@router.get(
    "/cases/{pk}/beds",
    response=TreatmentBedsOut,
    summary="The nearest free beds for a case",
)
def nearest_beds(
    request: HttpRequest, pk: ApiId, query: Query[TreatmentBedsQuery]
) -> dict[str, Any]:
    """Wards of your jurisdiction with a free bed of a type the case needs, nearest first from
    where the patient is; an empty list when it needs none."""
    require(request, TreatmentPerm.VIEW_ORDER)
    case = _case(request, pk)
    need = actions.need_for(case)
    if need is None:
        return {"need": None, "items": []}
    found = selectors.nearest_wards(request.user, case, need, limit=query.limit)
    items = [
        {
            "ward_id": c.ward.pk,
            "ward_name": c.ward.name,
            "facility_id": c.ward.facility_id,
            "facility_name": c.ward.facility.name,
            "bed_type": c.ward.bed_type,
            "free": c.free,
            "km": c.km,
        }
        for c in found
    ]
    return {"need": need.reason, "items": items}


@router.post("/orders/{pk}/accept", response=TreatmentOrderOut, summary="Accept a patient")
def accept_order(request: HttpRequest, pk: ApiId) -> Order:
    """As the receiving facility: it is responsible for the case from now on."""
    require(request, TreatmentPerm.RECEIVE_ORDER)
    order = actions.accept_order(actor=user_of(request), order=_order(request, pk))
    return _fresh(order)


@router.post("/orders/{pk}/refuse", response=TreatmentOrderOut, summary="Refuse a patient")
def refuse_order(request: HttpRequest, pk: ApiId, payload: OrderReasonIn) -> Order:
    """As the receiving facility, with the reason; the reserved bed is free again."""
    require(request, TreatmentPerm.RECEIVE_ORDER)
    order = actions.refuse_order(
        actor=user_of(request), order=_order(request, pk), reason=payload.reason
    )
    return _fresh(order)


@router.post("/orders/{pk}/cancel", response=TreatmentOrderOut, summary="Cancel an order")
def cancel_order(request: HttpRequest, pk: ApiId, payload: OrderReasonIn) -> Order:
    """As the ordering side, with the reason; the reserved bed is free again."""
    require(request, TreatmentPerm.ADD_ORDER)
    order = actions.cancel_order(
        actor=user_of(request), order=_order(request, pk), reason=payload.reason
    )
    return _fresh(order)


@router.post(
    "/orders/{pk}/transport",
    response=TreatmentOrderOut,
    summary="Record the transport of a patient",
)
def advance_transport(request: HttpRequest, pk: ApiId, payload: OrderTransportIn) -> Order:
    """Forward only: requested → dispatched → on the way → arrived. Arrival needs the receiver's
    acceptance; the patient is then in the bed (the previous stay ends)."""
    require(request, TreatmentPerm.CHANGE_TRANSPORT)
    order = actions.advance_transport(
        actor=user_of(request), order=_order(request, pk), transport=payload.transport
    )
    return _fresh(order)


# --- waiting patients and allocation plans ---------------------------------------------------


def _page_by_id(qs: Any, *, after: int | None, size: int) -> tuple[Sequence[Any], int | None]:
    qs = qs.order_by("id")
    if after:
        qs = qs.filter(id__gt=after)
    items = list(qs[: size + 1])
    return items[:size], (items[size - 1].pk if len(items) > size else None)


@router.get("/waiting", response=TreatmentWaitingPage, summary="Patients waiting for a bed")
def list_waiting(request: HttpRequest, query: Query[TreatmentWaitingQuery]) -> dict[str, Any]:
    """Open cases isolated where found and neither admitted nor ordered, in the order they were
    reported, paged by key: pass `next_after` back as `after`."""
    require(request, TreatmentPerm.VIEW_ORDER)
    items, next_after = _page_by_id(
        selectors.waiting(request.user), after=query.after, size=query.limit
    )
    return {"items": items, "next_after": next_after}


@router.post("/plans", response={201: TreatmentPlanOut}, summary="Propose an allocation plan")
def propose_plan(request: HttpRequest, payload: PlanIn) -> Status[Plan]:
    """Every waiting patient of the division to the free beds of your jurisdiction at minimum
    total distance; those who cannot be placed are listed with the reason. Nothing is reserved
    until the plan is confirmed."""
    require(request, TreatmentPerm.ADD_ORDER)
    division = visible_division(request.user, payload.division)
    plan = actions.propose_plan(actor=user_of(request), division=division)
    return Status(201, _plan(request, plan.pk))


@router.get("/plans/{pk}", response=TreatmentPlanOut, summary="One allocation plan")
def get_plan(request: HttpRequest, pk: ApiId) -> Plan:
    require(request, TreatmentPerm.VIEW_ORDER)
    return _plan(request, pk)


@router.post(
    "/plans/{pk}/confirm",
    response=PlanConfirmedOut,
    summary="Confirm an allocation plan: issue its orders",
)
def confirm_plan(request: HttpRequest, pk: ApiId) -> dict[str, Any]:
    """Each assignment becomes an order reserving a bed; a bed taken meanwhile or a case that
    changed is listed in `failed` with the reason."""
    require(request, TreatmentPerm.ADD_ORDER)
    done = actions.confirm_plan(actor=user_of(request), plan=_plan(request, pk))
    orders = list(
        Order.objects.select_related(*ORDER_RELATED)
        .filter(pk__in=[o.pk for o in done.orders])
        .order_by("id")
    )
    return {"plan": _plan(request, pk), "orders": orders, "failed": done.failed}


@router.post("/plans/{pk}/discard", response=TreatmentPlanOut, summary="Discard a plan")
def discard_plan(request: HttpRequest, pk: ApiId) -> Plan:
    require(request, TreatmentPerm.ADD_ORDER)
    actions.discard_plan(actor=user_of(request), plan=_plan(request, pk))
    return _plan(request, pk)


# --- the province's policy ---------------------------------------------------------------------


@router.put("/policy", response=TreatmentPolicyOut, summary="Set your province's admission policy")
def set_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    """Whether mild confirmed cases and asymptomatic infections may go to makeshift hospitals
    (方舱医院). The province's own officers set it (an account whose home is the province);
    others are answered `not_province`."""
    require(request, TreatmentPerm.CHANGE_POLICY)
    user = user_of(request)
    home = user.home_division_path
    province = (
        Division.objects.filter(path=home, level=Level.PROVINCE).first()
        if home and actions.province_path(home) == home
        else None
    )
    if province is None:
        raise ActionError(
            _("The admission policy is set by the province's health commission."),
            code="not_province",
        )
    policy = actions.set_policy(
        actor=user, province=province, mild_to_makeshift=payload.mild_to_makeshift
    )
    policy.division = province
    return policy
