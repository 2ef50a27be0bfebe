"""The contact list (密接名单) as a kind of file import (registered with ``fangkong.bulk.imports``;
the rows are checked and written by ``tracing/importer.py``, whose ``COLUMNS`` are the
template's)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.bulk.imports import ImportKindSpec, register
from fangkong.tracing.importer import (
    BACKGROUND_ROWS,
    COLUMNS,
    IMPORT_KIND,
    import_contact_file,
    rows_in,
    template_rows,
)
from fangkong.tracing.permissions import TracingPerm

register(
    ImportKindSpec(
        name=IMPORT_KIND,  # "contacts"
        label=_("contacts"),
        perm=TracingPerm.ADD_CONTACT,
        run=import_contact_file,
        count_rows=rows_in,
        background_rows=BACKGROUND_ROWS,
        columns=list(COLUMNS),
        template_rows=template_rows,
        sheet="密接名单",  # the contact list
        title=_("Import contacts"),
        checks=_(
            "Every row is checked like the add-contact form: the case must be in your "
            "jurisdiction, the rules decide who is a close contact, and a contact living in "
            "another county is handed over to it. Importing the same file again adds nothing."
        ),
    )
)
