"""``{% case_treatment case %}``: the admission and transfer part of a case page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("treatment/_case_treatment.html", takes_context=True)
def case_treatment(context: dict[str, Any], case: Any) -> dict[str, Any]:
    from fangkong.treatment.views import case_treatment_context

    return {"case": case, **case_treatment_context(context["request"], case)}
