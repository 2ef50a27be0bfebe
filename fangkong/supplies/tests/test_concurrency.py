"""100 issues at once against the same stock, each from its own connection in its own
transaction, on PostgreSQL: the stock never goes below zero, exactly as many succeed as the
stock covers, the others are refused, and the ledger sums to the balance (issue #12)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections

from conftest import database_vendor
from fangkong.accounts.roles import Role
from fangkong.core.errors import ActionError
from fangkong.supplies import actions
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import Movement, Stock
from fangkong.supplies.tests.factories import make_item, make_store, put

THREADS = 100
IN_STOCK = 1_000
EACH = 20  # 100 × 20 = 2,000 asked for 1,000 in stock

pytestmark = pytest.mark.skipif(
    database_vendor() != "postgresql",
    reason="concurrent writers from many connections: SQLite serialises them (test_ledger)",
)


def wait_for_connections(n: int, patience: float = 120.0) -> None:
    """Wait until the server has ``n`` connections free once this thread's is closed: it
    allows 100 and other sessions (another test run) may hold some for a while."""
    deadline = time.monotonic() + patience
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_connections')::int - count(*)"
                " FROM pg_stat_activity WHERE backend_type = 'client backend'"
            )
            free = cursor.fetchone()[0] + 1
        if free >= n or time.monotonic() > deadline:
            return
        time.sleep(1.0)


def issue_at_once(officer: Any, store: Any, item: Any) -> list[str]:
    """``THREADS`` threads, each with its own connection, book an issue of ``EACH`` at the same
    moment; each outcome is "ok", the refusal's code, or why the thread could not issue."""
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def issue() -> None:
        outcome = ""
        try:
            connections["default"].ensure_connection()  # connect before the start line
        except Exception as error:
            outcome = f"no connection: {error}"
        try:
            start.wait(timeout=60)  # every thread reaches it, connected or not
            if not outcome:
                actions.book(
                    actor=officer,
                    store=store,
                    item=item,
                    kind=MovementKind.ISSUE,
                    quantity_value=EACH,
                    reason="并发出库",
                )
                outcome = "ok"
        except ActionError as refused:
            outcome = refused.code
        except Exception as error:
            outcome = outcome or f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    wait_for_connections(THREADS)
    connection.close()  # the server allows 100: this thread's is closed so that the 100 fit
    threads = [threading.Thread(target=issue) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)  # each thread commits on its own connection
def test_a_hundred_concurrent_issues_never_take_the_stock_below_zero(
    tree: Any, make_user: Any
) -> None:
    # given a city warehouse holding 1,000 N95 masks and its supplies officer
    officer = make_user(tree.changchun, [Role.SUPPLIES_OFFICER])
    store = make_store(tree.changchun, "长春市物资储备库")
    n95 = make_item("n95")
    put(store, n95, IN_STOCK)

    # when 100 clinics' issues of 20 each (2,000 asked) arrive at the same moment
    outcomes = issue_at_once(officer, store, n95)

    # then exactly the 50 the stock covers are booked, the other 50 refused as not enough
    assert Counter(outcomes) == {"ok": 50, "insufficient_stock": 50}
    stock = Stock.objects.get(store=store, item=n95)
    assert stock.on_hand == 0
    # and the ledger holds the receipt and the 50 issues, summing to the balance, whose
    # running balances never went below zero and each issue left 20 fewer than the one before
    issues = list(
        Movement.objects.filter(store=store, item=n95, kind=MovementKind.ISSUE)
        .order_by("balance")
        .values_list("quantity", "balance")
    )
    assert len(issues) == 50
    assert all(quantity == -EACH for quantity, _balance in issues)
    assert [balance for _quantity, balance in issues] == list(range(0, IN_STOCK, EACH))
    ledger = Movement.objects.filter(store=store, item=n95).values_list("quantity", flat=True)
    assert sum(ledger) == stock.on_hand
    # and the nightly reconciliation finds nothing to report
    assert actions.reconcile().differences == []
