"""``{% case_contacts case %}``: the contacts section of a case page (cases/detail.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("tracing/_case_contacts.html", takes_context=True)
def case_contacts(context: dict[str, Any], case: Any) -> dict[str, Any]:
    from fangkong.tracing.views import case_contacts_context

    return {
        "case": case,
        "perms": context.get("perms"),
        **case_contacts_context(context["request"], case),
    }
