"""Masking, over every registered export: a user without ``people.view_unmasked`` never finds a
full ID number or phone in any file, whatever list an app registers; a user who holds it and
asks for the full numbers gets them.

The lists are read from the export registry when tests are collected, so a new app's list is
covered the day it registers. Each list's record is made by the builder of its entry in the
jurisdiction matrix (``bulk:export`` with the list's name as variant): a list without one fails
here, as in the matrix.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fangkong.accounts.models import User
from fangkong.bulk import exports, imports
from fangkong.core.tests import endpoints as e

# A full resident ID number (18 characters) or mobile number (11 digits), not part of a longer
# run of digits or of a masked number (masks keep a few digits around "*").
FULL_ID = re.compile(r"(?<![\d*])\d{17}[\dXx](?![\d*])")
FULL_PHONE = re.compile(r"(?<![\d*])1\d{10}(?![\d*])")


def _export_case(name: str) -> e.Case | None:
    for case in e.registry().get("bulk:export", []):
        if case.variant == name:
            return case
    return None


def _user(make_user: Callable[..., User], home: Any, perms: list[str]) -> User:
    user = make_user(home, roles=[])
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # without the cached permissions


def _text(client: Client, name: str, fmt: str, query: dict[str, str]) -> str:
    response: Any = client.get(reverse("bulk:export", args=[name, fmt]), query)
    assert response.status_code == 200, f"{name}.{fmt}: {response.status_code}"
    raw = b"".join(response.streaming_content)
    if fmt == "csv":
        return raw.decode("utf-8-sig")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0).to_python()
    return "\n".join(",".join(str(cell) for cell in row) for row in sheet)


def _full_numbers(text: str) -> list[str]:
    return FULL_ID.findall(text) + FULL_PHONE.findall(text)


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("name", list(exports.LISTS))
def test_no_registered_export_shows_a_full_number_to_a_user_who_may_not_see_it(
    name: str,
    fmt: str,
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    spec = exports.LISTS[name]
    case = _export_case(name)
    assert case is not None, (
        f"the export {name!r} has no jurisdiction-matrix entry (bulk:export, variant {name!r}) "
        "whose builder makes a record for it"
    )
    # given a record in the list, and a user allowed the list and exports, not full numbers
    target = case.target(e.World(tree))
    query = {k: v for k, v in target.query.items() if k != "unmasked"}
    masked = _user(make_user, target.home, [spec.perm, exports.EXPORT_PERM])

    # when they export it
    text = _text(client_for(masked), name, fmt, query)

    # then the file holds the record, and no full ID number or phone
    assert target.marker and target.marker in text, f"{name}: the record is not in the file"
    assert _full_numbers(text) == [], f"{name}.{fmt} shows full numbers to {masked}"
    if not spec.masks:
        return
    assert "*" in text, f"{name}: a list that masks shows no masked number"

    # and a user who may see full numbers, asking for them, gets them
    unmasking = _user(make_user, target.home, [spec.perm, exports.EXPORT_PERM, exports.UNMASK_PERM])
    full = _text(client_for(unmasking), name, fmt, {**query, "unmasked": "1"})
    assert _full_numbers(full), f"{name}.{fmt}: no full number for a user who may see them"
    # and asking for them without the permission is refused
    refused = client_for(masked).get(
        reverse("bulk:export", args=[name, fmt]), {**query, "unmasked": "1"}
    )
    assert refused.status_code == 403


def test_each_app_registers_its_own_lists_and_import_kinds() -> None:
    # the lists and kinds come from the apps' own files; bulk only collects them
    assert {name: spec.rows.__module__ for name, spec in exports.LISTS.items()} == {
        "people": "fangkong.people.exports",
        "screenings": "fangkong.screening.exports",
        "observations": "fangkong.observation.exports",
        "passages": "fangkong.checkpoints.exports",
        "handovers": "fangkong.checkpoints.exports",
        "care": "fangkong.care.exports",
        "cases": "fangkong.cases.exports",
        "contacts": "fangkong.tracing.exports",
        "ledger": "fangkong.supplies.exports",
    }
    assert imports.KINDS["screenings"].run.__module__ == "fangkong.screening.imports"
    assert imports.KINDS["contacts"].run.__module__ == "fangkong.tracing.importer"
    # a name is one list's: a second list under it is refused
    with pytest.raises(ImproperlyConfigured):
        exports.register(dataclasses.replace(exports.LISTS["people"], title="别的"))
    with pytest.raises(ImproperlyConfigured):
        imports.register(dataclasses.replace(imports.KINDS["screenings"], background_rows=1))
