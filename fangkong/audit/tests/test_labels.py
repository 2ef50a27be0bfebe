"""Every audit action code written anywhere has a label, in English and in Chinese, declared by
its app (``<app>/registry.py``: ``AUDIT_LABELS``); the audit page shows labels and words, never
raw codes or ``False``.

The codes in use are found by reading the source, not by running it: every call of
``fangkong.audit.actions.record`` and the ``action`` it is given, followed through a module
constant (``AUDIT_ACTION``), a conditional expression, or a parameter of the function making
the call (``_end(..., "observation.release")``, positional or by keyword). An ``action`` that
cannot be followed so fails the test: write the code as a literal.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.utils import translation

import fangkong
from fangkong.accounts.models import User
from fangkong.audit.actions import record
from fangkong.audit.labels import actions
from fangkong.core.discovery import collect

SOURCE = Path(fangkong.__file__).parent
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Use:
    code: str
    where: str


def _source_files() -> Iterator[Path]:
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _argument(call: ast.Call, name: str, position: int | None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def codes_in(path: Path) -> tuple[list[Use], list[str]]:
    """The action codes ``path`` passes to ``record``, and the places where the code given
    cannot be followed."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = str(path.relative_to(SOURCE.parent))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    uses: list[Use] = []
    unfollowed: list[str] = []

    def enclosing(node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        inside = [
            f
            for f in functions
            if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)  # type: ignore[attr-defined]
        ]
        return max(inside, key=lambda f: f.lineno, default=None)

    def follow(value: ast.expr | None, at: ast.AST, depth: int = 0) -> None:
        line = f"{where}:{getattr(at, 'lineno', '?')}"
        if value is None or depth > 5:
            unfollowed.append(line)
        elif isinstance(value, ast.Constant) and isinstance(value.value, str):
            uses.append(Use(value.value, line))
        elif isinstance(value, ast.IfExp):
            follow(value.body, at, depth)
            follow(value.orelse, at, depth)
        elif isinstance(value, ast.Name) and value.id in constants:
            uses.append(Use(constants[value.id], line))
        elif isinstance(value, ast.Name) and (function := enclosing(at)) is not None:
            params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
            keyword_only = [a.arg for a in function.args.kwonlyargs]
            if value.id not in (*params, *keyword_only):
                unfollowed.append(line)
                return
            position = params.index(value.id) if value.id in params else None
            callers = [c for c in calls if _called(c) == function.name]
            if not callers:
                unfollowed.append(line)
            for caller in callers:
                follow(_argument(caller, value.id, position), caller, depth + 1)
        else:
            unfollowed.append(line)

    for call in calls:
        if _called(call) != "record":
            continue
        if where == "fangkong/audit/actions.py":
            continue  # record itself
        follow(_argument(call, "action", None), call)
    return uses, unfollowed


def used_codes() -> tuple[dict[str, str], list[str]]:
    found: dict[str, str] = {}
    unfollowed: list[str] = []
    for path in _source_files():
        uses, lost = codes_in(path)
        unfollowed += lost
        for use in uses:
            found.setdefault(use.code, use.where)
    return found, unfollowed


# --- the source and the labels -----------------------------------------------------------------


def test_the_scan_finds_codes_given_directly_through_constants_and_through_helpers() -> None:
    codes, unfollowed = used_codes()
    assert not unfollowed, (
        f"an audit action that is not a literal the scan can follow: {unfollowed}"
    )
    assert {
        "grid.create",  # record(action="grid.create")
        "grid_day.zero_report",  # a conditional expression
        "demo.population",  # a module constant
        "care.done",  # a helper's keyword parameter
        "observation.release",  # a helper's positional parameter
        "observation.case",
    } <= set(codes)
    assert all(CODE.match(code) for code in codes), codes


def test_audit_rows_are_written_only_through_record() -> None:
    writers = [
        str(path.relative_to(SOURCE.parent))
        for path in _source_files()
        if re.search(
            r"AuditEvent(\.objects)?\.(create|bulk_create)\(|AuditEvent\(", path.read_text()
        )
        and path.name not in ("actions.py", "models.py")
    ]
    assert writers == [], "audit rows must be written by audit.actions.record (its code checked)"


def test_every_action_code_in_use_has_a_label_in_english_and_chinese() -> None:
    codes, _unfollowed = used_codes()
    labels = actions()
    missing = {code: where for code, where in codes.items() if code not in labels}
    assert not missing, (
        "audit action codes without a label: add them to AUDIT_LABELS in the app's "
        f"registry.py: {missing}"
    )
    untranslated = []
    for code in codes:
        with translation.override("zh-hans"):
            chinese = str(labels[code])
        with translation.override("en"):
            english = str(labels[code])
        if not HAN.search(chinese) or english == code or HAN.search(english):
            untranslated.append(f"{code}: {english!r} / {chinese!r}")
    assert not untranslated, "labels not translated (django.po): " + "; ".join(untranslated)


def test_labels_are_declared_by_the_apps_and_none_is_a_leftover() -> None:
    codes, _unfollowed = used_codes()
    declared = [
        (config.label, code) for config, labels in collect("AUDIT_LABELS") for code in labels
    ]
    assert len({code for _app, code in declared}) == len(declared)
    assert {app for app, _code in declared} >= {"accounts", "regions", "people", "care"}
    assert sorted({code for _app, code in declared} - set(codes)) == []


# --- the page -----------------------------------------------------------------------------------


@pytest.fixture
def reader(tree: SimpleNamespace, make_user: Callable[..., User]) -> User:
    user = make_user(tree.province, roles=[])
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    ("language", "label", "changed", "set"),
    [
        ("zh-hans", "修改网格力量", "由「是」改为「否」", "为「否」"),
        ("en", "change grid staff", "changed from “yes” to “no”", "set to “no”"),
    ],
)
def test_the_audit_page_shows_labels_and_words_never_raw_codes_or_false(
    language: str,
    label: str,
    changed: str,
    set: str,
    tree: SimpleNamespace,
    reader: User,
    client_for: Callable[[User | None], Client],
) -> None:
    # given rows whose changes hold booleans, a choice and a list
    with transaction.atomic():
        record(
            actor=None,
            action="grid_staff.update",
            object_type="regions.gridstaff",
            object_id="1",
            object_repr="张三",
            division_path=tree.huayang.path,
            changes={"active": [True, False], "kind": ["grid_worker", "party_member"]},
        )
        record(
            actor=None,
            action="bulk.export",
            object_type="bulk.export",
            object_id="people",
            object_repr="人员 CSV",
            division_path=tree.huayang.path,
            changes={"export_masked": False, "export_rows": 3},
        )

    # when the reader opens the audit log in their language
    with translation.override(language):
        client = client_for(reader)
        client.cookies["django_language"] = language
        response = client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    visible = re.sub(r'title="[^"]*"', "", page)

    # then it shows the labels, yes/no and the choices' labels, never the codes or False
    assert response.status_code == 200
    assert label in visible
    assert changed in visible
    assert set in visible
    assert "False" not in visible and "True" not in visible
    assert "grid_staff.update" not in visible and "bulk.export" not in visible
    assert "party_member" not in visible
