"""The key figures of a division's daily report (工作督查日报告), computed from the records of the
other modules, never typed in.

Every figure is defined once in :data:`DEFINITIONS` (label and definition, shown beside the
figure on the report and in ``docs/report-summary.md``) and computed by a handful of path-prefix
aggregates, one per source table:

========================  ===========================================  =========
source                    figures                                      queries
========================  ===========================================  =========
``zeroreport.GridDay``    screened, fever_found, check_ins_missed      1
``observation``           observations_home, observations_centralized  1
``cases.Case``            cases_confirmed_new, cases_suspected_new,    1
                          cases_confirmed_in_treatment,
                          patients_waiting_for_bed
``tracing.Contact``       contacts_close_new, contacts_observing       1
``medical.Ward``          beds_free_isolation, beds_free_icu           1
========================  ===========================================  =========

:func:`compute` gives one division's subtree (five queries); :func:`figures_for_children` gives
every child of a division in the same five queries plus one for the children, each grouped by
the child's path prefix (``Substr(path, 1, n)``; a child's path has a fixed length per level,
see ``regions.choices.SEGMENT_LENGTH``).

**Additive.** Every figure is a count (or a sum of beds) of records each carrying one division
path, so every figure is additive: the figures of a division's children add up to the
division's own, as long as every record sits at or below the children's level. A record kept on
the division itself (a facility of a county, a case whose address names only the county) counts
in that division's :func:`compute` and in no child's: the children then add up to less, by
exactly those records. In the normal case (records on grids, facilities on counties or below
read from the province or a city) they add up exactly.

**Days.** The day figures (``*_new``, screened, fevers, missed check-ins) are those of the day
asked for; the stock figures (observations, confirmed in treatment, contacts under observation)
are as they stood at the end of that day; three are only known as they stand now, whatever the
day: free beds (the wards' counters) and patients waiting for a bed. The GridDay figures are as
fresh as the last refresh of the grids' days (``zeroreport``, ADR 0007).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import CaseOutcome, Category
from fangkong.cases.models import Case
from fangkong.medical.choices import BedType
from fangkong.medical.models import Ward
from fangkong.observation.choices import Kind as ObservationKind
from fangkong.regions.choices import SEGMENT_LENGTH, Level
from fangkong.regions.models import Division
from fangkong.tracing.choices import ContactKind
from fangkong.tracing.models import Contact
from fangkong.treatment.choices import OPEN_STATES
from fangkong.treatment.models import Order
from fangkong.zeroreport.figures import day_bounds, observations_on
from fangkong.zeroreport.models import GridDay

Figures = dict[str, int]


@dataclass(frozen=True)
class Figure:
    """One key figure of the daily report: its key, its label and its definition."""

    key: str
    label: Promise
    definition: Promise
    # Counted on the day asked for (True) or as it stands (stock).
    daily: bool = False


DEFINITIONS: list[Figure] = [
    Figure(
        "screened",
        _("Screened"),
        _("People screened (temperature taken) in the grids of the division that day."),
        daily=True,
    ),
    Figure(
        "fever_found",
        _("Fevers found"),
        _(
            "Screenings and observation check-ins that day with a temperature of 37.3 ℃ or "
            "more, in the grids of the division."
        ),
        daily=True,
    ),
    Figure(
        "observations_home",
        _("Under home observation"),
        _("People under home medical observation at the end of the day."),
    ),
    Figure(
        "observations_centralized",
        _("Under centralized observation"),
        _("People under centralized medical observation at the end of the day."),
    ),
    Figure(
        "check_ins_missed",
        _("Check-ins missed"),
        _("People under observation who missed a daily health check-in that was due."),
        daily=True,
    ),
    Figure(
        "cases_confirmed_new",
        _("New confirmed cases"),
        _("Cases confirmed that day, counted where the patient lives."),
        daily=True,
    ),
    Figure(
        "cases_suspected_new",
        _("New suspected cases"),
        _(
            "Cases first reported that day as suspected (later confirmed or excluded ones "
            "included), counted where the patient lives."
        ),
        daily=True,
    ),
    Figure(
        "cases_confirmed_in_treatment",
        _("Confirmed cases in treatment"),
        _(
            "Confirmed cases at the end of the day neither discharged nor dead, counted where "
            "the patient lives."
        ),
    ),
    Figure(
        "contacts_close_new",
        _("New close contacts"),
        _("Close contacts of cases registered that day, counted where the contact lives."),
        daily=True,
    ),
    Figure(
        "contacts_observing",
        _("Close contacts under observation"),
        _("Close contacts whose medical observation runs at the end of the day."),
    ),
    Figure(
        "beds_free_isolation",
        _("Free isolation beds"),
        _(
            "Free isolation-ward and negative-pressure beds in the open wards of the "
            "division's facilities, as they stand now."
        ),
    ),
    Figure(
        "beds_free_icu",
        _("Free ICU beds"),
        _("Free ICU beds in the open wards of the division's facilities, as they stand now."),
    ),
    Figure(
        "patients_waiting_for_bed",
        _("Patients waiting for a bed"),
        _(
            "Suspected, confirmed and asymptomatic cases isolated where they were found, "
            "neither admitted nor under an open admission order, as they stand now."
        ),
    ),
]

KEYS: tuple[str, ...] = tuple(f.key for f in DEFINITIONS)
BY_KEY: dict[str, Figure] = {f.key: f for f in DEFINITIONS}

ISOLATION_BEDS = (BedType.ISOLATION_WARD, BedType.NEGATIVE_PRESSURE)
WAITING_CATEGORIES = (Category.SUSPECTED, Category.CONFIRMED, Category.ASYMPTOMATIC)


def _aggregates(day: dt.date) -> list[tuple[QuerySet[Any], str, dict[str, Any]]]:
    """Per source table: the rows of ``day`` (not yet narrowed to a path), the path field and
    the aggregates giving its figures."""
    start, end = day_bounds(day)
    open_order = Order.objects.filter(case=OuterRef("pk"), state__in=OPEN_STATES)
    free = F("capacity") - F("occupied") - F("reserved") - F("out_of_service")
    zero = Value(0, output_field=IntegerField())
    return [
        (
            GridDay.objects.filter(day=day),
            "division_path",
            {
                "screened": Coalesce(Sum("screened"), zero),
                "fever_found": Coalesce(Sum("fever_found"), zero),
                "check_ins_missed": Coalesce(Sum("check_ins_missed"), zero),
            },
        ),
        (
            observations_on(day),
            "division_path",
            {
                "observations_home": Count("pk", filter=Q(kind=ObservationKind.HOME)),
                "observations_centralized": Count("pk", filter=Q(kind=ObservationKind.CENTRALIZED)),
            },
        ),
        (
            # Only the cases that can count in a figure: diagnosed before the end of the day
            # (the waiting ones all were, unless diagnosed later today: still waiting now).
            Case.objects.filter(
                Q(diagnosed_at__lt=end)
                | Q(outcome=CaseOutcome.ISOLATED, category__in=WAITING_CATEGORIES)
            ),
            "division_path",
            {
                "cases_confirmed_new": Count(
                    "pk",
                    filter=Q(
                        category=Category.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end
                    ),
                ),
                "cases_suspected_new": Count(
                    "pk",
                    filter=Q(diagnosed_at__gte=start, diagnosed_at__lt=end)
                    & ~Q(category=Category.ASYMPTOMATIC)
                    # reported as confirmed: confirmed at the diagnosis itself
                    & (Q(confirmed_at__isnull=True) | Q(confirmed_at__gt=F("diagnosed_at"))),
                ),
                "cases_confirmed_in_treatment": Count(
                    "pk",
                    filter=Q(category=Category.CONFIRMED, confirmed_at__lt=end)
                    & (Q(discharged_on__isnull=True) | Q(discharged_on__gt=day))
                    & (Q(died_on__isnull=True) | Q(died_on__gt=day)),
                ),
                "patients_waiting_for_bed": Count(
                    "pk",
                    filter=Q(
                        ~Exists(open_order),
                        outcome=CaseOutcome.ISOLATED,
                        category__in=WAITING_CATEGORIES,
                    ),
                ),
            },
        ),
        (
            Contact.objects.filter(kind=ContactKind.CLOSE, created_at__lt=end),
            "division_path",
            {
                "contacts_close_new": Count("pk", filter=Q(created_at__gte=start)),
                "contacts_observing": Count(
                    "pk",
                    filter=Q(observation__in=observations_on(day).values("pk")),
                ),
            },
        ),
        (
            Ward.objects.filter(active=True, bed_type__in=(*ISOLATION_BEDS, BedType.ICU)),
            "division_path",
            {
                "beds_free_isolation": Coalesce(
                    Sum(free, filter=Q(bed_type__in=ISOLATION_BEDS)), zero
                ),
                "beds_free_icu": Coalesce(Sum(free, filter=Q(bed_type=BedType.ICU)), zero),
            },
        ),
    ]


def compute(division: Division, day: dt.date) -> Figures:
    """Every figure of ``day`` for ``division``'s subtree: five queries, one per source table,
    each a path-prefix aggregate."""
    out = dict.fromkeys(KEYS, 0)
    for qs, field, aggregates in _aggregates(day):
        row = qs.filter(**{f"{field}__startswith": division.path}).aggregate(**aggregates)
        for key, value in row.items():
            out[key] = int(value or 0)
    return out


def figures_for_children(parent: Division, day: dt.date) -> dict[int, Figures]:
    """The figures of ``day`` for every child of ``parent``, by the child's id: one query for
    the children and one per source table grouped by the child's path prefix.

    Active children are always there (all zeros when nothing happened); a retired child (a
    retired or merged grid) only when its records still count in a figure, so that the children
    add up to the parent (see the module docstring for records kept on the parent itself).
    """
    children = list(Division.objects.filter(parent=parent).values_list("pk", "path", "active"))
    if not children:
        return {}
    by_path: dict[str, Figures] = {}
    # A child's path has one length per level (``regions.choices.SEGMENT_LENGTH``: each level's
    # code and a slash); read from the children themselves, so an irregular path still works.
    lengths = {len(path) for _pk, path, _active in children}
    for length in sorted(lengths):
        for qs, field, aggregates in _aggregates(day):
            rows = (
                qs.filter(**{f"{field}__startswith": parent.path})
                .annotate(child_path=Substr(field, 1, length))
                .values("child_path")
                .annotate(**aggregates)
                .order_by()
            )
            for row in rows:
                figures = by_path.setdefault(row.pop("child_path"), dict.fromkeys(KEYS, 0))
                for key, value in row.items():
                    figures[key] = int(value or 0)
    empty = dict.fromkeys(KEYS, 0)
    return {
        pk: by_path.get(path, dict(empty))
        for pk, path, active in children
        if active or any(by_path.get(path, empty).values())
    }


def path_length(level: int) -> int:
    """The length of a division's path at ``level`` ("22/2201/" is 8 at the prefecture level):
    each level's code segment (``regions.choices.SEGMENT_LENGTH``) and its slash."""
    return sum(SEGMENT_LENGTH[n] + 1 for n in range(Level.PROVINCE, level + 1))


def figures_for_all(day: dt.date, under: Division | None = None) -> dict[str, Figures]:
    """The figures of ``day`` for every division from the village up (under ``under``, or the
    whole tree), by path: the roll-up of a whole day through five levels in five queries.

    Each source table is grouped once by the village-length prefix of its rows' paths; each
    group is then added to every ancestor prefix (province, city, county, township) in Python.
    A record kept above the village (a county's facility) has a shorter path: it counts in the
    divisions whose path it starts with, and in no village. Every figure is additive (module
    docstring), so the sums are the same as :func:`compute` of each division."""
    village = path_length(Level.VILLAGE)
    lengths = [path_length(level) for level in range(Level.PROVINCE, Level.VILLAGE + 1)]
    out: dict[str, Figures] = {}
    for qs, field, aggregates in _aggregates(day):
        if under is not None:
            qs = qs.filter(**{f"{field}__startswith": under.path})
        rows = (
            qs.annotate(group_path=Substr(field, 1, village))
            .values("group_path")
            .annotate(**aggregates)
            .order_by()
        )
        for row in rows:
            path = row.pop("group_path")
            values = [(key, int(value or 0)) for key, value in row.items() if value]
            if not values:
                continue
            for length in lengths:
                if length > len(path):
                    break
                figures = out.setdefault(path[:length], dict.fromkeys(KEYS, 0))
                for key, value in values:
                    figures[key] += value
    return out


def total(rows: Iterable[Mapping[str, int]]) -> Figures:
    """The sum of figure rows (every figure is additive)."""
    out = dict.fromkeys(KEYS, 0)
    for row in rows:
        for key in KEYS:
            out[key] += int(row.get(key) or 0)
    return out
