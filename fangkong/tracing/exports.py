"""The contact list as a file: what the list page shows (registered with
``fangkong.bulk.exports``, which writes, masks and audits every export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    ADDRESS,
    DOC_NUMBER,
    DOC_TYPE,
    ID,
    NAME,
    PHONE,
    STATUS,
    Column,
    ExportList,
    division_filter,
    form_errors,
    register,
)
from fangkong.people.choices import DocType
from fangkong.tracing import selectors
from fangkong.tracing.choices import ContactKind, ContactStatus, Relation
from fangkong.tracing.forms import ContactFilterForm
from fangkong.tracing.models import Contact
from fangkong.tracing.permissions import TracingPerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def contact_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The contact list (tracing/views.py contact_list): newest first."""
    county = division_filter(user, query, "county")
    form = ContactFilterForm(query)
    if not form.is_valid():
        raise form_errors(form)
    values = form.cleaned_data
    filters = selectors.Filters(
        county=county,
        status=values["status"],
        kind=values["kind"],
        case_number=values["case"].strip(),
        q=values["q"].strip(),
    )
    return selectors.contacts(user, filters).order_by("-id")


register(
    ExportList(
        name="contacts",
        title="密切接触者",  # close contacts
        label=gettext_lazy("Close contacts"),
        perm=TracingPerm.VIEW_CONTACT,
        model=Contact,
        params=("county", "status", "kind", "case", "q"),
        rows=contact_rows,
        masks=True,
        columns=(
            Column(ID, "id"),
            Column("病例编号", "case__number"),  # case number
            Column(NAME, "name", "text"),
            Column(DOC_TYPE, "doc_type", "choice", DocType),
            Column(DOC_NUMBER, "doc_number", "id"),
            Column(PHONE, "phone", "phone"),
            Column(ADDRESS, "address", "text"),
            Column("居住地", "residence__name"),  # lives in
            Column("居住地编码", "residence__code"),  # its code
            Column("关系", "relation", "choice", Relation),  # relation
            Column("类别", "kind", "choice", ContactKind),  # kind
            Column("首次暴露", "first_exposure", "date"),  # first exposure
            Column("末次暴露", "last_exposure", "date"),  # last exposure
            Column("有防护", "protected", "bool"),  # protected
            Column("观察至", "observe_until", "date"),  # observed until
            Column(STATUS, "status", "choice", ContactStatus),
        ),
    )
)
