"""The computed indicators: every indicator of ``choices.Indicator`` for every division, from
the grid up to the province, for one day, written set-based into ``IndicatorDay``
(source ``computed``), and a division's series read back dense.

One aggregate per source table, grouped by the division path the records carry (records sit
at most on grids, the leaves, so that is the longest path prefix there is: a grid's path for
records on grids, a shorter one for a record kept on a division above, e.g. a county's fever
clinic); each group is then added, in Python, to the division it names and to every ancestor
(every prefix of the path ending in "/"), as ``reports.figures.figures_for_all`` does. Every
indicator is a count or a sum, so additive. Seven queries for a day whatever the size of the
tree, one for the paths of the divisions, one delete and one insert (PostgreSQL ``COPY``).

=========================  ==================================================================
indicator                  definition (the day is local, Asia/Shanghai)
=========================  ==================================================================
confirmed_local/_imported  confirmed cases whose ``confirmed_at`` falls on the day, where the
                           patient lives; local = ``import_status`` local, imported = from
                           another province or from abroad
onset_local/_imported      confirmed cases whose ``onset_date`` is the day (a later
                           confirmation counts once the day is computed again)
asymptomatic_local/_imp.   cases of category asymptomatic whose ``diagnosed_at`` falls on the
                           day
clinic_visits              fever-clinic visits (``cases.ClinicVisit.visited_at``) that day,
                           counted at the clinic's division (its ``division_path``)
fevers_found               ``zeroreport.GridDay.fever_found`` of the day (screenings and
check_ins_missed           check-ins of 37.3 ℃ or more), ``GridDay.check_ins_missed``
travellers_flagged         people flagged at checkpoints that day
                           (``checkpoints.Passage.n_flagged`` by ``passed_at``), at the
                           checkpoint's division
contacts_new               close contacts (``tracing.Contact``, kind close) registered that
                           day, at the investigating case's division
beds_free                  free beds of the open wards (capacity - occupied - reserved - out of
                           service), as they stand: a stock
supplies_low               open low-supply escalations (key ``supplies:low:``) per division,
                           as they stand: a stock
=========================  ==================================================================

**Stocks.** Free beds and open low-supply alerts are only known as they stand now. They are
computed for today (or a later day) only; computing a past day again leaves the stock rows
stored for it when it was today as they are (they are that day's history).

**Replacing.** ``compute_day`` deletes the day's computed rows (of the indicators it computes;
under ``under``'s subtree when given) and writes the new ones; only nonzero values are stored
(a missing row means 0). With ``under``, only divisions in the subtree are written: the
ancestors above ``under`` keep their figures until the tree is computed from higher up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fangkong.cases.choices import Category, Importation
from fangkong.cases.models import Case, ClinicVisit
from fangkong.checkpoints.models import Passage
from fangkong.regions.models import Division
from fangkong.tracing.choices import ContactKind
from fangkong.tracing.models import Contact
from fangkong.warning.choices import STOCK_INDICATORS, Indicator, Source
from fangkong.warning.models import IndicatorDay
from fangkong.zeroreport.figures import day_bounds
from fangkong.zeroreport.models import GridDay

if TYPE_CHECKING:
    from fangkong.accounts.models import User

I = Indicator  # noqa: E741 - short in the tables below

# The indicators computed from the records (all of them), the day counts and the stocks.
COMPUTED: tuple[str, ...] = tuple(Indicator.values)
DAY_COUNTS: tuple[str, ...] = tuple(i for i in COMPUTED if i not in STOCK_INDICATORS)
STOCKS: tuple[str, ...] = tuple(i for i in COMPUTED if i in STOCK_INDICATORS)

COLUMNS = [
    "division_id", "division_path", "day", "indicator", "source", "value", "cumulative",
    "adjusted", "updated_at",
]  # fmt: skip

Source_ = tuple[QuerySet[Any], str, dict[str, Any]]


def _sources(day: dt.date, *, stocks: bool) -> list[Source_]:
    """Per source table: its rows of ``day`` (not yet narrowed to a subtree), the path field
    and the aggregates giving its indicators."""
    start, end = day_bounds(day)
    zero = Value(0, output_field=IntegerField())
    local = Q(import_status=Importation.LOCAL)
    confirmed_today = Q(category=Category.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end)
    onset_today = Q(category=Category.CONFIRMED, onset_date=day)
    asymptomatic_today = Q(
        category=Category.ASYMPTOMATIC, diagnosed_at__gte=start, diagnosed_at__lt=end
    )
    out: list[Source_] = [
        (
            Case.objects.filter(confirmed_today | onset_today | asymptomatic_today),
            "division_path",
            {
                I.CONFIRMED_LOCAL: Count("pk", filter=confirmed_today & local),
                I.CONFIRMED_IMPORTED: Count("pk", filter=confirmed_today & ~local),
                I.ONSET_LOCAL: Count("pk", filter=onset_today & local),
                I.ONSET_IMPORTED: Count("pk", filter=onset_today & ~local),
                I.ASYMPTOMATIC_LOCAL: Count("pk", filter=asymptomatic_today & local),
                I.ASYMPTOMATIC_IMPORTED: Count("pk", filter=asymptomatic_today & ~local),
            },
        ),
        (
            ClinicVisit.objects.filter(visited_at__gte=start, visited_at__lt=end),
            "division_path",
            {I.CLINIC_VISITS: Count("pk")},
        ),
        (
            GridDay.objects.filter(day=day).filter(
                Q(fever_found__gt=0) | Q(check_ins_missed__gt=0)
            ),
            "division_path",
            {
                I.FEVERS_FOUND: Coalesce(Sum("fever_found"), zero),
                I.CHECK_INS_MISSED: Coalesce(Sum("check_ins_missed"), zero),
            },
        ),
        (
            Passage.objects.filter(passed_at__gte=start, passed_at__lt=end, n_flagged__gt=0),
            "division_path",
            {I.TRAVELLERS_FLAGGED: Coalesce(Sum("n_flagged"), zero)},
        ),
        (
            Contact.objects.filter(
                kind=ContactKind.CLOSE, created_at__gte=start, created_at__lt=end
            ),
            "division_path",
            {I.CONTACTS_NEW: Count("pk")},
        ),
    ]
    if stocks:
        from fangkong.medical.models import Ward
        from fangkong.notifications.models import Escalation

        free = F("capacity") - F("occupied") - F("reserved") - F("out_of_service")
        out += [
            (
                Ward.objects.filter(active=True),
                "division_path",
                {I.BEDS_FREE: Coalesce(Sum(free), zero)},
            ),
            (
                Escalation.objects.filter(key__startswith="supplies:low:", resolved_at=None),
                "division_path",
                {I.SUPPLIES_LOW: Count("pk")},
            ),
        ]
    return out


def _ancestors(path: str) -> list[str]:
    """``path`` and every ancestor's path ("22/", "22/2201/", …, ``path``)."""
    out = []
    at = path.find("/")
    while at != -1:
        out.append(path[: at + 1])
        at = path.find("/", at + 1)
    return out


def aggregate_day(day: dt.date, *, under: Division | None = None) -> dict[str, dict[str, int]]:
    """Every computed indicator of ``day`` by division path (only divisions with a nonzero
    value; under ``under``'s subtree when given): one aggregate per source table, then the
    roll-up in Python."""
    stocks = day >= timezone.localdate()
    prefix = under.path if under is not None else ""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for qs, field, aggregates in _sources(day, stocks=stocks):
        if prefix:
            qs = qs.filter(**{f"{field}__startswith": prefix})
        rows = qs.values(field).annotate(**aggregates).order_by().values_list(field, *aggregates)
        names = list(aggregates)
        for path, *values in rows:
            nonzero = [(n, int(v)) for n, v in zip(names, values, strict=True) if v]
            if not nonzero or not path:
                continue
            for ancestor in _ancestors(path):
                if len(ancestor) < len(prefix):
                    continue  # above ``under``: not written (module docstring)
                figures = out[ancestor]
                for name, value in nonzero:
                    figures[name] += value
    return out


def _line(row: tuple[Any, ...]) -> str:
    """An IndicatorDay row (COLUMNS order) as a line of COPY text (paths, codes and dates
    hold no character COPY escapes)."""
    pk, path, day, indicator, source, value, cumulative, adjusted, at = row
    cum = "\\N" if cumulative is None else cumulative
    return (
        f"{pk}\t{path}\t{day.isoformat()}\t{indicator}\t{source}\t{value}\t{cum}\t"
        f"{'t' if adjusted else 'f'}\t{at.isoformat()}\n"
    )


def write_rows(rows: list[tuple[Any, ...]]) -> None:
    """Insert IndicatorDay rows (COLUMNS order): COPY on PostgreSQL, ``bulk_create``
    elsewhere. In the caller's transaction."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        from fangkong.bulk.rows import copy_rows

        copy_rows(IndicatorDay._meta.db_table, COLUMNS, rows, _line)
        return
    IndicatorDay.objects.bulk_create(
        [IndicatorDay(**dict(zip(COLUMNS, row, strict=True))) for row in rows], batch_size=500
    )


def _division_ids(paths: Iterable[str], prefix: str) -> dict[str, int]:
    """The ids of the divisions with these paths (one scan of the subtree when it is large,
    ``path IN`` lists when few are asked for)."""
    wanted = set(paths)
    if len(wanted) > 5000:
        qs = Division.objects.all()
        if prefix:
            qs = qs.filter(path__startswith=prefix)
        return {
            p: pk
            for p, pk in qs.values_list("path", "pk").iterator(chunk_size=20000)
            if p in wanted
        }
    found: dict[str, int] = {}
    ordered = sorted(wanted)
    for i in range(0, len(ordered), 2000):
        found.update(
            Division.objects.filter(path__in=ordered[i : i + 2000]).values_list("path", "pk")
        )
    return found


def compute_day(day: dt.date, *, under: Division | None = None) -> int:
    """Compute every indicator of ``day`` for every division (under ``under`` when given) and
    replace that day's computed rows with them; returns the rows written (nonzero values
    only). Stocks only for today or later (module docstring)."""
    by_path = aggregate_day(day, under=under)
    prefix = under.path if under is not None else ""
    ids = _division_ids(by_path, prefix)
    now = timezone.now()
    rows = [
        (ids[path], path, day, indicator, Source.COMPUTED, value, None, False, now)
        for path, figures in by_path.items()
        if path in ids
        for indicator, value in figures.items()
        if value > 0
    ]
    replaced = list(COMPUTED if day >= timezone.localdate() else DAY_COUNTS)
    with transaction.atomic():
        old = IndicatorDay.objects.filter(day=day, source=Source.COMPUTED, indicator__in=replaced)
        if prefix:
            old = old.filter(division_path__startswith=prefix)
        old._raw_delete(old.db)  # no cascades, no signals
        write_rows(rows)
    return len(rows)


def compute_range(start: dt.date, end: dt.date, *, under: Division | None = None) -> int:
    """:func:`compute_day` for every day from ``start`` to ``end`` inclusive."""
    written = 0
    day = start
    while day <= end:
        written += compute_day(day, under=under)
        day += dt.timedelta(days=1)
    return written


def compute_days(
    start: dt.date, end: dt.date, *, actor: User | None = None, under: Division | None = None
) -> int:
    """The action behind the command: :func:`compute_range` and one audit row."""
    from fangkong.audit.actions import record

    with transaction.atomic():
        written = compute_range(start, end, under=under)
        record(
            actor=actor,
            action="warning.indicators_compute",
            object_type="warning.indicatorday",
            object_repr=f"{start.isoformat()}–{end.isoformat()}",
            division_path=under.path if under is not None else "",
            changes={"from": [None, start.isoformat()], "to": [None, end.isoformat()],
                     "rows": [None, written]},
        )  # fmt: skip
    return written


def series(
    division: Division, indicator: str, source: str, start: dt.date, end: dt.date
) -> list[int]:
    """The daily values of one series from ``start`` to ``end`` inclusive, oldest first, dense
    (0 for a day without a row). One query."""
    days = (end - start).days + 1
    if days <= 0:
        return []
    out = [0] * days
    for day, value in IndicatorDay.objects.filter(
        division=division, indicator=indicator, source=source, day__gte=start, day__lte=end
    ).values_list("day", "value"):
        out[(day - start).days] = value
    return out
