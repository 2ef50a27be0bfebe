"""The care request list as a file: what the list page shows (registered with
``fangkong.bulk.exports``, which writes and audits every export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    GRID,
    GRID_CODE,
    ID,
    STATUS,
    Column,
    ExportList,
    division_filter,
    form_errors,
    register,
)
from fangkong.care import selectors as care_selectors
from fangkong.care.choices import CareKind, CareStatus, Urgency
from fangkong.care.forms import FilterForm as CareFilterForm
from fangkong.care.models import CareRequest
from fangkong.care.permissions import CarePerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def care_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The care request list (care/views.py care_list): newest first."""
    within = division_filter(user, query, "within")
    grid = division_filter(user, query, "grid")
    if grid is not None and not grid.is_grid:
        raise Http404
    form = CareFilterForm(query)
    if not form.is_valid():
        raise form_errors(form)
    values = form.cleaned_data
    filters = care_selectors.Filters(
        within=within,
        grid=grid,
        status=values["status"],
        kind=values["kind"],
        overdue=bool(values["overdue"]),
    )
    today = timezone.localdate()
    return care_selectors.requests_for(user, filters, today=today).order_by("-id")


register(
    ExportList(
        name="care",
        title="帮扶关爱",  # care requests
        label=gettext_lazy("Care requests"),
        perm=CarePerm.VIEW_CAREREQUEST,
        model=CareRequest,
        params=("within", "grid", "status", "kind", "overdue"),
        rows=care_rows,
        masks=False,
        columns=(
            Column(ID, "id"),
            Column(GRID, "grid__name"),
            Column(GRID_CODE, "grid__code"),
            Column("对象", "person__name", "text"),  # for whom
            Column("类型", "kind", "choice", CareKind),  # kind
            Column("说明", "description", "text"),  # description
            Column("紧急程度", "urgency", "choice", Urgency),  # urgency
            Column("提出日期", "requested_on", "date"),  # requested on
            Column("期限", "due_on", "date"),  # due on
            Column(STATUS, "status", "choice", CareStatus),
            Column("党员", "assignee__name"),  # party member
            Column("办结时间", "closed_at", "datetime"),  # closed at
            Column("办结说明", "close_note", "text"),  # note or reason
        ),
    )
)
