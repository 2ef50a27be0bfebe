"""``{% observation_period period [mode] %}``: the observation period with the same three dates
and words on every page (fangkong/people/period.py). ``mode`` is "" (a description list and
the 14-day rule), "items" (dt/dd pairs inside the page's own list) or "compact" (one line)."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.people.choices import OBSERVATION_DAYS
from fangkong.people.period import ObservationPeriod

register = template.Library()


@register.inclusion_tag("people/_observation_period.html")
def observation_period(period: ObservationPeriod | None, mode: str = "") -> dict[str, Any]:
    return {"period": period, "mode": mode, "days": OBSERVATION_DAYS}
