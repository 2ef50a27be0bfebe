"""Role checks go through one gate (``core.permissions.require``) with permission names as
enums (each app's ``permissions.py``), never as strings: a misspelt permission cannot refuse
everyone in silence, and a new module finds one way to check a role."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.roles import ROLE_PERMISSIONS, Role

ROOT = Path(__file__).resolve().parents[2]  # the fangkong package
APP_LABELS = sorted(
    c.label for c in apps.get_app_configs() if c.name.startswith("fangkong.") and c.label != "core"
)


def enums() -> list[type[StrEnum]]:
    """Every app's permission enum (``fangkong/<app>/permissions.py``)."""
    found = []
    for label in APP_LABELS:
        if not (ROOT / label / "permissions.py").exists():
            continue
        module = importlib.import_module(f"fangkong.{label}.permissions")
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum
        ]
    return found


def test_every_app_that_checks_a_role_names_its_permissions_in_an_enum() -> None:
    names = {e.__name__ for e in enums()}
    assert {"PeoplePerm", "ScreeningPerm", "ObservationPerm", "CheckpointsPerm"} <= names
    assert {"CarePerm", "RegionsPerm", "ZeroReportPerm", "BulkPerm", "AccountsPerm"} <= names


@pytest.mark.django_db
def test_every_enum_member_is_a_permission_that_exists() -> None:
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for enum in enums():
        app = enum.__module__.split(".")[1]
        for member in enum:
            assert member.value.startswith(f"{app}."), f"{enum.__name__}.{member.name}"
            assert member.value in existing, f"{enum.__name__}.{member.name} = {member.value!r}"


def test_the_roles_grant_permissions_by_enum_only() -> None:
    for role, perms in ROLE_PERMISSIONS.items():
        strings = [p for p in perms if not isinstance(p, StrEnum)]
        assert not strings, f"{role}: {strings}"


# The ways a role check used to be written: a private copy of the gate in each views.py, the API's
# string helper, a permission string passed to has_perm. None may come back.
OLD_WAYS = [
    re.compile(r"^def _require\(", re.M),
    re.compile(r"\b_require\(request"),
    re.compile(r"(?<!def )\brequire_perm\(request"),
    re.compile(r"\bhas_perms?\(\s*[\"'\[\(]"),
]
PERMISSION_STRING = re.compile(r"[\"']([a-z]+)\.((?:add|change|delete|view|manage|handle|release|"
                               r"assign|close|confirm|export)_[a-z_]+)[\"']")  # fmt: skip


def app_sources() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.name != "permissions.py"
    ]


def test_no_code_checks_a_role_with_a_string_or_its_own_gate() -> None:
    found = []
    for path in app_sources():
        text = path.read_text(encoding="utf-8")
        for pattern in OLD_WAYS:
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
        found += [
            f"{path.relative_to(ROOT)}: {m.group(0)}"
            for m in PERMISSION_STRING.finditer(text)
            if m.group(1) in APP_LABELS
        ]
    assert not found, "use core.permissions.require and the app's Perm enum:\n" + "\n".join(found)


# --- the gate answers a page with the 403 page and the API with the JSON 403 --------------------


def test_the_gate_refuses_a_page_with_403_and_the_api_with_json(
    tree: SimpleNamespace,
    make_user: Callable[..., User],
    client_for: Callable[[User | None], Client],
) -> None:
    # given a checkpoint officer, whose role does not screen
    client = client_for(make_user(tree.grid1, roles=[Role.CHECKPOINT_STAFF]))

    # when they open the screening list, on the page and through the API
    page = client.get("/screening/")
    answer = client.get("/api/screenings")

    # then both refuse: the page with the 403 page, the API with its JSON error
    assert page.status_code == 403 and "text/html" in page["Content-Type"]
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
