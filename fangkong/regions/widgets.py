"""A text input for a division code with suggestions as the user types (a name, its pinyin
initials or the code): htmx asks ``regions:suggest`` and fills the input's own ``<datalist>``.
Without JavaScript it is a plain text input for the code. Used where a form asks where someone
lives or goes, anywhere in the province (a contact's residence, a patient's address)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import format_html


class DivisionCodeInput(forms.TextInput):
    @staticmethod
    def list_id(name: str, attrs: dict[str, Any] | None) -> str:
        return f"{(attrs or {}).get('id') or name}-suggest"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        list_id = self.list_id(name, widget_attrs)
        widget_attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": reverse("regions:suggest"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{list_id}",
                "hx-sync": "this:replace",
            }
        )
        return context

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> Any:
        html = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}"></datalist>', html, self.list_id(name, attrs))
