"""The jurisdiction-matrix entries of bulk (imports):
one per page and API operation, with the builders that make a fresh record for each call.
Collected by ``fangkong/core/tests/endpoints.py`` (``all_cases``); see docs/adding-a-module.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangkong.core.tests.endpoints import (
    LIST,
    OWN,
    SCOPED,
    Case,
    Target,
    World,
)


def _import_csv(w: World, *, bad: bool = False) -> tuple[bytes, str]:
    """A screening list for 第一网格 of 华阳社区 (and a row with a 45 ℃ temperature)."""
    name = w.name("矩阵导入")
    lines = ["姓名,证件号码,联系电话,现住址,网格编码,排查日期,体温"]
    from django.utils import timezone

    day = timezone.localdate() - dt.timedelta(days=1)
    lines.append(f"{name},{w.id_number()},{w.phone()},华阳街1号,{w.tree.grid1.code},{day},36.6")
    if bad:
        lines.append(f"{name}乙,{w.id_number()},{w.phone()},华阳街2号,{w.tree.grid1.code},{day},45")
    return ("\n".join(lines) + "\n").encode(), name


def _import_job(w: World, *, bad: bool = False) -> Any:
    import tempfile
    from pathlib import Path

    from fangkong.screening.importer import import_screening_file

    content, name = _import_csv(w, bad=bad)
    path = Path(tempfile.mkdtemp()) / f"{name}.csv"
    path.write_bytes(content)
    outcome = import_screening_file(actor=w.user(), path=path, filename=path.name)
    from fangkong.bulk.models import ImportJob

    assert outcome.job_id is not None
    return ImportJob.objects.get(pk=outcome.job_id)


def import_upload(w: World) -> Target:
    """An upload naming a grid of 华阳社区: whoever uploads gets their own job; a caller from
    elsewhere finds its rows refused (the grid is not theirs), the attempt audited."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content, name = _import_csv(w)
    upload = SimpleUploadedFile(f"{name}.csv", content, content_type="text/csv")
    return Target(home=w.tree.huayang, data={"file": upload, "kind": "screenings"})


def import_record(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": _import_job(w).pk})


def import_refused(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"pk": _import_job(w, bad=True).pk})


def import_template(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"kind": "xlsx"})


def import_kind_template(w: World) -> Target:
    return Target(home=w.tree.huayang, args={"name": "screenings", "fmt": "xlsx"})


def import_listed(w: World) -> Target:
    return Target(home=w.tree.huayang, marker=_import_job(w).filename)


CASES: list[Case] = [
    # imports (bulk/actions.py): a job is its uploader's, seen from their division and above
    Case("bulk:import_list", "GET", LIST, import_listed),
    Case("bulk:import_new", "GET", OWN, reason="an empty upload form"),
    Case(
        "bulk:import_new",
        "POST",
        OWN,
        import_upload,
        ok=(302,),
        reason="the job is the uploader's; rows for grids out of their reach are refused",
    ),
    Case("bulk:import_detail", "GET", SCOPED, import_record),
    Case("bulk:import_progress", "GET", SCOPED, import_record),
    Case("bulk:import_rejects", "GET", SCOPED, import_refused),
    Case("bulk:import_valid_only", "POST", SCOPED, import_refused, ok=(302,)),
    Case(
        "bulk:screening_template",
        "GET",
        OWN,
        import_template,
        reason="an empty template, nobody's data",
    ),
    Case(
        "bulk:import_template",
        "GET",
        OWN,
        import_kind_template,
        reason="an empty template of an import kind, nobody's data",
    ),
    Case(
        "POST /api/imports",
        "POST",
        OWN,
        import_upload,
        ok=(201,),
        reason="the job is the uploader's; rows for grids out of their reach are refused",
    ),
    Case("GET /api/imports/{pk}", "GET", SCOPED, import_record),
    Case("GET /api/imports/{pk}/rejects", "GET", SCOPED, import_refused),
]
