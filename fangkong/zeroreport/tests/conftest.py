"""Registers the browser plugin and the committed ``live_tree`` (fangkong/core/tests) for the
zero-reporting browser test."""

from __future__ import annotations

import pytest

from fangkong.core.tests import browser as browser_plugin
from fangkong.core.tests.conftest import live_tree

__all__ = ["live_tree"]


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("fangkong-browser"):
        config.pluginmanager.register(browser_plugin, "fangkong-browser")
