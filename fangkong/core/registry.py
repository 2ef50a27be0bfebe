"""What the core app adds to the shared lists (collected by ``core/discovery.py``):
the first entry of the page header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.discovery import MenuItem

MENU = [MenuItem(_("Home"), "core:home", weight=0)]
