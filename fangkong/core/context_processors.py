"""Navigation shown in the page header, by what the user may do.

Each app declares its entries in its own ``registry.py`` (``MENU``, a list of
:class:`~fangkong.core.discovery.MenuItem`); this only collects them, keeps those the user may
open, and orders them: first what the user's kind of work uses most (``MenuItem.first``, by the
workbench's profile), then the rest by weight. The daily jobs of the workbench
(``QUICK_ACTIONS``) are given as well, for the phone header: reachable without opening the menu.
Neither costs a query: the permissions and the home division are loaded once per request.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from fangkong.core import workbench
from fangkong.core.discovery import MenuItem, collect


@functools.cache
def menu() -> tuple[MenuItem, ...]:
    """Every app's menu entries, by weight (then by app, as installed)."""
    items = [item for _config, entries in collect("MENU") for item in entries]
    return tuple(sorted(items, key=lambda item: item.weight))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_quick": []}
    kind = workbench.profile(user)
    ranked = []
    for item in menu():
        if item.perm is not None and not user.has_perm(item.perm):
            continue
        url = reverse(item.url) if isinstance(item.url, str) else item.url(user)
        if url is not None:
            rank = (0, item.first[kind]) if kind in item.first else (1, item.weight)
            ranked.append((rank, str(item.label), url))
    # "Home" (weight 0) stays the first entry whatever the profile
    ranked.sort(key=lambda r: (r[0] != (1, 0), r[0]))
    items = [(label, url) for _rank, label, url in ranked]
    return {"nav_items": items, "nav_quick": workbench.quick_links(user, kind)}
