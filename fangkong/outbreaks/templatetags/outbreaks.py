"""``{% health_colour person as colour %}``: a person's health colour for their page, with the
fact only where the record behind it is in the viewer's jurisdiction (``outbreaks/colour.py``).
Render it with ``{% include "outbreaks/_colour.html" %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fangkong.outbreaks.colour import HealthColour, person_colour

register = template.Library()


@register.simple_tag(takes_context=True)
def health_colour(context: dict[str, Any], person: Any) -> HealthColour | None:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if person is None or user is None or not getattr(user, "is_authenticated", False):
        return None
    return person_colour(user, person, timezone.localdate())
