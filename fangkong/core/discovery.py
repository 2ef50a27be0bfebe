"""What each app contributes, found in the app's own files, the way Django's admin finds
``admin.py``.

An app never edits another app's lists. It declares, in its own package:

``registry.py``
    ``AUDIT_LABELS``: a label for each audit action code it writes (``audit/labels.py``
    collects them); ``MENU``: its entries in the page header (:class:`MenuItem`, collected by
    ``core/context_processors.py``).
``exports.py``
    its lists that can be exported, registered with ``fangkong.bulk.exports.register``.
``imports.py``
    its kinds of file import, registered with ``fangkong.bulk.imports.register``.
``tests/endpoints.py``
    ``CASES``: its entries of the jurisdiction matrix (collected by ``all_cases`` in
    ``core/tests/endpoints.py``).

:func:`app_modules` imports such a module of every installed app that has one
(``autodiscover_modules``), and :func:`collect` reads one attribute of each. See
``docs/adding-a-module.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps
from django.utils.module_loading import autodiscover_modules, module_has_submodule

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def app_modules(name: str) -> list[tuple[AppConfig, ModuleType]]:
    """The module ``<app>.<name>`` of every installed app that has one, in the order of
    ``INSTALLED_APPS``; each is imported once (an import error in it is raised, as for
    ``admin.py``)."""
    autodiscover_modules(name)
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, name):
            found.append((config, import_module(f"{config.name}.{name}")))
    return found


def collect(attribute: str, module: str = "registry") -> list[tuple[AppConfig, Any]]:
    """``attribute`` of each app's ``module`` that defines it, with the app declaring it."""
    return [
        (config, getattr(found, attribute))
        for config, found in app_modules(module)
        if hasattr(found, attribute)
    ]


@dataclass(frozen=True)
class MenuItem:
    """One entry of the page header.

    ``url`` is a URL name (``"people:list"``) or, where the address depends on the user (their
    own grid), a function of the user returning the address, or None to show nothing.
    ``perm`` is the permission the entry needs (None: every logged-in user). Entries are shown
    by ascending ``weight``; the apps of today use steps of 10 (docs/adding-a-module.md).
    ``first`` puts the entry at the front for users of a kind of work (a
    ``core.workbench.Profile`` value, e.g. ``"grid"``), at the given rank: what a role uses
    most comes first.
    """

    label: Any  # a lazy translation
    url: str | Callable[[User], str | None]
    perm: str | None = None
    weight: int = 500
    first: Mapping[str, int] = field(default_factory=dict)
