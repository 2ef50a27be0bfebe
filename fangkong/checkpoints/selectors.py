"""Reads of the checkpoint module that are more than a filter: keyset pages, today's counts,
the to-do list, destination search. Each runs a fixed number of queries whatever its size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db.models import Count, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from fangkong.checkpoints.choices import HandoverStatus
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.core.parsing import encode_moment_cursor
from fangkong.people.idcard import InvalidIdNumber, parse_resident_id
from fangkong.regions.selectors import division_labels as division_labels  # re-exported
from fangkong.regions.selectors import search_divisions

if TYPE_CHECKING:
    from fangkong.accounts.models import User

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_after: str | None


def _id_page(qs: QuerySet[Any], after: int | None, size: int) -> Page[Any]:
    """Newest first, by id."""
    if after:
        qs = qs.filter(pk__lt=after)
    items = list(qs.order_by("-pk")[: size + 1])
    more = len(items) > size
    return Page(items=items[:size], next_after=str(items[size - 1].pk) if more else None)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start of ``day`` and of the next day, in the platform's time zone (Asia/Shanghai)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


# --- checkpoints -------------------------------------------------------------------------------


@dataclass
class DayCounts:
    passages: int = 0
    people: int = 0
    flagged: int = 0


def day_counts(checkpoint_ids: list[int], day: dt.date) -> dict[int, DayCounts]:
    """Passages, people and flagged people per checkpoint on ``day``: one GROUP BY over the
    (checkpoint, passed_at) index."""
    start, end = day_bounds(day)
    rows = (
        Passage.objects.filter(
            checkpoint_id__in=checkpoint_ids, passed_at__gte=start, passed_at__lt=end
        )
        .values("checkpoint_id")
        .annotate(passages=Count("id"), persons=Sum("n_people"), flags=Sum("n_flagged"))
        .order_by()
    )
    counts = {pk: DayCounts() for pk in checkpoint_ids}
    for row in rows:
        counts[row["checkpoint_id"]] = DayCounts(
            row["passages"], row["persons"] or 0, row["flags"] or 0
        )
    return counts


def checkpoint_page(
    user: User, *, after: int | None = None, size: int = 50, include_closed: bool = True
) -> Page[Checkpoint]:
    """Sites the user may see, newest first, each with today's counts (``.today``)."""
    qs = Checkpoint.objects.visible_to(user).select_related("division")
    if not include_closed:
        qs = qs.filter(active=True)
    page: Page[Checkpoint] = _id_page(qs, after, size)
    counts = day_counts([c.pk for c in page.items], timezone.localdate())
    for checkpoint in page.items:
        checkpoint.today = counts[checkpoint.pk]  # type: ignore[attr-defined]
    return page


# --- passages ----------------------------------------------------------------------------------


@dataclass
class PassageFilters:
    checkpoint: Checkpoint | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    flagged: bool | None = None
    plate: str = ""
    doc_number: str = ""
    applied: list[str] = field(default_factory=list)


def normalise_doc_number(raw: str) -> str:
    """The form a document number is stored in: a resident ID as 18 characters (X upper)."""
    number = "".join((raw or "").split()).upper()
    try:
        return parse_resident_id(number).number
    except InvalidIdNumber:
        return number


def encode_cursor(passage: Passage) -> str:
    return encode_moment_cursor(passage.passed_at, passage.pk)


def filter_passages(qs: QuerySet[Passage], filters: PassageFilters) -> QuerySet[Passage]:
    if filters.checkpoint is not None:
        qs = qs.filter(checkpoint=filters.checkpoint)
    if filters.date_from is not None:
        qs = qs.filter(passed_at__gte=day_bounds(filters.date_from)[0])
    if filters.date_to is not None:
        qs = qs.filter(passed_at__lt=day_bounds(filters.date_to)[1])
    if filters.flagged is True:
        qs = qs.filter(n_flagged__gt=0)
    elif filters.flagged is False:
        qs = qs.filter(n_flagged=0)
    if filters.plate:
        qs = qs.filter(plate=filters.plate)
    if filters.doc_number:
        number = normalise_doc_number(filters.doc_number)
        qs = qs.filter(
            pk__in=Subquery(PassagePerson.objects.filter(doc_number=number).values("passage_id"))
        )
    return qs


def passage_page(
    user: User,
    filters: PassageFilters,
    *,
    after: tuple[dt.datetime, int] | None = None,
    size: int = 50,
) -> Page[Passage]:
    """Passages the user may see (their checkpoints' division in the user's subtree), newest
    first, keyset-paged by (time, id) (``after``: ``core.parsing.parse_moment_cursor``); each
    with its checkpoint and people (two queries)."""
    qs = filter_passages(Passage.objects.visible_to(user), filters)
    if after is not None:
        moment, pk = after
        qs = qs.filter(Q(passed_at__lt=moment) | Q(passed_at=moment, pk__lt=pk))
    people = Prefetch("people", PassagePerson.objects.select_related("destination"))
    qs = qs.select_related("checkpoint").prefetch_related(people).order_by("-passed_at", "-pk")
    items = list(qs[: size + 1])
    more = len(items) > size
    return Page(items=items[:size], next_after=encode_cursor(items[size - 1]) if more else None)


def recent_passages(checkpoint: Checkpoint, size: int = 20) -> list[Passage]:
    return list(
        Passage.objects.filter(checkpoint=checkpoint)
        .prefetch_related("people")
        .order_by("-passed_at", "-pk")[:size]
    )


def todays_passages(
    user: User, checkpoint_ids: list[int], day: dt.date, size: int
) -> list[Passage]:
    """The latest passages of ``day`` at the given checkpoints (the staff's workbench), newest
    first, with their people and checkpoint; read through the (checkpoint, passed_at) index."""
    start, end = day_bounds(day)
    return list(
        Passage.objects.visible_to(user)
        .filter(checkpoint_id__in=checkpoint_ids, passed_at__gte=start, passed_at__lt=end)
        .select_related("checkpoint")
        .prefetch_related("people")
        .order_by("-passed_at", "-pk")[:size]
    )


# --- the to-do list of the destination ---------------------------------------------------------


def todo_page(
    user: User,
    *,
    status: str | None = HandoverStatus.PENDING,
    after: int | None = None,
    size: int = 50,
) -> Page[Handover]:
    """Flagged travellers handed to divisions in the user's subtree, newest first."""
    qs = Handover.objects.visible_to(user).select_related(
        "destination", "entry__passage__checkpoint", "handled_by"
    )
    if status:
        qs = qs.filter(status=status)
    return _id_page(qs, after, size)


def pending_count(user: User) -> int:
    return Handover.objects.visible_to(user).filter(status=HandoverStatus.PENDING).count()


# Where travellers may be going: any division of the province (regions/selectors.py holds the
# search, shared with the forms that ask where a contact or a patient lives).
search_destinations = search_divisions
