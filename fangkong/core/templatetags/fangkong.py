"""Template helpers of our own: ``{% load fangkong %}``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def link_list(records: Iterable[Any]) -> SafeString:
    """Links to ``records`` (by ``get_absolute_url`` and ``name``), joined as the language
    joins a list ("、" in Chinese), so that a whole sentence can go into one blocktranslate."""
    links = [format_html('<a href="{}">{}</a>', r.get_absolute_url(), r.name) for r in records]
    return format_html_join(pgettext("enumeration comma", ", "), "{}", ((link,) for link in links))
