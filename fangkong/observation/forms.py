from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.observation.choices import Kind, Status
from fangkong.people.choices import Symptom
from fangkong.people.forms import TemperatureField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CheckInForm(forms.Form):
    """A day's check-in: by the grid worker (any day of the observation) or by the person."""

    temperature = TemperatureField()
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms today"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    day = DateField(label=_("Day"), widget=DATE)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, with_day: bool = True, **kwargs: Any):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("day", timezone.localdate())
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        if not with_day:  # the personal link records today only
            del self.fields["day"]


class EndForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("reason, clinic, …")}),
    )


class ObservationFilterForm(forms.Form):
    within = forms.CharField(label=_("Division code"), max_length=15, required=False)
    grid = forms.CharField(label=_("Grid code"), max_length=15, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("all")), *Status.choices],
        required=False,
        initial=Status.ACTIVE,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all")), *Kind.choices], required=False
    )
    q = forms.CharField(
        label=_("Name or document number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    missed = forms.BooleanField(label=_("Missed yesterday"), required=False)
    fever = forms.BooleanField(label=_("Fever"), required=False)
    due = forms.BooleanField(label=_("Observation period over"), required=False)
