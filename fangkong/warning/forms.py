"""The forms of the signal pages: a verdict on a signal and a province's method parameters
(their bounds are checked again by the actions, which the API calls too)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.warning import actions
from fangkong.warning.choices import Verdict


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=Verdict.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=actions.MAX_NOTE,
        required=False,
        help_text=_("Required for “explained”: what explains the signal."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _number(name: str, *, whole: bool = False, step: str = "any") -> forms.Field:
    label = actions.label(name)
    low, high, *_rest = actions.BOUNDS[name]
    help_text = _("From %(low)s to %(high)s.") % {"low": f"{low:g}", "high": f"{high:g}"}
    if whole:
        return forms.IntegerField(
            label=label, min_value=int(low), max_value=int(high), help_text=help_text
        )
    return forms.FloatField(
        label=label, help_text=help_text, widget=forms.NumberInput(attrs={"step": step})
    )


class ParametersForm(forms.Form):
    si_mean = _number("si_mean")
    si_sd = _number("si_sd")
    ears_alpha = _number("ears_alpha")
    ears_baseline = _number("ears_baseline", whole=True)
    ears_min_sigma = _number("ears_min_sigma")
    percentile = _number("percentile", whole=True)
    cusum_k = _number("cusum_k")
    cusum_h = _number("cusum_h")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in actions.PARAMETER_FIELDS:
            if name in data and data[name] is not None:
                try:
                    data[name] = actions.check_parameter(name, data[name])
                except actions.ActionError as exc:
                    self.add_error(name, exc.message)
        return data
