from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.zeroreport.actions import MAX_NOTE


class ConfirmForm(forms.Form):
    """The grid worker's confirmation of a day: the zero report button, or the figures with an
    optional note."""

    day = DateField(widget=forms.HiddenInput, required=False)
    zero_report = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DayForm(forms.Form):
    day = DateField(
        label=_("Day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
