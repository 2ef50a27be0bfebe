"""Fixtures of the core tests; registers the browser plugin (``browser.py``) for them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from fangkong.accounts.roles import sync_roles
from fangkong.core.tests import browser as browser_plugin


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("fangkong-browser"):
        config.pluginmanager.register(browser_plugin, "fangkong-browser")


@pytest.fixture
def live_tree(transactional_db: Any, tree: SimpleNamespace) -> SimpleNamespace:
    """The root conftest's ``tree``, committed, so that the live server's thread sees it.

    ``tree`` asks for ``db``; asking for ``transactional_db`` too makes pytest-django give real
    commits and a flush after the test instead of a rolled-back transaction. The flush also
    empties the role groups that a data migration created, and the post-migrate signal that
    follows it does not bring them back; they are made again here (idempotent), before any user
    of the test is created with ``make_user``.
    """
    sync_roles()
    return tree
