"""The screening list as a kind of file import (registered with ``fangkong.bulk.imports``; the
rows are checked and written by ``screening/importer.py``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.bulk.imports import ImportKindSpec, register
from fangkong.screening.permissions import ScreeningPerm


def _run(**job: Any) -> Any:
    from fangkong.screening.importer import import_screening_file

    return import_screening_file(**job)


def _count_rows(path: Any, filename: str) -> int:
    from fangkong.screening.importer import rows_in

    return rows_in(path, filename)


def _template_rows() -> list[list[str]]:
    from fangkong.screening.importer import template_rows

    return template_rows()


def _columns() -> list[str]:
    from fangkong.screening.importer import COLUMNS

    return list(COLUMNS)


def _background_rows() -> int:
    from fangkong.screening.importer import BACKGROUND_ROWS

    return BACKGROUND_ROWS


register(
    ImportKindSpec(
        name="screenings",  # importer.IMPORT_KIND
        label=_("screenings"),
        perm=ScreeningPerm.ADD_SCREENING,
        run=_run,
        count_rows=_count_rows,
        background_rows=_background_rows(),
        columns=_columns(),
        template_rows=_template_rows,
        sheet="排查名单",  # the screening list
        title=_("Import screenings"),
        checks=_(
            "Every row is checked like the screening form. Importing the same file again adds "
            "nothing; rows already imported are skipped."
        ),
    )
)
