"""The stock ledger: every movement a row never changed, the balance kept by the same action,
never below zero, proven equal to the ledger by the nightly reconciliation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from fangkong.accounts.roles import Role
from fangkong.core.errors import ActionError
from fangkong.supplies import actions
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import Movement, Stock
from fangkong.supplies.tests.factories import make_item, make_store, put


@pytest.fixture
def officer(tree: Any, make_user: Any) -> Any:
    return make_user(tree.changchun, [Role.SUPPLIES_OFFICER])


def test_issue_takes_from_the_balance_and_the_ledger_keeps_each_step(
    tree: Any, officer: Any
) -> None:
    # given a city warehouse holding 100 N95 masks
    store = make_store(tree.changchun, "长春市物资储备库")
    n95 = make_item("n95")
    put(store, n95, 100)
    # when 30 are issued
    actions.book(actor=officer, store=store, item=n95, kind=MovementKind.ISSUE, quantity_value="30")
    # then 70 are on hand and the ledger shows +100 then -30 with the balances after each
    assert Stock.objects.get(store=store, item=n95).on_hand == 70
    rows = list(
        Movement.objects.filter(store=store).order_by("id").values_list("quantity", "balance")
    )
    assert rows == [(100, 100), (-30, 70)]


def test_issuing_more_than_in_stock_is_refused_and_writes_nothing(tree: Any, officer: Any) -> None:
    store = make_store(tree.changchun)
    n95 = make_item("n95")
    put(store, n95, 10)
    with pytest.raises(ActionError) as refused:
        actions.book(
            actor=officer, store=store, item=n95, kind=MovementKind.ISSUE, quantity_value=11
        )
    assert refused.value.code == "insufficient_stock"
    assert "10" in refused.value.message
    assert Stock.objects.get(store=store, item=n95).on_hand == 10
    assert Movement.objects.filter(store=store).count() == 1


@pytest.mark.parametrize(
    "bad", ["2.5", 2.5, "-3", -3, 0, "1e3", "十", True, None, "", "99999999999999"]
)
def test_quantities_are_whole_positive_numbers(tree: Any, officer: Any, bad: Any) -> None:
    store = make_store(tree.changchun)
    n95 = make_item("n95")
    with pytest.raises(ActionError) as refused:
        actions.book(
            actor=officer, store=store, item=n95, kind=MovementKind.RECEIPT, quantity_value=bad
        )
    assert refused.value.field == "quantity"
    assert not Movement.objects.exists()


def test_a_ledger_row_cannot_be_changed_in_the_database(tree: Any, officer: Any) -> None:
    store = make_store(tree.changchun)
    n95 = make_item("n95")
    put(store, n95, 5)
    movement = Movement.objects.get()
    # then an UPDATE straight in SQL is refused by the database itself
    with pytest.raises(IntegrityError), transaction.atomic():
        Movement.objects.filter(pk=movement.pk).update(quantity=500)
    assert Movement.objects.get().quantity == 5
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            Movement.objects.filter(pk=movement.pk).delete()
        assert Movement.objects.filter(pk=movement.pk).exists()


def test_reconciliation_finds_a_balance_that_left_its_ledger(tree: Any, officer: Any) -> None:
    store = make_store(tree.changchun)
    n95, gown = make_item("n95"), make_item("gown")
    put(store, n95, 50)
    put(store, gown, 7)
    assert actions.reconcile().differences == []
    # when a balance is changed behind the ledger's back
    Stock.objects.filter(store=store, item=n95).update(on_hand=49)
    run = actions.reconcile()
    assert run.checked == 2
    assert run.differences == [{"store": store.pk, "item": n95.pk, "balance": 49, "ledger": 50}]
