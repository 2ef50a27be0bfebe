"""The observation list as a file: what the list page shows (registered with
``fangkong.bulk.exports``, which writes and audits every export)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import DateField, F, QuerySet
from django.db.models.functions import Cast
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    DOC_NUMBER,
    DOC_TYPE,
    GRID,
    GRID_CODE,
    ID,
    NAME,
    PHONE,
    STATUS,
    Column,
    ExportList,
    form_errors,
    register,
    visible_code,
)
from fangkong.observation import selectors as observation_selectors
from fangkong.observation.choices import Kind as ObservationKind
from fangkong.observation.choices import Status as ObservationStatus
from fangkong.observation.forms import ObservationFilterForm
from fangkong.observation.models import Observation
from fangkong.observation.permissions import ObservationPerm
from fangkong.people.choices import DocType

if TYPE_CHECKING:
    from fangkong.accounts.models import User

# The last day under observation: the day before the release date (``end_date``).
LAST_DAY = Cast(F("end_date") - dt.timedelta(days=1), output_field=DateField())


def observation_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The observation list (observation/views.py _filters): active ones unless a status is
    given (``status=`` empty: all), newest first."""
    data = query.copy()
    if "status" not in data:
        data["status"] = ObservationStatus.ACTIVE
    form = ObservationFilterForm(data)
    if not form.is_valid():
        raise form_errors(form)
    clean = form.cleaned_data
    filters = observation_selectors.Filters(
        status=clean["status"],
        kind=clean["kind"],
        missed=clean["missed"],
        fever=clean["fever"],
        due=clean["due"],
        q=clean["q"].strip(),
    )
    if clean["within"].strip():
        filters.within = visible_code(user, clean["within"].strip())
    if clean["grid"].strip():
        filters.grid = visible_code(user, clean["grid"].strip(), grid=True)
    return (
        observation_selectors.observations(user, filters)
        .annotate(period_last_day=LAST_DAY)  # the observation period (people/period.py)
        .order_by("-id")
    )


register(
    ExportList(
        name="observations",
        title="医学观察",  # medical observations
        label=gettext_lazy("Medical observation"),
        perm=ObservationPerm.VIEW_OBSERVATION,
        model=Observation,
        params=("within", "grid", "status", "kind", "missed", "fever", "due", "q"),
        rows=observation_rows,
        columns=(
            Column(ID, "id"),
            Column(NAME, "person__name", "text"),
            Column(DOC_TYPE, "person__doc_type", "choice", DocType),
            Column(DOC_NUMBER, "person__doc_number", "id"),
            Column(PHONE, "person__phone", "phone"),
            Column(GRID, "grid__name"),
            Column(GRID_CODE, "grid__code"),
            Column("观察方式", "kind", "choice", ObservationKind),  # kind
            Column("原因", "reason", "text"),  # reason
            Column("末次暴露日期", "last_exposure", "date"),  # last exposure
            # The observation period, as on every page (people/period.py).
            Column("观察开始日", "start_date", "date"),  # observation start
            Column("最后观察日", "period_last_day", "date"),  # last day under observation
            Column("解除观察日", "end_date", "date"),  # release from observation
            Column(STATUS, "status", "choice", ObservationStatus),
            Column("实际结束日期", "ended_on", "date"),  # ended on
            Column("最近打卡日期", "last_check_in_on", "date"),  # last check-in
            Column("最近体温(℃)", "last_temperature", "temp"),  # last temperature
        ),
    )
)
