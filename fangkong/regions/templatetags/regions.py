"""Template helpers of the regions app: ``{% load regions %}``. The rules live in
``regions/selectors.py``; these only let templates ask them."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.regions import selectors

register = template.Library()


@register.filter
def phone_of(staff: Any, user: Any) -> str:
    """``{{ a.staff|phone_of:user }}``: the staff member's phone, or "" if the user may not
    see it (``selectors.staff_phone_visible``)."""
    return selectors.staff_phone(user, staff)


@register.filter
def sees_staff_phones(user: Any) -> bool:
    """``{% if user|sees_staff_phones %}``: whether to show a phone column at all."""
    return selectors.staff_phone_visible(user)


@register.filter
def sees_codes(user: Any) -> bool:
    """``{% if user|sees_codes %}``: whether division codes are shown to the user
    (``selectors.shows_division_codes``: not to grid workers)."""
    return selectors.shows_division_codes(user)
