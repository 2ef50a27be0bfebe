"""The case list as a file: what the list page shows, ID numbers and phones masked unless the
export is unmasked (registered with ``fangkong.bulk.exports``, which writes and audits it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    DOC_NUMBER,
    ID,
    NAME,
    PHONE,
    Column,
    ExportList,
    division_filter,
    form_errors,
    register,
)
from fangkong.cases import selectors
from fangkong.cases.choices import CaseOutcome, Category, Importation, Occupation, Severity
from fangkong.cases.forms import CaseFilterForm
from fangkong.cases.models import Case
from fangkong.cases.permissions import CasesPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def case_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The case list (cases/views.py case_list): newest first."""
    form = CaseFilterForm(query)
    if not form.is_valid():
        raise form_errors(form)
    clean = form.cleaned_data
    filters = selectors.Filters(
        within=division_filter(user, query, "within"),
        category=clean["category"],
        outcome=clean["outcome"],
        import_status=clean["import_status"],
        overdue=bool(clean["overdue"]),
        awaiting=bool(clean["awaiting"]),
        q=clean["q"],
    )
    return selectors.cases_for(user, filters).order_by("-id")


register(
    ExportList(
        name="cases",
        title="病例",  # cases
        label=gettext_lazy("Cases"),
        perm=CasesPerm.VIEW_CASE,
        model=Case,
        params=("within", "category", "outcome", "import_status", "overdue", "awaiting", "q"),
        rows=case_rows,
        columns=(
            Column(ID, "id"),
            Column("病例编号", "number"),  # case number
            Column(NAME, "person__name", "text"),
            Column(DOC_NUMBER, "person__doc_number", "id"),
            Column(PHONE, "person__phone", "phone"),
            Column("人群分类", "occupation", "choice", Occupation),  # occupation
            Column("现住址", "address", "text"),  # current address
            Column("现住地区县", "county__name"),  # county
            Column("病例分类", "category", "choice", Category),  # category
            Column("临床严重程度", "severity", "choice", Severity),  # clinical severity
            Column("转归", "outcome", "choice", CaseOutcome),  # course
            Column("发病日期", "onset_date", "date"),  # onset date
            Column("诊断时间", "diagnosed_at", "datetime"),  # diagnosed at
            Column("输入状态", "import_status", "choice", Importation),  # import status
            Column("输入来源地", "origin", "text"),  # imported from
            Column("报告单位", "reporting_facility__name"),  # reporting unit
            Column("报告医生", "reporting_doctor", "text"),  # reporting doctor
            Column("负责机构", "responsible_facility__name"),  # responsible facility
            Column("应报告时间", "report_due_at", "datetime"),  # report due at
            Column("网络直报时间", "national_reported_at", "datetime"),  # reported at
        ),
    )
)
