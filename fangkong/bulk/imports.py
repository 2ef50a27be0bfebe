"""The kinds of file import, each declared by its app in ``<app>/imports.py`` with
:func:`register` (found by :func:`autodiscover`, run by ``BulkConfig.ready``).

``bulk`` keeps the machinery: the upload, the job, its lease and progress, the worker
(``tasks.run_import``); a kind says what a file of it becomes, in its app's own importer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class ImportKindSpec:
    """A kind of file import.

    ``run(actor=, path=, filename=, valid_only=, job=)`` imports the file of a job and returns
    its outcome (with ``status``), the job's counts and errors kept on the job; ``perm`` is the
    permission of the records it writes, needed to upload (besides ``bulk.add_importjob``);
    ``count_rows(path, filename)`` says how many rows a file holds (cheaply), and a file of more
    than ``background_rows`` is imported by the worker instead of while the user waits.
    ``ImportJob.kind`` holds ``name``; it has no fixed choices, so a new kind needs no edit here.
    """

    name: str  # stored on the job, given by the API's ``kind``
    label: Any  # for people, in their language
    perm: StrEnum  # an app's permission enum member (fangkong/<app>/permissions.py)
    run: Callable[..., Any]
    count_rows: Callable[[Any, str], int]
    background_rows: int = 2000
    # the template to fill in (bulk/views.py builds the file): its header row, one
    # [column, required, what it holds] row per column for the instructions sheet, the name of
    # the sheet; and the upload page's title and what it says about the checks
    columns: list[str] = field(default_factory=list)
    template_rows: Callable[[], list[list[str]]] | None = None
    sheet: str = ""
    title: Any = ""
    checks: Any = ""


KINDS: dict[str, ImportKindSpec] = {}


def register(spec: ImportKindSpec) -> ImportKindSpec:
    if spec.name in KINDS and KINDS[spec.name] is not spec:
        raise ImproperlyConfigured(f"two import kinds are named {spec.name!r}")
    KINDS[spec.name] = spec
    return spec


def get_kind(name: str) -> ImportKindSpec | None:
    return KINDS.get(name)


def autodiscover() -> None:
    """Import every app's ``imports.py`` so that its kinds are registered."""
    autodiscover_modules("imports")
