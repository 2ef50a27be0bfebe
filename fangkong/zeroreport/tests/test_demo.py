"""The demo history of zero reporting: past days mostly confirmed, today partly, idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.regions import actions as region_actions
from fangkong.zeroreport.demo import DAYS, load_zero_report_history
from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db


def test_demo_history_is_true_to_life_and_idempotent(
    tree: SimpleNamespace, make_user: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    for i in range(8):
        region_actions.create_grid(actor=None, village=tree.hengan, name=f"恒安{i}网格")
    make_user(tree.grid1, roles=["grid_worker"], username="wangge")
    f.screening(tree.grid2, today - dt.timedelta(days=2), "38.1")

    confirmed = load_zero_report_history(today, county_code=tree.nanguan.code)

    rows = GridDay.objects.filter(division_path__startswith=tree.nanguan.path)
    assert rows.count() == 10 * DAYS
    past = rows.filter(day__lt=today)
    assert past.filter(confirmed_at__isnull=False).count() > 0.85 * past.count()
    assert past.filter(confirmed_at__isnull=True).exists() or past.count() < 100
    today_rows = rows.filter(day=today)
    assert today_rows.filter(confirmed_at__isnull=True).exists()
    assert today_rows.get(grid=tree.grid1).confirmed_at is None  # the demo worker's own grid
    abnormal = rows.get(grid=tree.grid2, day=today - dt.timedelta(days=2))
    assert abnormal.fever_found == 1
    assert abnormal.confirmed_at is None or not abnormal.zero_report
    assert rows.filter(zero_report=True).exists()
    assert confirmed == rows.filter(confirmed_at__isnull=False).count()
    assert not rows.filter(confirmed_at__gt=timezone.now()).exists()

    audit = AuditEvent.objects.count()
    assert load_zero_report_history(today, county_code=tree.nanguan.code) == 0
    assert rows.filter(confirmed_at__isnull=False).count() == confirmed
    assert AuditEvent.objects.count() == audit
