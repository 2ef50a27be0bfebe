"""The forms of the case list and the case page: one per step of the course, and samples."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import (
    CaseOutcome,
    Category,
    Importation,
    Method,
    Result,
    SampleType,
    Severity,
)
from fangkong.core.parsing import MAX_DATE, MIN_DATE, DateField, date_out_of_bounds

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class MomentField(forms.DateTimeField):
    """A date and time as a phone's picker gives it, within 1900-2100."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("input_formats", MOMENT_FORMATS)
        super().__init__(**kwargs)

    def validate(self, value: dt.datetime | None) -> None:
        super().validate(value)
        if value is not None and date_out_of_bounds(value.date()):
            raise ValidationError(
                _gettext("Enter a date between %(min)s and %(max)s.")
                % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
                code="date_bounds",
            )


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("all")), *choices]


class CaseFilterForm(forms.Form):
    within = forms.CharField(label=_("County (division code)"), max_length=15, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=_all(Category.choices), required=False
    )
    outcome = forms.ChoiceField(
        label=_("Course"), choices=_all(CaseOutcome.choices), required=False
    )
    import_status = forms.ChoiceField(
        label=_("Import status"), choices=_all(Importation.choices), required=False
    )
    q = forms.CharField(
        label=_("Case number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    overdue = forms.BooleanField(label=_("Past the 2-hour clock"), required=False)
    awaiting = forms.BooleanField(label=_("Suspected, awaiting results"), required=False)

    def clean_q(self) -> str:
        value: str = self.cleaned_data["q"].strip()
        if value and not value.replace("-", "").isalnum():
            raise ValidationError(_gettext("A case number has letters, digits and dashes only."))
        return value


class ConfirmForm(forms.Form):
    severity = forms.ChoiceField(label=_("Clinical severity"), choices=Severity.choices)


class AsymptomaticForm(forms.Form):
    """No field: the rule decides on the samples."""


class OnsetForm(forms.Form):
    onset_date = DateField(label=_("Symptoms began on"), widget=DATE)
    severity = forms.ChoiceField(label=_("Clinical severity"), choices=Severity.choices)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DischargeForm(forms.Form):
    normal_since = DateField(
        label=_("Temperature normal since"),
        widget=DATE,
        required=False,
        help_text=_("More than 3 days before today."),
    )
    symptoms_better = forms.BooleanField(
        label=_("Respiratory symptoms clearly better"), required=False
    )
    imaging_improved = forms.BooleanField(label=_("Lung imaging clearly improved"), required=False)


class DeathForm(forms.Form):
    died_on = DateField(label=_("Date of death"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class NationalReportForm(forms.Form):
    at = MomentField(label=_("Reported at"), required=False, help_text=_("Empty: now."))


class SampleForm(forms.Form):
    number = forms.CharField(label=_("Sample number"), max_length=32)
    sample_type = forms.ChoiceField(label=_("Sample type"), choices=SampleType.choices)
    sampled_at = MomentField(label=_("Sampled at"))
    laboratory = forms.CharField(label=_("Laboratory"), max_length=100)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, initial=Method.PCR)


RESULT_CHOICES = [(v, label) for v, label in Result.choices if v != Result.PENDING]


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=RESULT_CHOICES)
    ct_orf1ab = forms.DecimalField(
        label=_("Ct (ORF1ab)"), required=False, max_digits=4, decimal_places=1
    )
    ct_n = forms.DecimalField(label=_("Ct (N)"), required=False, max_digits=4, decimal_places=1)
    result_at = MomentField(label=_("Result at"), required=False, help_text=_("Empty: now."))
