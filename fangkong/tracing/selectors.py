"""Reads of contacts and hand-overs: the filtered lists (keyset pages), the two directions of
hand-overs and the figures of the workbench. Every read starts from ``visible_to``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from fangkong.core.jurisdiction import ALL, scope_of
from fangkong.tracing.choices import ContactStatus, HandoverState
from fangkong.tracing.models import Contact, Handover

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.cases.models import Case
    from fangkong.regions.models import Division

LIST_RELATED = ("case", "residence")
IN, OUT = "in", "out"


@dataclass
class Filters:
    county: Division | None = None  # any division: its subtree (the case's side)
    status: str = ""
    kind: str = ""
    case_number: str = ""
    q: str = ""  # a name prefix


@dataclass
class Page:
    items: Sequence[Any]
    next_after: int | None


def contacts(user: User | AnonymousUser | None, filters: Filters) -> QuerySet[Contact]:
    """Contacts of cases in the user's jurisdiction (the investigating side), filtered. The
    division and status filters use the (division_path, status, id) index."""
    qs: QuerySet[Contact] = Contact.objects.visible_to(user)
    if filters.county is not None:
        qs = qs.filter(division_path__startswith=filters.county.path)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.case_number:
        qs = qs.filter(case__number=filters.case_number)
    if filters.q:
        qs = qs.filter(name__startswith=filters.q)
    return qs


def keyset_page(
    qs: QuerySet[Any], *, after: int | None, size: int, related: Sequence[str] = ()
) -> Page:
    """Newest first by id, ``size`` rows after the id ``after`` (one query)."""
    qs = qs.order_by("-id")
    if related:
        qs = qs.select_related(*related)
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs[: size + 1])
    next_after = items[size - 1].pk if len(items) > size else None
    return Page(items=items[:size], next_after=next_after)


def contacts_of_case(user: User | AnonymousUser | None, case: Case) -> QuerySet[Contact]:
    """A case's contacts the user may see, close ones first (the case page's section)."""
    return (
        Contact.objects.visible_to(user)
        .filter(case=case)
        .select_related("residence", "source_contact")
        .order_by("kind", "id")
    )


def handovers(
    user: User | AnonymousUser | None, direction: str, state: str = ""
) -> QuerySet[Handover]:
    """Hand-overs the user's jurisdiction receives (``in``: its county is ``to``) or sent
    (``out``: the contact's case is its own)."""
    scope = scope_of(user)
    if scope is None:
        return Handover.objects.none()
    field = "to_path" if direction == IN else "from_path"
    qs: QuerySet[Handover] = Handover.objects.all()
    if scope != ALL:
        qs = qs.filter(**{f"{field}__startswith": scope})
    if state:
        qs = qs.filter(state=state)
    return qs


def receives(user: User | AnonymousUser | None, handover: Handover) -> bool:
    """Whether the user is on the receiving side of ``handover`` (sees its person and
    observation); the sender sees its state only."""
    scope = scope_of(user)
    return scope is not None and handover.to_path.startswith(scope)


def not_found_yet(user: User | AnonymousUser | None) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).filter(status=ContactStatus.TO_FIND)


def not_accepted(user: User | AnonymousUser | None) -> QuerySet[Handover]:
    return handovers(user, IN, HandoverState.SENT)


def escalated_to(division: Division) -> QuerySet[Handover]:
    """Hand-overs still not accepted that were escalated to ``division`` (the common parent)."""
    return Handover.objects.filter(escalated_to=division, state=HandoverState.SENT)
