"""The stock ledger as a file: what its page shows (registered with ``fangkong.bulk.exports``,
which writes and audits every export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import BadExport, Column, ExportList, id_filter, iso_day, register
from fangkong.core.jurisdiction import get_visible_or_404
from fangkong.supplies.choices import MovementKind
from fangkong.supplies.models import Movement, Store
from fangkong.supplies.permissions import SuppliesPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def ledger_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The ledger page (supplies/views.py ledger): the area's movements, newest first, by store,
    item, kind and days."""
    qs = Movement.objects.visible_to(user)
    store_id = id_filter(query, "store")
    if store_id is not None:
        qs = qs.filter(store=get_visible_or_404(Store.objects.all(), user, pk=store_id))
    item_id = id_filter(query, "item")
    if item_id is not None:
        qs = qs.filter(item_id=item_id)
    kind = query.get("kind") or ""
    if kind:
        if kind not in MovementKind.values:
            raise BadExport(_("Choose the kind of movement."))
        qs = qs.filter(kind=kind)
    since, until = iso_day(query, "since"), iso_day(query, "until")
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return qs.order_by("-id")


register(
    ExportList(
        name="ledger",
        title="物资台账",  # the stock ledger
        label=gettext_lazy("Ledger"),
        perm=SuppliesPerm.VIEW_STOCK,
        model=Movement,
        params=("store", "item", "kind", "since", "until"),
        rows=ledger_rows,
        columns=(
            Column("编号", "id"),  # number
            Column("日期", "day", "date"),  # day
            Column("库房", "store__name", "text"),  # store
            Column("类型", "kind", "choice", MovementKind),  # kind
            Column("物资编码", "item__code"),  # item code
            Column("物资", "item__name", "text"),  # item
            Column("单位", "item__unit", "text"),  # unit
            Column("数量", "quantity"),  # signed quantity
            Column("结存", "balance"),  # balance after
            Column("对方库房", "counterpart__name", "text"),  # from or to store
            Column("事由", "reason", "text"),  # reason
            Column("更正编号", "corrects_id"),  # corrects
            Column("登记时间", "booked_at", "datetime"),  # booked at
        ),
        masks=False,
    )
)
