"""The passage list and the flagged travellers' to-do list as files: what their pages show
(registered with ``fangkong.bulk.exports``, which writes and audits every export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, Subquery
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    DOC_NUMBER,
    DOC_TYPE,
    ID,
    NAME,
    PHONE,
    STATUS,
    TEMPERATURE,
    BadExport,
    Column,
    ExportList,
    id_filter,
    iso_day,
    register,
)
from fangkong.checkpoints import rules as checkpoint_rules
from fangkong.checkpoints import selectors as checkpoint_selectors
from fangkong.checkpoints.choices import Direction, FlagReason, HandoverStatus
from fangkong.checkpoints.choices import Outcome as HandoverOutcome
from fangkong.checkpoints.models import Checkpoint, Handover, Passage, PassagePerson
from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.core.jurisdiction import get_visible_or_404
from fangkong.people.choices import DocType

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def passage_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The passage list (checkpoints/views.py passage_list), one row per person on board:
    passages newest first, the people of each in their order."""
    flagged_raw = query.get("flagged") or ""
    if flagged_raw not in ("", "0", "1"):
        raise BadExport(_("Flagged is 1 (flagged only) or 0 (none flagged)."))
    filters = checkpoint_selectors.PassageFilters(
        date_from=iso_day(query, "from"),
        date_to=iso_day(query, "to"),
        flagged={"1": True, "0": False}.get(flagged_raw),
        plate=checkpoint_rules.normalise_plate(query.get("plate", ""))[:16],
        doc_number=(query.get("doc") or "").strip()[:40],
    )
    checkpoint_id = id_filter(query, "checkpoint")
    if checkpoint_id is not None:
        filters.checkpoint = get_visible_or_404(Checkpoint.objects.all(), user, pk=checkpoint_id)
    passages = checkpoint_selectors.filter_passages(Passage.objects.visible_to(user), filters)
    return (
        PassagePerson.objects.visible_to(user)
        .filter(passage_id__in=Subquery(passages.values("pk")))
        .order_by("-passage__passed_at", "-passage_id", "position", "id")
    )


def handover_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The flagged travellers' to-do list (checkpoints/views.py todo): pending ones unless a
    status is given (``all``: every one), newest first."""
    status = query.get("status", HandoverStatus.PENDING)
    if status not in (*HandoverStatus.values, "all"):
        raise BadExport(_("Choose a status from the list."))
    qs = Handover.objects.visible_to(user)
    if status != "all":
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


register(
    ExportList(
        name="passages",
        title="卡口通行",  # checkpoint passages
        label=gettext_lazy("Passages"),
        perm=CheckpointsPerm.VIEW_PASSAGE,
        model=PassagePerson,
        params=("checkpoint", "from", "to", "flagged", "plate", "doc"),
        rows=passage_rows,
        columns=(
            Column("通行编号", "passage_id"),  # passage number
            Column("通行时间", "passage__passed_at", "datetime"),  # time
            Column("卡口", "passage__checkpoint__name"),  # checkpoint
            Column("方向", "passage__direction", "choice", Direction),  # direction
            Column("车牌", "passage__plate", "plate"),  # plate
            Column(NAME, "name", "text"),
            Column(DOC_TYPE, "doc_type", "choice", DocType),
            Column(DOC_NUMBER, "doc_number", "id"),
            Column(PHONE, "phone", "phone"),
            Column("来源地", "origin_name", "text"),  # origin
            Column("目的地", "destination__name"),  # destination
            Column("目的地址", "destination_detail", "text"),  # destination address
            Column(TEMPERATURE, "temperature", "temp"),
            Column("是否标记", "flagged", "bool"),  # flagged
            Column("标记原因", "flag_reasons", "choices", FlagReason),  # why flagged
        ),
    )
)


register(
    ExportList(
        name="handovers",
        title="交办人员",  # flagged travellers handed over
        label=gettext_lazy("Flagged travellers"),
        perm=CheckpointsPerm.VIEW_HANDOVER,
        model=Handover,
        params=("status",),
        rows=handover_rows,
        columns=(
            Column(ID, "id"),
            Column(NAME, "entry__name", "text"),
            Column(DOC_TYPE, "entry__doc_type", "choice", DocType),
            Column(DOC_NUMBER, "entry__doc_number", "id"),
            Column(PHONE, "entry__phone", "phone"),
            Column("标记原因", "entry__flag_reasons", "choices", FlagReason),  # why flagged
            Column(TEMPERATURE, "entry__temperature", "temp"),
            Column("来源地", "entry__origin_name", "text"),  # origin
            Column("卡口", "entry__passage__checkpoint__name"),  # checkpoint
            Column("通行时间", "entry__passage__passed_at", "datetime"),  # time
            Column("目的地", "destination__name"),  # destination
            Column(STATUS, "status", "choice", HandoverStatus),
            Column("处理结果", "outcome", "choice", HandoverOutcome),  # outcome
            Column("处理说明", "note", "text"),  # note
            Column("处理时间", "handled_at", "datetime"),  # handled at
        ),
    )
)
