"""Production dispatch (生产调度): a producer's output flows into stock, planned versus actual by
producer, item and day, and the producer's machine token reports for that producer only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import OutOfJurisdiction
from fangkong.supplies import production
from fangkong.supplies.choices import DispatchState, MovementKind
from fangkong.supplies.models import Movement, OutputReport, Producer, Stock
from fangkong.supplies.tests.factories import make_item, make_store

TODAY = dt.date(2020, 2, 10)


@pytest.fixture
def officer(tree: Any, make_user: Any) -> Any:
    return make_user(tree.changchun, [Role.SUPPLIES_OFFICER])


@pytest.fixture
def reserve(tree: Any) -> Any:
    return make_store(tree.changchun, "长春市物资储备库")


def _producer(tree: Any, store: Any, name: str = "长春防护用品厂") -> Producer:
    producer = production.register_producer(
        actor=None,
        data={"name": name, "delivers_to": store, "contact_name": "王厂长", "phone": "13900000001"},
    )
    production.set_capacity(
        actor=None, producer=producer, item=make_item("n95"), daily_capacity=10_000
    )
    return producer


def _post_output(client: Any, producer: Producer, body: dict[str, Any], token: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        f"/api/supplies/producers/{producer.pk}/output",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


def _nothing_written() -> bool:
    return not OutputReport.objects.exists() and not Movement.objects.exists()


# --- output into stock ------------------------------------------------------------------------


def test_output_reported_on_the_page_is_received_into_the_producers_store(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    # given a producer of N95 masks delivering to the city reserve
    producer = _producer(tree, reserve)
    n95 = make_item("n95")
    # when the supplies officer reports 8,000 masks made yesterday
    day = timezone.localdate() - dt.timedelta(days=1)
    response = client_for(officer).post(
        reverse("supplies:output_report", args=[producer.pk]),
        {"out-item": n95.pk, "out-day": day.isoformat(), "out-quantity": "8000"},
    )
    # then the reserve holds 8,000 and the ledger shows a production row from the producer
    assert response.status_code == 302
    assert Stock.objects.get(store=reserve, item=n95).on_hand == 8000
    movement = Movement.objects.get(store=reserve)
    assert (movement.kind, movement.quantity, movement.balance) == (
        MovementKind.PRODUCTION,
        8000,
        8000,
    )
    assert (movement.producer_id, movement.day, movement.actor_id) == (producer.pk, day, officer.pk)
    report = OutputReport.objects.get()
    assert (report.quantity, report.movement_id, report.reported_by_id) == (
        8000,
        movement.pk,
        officer.pk,
    )
    assert AuditEvent.objects.filter(action="supplies.output_report").count() == 1


def test_a_producers_system_reports_with_its_token_and_the_audit_names_the_token(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    token, raw = production.create_producer_token(actor=officer, producer=producer, name="ERP")
    response = _post_output(
        client_for(None), producer, {"item": "N95", "day": "2020-02-03", "quantity": 5000}, raw
    )
    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == 5000
    assert response.json()["delivered_to"] == reserve.name
    assert Stock.objects.get(store=reserve, item=make_item("n95")).on_hand == 5000
    report = OutputReport.objects.get()
    assert report.token_id == token.pk and report.reported_by_id is None
    event = AuditEvent.objects.get(action="supplies.output_report")
    assert event.actor_id is None
    assert event.changes["token_id"] == token.pk
    assert token.prefix in event.changes["token"]


def test_a_token_used_for_another_producer_answers_404_and_writes_nothing(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    # given two producers; the token is the first one's
    mine = _producer(tree, reserve, "甲厂")
    other = _producer(tree, reserve, "乙厂")
    _token, raw = production.create_producer_token(actor=officer, producer=mine, name="ERP")
    audit = AuditEvent.objects.count()
    # when it reports for the other producer
    response = _post_output(client_for(None), other, {"item": "N95", "quantity": 100}, raw)
    # then: as if the other producer did not exist, and nothing is written
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _nothing_written()
    assert AuditEvent.objects.count() == audit


def test_a_revoked_token_answers_401(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    token, raw = production.create_producer_token(actor=officer, producer=producer, name="ERP")
    production.revoke_producer_token(actor=officer, token=token)
    response = _post_output(client_for(None), producer, {"item": "N95", "quantity": 100}, raw)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert _nothing_written()


def test_an_unknown_token_answers_401(tree: Any, reserve: Any, client_for: Any) -> None:
    producer = _producer(tree, reserve)
    fake = production.new_producer_token()
    response = _post_output(client_for(None), producer, {"item": "N95", "quantity": 100}, fake)
    assert response.status_code == 401
    assert _nothing_written()


@pytest.mark.parametrize("bad", [-5, 2.5, "10", None, True])
def test_the_api_refuses_negative_fractional_or_non_numeric_quantities(
    tree: Any, officer: Any, reserve: Any, client_for: Any, bad: Any
) -> None:
    producer = _producer(tree, reserve)
    _token, raw = production.create_producer_token(actor=officer, producer=producer, name="ERP")
    response = _post_output(client_for(None), producer, {"item": "N95", "quantity": bad}, raw)
    assert response.status_code in (400, 422), response.content
    assert "quantity" in json.dumps(response.json())
    assert _nothing_written()


@pytest.mark.parametrize("bad", ["-3", "2.5", "1e3", "十", "99999999999999"])
def test_the_form_refuses_negative_or_fractional_quantities_with_a_message(
    tree: Any, officer: Any, reserve: Any, client_for: Any, bad: str
) -> None:
    producer = _producer(tree, reserve)
    response = client_for(officer).post(
        reverse("supplies:output_report", args=[producer.pk]),
        {"out-item": make_item("n95").pk, "out-day": "2020-02-03", "out-quantity": bad},
    )
    assert response.status_code == 200
    assert response.context["output_form"].errors["quantity"]
    assert _nothing_written()


def test_unknown_items_and_items_the_producer_does_not_make_are_refused(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    make_item("gown")  # in the catalogue, but not made by this producer
    _token, raw = production.create_producer_token(actor=officer, producer=producer, name="ERP")
    unknown = _post_output(client_for(None), producer, {"item": "NOPE", "quantity": 10}, raw)
    not_made = _post_output(client_for(None), producer, {"item": "GOWN", "quantity": 10}, raw)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_item")
    assert (not_made.status_code, not_made.json()["code"]) == (400, "item_not_produced")
    assert "医用防护服" in not_made.json()["message"]
    assert _nothing_written()


def test_a_second_report_for_the_same_day_is_refused_with_409(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    _token, raw = production.create_producer_token(actor=officer, producer=producer, name="ERP")
    body = {"item": "N95", "day": "2020-02-03", "quantity": 100}
    assert _post_output(client_for(None), producer, body, raw).status_code == 201
    again = _post_output(client_for(None), producer, {**body, "quantity": 150}, raw)
    assert again.status_code == 409
    assert again.json()["code"] == "output_reported"
    assert "2020-02-03" in again.json()["message"]
    assert OutputReport.objects.count() == 1
    assert Stock.objects.get(store=reserve).on_hand == 100


def test_zero_output_is_a_report_without_a_movement(tree: Any, officer: Any, reserve: Any) -> None:
    producer = _producer(tree, reserve)
    report = production.report_output(
        actor=officer, producer=producer, item=make_item("n95"), day=TODAY, quantity_value=0
    )
    assert report.quantity == 0 and report.movement_id is None
    assert not Movement.objects.exists()


def test_output_in_the_future_is_refused(tree: Any, officer: Any, reserve: Any) -> None:
    producer = _producer(tree, reserve)
    with pytest.raises(ActionError) as refused:
        production.report_output(
            actor=officer,
            producer=producer,
            item=make_item("n95"),
            day=timezone.localdate() + dt.timedelta(days=1),
            quantity_value=10,
        )
    assert refused.value.code == "future_day"
    assert _nothing_written()


# --- dispatch orders and planned versus actual ------------------------------------------------


def test_an_order_is_planned_evenly_per_day_in_whole_units() -> None:
    plan = production.planned_per_day(10, dt.date(2020, 2, 1), dt.date(2020, 2, 3))
    assert list(plan.values()) == [4, 3, 3]
    assert (
        sum(production.planned_per_day(7000, TODAY, TODAY + dt.timedelta(days=6)).values()) == 7000
    )


@pytest.mark.parametrize(
    ("quantity", "start", "end", "code"),
    [
        ("0", TODAY, TODAY, "bad_quantity"),
        ("-10", TODAY, TODAY, "bad_quantity"),
        ("2.5", TODAY, TODAY, "fractional_quantity"),
        ("100", TODAY, TODAY - dt.timedelta(days=1), "bad_dates"),
    ],
)
def test_a_dispatch_order_needs_a_whole_quantity_and_dates_in_order(
    tree: Any, officer: Any, reserve: Any, quantity: str, start: Any, end: Any, code: str
) -> None:
    producer = _producer(tree, reserve)
    with pytest.raises(ActionError) as refused:
        production.issue_dispatch(
            actor=officer,
            producer=producer,
            item=make_item("n95"),
            quantity_value=quantity,
            start=start,
            end=end,
        )
    assert refused.value.code == code
    assert not producer.orders.exists()


def test_a_dispatch_order_for_an_item_the_producer_does_not_make_is_refused(
    tree: Any, officer: Any, reserve: Any
) -> None:
    producer = _producer(tree, reserve)
    with pytest.raises(ActionError) as refused:
        production.issue_dispatch(
            actor=officer, producer=producer, item=make_item("gown"),
            quantity_value=100, start=TODAY, end=TODAY,
        )  # fmt: skip
    assert refused.value.code == "item_not_produced"


def test_planned_versus_actual_by_producer_item_and_day(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    # given an order of 10,000 masks over 4 days and output reported on three of them
    producer = _producer(tree, reserve)
    n95 = make_item("n95")
    start = dt.date(2020, 2, 1)
    production.issue_dispatch(
        actor=officer, producer=producer, item=n95, quantity_value=10_001,
        start=start, end=start + dt.timedelta(days=3),
    )  # fmt: skip
    for offset, made in ((0, 2400), (1, 2600), (3, 0)):
        production.report_output(
            actor=officer, producer=producer, item=n95,
            day=start + dt.timedelta(days=offset), quantity_value=made,
        )  # fmt: skip
    # when the figures are read for those days
    rows = production.planned_versus_actual([producer], start, start + dt.timedelta(days=3))
    # then each day shows its share of the plan and what was made (None: not reported)
    assert [(r.day.day, r.planned, r.actual) for r in rows] == [
        (1, 2501, 2400),
        (2, 2500, 2600),
        (3, 2500, None),
        (4, 2500, 0),
    ]
    assert production.plan_totals(rows)[0] | {} == {
        "producer_id": producer.pk,
        "producer": producer.name,
        "item": n95.name,
        "unit": n95.unit,
        "planned": 10_001,
        "actual": 5000,
        "rate": 50,
    }
    # and the producer's page and the area's page show them, with the chart's data
    query = {"start": "2020-02-01", "end": "2020-02-04"}
    page = client_for(officer).get(reverse("supplies:producer", args=[producer.pk]), query)
    area = client_for(officer).get(reverse("supplies:production_plan"), query)
    for response in (page, area):
        assert response.status_code == 200
        text = response.content.decode()
        assert 'data-col="planned">10001<' in text and 'data-col="actual">5000<' in text
        chart = response.context["chart"]
        assert chart["days"][0] == "2020-02-01"
        assert chart["items"][0]["actual"] == {
            "2020-02-01": 2400,
            "2020-02-02": 2600,
            "2020-02-04": 0,
        }
        assert "supplies/production.js" in text
    api = client_for(officer).get(f"/api/supplies/producers/{producer.pk}/plan", query)
    assert [r["actual"] for r in api.json()["rows"]] == [2400, 2600, None, 0]


def test_a_cancelled_order_plans_nothing(tree: Any, officer: Any, reserve: Any) -> None:
    producer = _producer(tree, reserve)
    order = production.issue_dispatch(
        actor=officer, producer=producer, item=make_item("n95"),
        quantity_value=300, start=TODAY, end=TODAY,
    )  # fmt: skip
    production.close_dispatch(actor=officer, order=order, state=DispatchState.CANCELLED)
    assert production.planned_versus_actual([producer], TODAY, TODAY) == []
    with pytest.raises(ActionError) as refused:
        production.close_dispatch(actor=officer, order=order, state=DispatchState.DONE)
    assert refused.value.status == 409


def test_the_area_page_runs_a_bounded_number_of_queries(
    tree: Any, officer: Any, reserve: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        producer = _producer(tree, reserve, f"厂{n}")
        production.issue_dispatch(
            actor=officer, producer=producer, item=make_item("n95"),
            quantity_value=700, start=TODAY, end=TODAY + dt.timedelta(days=6),
        )  # fmt: skip
    client = client_for(officer)
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("supplies:production_plan"), {"start": "2020-02-10", "end": "2020-02-16"}
        )
    assert response.status_code == 200
    assert len(response.context["totals"]) == 5


# --- producers and tokens ---------------------------------------------------------------------


def test_registering_a_producer_delivering_to_another_jurisdictions_store_is_refused(
    tree: Any, make_user: Any
) -> None:
    county = make_user(tree.nanguan, [Role.SUPPLIES_OFFICER])
    elsewhere = make_store(tree.changyi, "昌邑区仓库")
    with pytest.raises(OutOfJurisdiction):
        production.register_producer(
            actor=county,
            data={
                "name": "越界厂",
                "delivers_to": elsewhere,
                "contact_name": "王",
                "phone": "13900000009",
            },
        )
    assert not Producer.objects.exists()


def test_the_form_offers_only_stores_of_the_officers_area(
    tree: Any, make_user: Any, client_for: Any
) -> None:
    county = make_user(tree.nanguan, [Role.SUPPLIES_OFFICER])
    elsewhere = make_store(tree.changyi, "昌邑区仓库")
    response = client_for(county).post(
        reverse("supplies:producer_new"),
        {
            "name": "越界厂",
            "delivers_to": elsewhere.pk,
            "contact_name": "王",
            "phone": "13900000009",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["delivers_to"]
    assert "昌邑区仓库" not in response.content.decode()
    assert not Producer.objects.exists()


def test_a_new_token_is_shown_once_and_then_only_its_prefix(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    client = client_for(officer)
    created = client.post(
        reverse("supplies:producer_token_new", args=[producer.pk]), {"token-name": "车间ERP"}
    )
    raw = created.context["raw"]
    assert created.status_code == 200 and raw.startswith("fkp_") and raw in created.content.decode()
    page = client.get(reverse("supplies:producer", args=[producer.pk])).content.decode()
    assert raw not in page and raw[:12] in page
    assert producer.tokens.get().key_hash != raw


def test_a_clinic_worker_can_see_production_but_not_report_it(
    tree: Any, make_user: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    commander = make_user(tree.changchun, [Role.CITY_COMMAND])
    client = client_for(commander)
    assert client.get(reverse("supplies:producer", args=[producer.pk])).status_code == 200
    refused = client.post(
        reverse("supplies:output_report", args=[producer.pk]),
        {"out-item": make_item("n95").pk, "out-day": "2020-02-03", "out-quantity": "5"},
    )
    assert refused.status_code == 403
    assert _nothing_written()


def test_the_page_showing_a_new_token_is_not_cached(
    tree: Any, officer: Any, reserve: Any, client_for: Any
) -> None:
    producer = _producer(tree, reserve)
    created = client_for(officer).post(
        reverse("supplies:producer_token_new", args=[producer.pk]), {"token-name": "ERP"}
    )
    assert "no-store" in created["Cache-Control"]
