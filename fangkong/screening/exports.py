"""The screening list as a file: what the list page shows (registered with
``fangkong.bulk.exports``, which writes and audits every export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    ADDRESS,
    DOC_NUMBER,
    DOC_TYPE,
    GRID,
    GRID_CODE,
    ID,
    NAME,
    PHONE,
    TEMPERATURE,
    Column,
    ExportList,
    form_errors,
    register,
    visible_code,
)
from fangkong.people.choices import DocType, Symptom
from fangkong.screening import selectors as screening_selectors
from fangkong.screening.choices import Contact, Transport
from fangkong.screening.choices import Outcome as ScreeningOutcome
from fangkong.screening.forms import ScreeningFilterForm
from fangkong.screening.models import Screening
from fangkong.screening.permissions import ScreeningPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def screening_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The screening list (screening/views.py _filters): newest first, by (date, id)."""
    form = ScreeningFilterForm(query)
    if not form.is_valid():
        raise form_errors(form)
    data = form.cleaned_data
    filters = screening_selectors.Filters(
        date_from=data["date_from"],
        date_to=data["date_to"],
        outcome=data["outcome"],
        q=data["q"].strip(),
    )
    if data["within"].strip():
        filters.within = visible_code(user, data["within"].strip())
    if data["grid"].strip():
        filters.grid = visible_code(user, data["grid"].strip(), grid=True)
    return screening_selectors.screenings(user, filters).order_by("-screened_on", "-id")


register(
    ExportList(
        name="screenings",
        title="排查登记",  # screenings
        label=gettext_lazy("Screenings"),
        perm=ScreeningPerm.VIEW_SCREENING,
        model=Screening,
        params=("within", "grid", "date_from", "date_to", "outcome", "q"),
        rows=screening_rows,
        columns=(
            Column(ID, "id"),
            Column("排查日期", "screened_on", "date"),  # screening date
            Column(NAME, "person__name", "text"),
            Column(DOC_TYPE, "person__doc_type", "choice", DocType),
            Column(DOC_NUMBER, "person__doc_number", "id"),
            Column(PHONE, "phone", "phone"),
            Column(ADDRESS, "address", "text"),
            Column(GRID, "grid__name"),
            Column(GRID_CODE, "grid__code"),
            Column("抵达日期", "arrival_date", "date"),  # arrival date
            Column("来源地", "origin_name", "text"),  # origin
            Column("交通方式", "transport", "choice", Transport),  # transport
            Column("车次航班", "transport_number", "text"),  # train or flight number
            Column("接触史", "contact", "choice", Contact),  # contact history
            Column("末次接触日期", "contact_date", "date"),  # date of the last contact
            Column(TEMPERATURE, "temperature", "temp"),
            Column("症状", "symptoms", "choices", Symptom),  # symptoms
            Column("已采取措施", "measures", "text"),  # measures taken
            Column("同住人数", "household_size"),  # household members
            Column("排查结论", "outcome", "choice", ScreeningOutcome),  # outcome
        ),
    )
)
