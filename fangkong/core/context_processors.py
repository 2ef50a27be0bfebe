"""Navigation shown in the page header, by what the user may do.

Each app declares its entries in its own ``registry.py`` (``MENU``, a list of
:class:`~fangkong.core.discovery.MenuItem`); this only collects them, keeps those the user may
open, and orders them by weight.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from fangkong.core.discovery import MenuItem, collect


@functools.cache
def menu() -> tuple[MenuItem, ...]:
    """Every app's menu entries, by weight (then by app, as installed)."""
    items = [item for _config, entries in collect("MENU") for item in entries]
    return tuple(sorted(items, key=lambda item: item.weight))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in menu():
        if item.perm is not None and not user.has_perm(item.perm):
            continue
        url = reverse(item.url) if isinstance(item.url, str) else item.url(user)
        if url is not None:
            items.append((str(item.label), url))
    return {"nav_items": items}
