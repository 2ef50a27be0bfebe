"""Every write to the grid days: refreshing the figures and confirming a day (零报告).

Refreshing recomputes the figures of many grids at once from the records (see figures.py and
ADR 0007); it is audited with one row when a person asks for it ("update now") and not at all
when the system runs it (the management command, the periodic task, the demo): it changes no
fact, only a copy of facts already audited where they were written. Confirming a day is a
person's statement and is always audited, with the figures and the confirmation before and
after.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.actions import diff, record, snapshot
from fangkong.core.errors import ActionError
from fangkong.core.jurisdiction import ensure_in_scope
from fangkong.core.validators import check_text
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.selectors import check_active_grid
from fangkong.zeroreport import figures
from fangkong.zeroreport.models import FIGURES, GridDay

if TYPE_CHECKING:
    from fangkong.accounts.models import User

MAX_NOTE = 300
# A day may be confirmed on the day itself or, late, on the next day.
CONFIRM_DAYS_BACK = 1
BATCH = 2000
# "Update now" above this many grids runs as a background task instead of in the request.
INLINE_REFRESH_MAX = 5000
CONFIRM_FIELDS = [*FIGURES, "confirmed_at", "confirmed_by", "confirmed_late", "zero_report", "note"]


def _check_day(day: dt.date, today: dt.date) -> None:
    if day > today:
        raise ActionError(_("The day cannot be in the future."), code="future_day", field="day")


def refresh_grid_days(
    *, day: dt.date, under: Division | None = None, actor: User | None = None
) -> int:
    """Recompute the figures of ``day`` for every active grid under ``under`` (default: all)
    and upsert one :class:`GridDay` per grid, keeping confirmations. Returns the grid count.

    Set-based: eight GROUP BY queries (figures.compute), one query for the grids, and a bulk
    upsert in batches, whatever the number of grids.
    """
    _check_day(day, timezone.localdate())
    if actor is not None and under is None:
        raise ActionError(_("Choose the division to update."), code="division_required")
    if under is not None:
        ensure_in_scope(actor, under.path)
    prefix = under.path if under is not None else ""
    with transaction.atomic():
        computed = figures.compute(day, prefix)
        now = timezone.now()
        grids = list(figures.active_grids(under).values_list("pk", "path"))
        rows = [
            GridDay(grid_id=pk, division_path=path, day=day, computed_at=now, **computed.of(path))
            for pk, path in grids
        ]
        GridDay.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["grid", "day"],
            update_fields=[*FIGURES, "division_path", "computed_at"],
        )
        if actor is not None and under is not None:
            record(
                actor=actor,
                action="grid_days.refresh",
                obj=under,
                division_path=under.path,
                changes={"day": day.isoformat(), "grids": len(rows)},
            )
    return len(rows)


def request_refresh(*, actor: User, under: Division, day: dt.date) -> int | None:
    """ "Update now": refresh the subtree at once when it is small (returns the grid count), or,
    above ``INLINE_REFRESH_MAX`` grids, audit the request and hand the work to a background task
    when the transaction commits (returns None)."""
    if under.n_grids <= INLINE_REFRESH_MAX or under.level == Level.GRID:
        return refresh_grid_days(actor=actor, day=day, under=under)
    from fangkong.zeroreport.tasks import refresh_grid_days_task

    _check_day(day, timezone.localdate())
    ensure_in_scope(actor, under.path)
    with transaction.atomic():
        record(
            actor=actor,
            action="grid_days.refresh",
            obj=under,
            division_path=under.path,
            changes={"day": day.isoformat(), "grids": under.n_grids, "background": True},
        )
        transaction.on_commit(
            lambda: refresh_grid_days_task.enqueue(day=day.isoformat(), division_id=under.pk)
        )
    return None


def confirm_day(
    *,
    actor: User | None,
    grid: Division,
    day: dt.date | None = None,
    zero_report: bool,
    note: str = "",
) -> GridDay:
    """The grid worker confirms the figures of a day, or reports "nothing abnormal" (零报告).

    The figures are recomputed from the records and stored with the confirmation. Allowed for
    today, and for yesterday as a late confirmation. A zero report is refused when something is
    abnormal (a fever, a missed check-in, a flagged traveller not handled yet). Confirming again
    replaces the earlier confirmation; the audit row keeps both.
    """
    today = timezone.localdate()
    day = day or today
    _check_day(day, today)
    if day < today - dt.timedelta(days=CONFIRM_DAYS_BACK):
        raise ActionError(
            _("Only today or yesterday can be confirmed."), code="day_too_old", field="day"
        )
    check_active_grid(grid, not_a_grid=_("Only a grid's day can be confirmed."), field=None)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ActionError(
            _("The note cannot be longer than %(max)s characters.") % {"max": MAX_NOTE},
            code="note_too_long",
            field="note",
        )
    if "\x00" in note:
        raise ActionError(_("The note contains invalid characters."), code="invalid", field="note")
    check_text(note, field="note")
    ensure_in_scope(actor, grid.path)
    with transaction.atomic():
        live = figures.for_grid(grid, day)
        if zero_report and figures.is_abnormal(live):
            raise ActionError(
                _(
                    "A zero report is only for a day with nothing abnormal: there are fevers, "
                    "missed check-ins or flagged travellers not handled yet. Confirm the "
                    "figures instead."
                ),
                code="abnormal",
                field="zero_report",
            )
        existing = GridDay.objects.select_for_update().filter(grid=grid, day=day).first()
        before = snapshot(existing, CONFIRM_FIELDS) if existing else {}
        now = timezone.now()
        values = {
            **live,
            "division_path": grid.path,
            "computed_at": now,
            "confirmed_at": now,
            "confirmed_by": actor,
            "confirmed_late": day < today,
            "zero_report": zero_report,
            "note": note,
        }
        if existing is None:
            grid_day = GridDay.objects.create(grid=grid, day=day, **values)
        else:
            grid_day = existing
            for key, value in values.items():
                setattr(grid_day, key, value)
            grid_day.save()
        ensure_in_scope(actor, grid_day.division_path)
        record(
            actor=actor,
            action="grid_day.zero_report" if zero_report else "grid_day.confirm",
            obj=grid_day,
            division_path=grid.path,
            changes=diff(before, snapshot(grid_day, CONFIRM_FIELDS)),
            reason=note,
        )
    return grid_day
