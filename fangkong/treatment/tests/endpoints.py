"""The jurisdiction-matrix entries of the treatment app (收治与转运): its pages and API
operations, with builders that make, for each call, a designated hospital of 南关区 with free
beds and a case in a new grid of 华阳社区 in the state the step needs. The caller at home is the
county (南关区): ordering a bed needs both the patient and the ward in its jurisdiction; the
sibling is 昌邑区 of 吉林市 (see fangkong/core/tests/endpoints.py)."""

from __future__ import annotations

from fangkong.cases.models import Case as CaseRecord
from fangkong.core.tests.endpoints import LIST, OWN, SCOPED, Case, Target, World, form
from fangkong.medical.choices import BedType, FacilityKind
from fangkong.medical.models import Ward
from fangkong.treatment import actions
from fangkong.treatment.choices import Transport
from fangkong.treatment.models import Order, Plan
from fangkong.treatment.tests.factories import confirm, place, suspected_case, ward


def _hospital(w: World) -> tuple[Ward, Ward]:
    """A designated hospital of 南关区 with an isolation ward and an ICU."""
    hospital = place(
        w.tree.nanguan,
        w.name("矩阵定点医院"),
        FacilityKind.DESIGNATED_HOSPITAL,
        lon="125.371",
        lat="43.870",
    )
    return ward(hospital, "隔离病区", BedType.ISOLATION_WARD, 10), ward(
        hospital, "重症监护室", BedType.ICU, 4
    )


def _case(w: World) -> tuple[CaseRecord, Ward, Ward]:
    """A confirmed case isolated at a fever clinic of 南关区, waiting for a bed."""
    isolation, icu = _hospital(w)
    clinic = place(w.tree.nanguan, w.name("矩阵发热门诊"), lon="125.350", lat="43.864")
    case = confirm(suspected_case(w.grid(), clinic))
    return case, isolation, icu


def _order(w: World, *, accepted: bool = False) -> Order:
    case, isolation, _icu = _case(w)
    order = actions.order_admission(actor=None, case=case, ward=isolation)
    if accepted:
        order = actions.accept_order(actor=None, order=order)
    return order


def _admitted(w: World) -> tuple[CaseRecord, Ward]:
    order = _order(w, accepted=True)
    actions.advance_transport(actor=None, order=order, transport=Transport.ARRIVED)
    case = CaseRecord.objects.get(pk=order.case_id)
    icu = Ward.objects.get(facility=order.to_facility, bed_type=BedType.ICU)
    return case, icu


def order_record(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _order(w).pk})


def order_listed(w: World) -> Target:
    return Target(home=w.tree.nanguan, marker=_order(w).case.number)


def accept(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _order(w).pk}, data={})


def refuse_form(w: World) -> Target:
    return Target(
        home=w.tree.nanguan, args={"pk": _order(w).pk}, data={"refuse-reason": "矩阵：无床"}
    )


def refuse_api(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _order(w).pk}, data={"reason": "矩阵：无床"})


def cancel_form(w: World) -> Target:
    return Target(
        home=w.tree.nanguan, args={"pk": _order(w).pk}, data={"cancel-reason": "矩阵：撤回"}
    )


def cancel_api(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _order(w).pk}, data={"reason": "矩阵：撤回"})


def transport(w: World) -> Target:
    order = _order(w, accepted=True)
    return Target(home=w.tree.nanguan, args={"pk": order.pk}, data={"transport": "dispatched"})


def admit_form(w: World) -> Target:
    case, isolation, _icu = _case(w)
    return Target(
        home=w.tree.nanguan, args={"pk": case.pk}, data={"ward": isolation.pk, "note": ""}
    )


def admit_api(w: World) -> Target:
    case, isolation, _icu = _case(w)
    return Target(home=w.tree.nanguan, args={"pk": case.pk}, data={"ward": isolation.pk})


def transfer_form(w: World) -> Target:
    case, icu = _admitted(w)
    data = {"ward": icu.pk, "kind": "transfer_up", "severity": "severe", "note": ""}
    return Target(home=w.tree.nanguan, args={"pk": case.pk}, data=data)


def transfer_api(w: World) -> Target:
    case, icu = _admitted(w)
    data = {"ward": icu.pk, "kind": "transfer_up", "severity": "severe"}
    return Target(home=w.tree.nanguan, args={"pk": case.pk}, data=data)


def beds_of_case(w: World) -> Target:
    case, _isolation, _icu = _case(w)
    return Target(home=w.tree.nanguan, args={"pk": case.pk})


def waiting_listed(w: World) -> Target:
    case, _isolation, _icu = _case(w)
    return Target(home=w.tree.nanguan, marker=case.number)


def plan_new(w: World) -> Target:
    _case(w)
    return Target(
        home=w.tree.nanguan,
        data={"division": w.tree.nanguan.code},
        absent={"division": "229999999999"},
    )


def _plan(w: World) -> Plan:
    _case(w)
    return actions.propose_plan(actor=None, division=w.tree.nanguan)


def plan_record(w: World) -> Target:
    return Target(home=w.tree.nanguan, args={"pk": _plan(w).pk}, data={})


def policy(w: World) -> Target:
    return Target(home=w.tree.huayang, data={"mild_to_makeshift": "on"})


def policy_api(w: World) -> Target:
    return Target(home=w.tree.huayang, data={"mild_to_makeshift": True})


POLICY = "the caller's own province's policy: set at the province, refused (403/400) below it"

CASES: list[Case] = [
    # admission and transfer (收治与转运)
    Case("treatment:orders", "GET", LIST, order_listed),
    Case("treatment:order", "GET", SCOPED, order_record),
    Case("treatment:accept", "POST", SCOPED, accept, ok=(302,)),
    Case("treatment:refuse", "POST", SCOPED, refuse_form, ok=(302,)),
    Case("treatment:cancel", "POST", SCOPED, cancel_form, ok=(302,)),
    Case("treatment:transport", "POST", SCOPED, transport, ok=(302,)),
    *form("treatment:admit", admit_form),
    *form("treatment:transfer", transfer_form),
    Case("treatment:waiting", "GET", LIST, waiting_listed),
    Case("treatment:plan_new", "POST", SCOPED, plan_new, ok=(302,), form_ref=True),
    Case("treatment:plan", "GET", SCOPED, plan_record),
    Case("treatment:plan_confirm", "POST", SCOPED, plan_record, ok=(302,)),
    Case("treatment:plan_discard", "POST", SCOPED, plan_record, ok=(302,)),
    Case("treatment:policy", "GET", OWN, reason=POLICY),
    # whether the province's officer's change is audited and a county's refused writes nothing:
    # treatment/tests/test_api.py and test_pages.py (the matrix has no sibling of a province)
    Case("treatment:policy", "POST", OWN, policy, ok=(302, 403), writes=False, reason=POLICY),
    # REST API: admission and transfer
    Case("GET /api/orders", "GET", LIST, order_listed),
    Case("GET /api/orders/{pk}", "GET", SCOPED, order_record),
    Case("POST /api/cases/{pk}/admission", "POST", SCOPED, admit_api, ok=(201,)),
    Case("POST /api/cases/{pk}/transfer", "POST", SCOPED, transfer_api, ok=(201,)),
    Case("GET /api/cases/{pk}/beds", "GET", SCOPED, beds_of_case),
    Case("POST /api/orders/{pk}/accept", "POST", SCOPED, accept),
    Case("POST /api/orders/{pk}/refuse", "POST", SCOPED, refuse_api),
    Case("POST /api/orders/{pk}/cancel", "POST", SCOPED, cancel_api),
    Case("POST /api/orders/{pk}/transport", "POST", SCOPED, transport),
    Case("GET /api/waiting", "GET", LIST, waiting_listed),
    Case("POST /api/plans", "POST", SCOPED, plan_new, ok=(201,)),
    Case("GET /api/plans/{pk}", "GET", SCOPED, plan_record),
    Case("POST /api/plans/{pk}/confirm", "POST", SCOPED, plan_record),
    Case("POST /api/plans/{pk}/discard", "POST", SCOPED, plan_record),
    Case("PUT /api/policy", "PUT", OWN, policy_api, ok=(200, 400), writes=False, reason=POLICY),
]
