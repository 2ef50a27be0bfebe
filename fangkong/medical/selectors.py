"""Reads of medical facilities: the list of a jurisdiction, by kind and name; one facility with
its wards and experts; and the bed board (集中资源): free beds by type per division, the trend
per city with the day each city runs out at the current admission rate.

The board's figures come from the database in one ``GROUP BY`` over ``Ward`` (a ward copies its
facility's division path, and every child of a division has a path of the same length, so a
child is a prefix of the path), the trend from the nightly summary ``BedDay``: a bounded number
of queries whatever the number of facilities, and no Python loop over wards.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from fangkong.core.jurisdiction import ALL, scope_of
from fangkong.medical.choices import BedType
from fangkong.medical.models import BedDay, Expert, Facility, Ward
from fangkong.regions.choices import SEGMENT_LENGTH, Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

BED_TYPES: tuple[str, ...] = tuple(BedType.values)
RATE_WINDOW = 7  # days of BedDay history the admission rate is measured over
HORIZON = 365  # a run-out further away than this is "not running out"


@dataclass
class Page:
    items: Sequence[Facility]
    next_after: int | None


def facilities(
    user: User | AnonymousUser, *, kind: str = "", q: str = "", active_only: bool = False
) -> QuerySet[Facility]:
    qs: QuerySet[Facility] = Facility.objects.visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=" ".join(q.split())[:40])
    if active_only:
        qs = qs.filter(active=True)
    return qs


def page(qs: QuerySet[Facility], *, after: int | None, size: int) -> Page:
    """By id (keyset), with the division in the same query."""
    qs = qs.select_related("division").order_by("id")
    if after:
        qs = qs.filter(id__gt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def facility_with_beds(user: User | AnonymousUser) -> QuerySet[Facility]:
    """Facilities the user sees, each with its division, wards and experts (three queries)."""
    wards = Ward.objects.order_by("bed_type", "name")
    experts = Expert.objects.order_by("until", "-since", "id")
    qs: QuerySet[Facility] = Facility.objects.visible_to(user).select_related("division")
    qs = qs.prefetch_related(Prefetch("wards", queryset=wards))
    return qs.prefetch_related(Prefetch("experts", queryset=experts))


# --- beds by division (集中资源) ------------------------------------------------------------


@dataclass(frozen=True)
class Beds:
    """Beds of one type (or of all types) somewhere: ``free`` = capacity less occupied, reserved
    and out of service, of open wards only."""

    capacity: int = 0
    occupied: int = 0
    reserved: int = 0
    out_of_service: int = 0
    free: int = 0

    @property
    def in_use(self) -> int:
        return self.occupied + self.reserved

    def __add__(self, other: Beds) -> Beds:
        return Beds(
            self.capacity + other.capacity,
            self.occupied + other.occupied,
            self.reserved + other.reserved,
            self.out_of_service + other.out_of_service,
            self.free + other.free,
        )


@dataclass
class BedRow:
    """One division of the board (or the total): its beds by type, in ``BED_TYPES`` order."""

    division: Division | None
    by_type: dict[str, Beds] = field(default_factory=dict)
    direct: bool = False  # facilities recorded at the parent division itself, not in a child

    @property
    def cells(self) -> list[tuple[str, Beds]]:
        return [(t, self.by_type.get(t, Beds())) for t in BED_TYPES]

    @property
    def all_types(self) -> Beds:
        return sum(self.by_type.values(), Beds())


@dataclass
class BedBoard:
    """Free beds by type per child division of ``parent`` (the user's home division)."""

    parent: Division | None
    rows: list[BedRow]
    total: BedRow

    @property
    def by_city(self) -> bool:
        """The province's board: its rows are the cities the map draws."""
        return self.parent is not None and self.parent.level == Level.PROVINCE


def _sums() -> dict[str, Sum]:
    return {
        "capacity": Sum("capacity"),
        "occupied": Sum("occupied"),
        "reserved": Sum("reserved"),
        "out_of_service": Sum("out_of_service"),
    }


def _beds(row: Mapping[str, Any]) -> Beds:
    """Summed beds of a group of open wards. A ward's free beds are never negative (the check
    constraint ``ward_not_overbooked``), so the free beds of the group are its sums' balance."""
    capacity, occupied = int(row["capacity"] or 0), int(row["occupied"] or 0)
    reserved, broken = int(row["reserved"] or 0), int(row["out_of_service"] or 0)
    free = row["free"] if "free" in row else capacity - occupied - reserved - broken
    return Beds(capacity, occupied, reserved, broken, max(0, int(free or 0)))


def home_of(user: User | AnonymousUser) -> Division | None:
    """The division whose children the board shows: the user's home, or for a superuser
    without one, the province."""
    scope = scope_of(user)
    if scope is None:
        return None
    if scope == ALL:
        return Division.objects.filter(level=Level.PROVINCE).order_by("path").first()
    return getattr(user, "home_division", None)


def child_path_length(parent: Division) -> int:
    """The length of the path of any child of ``parent``: codes of a level have one width."""
    level = parent.level + 1
    return len(parent.path) + SEGMENT_LENGTH.get(level, 0) + 1


def beds_by_division(user: User | AnonymousUser) -> BedBoard:
    """Free beds by type per child division of the user's home (the province sees its cities,
    a city its counties), with totals; open wards only. Three queries: the home division, its
    children, and one ``GROUP BY`` over the wards on the children's path prefix. Wards of
    facilities recorded at the home division itself come as a row of their own (``direct``)."""
    parent = home_of(user)
    if parent is None:
        return BedBoard(parent=None, rows=[], total=BedRow(None))
    children = list(Division.objects.filter(parent=parent, active=True).order_by("code"))
    length = child_path_length(parent)
    grouped = (
        Ward.objects.visible_to(user)
        .filter(active=True, division_path__startswith=parent.path)
        .annotate(part=Substr("division_path", 1, length))
        .values("part", "bed_type")
        .annotate(**_sums())
        .order_by()
    )
    by_part: dict[str, dict[str, Beds]] = defaultdict(dict)
    for row in grouped:
        by_part[str(row["part"])][str(row["bed_type"])] = _beds(row)
    rows = [BedRow(child, by_part.pop(child.path, {})) for child in children]
    direct = by_part.pop(parent.path, None)
    if direct:
        rows.append(BedRow(parent, direct, direct=True))
    # a ward under a child that is no longer active still counts in the total
    total = BedRow(None)
    for found in [*[r.by_type for r in rows], *by_part.values()]:
        for bed_type, beds in found.items():
            total.by_type[bed_type] = total.by_type.get(bed_type, Beds()) + beds
    return BedBoard(parent=parent, rows=rows, total=total)


# --- trend and run-out (per city, from BedDay) --------------------------------------------


@dataclass(frozen=True)
class RunOut:
    """When a city runs out of beds of a type at the current admission rate.

    ``status``: ``no_history`` (fewer than two days of history in the window), ``steady``
    (beds in use not rising, or running out further than ``HORIZON`` days away), ``runs_out``
    (on ``on``; today when no bed is free and beds in use are rising)."""

    status: str
    rate: Decimal | None = None  # net change of occupied + reserved per day
    days_left: Decimal | None = None
    on: dt.date | None = None


def run_out(
    history: Iterable[tuple[dt.date, int]],
    *,
    free: int,
    today: dt.date,
    window: int = RATE_WINDOW,
) -> RunOut:
    """The run-out projection: ``history`` is (day, beds in use = occupied + reserved) from the
    daily summaries; the rate is the net change per day between the first and the last of
    them within ``window`` days before ``today``; days left = ``free`` / rate when the rate is
    positive, shown as the day ``today + floor(days left)``."""
    start = today - dt.timedelta(days=window)
    points = sorted((day, n) for day, n in history if start <= day <= today)
    if len({day for day, _n in points}) < 2:
        return RunOut("no_history")
    (first_day, first), (last_day, last) = points[0], points[-1]
    rate = Decimal(last - first) / Decimal((last_day - first_day).days)
    rate = rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rate <= 0:
        return RunOut("steady", rate=rate)
    days_left = (Decimal(max(free, 0)) / rate).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if days_left > HORIZON:
        return RunOut("steady", rate=rate, days_left=days_left)
    return RunOut(
        "runs_out",
        rate=rate,
        days_left=days_left,
        on=today + dt.timedelta(days=math.floor(days_left)),
    )


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    beds: Beds


@dataclass
class CityTrend:
    """One city's beds of one type: the daily summaries, today's live figures, the run-out."""

    city: Division
    bed_type: str
    days: list[TrendPoint]
    today: Beds
    projection: RunOut

    @property
    def bed_type_label(self) -> str:
        return str(BedType(self.bed_type).label)


@dataclass
class BedTrend:
    today: dt.date
    start: dt.date
    cities: list[CityTrend]

    def of_type(self, bed_type: str) -> list[CityTrend]:
        return [c for c in self.cities if c.bed_type == bed_type]


def bed_trend(
    user: User | AnonymousUser,
    days: int = 30,
    *,
    bed_type: str | None = None,
    today: dt.date | None = None,
) -> BedTrend:
    """Per city the user's jurisdiction covers (the whole city lies inside it) and per bed
    type (or one ``bed_type``): the last ``days`` daily summaries, today's live figures and the
    run-out projection. Three queries: the cities, the summaries, one ``GROUP BY`` over the
    wards. A county or lower user sees no city whole: the trend is empty for them."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=max(days, RATE_WINDOW))
    scope = scope_of(user)
    if scope is None:
        return BedTrend(today, start, [])
    cities = [
        c
        for c in Division.objects.filter(level=Level.PREFECTURE).order_by("code")
        if scope == ALL or c.path.startswith(scope)
    ]
    if not cities:
        return BedTrend(today, start, [])
    types = (bed_type,) if bed_type else BED_TYPES
    summaries = BedDay.objects.visible_to(user).filter(
        day__gte=start, day__lt=today, bed_type__in=types, division__in=cities
    )
    history: dict[tuple[str, str], list[TrendPoint]] = defaultdict(list)
    for s in summaries.order_by("day").values(
        "day", "division_path", "bed_type", "capacity", "occupied", "reserved",
        "out_of_service", "free",
    ):  # fmt: skip
        history[(str(s["division_path"]), str(s["bed_type"]))].append(
            TrendPoint(s["day"], _beds(s))
        )
    length = len(cities[0].path)
    live_rows = (
        Ward.objects.visible_to(user)
        .filter(active=True, bed_type__in=types, division_path__startswith=_common(cities))
        .annotate(city=Substr("division_path", 1, length))
        .values("city", "bed_type")
        .annotate(**_sums())
        .order_by()
    )
    live = {(str(r["city"]), str(r["bed_type"])): _beds(r) for r in live_rows}
    shown_from = today - dt.timedelta(days=days)
    out = []
    for city in cities:
        for t in types:
            points = history.get((city.path, t), [])
            now = live.get((city.path, t), Beds())
            if not points and not now.capacity:
                continue
            projection = run_out(
                [(p.day, p.beds.in_use) for p in points], free=now.free, today=today
            )
            shown = [p for p in points if p.day >= shown_from]
            out.append(CityTrend(city, t, shown, now, projection))
    return BedTrend(today, shown_from, out)


def _common(divisions: Sequence[Division]) -> str:
    """The longest path prefix the divisions share (the province's path for its cities)."""
    paths = [d.path for d in divisions]
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[: prefix.rfind("/") + 1] if "/" in prefix else ""
