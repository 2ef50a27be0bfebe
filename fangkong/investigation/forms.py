"""Forms of the investigation pages. They parse and bound the input; the rules (the window, the
isolation, the train number) are the actions' and come back as form errors (``run_action``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.investigation.choices import (
    InvestigationStatus,
    MovementTransport,
    PlaceKind,
    Protection,
    SourceKind,
)
from fangkong.investigation.selectors import places_visible_to
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.investigation.models import Place


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("all")), *InvestigationStatus.choices],
        required=False,
    )
    q = forms.CharField(label=_("Case number"), max_length=20, required=False)


class OpenForm(forms.Form):
    investigator_name = forms.CharField(label=_("Investigator"), max_length=50)


class MovementForm(forms.Form):
    """A movement; the place is picked among recorded places (``place``) or typed as new."""

    day = DateField(label=_("Day"), widget=DateInput)
    start_time = forms.TimeField(label=_("Start time"), required=False, widget=TimeInput)
    end_time = forms.TimeField(label=_("End time"), required=False, widget=TimeInput)
    place = forms.CharField(label=_("Place"), required=False, max_length=20)
    place_name = forms.CharField(label=_("New place: name"), required=False, max_length=100)
    place_kind = forms.ChoiceField(
        label=_("Kind of place"), choices=PlaceKind.choices, initial=PlaceKind.OTHER
    )
    place_address = forms.CharField(label=_("Address"), required=False, max_length=200)
    place_division = forms.ModelChoiceField(
        label=_("County"), queryset=Division.objects.none(), required=False
    )
    # text, parsed and bounded by the action (its errors name these fields)
    longitude = forms.CharField(
        label=_("Longitude"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Decimal degrees, e.g. 125.3245 (optional)."),
    )
    latitude = forms.CharField(
        label=_("Latitude"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Decimal degrees, e.g. 43.8868 (optional)."),
    )
    transport = forms.ChoiceField(
        label=_("Transport"),
        choices=[("", "—"), *MovementTransport.choices],
        required=False,
    )
    transport_number = forms.CharField(
        label=_("Train or flight number"), required=False, max_length=16
    )
    seat = forms.CharField(label=_("Seat or carriage"), required=False, max_length=16)
    people_met = forms.CharField(label=_("People met"), required=False, max_length=300)
    protection = forms.ChoiceField(
        label=_("Protection"), choices=Protection.choices, initial=Protection.NONE
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        province = (actor.home_division_path or "").split("/", 1)[0]
        counties = Division.objects.filter(level=Level.COUNTY, active=True).order_by("code")
        if province:
            counties = counties.filter(path__startswith=f"{province}/")
        self.fields["place_division"].queryset = counties  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = (data.get("place") or "").strip()
        chosen: Place | None = None
        if raw and raw != "new":
            if raw.isdigit() and 0 < len(raw) <= 18:
                chosen = places_visible_to(self.actor).filter(pk=int(raw)).first()
            if chosen is None:
                self.add_error("place", _("Choose a place from the list."))
        elif not data.get("place_name"):
            self.add_error("place_name", _("Pick a recorded place or enter a new one."))
        elif data.get("place_division") is None:
            self.add_error("place_division", _("Choose the county of the new place."))
        data["chosen_place"] = chosen
        return data


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices)
    source_case = forms.CharField(label=_("Source case number"), required=False, max_length=20)
    place = forms.CharField(label=_("Place"), required=False, max_length=20)
    area = forms.CharField(label=_("Key area"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class CompleteForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
