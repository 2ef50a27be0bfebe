"""Supply requests: a store asks the level above, which approves, allocates from its stores,
forwards the rest, ships; the requester confirms what arrived. Every step audited, every bad
input a clear message with nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.medical.tests.factories import make_hospital
from fangkong.notifications.models import Notification
from fangkong.supplies import actions, requests
from fangkong.supplies.choices import MovementKind, RequestState, ShipmentState, SupplyUrgency
from fangkong.supplies.models import (
    AllocationPlan,
    Movement,
    RequestLine,
    Shipment,
    Stock,
    SupplyRequest,
)
from fangkong.supplies.selectors import days_of_supply
from fangkong.supplies.tests.factories import (
    make_facility_store,
    make_item,
    make_store,
    put,
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted as the code writes them (the msgids, in English): the pages and
    actions answer in English here, the catalogue's Chinese is checked by core/tests/test_i18n."""
    with translation.override("en"):
        yield


def _in_english(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def world(tree: Any, make_user: Any) -> SimpleNamespace:
    """A designated hospital in 南关区 short of N95 masks (burning 100 a day, 150 left), the
    city's warehouse with 400 and the province's reserve with 10,000."""
    w = SimpleNamespace(tree=tree)
    w.n95 = make_item("n95")
    w.gown = make_item("gown")
    hospital = make_hospital(tree.nanguan, "长春市传染病医院")
    hospital.longitude, hospital.latitude = 125.35, 43.86
    hospital.save()
    w.hospital = make_facility_store(hospital)
    w.city_store = make_store(
        tree.changchun, "长春市物资储备库", longitude="125.32", latitude="43.90"
    )
    w.province_store = make_store(
        tree.province, "吉林省应急物资储备库", longitude="125.30", latitude="43.80"
    )
    today = timezone.localdate()
    put(w.hospital, w.n95, 850, day=today - dt.timedelta(days=7))
    with transaction.atomic():
        for back in range(7):
            actions.post_movement(
                actor=None,
                store=w.hospital,
                item=w.n95,
                kind=MovementKind.CONSUMPTION,
                delta=-100,
                day=today - dt.timedelta(days=back),
            )
    put(w.city_store, w.n95, 400)
    put(w.province_store, w.n95, 10_000)
    put(w.province_store, w.gown, 50)
    w.clinic_staff = make_user(tree.nanguan, [Role.CLINIC_STAFF], full_name="李护士长")
    w.city = make_user(tree.changchun, [Role.SUPPLIES_OFFICER], full_name="长春物资科")
    w.province = make_user(tree.province, [Role.SUPPLIES_OFFICER], full_name="省物资处")
    w.county = make_user(tree.nanguan, [Role.SUPPLIES_OFFICER], full_name="南关物资科")
    w.sibling = make_user(tree.jilin_city, [Role.SUPPLIES_OFFICER], full_name="吉林市物资科")
    return w


def _on_hand(store: Any, item: Any) -> int:
    row = Stock.objects.filter(store=store, item=item).first()
    return row.on_hand if row else 0


def _submit(w: SimpleNamespace, n: int = 1000) -> SupplyRequest:
    return requests.submit_request(
        actor=w.clinic_staff,
        store=w.hospital,
        urgency=SupplyUrgency.URGENT,
        reason="N95 口罩仅够1.5天",
        lines={w.n95: str(n)},
    )


def _ship_all(actor: Any, shipments: list[Shipment]) -> None:
    for s in shipments:
        requests.ship(actor=actor, shipment=s)


def test_the_hospital_gets_masks_part_from_the_city_and_part_from_the_province(
    world: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    # given a designated hospital with 1.5 days of N95 masks left
    assert days_of_supply([w.hospital.pk], [w.n95.pk])[(w.hospital.pk, w.n95.pk)].days == 1.5

    # when it asks for 1,000: by default the request goes to its city
    request = _submit(w)
    assert request.addressed_to == w.tree.changchun
    assert request.priority == 1  # a designated hospital's store: first in line
    assert Notification.objects.filter(user=w.city).exists()

    # and the city approves it all, allocates the 400 of its warehouse and forwards the rest
    requests.decide(actor=w.city, request=request, approved={w.n95: "1000"}, reason="")
    line = request.lines.get()
    city_shipments = requests.allocate(
        actor=w.city, request=request, allocations=[(line, w.city_store, "400")]
    )
    forwarded = requests.forward_rest(actor=w.city, request=request, reason="市库存不足")
    assert forwarded.addressed_to == w.tree.province
    assert forwarded.forwarded_from == request
    assert forwarded.store == w.hospital
    assert forwarded.requested_by == w.clinic_staff
    assert list(forwarded.lines.values_list("quantity", flat=True)) == [600]

    # and the province approves and allocates the 600 from its reserve to the same hospital
    requests.decide(actor=w.province, request=forwarded, approved={w.n95: 600})
    province_shipments = requests.allocate(
        actor=w.province,
        request=forwarded,
        allocations=[(forwarded.lines.get(), w.province_store, 600)],
    )
    # and both ship
    _ship_all(w.city, city_shipments)
    _ship_all(w.province, province_shipments)
    assert _on_hand(w.city_store, w.n95) == 0
    assert _on_hand(w.province_store, w.n95) == 9_400
    request.refresh_from_db()
    assert request.state == RequestState.SHIPPED

    # and the hospital confirms what arrived (595 of the province's 600: five lost)
    with django_capture_on_commit_callbacks(execute=True):
        requests.confirm_receipt(
            actor=w.clinic_staff, shipment=city_shipments[0], received_quantity="400"
        )
        requests.confirm_receipt(
            actor=w.clinic_staff, shipment=province_shipments[0], received_quantity="595"
        )

    # then its stock rose by what arrived and its days of supply recovered
    assert _on_hand(w.hospital, w.n95) == 150 + 400 + 595
    supply = days_of_supply([w.hospital.pk], [w.n95.pk])[(w.hospital.pk, w.n95.pk)]
    assert supply.days is not None and supply.days > 11
    # and both requests are received, every step audited where the hospital sees it
    request.refresh_from_db()
    forwarded.refresh_from_db()
    assert request.state == forwarded.state == RequestState.RECEIVED
    assert request.lines.get().received == 400
    actions_seen = set(
        AuditEvent.objects.filter(division_path=w.hospital.division_path).values_list(
            "action", flat=True
        )
    )
    assert {
        "supplies.request_submit",
        "supplies.request_decide",
        "supplies.request_allocate",
        "supplies.request_forward",
        "supplies.shipment_ship",
        "supplies.shipment_receive",
    } <= actions_seen
    # and the ledger shows the transfers with their counterpart
    inward = Movement.objects.filter(store=w.hospital, kind=MovementKind.TRANSFER_IN)
    assert sorted(inward.values_list("quantity", "counterpart__name")) == [
        (400, "长春市物资储备库"),
        (595, "吉林省应急物资储备库"),
    ]
    # and the requester was told of the decision and the shipments
    assert Notification.objects.filter(user=w.clinic_staff).count() >= 3


def test_a_partial_approval_needs_a_reason(world: SimpleNamespace) -> None:
    request = _submit(world)
    with pytest.raises(ActionError) as refused:
        requests.decide(actor=world.city, request=request, approved={world.n95: 400})
    assert refused.value.field == "reason"
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED
    decided = requests.decide(
        actor=world.city, request=request, approved={world.n95: 400}, reason="库存仅400"
    )
    assert decided.state == RequestState.PARTLY_APPROVED
    assert decided.lines.get().approved == 400


def test_a_refusal_needs_a_reason_and_leaves_nothing_to_allocate(world: SimpleNamespace) -> None:
    request = _submit(world)
    refused = requests.decide(actor=world.city, request=request, approved={}, reason="请向省申请")
    assert refused.state == RequestState.REFUSED
    with pytest.raises(ActionError):
        requests.allocate(
            actor=world.city,
            request=request,
            allocations=[(request.lines.get(), world.city_store, 1)],
        )
    assert not Shipment.objects.exists()


@pytest.mark.parametrize("bad", ["-5", -5, "2.5", 2.5, "abc", "1e3"])
def test_bad_quantities_are_refused_and_nothing_is_written(
    world: SimpleNamespace, bad: Any
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as refused:
        requests.submit_request(
            actor=world.clinic_staff,
            store=world.hospital,
            reason="缺口罩",
            lines={world.n95: bad},
        )
    assert refused.value.field == f"item_{world.n95.pk}"
    assert "whole number" in refused.value.message or "at least 1" in refused.value.message
    assert not SupplyRequest.objects.exists()
    assert AuditEvent.objects.count() == before


def test_an_unknown_item_is_refused(world: SimpleNamespace) -> None:
    with pytest.raises(ActionError) as refused:
        requests.submit_request(
            actor=world.clinic_staff, store=world.hospital, reason="缺", lines={"N99": 5}
        )
    assert refused.value.code == "unknown_item"
    assert not SupplyRequest.objects.exists()


def test_a_request_goes_only_to_a_division_above_the_store(world: SimpleNamespace) -> None:
    with pytest.raises(ActionError) as refused:
        requests.submit_request(
            actor=world.clinic_staff,
            store=world.hospital,
            addressed_to=world.tree.jilin_city,
            reason="缺",
            lines={world.n95: 5},
        )
    assert refused.value.field == "addressed_to"
    assert not SupplyRequest.objects.exists()


def test_another_jurisdictions_store_cannot_request(world: SimpleNamespace) -> None:
    with pytest.raises(OutOfJurisdiction):
        requests.submit_request(
            actor=world.sibling, store=world.hospital, reason="缺", lines={world.n95: 5}
        )
    assert not SupplyRequest.objects.exists()


def test_approving_a_request_not_addressed_to_you_is_refused(world: SimpleNamespace) -> None:
    request = _submit(world)
    # the county sees the hospital's request but it was addressed to the city
    with pytest.raises(ActionError) as refused:
        requests.decide(actor=world.county, request=request, approved={world.n95: 1000})
    assert refused.value.code == "not_addressed_to_you"
    assert "长春市" in refused.value.message
    # the other city does not even see it
    with pytest.raises(OutOfJurisdiction):
        requests.decide(actor=world.sibling, request=request, approved={world.n95: 1000})
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED
    assert request.lines.get().approved is None


def test_approving_more_than_requested_is_refused(world: SimpleNamespace) -> None:
    request = _submit(world, 100)
    with pytest.raises(ActionError) as refused:
        requests.decide(actor=world.city, request=request, approved={world.n95: 101})
    assert refused.value.code == "more_than_requested"
    assert "100" in refused.value.message
    assert RequestLine.objects.get().approved is None


def test_allocating_from_another_jurisdictions_store_is_refused_like_not_found(
    world: SimpleNamespace,
) -> None:
    w = world
    jilin_store = make_store(w.tree.jilin_city, "吉林市物资储备库")
    put(jilin_store, w.n95, 1000)
    request = _submit(w)
    requests.decide(actor=w.city, request=request, approved={w.n95: 1000})
    with pytest.raises(ActionError) as refused:
        requests.allocate(
            actor=w.city, request=request, allocations=[(request.lines.get(), jilin_store, 100)]
        )
    assert refused.value.code == "unknown_store"
    assert refused.value.message == "No such store in your jurisdiction."
    assert not Shipment.objects.exists()


def test_allocating_more_than_approved_is_refused(world: SimpleNamespace) -> None:
    w = world
    request = _submit(w, 500)
    requests.decide(actor=w.city, request=request, approved={w.n95: 300}, reason="库存有限")
    line = request.lines.get()
    # 200 is fine; then 101 more is over the 300 approved
    requests.allocate(actor=w.city, request=request, allocations=[(line, w.city_store, 200)])
    with pytest.raises(ActionError) as refused:
        requests.allocate(actor=w.city, request=request, allocations=[(line, w.city_store, 101)])
    assert refused.value.code == "more_than_approved"
    assert "100" in refused.value.message
    assert Shipment.objects.count() == 1


def test_shipping_more_than_in_stock_is_refused_and_writes_nothing(
    world: SimpleNamespace,
) -> None:
    w = world
    request = _submit(w)
    requests.decide(actor=w.city, request=request, approved={w.n95: 1000})
    [shipment] = requests.allocate(
        actor=w.city, request=request, allocations=[(request.lines.get(), w.city_store, 500)]
    )
    with pytest.raises(ActionError) as refused:
        requests.ship(actor=w.city, shipment=shipment)
    assert refused.value.code == "insufficient_stock"
    assert "400" in refused.value.message
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.PLANNED
    assert _on_hand(w.city_store, w.n95) == 400
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER_OUT).exists()


def test_receiving_more_than_shipped_is_refused(world: SimpleNamespace) -> None:
    w = world
    request = _submit(w)
    requests.decide(actor=w.city, request=request, approved={w.n95: 1000})
    [shipment] = requests.allocate(
        actor=w.city, request=request, allocations=[(request.lines.get(), w.city_store, 300)]
    )
    requests.ship(actor=w.city, shipment=shipment)
    for bad in ("301", "-1", "2.5"):
        with pytest.raises(ActionError) as refused:
            requests.confirm_receipt(actor=w.clinic_staff, shipment=shipment, received_quantity=bad)
        assert refused.value.field == "received_quantity"
    assert "300" in refused.value.message or "whole" in refused.value.message
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SHIPPED
    assert _on_hand(w.hospital, w.n95) == 150
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER_IN).exists()


def test_a_shipment_from_the_province_is_shipped_by_the_province_not_the_city(
    world: SimpleNamespace,
) -> None:
    w = world
    request = _submit(w)
    requests.decide(actor=w.city, request=request, approved={w.n95: 1000})
    forwarded = requests.forward_rest(actor=w.city, request=request, reason="市库存不足")
    requests.decide(actor=w.province, request=forwarded, approved={w.n95: 1000})
    [shipment] = requests.allocate(
        actor=w.province,
        request=forwarded,
        allocations=[(forwarded.lines.get(), w.province_store, 1000)],
    )
    with pytest.raises(OutOfJurisdiction):
        requests.ship(actor=w.city, shipment=shipment)
    assert _on_hand(w.province_store, w.n95) == 10_000


def test_the_plan_serves_the_hospital_before_the_community_and_reports_unmet(
    world: SimpleNamespace,
) -> None:
    w = world
    community = make_store(w.tree.huayang, "华阳社区物资点", longitude="125.34", latitude="43.87")
    secretary = w.clinic_staff
    hospital_request = _submit(w, 300)
    community_request = requests.submit_request(
        actor=secretary, store=community, reason="社区防控", lines={w.n95: "300"}
    )
    for r in (hospital_request, community_request):
        requests.decide(actor=w.city, request=r, approved={w.n95: 300})
    # when the city plans across its area (its warehouse holds 400)
    plan = requests.propose_plan(actor=w.city, division=w.tree.changchun)
    # then the hospital gets its 300, the community the 100 left, 200 unmet
    flows = {pl.line.request_id: pl.quantity for pl in plan.lines.select_related("line")}
    assert flows == {hospital_request.pk: 300, community_request.pk: 100}
    assert [(u["store"], u["unmet"]) for u in plan.unmet] == [("华阳社区物资点", 200)]
    # and the officer moves 50 from the hospital to the community before confirming
    lines = {pl.line.request_id: pl for pl in plan.lines.select_related("line")}
    shipments = requests.confirm_plan(
        actor=w.city,
        plan=plan,
        adjustments={lines[hospital_request.pk].pk: "250", lines[community_request.pk].pk: 150},
    )
    assert sorted(s.quantity for s in shipments) == [150, 250]
    assert all(s.state == ShipmentState.PLANNED for s in shipments)
    plan.refresh_from_db()
    assert plan.confirmed_at is not None
    with pytest.raises(ActionError):
        requests.confirm_plan(actor=w.city, plan=plan)
    assert AllocationPlan.objects.count() == 1


# --- through the pages and the API ------------------------------------------------------------


def test_the_pages_carry_a_request_from_the_form_to_the_receipt(
    world: SimpleNamespace, client_for: Any
) -> None:
    w = world
    staff, city = _in_english(client_for(w.clinic_staff)), _in_english(client_for(w.city))
    # the hospital sends a request from the form
    answer = staff.post(
        "/supplies/requests/new/",
        {
            "store": w.hospital.pk,
            "urgency": "urgent",
            "reason": "N95 告急",
            f"item_{w.n95.pk}": "300",
        },
    )
    request = SupplyRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == request.get_absolute_url()
    # the city finds it addressed to it, and approves it
    listed = city.get("/supplies/requests/")
    assert f'data-request="{request.pk}"' in listed.content.decode()
    assert listed.context["tab"] == "addressed"
    city.post(f"/supplies/requests/{request.pk}/decide/", {f"item_{w.n95.pk}": "300"})
    page = city.get(request.get_absolute_url()).content.decode()
    line = request.lines.get()
    assert f'name="alloc_{line.pk}_{w.city_store.pk}"' in page  # its warehouse is offered
    city.post(
        f"/supplies/requests/{request.pk}/allocate/", {f"alloc_{line.pk}_{w.city_store.pk}": "300"}
    )
    shipment = Shipment.objects.get()
    city.post(f"/supplies/shipments/{shipment.pk}/ship/")
    # receiving more than shipped is refused with the reason on the page
    refused = staff.post(
        f"/supplies/shipments/{shipment.pk}/receive/", {"received_quantity": "301"}, follow=True
    )
    assert "300 只 were shipped: more cannot be received" in refused.content.decode()
    assert _on_hand(w.hospital, w.n95) == 150
    staff.post(f"/supplies/shipments/{shipment.pk}/receive/", {"received_quantity": "300"})
    assert _on_hand(w.hospital, w.n95) == 450
    request.refresh_from_db()
    assert request.state == RequestState.RECEIVED


def test_the_api_answers_bad_input_with_a_clear_message_and_writes_nothing(
    world: SimpleNamespace, client_for: Any
) -> None:
    w = world
    api = _in_english(client_for(w.clinic_staff))
    before = AuditEvent.objects.count()
    for lines, field in (({"N95": -5}, "item_"), ({"N95": "2.5"}, "item_"), ({"N99": 5}, "lines")):
        answer = api.post(
            "/api/supplies/requests",
            {"store": w.hospital.pk, "reason": "缺", "lines": lines},
            content_type="application/json",
        )
        assert answer.status_code == 400, answer.content
        assert answer.json()["field"].startswith(field)
    assert AuditEvent.objects.count() == before
    # and the county officer, who sees the request, cannot approve it
    created = api.post(
        "/api/supplies/requests",
        {"store": w.hospital.pk, "reason": "缺", "lines": {"N95": 10}},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["addressed_to_name"] == "长春市"
    refused = _in_english(client_for(w.county)).post(
        f"/api/supplies/requests/{created.json()['id']}/decide",
        {"approved": {"N95": 10}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_addressed_to_you"
