from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.people.choices import DocType, Sex, Symptom
from fangkong.people.forms import TemperatureField
from fangkong.people.idcard import PROVINCES
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.screening.choices import Contact, Outcome, Transport

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

TRAVEL_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def place_choices(key_areas: list[tuple[str, str]]) -> list[Any]:
    """The origin and travel pickers: the key areas first, then every province."""
    provinces = [(code, name) for code, name in sorted(PROVINCES.items())]
    choices: list[Any] = [("", _("— none, or outside China —"))]
    if key_areas:
        choices.append((_("Key areas"), [(c, f"{n}（{c}）") for c, n in key_areas]))
    choices.append((_("Provinces"), provinces))
    return choices


class GridField(forms.CharField):
    """A grid chosen by its code, limited to what the actor may see."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("max_length", 15)
        super().__init__(*args, **kwargs)
        self.actor: User | AnonymousUser | None = None

    def clean(self, value: Any) -> Division:
        code = super().clean(value).strip()
        grid = (
            Division.objects.visible_to(self.actor).filter(code=code, level=Level.GRID).first()
            if code.isdigit()
            else None
        )
        if grid is None:
            raise forms.ValidationError(_("No grid with this code in your jurisdiction."))
        return grid


class ScreeningForm(forms.Form):
    """The phone-first screening form: the person, then the "十清晰" facts."""

    grid = GridField(label=_("Grid"))
    doc_type = forms.ChoiceField(
        label=_("Document"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", _("from the ID number")), *Sex.choices],
        required=False,
        help_text=_("Only for documents other than a resident ID card."),
    )
    birth_date = DateField(label=_("Birth date"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    household_size = forms.IntegerField(
        label=_("Household members"), min_value=1, max_value=50, initial=1
    )
    screened_on = DateField(label=_("Screening date"), widget=DATE)
    temperature = TemperatureField()
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    arrival_date = DateField(
        label=_("Arrival date"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for someone who has not travelled."),
    )
    origin_code = forms.ChoiceField(label=_("Arrived from"), required=False)
    origin_name = forms.CharField(
        label=_("Place"),
        max_length=100,
        required=False,
        help_text=_("City or district; for a place outside China, its name."),
    )
    transport = forms.ChoiceField(
        label=_("Transport"), choices=[("", "—"), *Transport.choices], required=False
    )
    transport_number = forms.CharField(
        label=_("Train or flight number"), max_length=16, required=False
    )
    contact = forms.ChoiceField(
        label=_("Contact in the last 14 days with"), choices=Contact.choices, initial=Contact.NONE
    )
    contact_date = DateField(label=_("Date of the last contact"), required=False, widget=DATE)
    measures = forms.CharField(label=_("Measures taken"), max_length=200, required=False)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        actor: User | AnonymousUser,
        key_areas: list[tuple[str, str]],
        grids: list[Division] | None = None,
        **kwargs: Any,
    ):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("screened_on", timezone.localdate())
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        grid = self.fields["grid"]
        assert isinstance(grid, GridField)
        grid.actor = actor
        if grids is not None:
            grid.widget = forms.Select(choices=[(g.code, g.name) for g in grids])
        places = place_choices(key_areas)
        origin = self.fields["origin_code"]
        assert isinstance(origin, forms.ChoiceField)
        origin.choices = places
        for i in range(TRAVEL_ROWS):
            self.fields[f"travel_code_{i}"] = forms.ChoiceField(
                label=_("Place"), choices=places, required=False
            )
            self.fields[f"travel_name_{i}"] = forms.CharField(
                label=_("Name"), max_length=100, required=False
            )
            self.fields[f"travel_date_{i}"] = DateField(
                label=_("Date"), required=False, widget=DATE
            )
        self.labels = dict(key_areas) | PROVINCES

    def travel_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"travel_code_{i}"], self[f"travel_name_{i}"], self[f"travel_date_{i}"])
            for i in range(TRAVEL_ROWS)
        ]

    def travel(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out = []
        for i in range(TRAVEL_ROWS):
            code = data.get(f"travel_code_{i}") or ""
            name = data.get(f"travel_name_{i}") or self.labels.get(code, "")
            date = data.get(f"travel_date_{i}")
            if code or name or date:
                out.append({"code": code, "name": name, "date": date})
        return out

    def action_kwargs(self) -> dict[str, Any]:
        """The cleaned form as the keyword arguments of ``register_screening``."""
        data = dict(self.cleaned_data)
        for i in range(TRAVEL_ROWS):
            for part in ("code", "name", "date"):
                data.pop(f"travel_{part}_{i}", None)
        data["travel"] = self.travel()
        data["sex"] = data.get("sex") or None
        data["origin_name"] = data.get("origin_name") or self.labels.get(
            data.get("origin_code") or "", ""
        )
        return data


class ScreeningFilterForm(forms.Form):
    within = forms.CharField(label=_("Division code"), max_length=15, required=False)
    grid = forms.CharField(label=_("Grid code"), max_length=15, required=False)
    date_from = DateField(label=_("From"), required=False, widget=DATE)
    date_to = DateField(label=_("To"), required=False, widget=DATE)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("all")), *Outcome.choices], required=False
    )
    q = forms.CharField(
        label=_("Name or document number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class KeyAreaForm(forms.Form):
    code = forms.CharField(
        label=_("Division code"),
        max_length=12,
        help_text=_("2 digits for a province (42 湖北省), 4 for a city (4201 武汉市)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    start_date = DateField(label=_("Key area from"), widget=DATE)
    end_date = DateField(label=_("Until (optional)"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EndKeyAreaForm(forms.Form):
    end_date = DateField(label=_("Last day"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
