"""The people list as a file: what the list page shows (registered with
``fangkong.bulk.exports``, which writes and audits every export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.bulk.exports import (
    ADDRESS,
    BIRTH_DATE,
    DOC_NUMBER,
    DOC_TYPE,
    GRID,
    GRID_CODE,
    ID,
    NAME,
    PHONE,
    SEX,
    STATUS,
    BadExport,
    Column,
    ExportList,
    division_filter,
    register,
)
from fangkong.people import selectors as people_selectors
from fangkong.people.choices import DocType, PersonStatus, Sex
from fangkong.people.models import Person
from fangkong.people.permissions import PeoplePerm

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def people_rows(user: User, query: QueryDict) -> QuerySet[Any]:
    """The people list (people/views.py person_list): newest first, by id."""
    within = division_filter(user, query, "within")
    grid = division_filter(user, query, "grid", grid=True)
    status = query.get("status") or ""
    if status and status not in PersonStatus.values:
        raise BadExport(_("Choose a status from the list."))
    q = " ".join((query.get("q") or "").split())[: people_selectors.MAX_QUERY]
    return people_selectors.people(user, within=within, grid=grid, status=status, query=q).order_by(
        "-pk"
    )


register(
    ExportList(
        name="people",
        title="人员",  # people
        label=gettext_lazy("People"),
        perm=PeoplePerm.VIEW_PERSON,
        model=Person,
        params=("within", "grid", "status", "q"),
        rows=people_rows,
        columns=(
            Column(ID, "id"),
            Column(NAME, "name", "text"),
            Column(DOC_TYPE, "doc_type", "choice", DocType),
            Column(DOC_NUMBER, "doc_number", "id"),
            Column(SEX, "sex", "choice", Sex),
            Column(BIRTH_DATE, "birth_date", "date"),
            Column(PHONE, "phone", "phone"),
            Column(ADDRESS, "address", "text"),
            Column(GRID, "grid__name"),
            Column(GRID_CODE, "grid__code"),
            Column(STATUS, "status", "choice", PersonStatus),
        ),
    )
)
