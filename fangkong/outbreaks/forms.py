"""The forms of the outbreaks pages: the health-colour look-up and the list filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import ActionError
from fangkong.outbreaks.choices import ClusterStatus, UnitKind
from fangkong.people.actions import Identity, clean_identity
from fangkong.people.choices import DocType


class ColourForm(forms.Form):
    """An ID number typed (or scanned) at a checkpoint."""

    doc_type = forms.ChoiceField(
        label=_("Document type"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    identity: Identity | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.identity = clean_identity(data["doc_type"], data["doc_number"])
        except ActionError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


class ClusterFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Unit"), choices=[("", _("all")), *UnitKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all")), *ClusterStatus.choices], required=False
    )
