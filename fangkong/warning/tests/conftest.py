"""Registers the browser plugin (``fangkong/core/tests/browser.py``: its ``browser``, ``ui`` and
``viewport`` fixtures, one Chromium per session) for the early-warning browser tests."""

from __future__ import annotations

import pytest

from fangkong.core.tests import browser as browser_plugin


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("fangkong-browser"):
        config.pluginmanager.register(browser_plugin, "fangkong-browser")
