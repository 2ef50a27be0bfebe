"""`fangkong refresh-grid-days` and the background task."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fangkong.zeroreport.models import GridDay
from fangkong.zeroreport.tasks import refresh_grid_days_task
from fangkong.zeroreport.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_command_refreshes_days_back_under_a_division(tree: SimpleNamespace) -> None:
    today = timezone.localdate()
    f.screening(tree.grid1, today - dt.timedelta(days=1))
    out = StringIO()

    call_command("refresh_grid_days", "--days", "3", "--division", tree.huayang.code, stdout=out)

    assert GridDay.objects.count() == 2 * 3
    assert GridDay.objects.get(grid=tree.grid1, day=today - dt.timedelta(days=1)).screened == 1
    assert len(out.getvalue().splitlines()) == 3


@pytest.mark.parametrize(
    "args",
    [
        ["--day", "2020-02-30"],
        ["--day", "tomorrow"],
        ["--day", (dt.date.today() + dt.timedelta(days=5)).isoformat()],
        ["--days", "0"],
        ["--days", "1000"],
        ["--division", "229999999999"],
    ],
)
def test_the_command_refuses_bad_arguments(tree: SimpleNamespace, args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("refresh_grid_days", *args, stdout=StringIO())
    assert not GridDay.objects.exists()


def test_the_task_refreshes_a_day(tree: SimpleNamespace) -> None:
    day = timezone.localdate() - dt.timedelta(days=2)
    assert refresh_grid_days_task.call(day=day.isoformat(), division_id=tree.nanguan.pk) == 2
    assert refresh_grid_days_task.call() == 3
    assert GridDay.objects.filter(day=day).count() == 2


def test_update_now_on_a_large_subtree_runs_in_the_background(
    tree: SimpleNamespace,
    make_user: object,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    from fangkong.audit.models import AuditEvent
    from fangkong.zeroreport import actions

    monkeypatch.setattr(actions, "INLINE_REFRESH_MAX", 1)
    user = make_user(tree.nanguan, roles=["county_command"])  # type: ignore[operator]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        result = actions.request_refresh(actor=user, under=tree.nanguan, day=timezone.localdate())
    assert result is None and len(callbacks) == 1
    assert AuditEvent.objects.filter(action="grid_days.refresh").count() == 1
