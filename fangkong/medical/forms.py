from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.medical.choices import BedType, FacilityKind, FacilityLevel
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BEDS = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"})


class FacilityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all")), *FacilityKind.choices], required=False
    )
    q = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=FacilityKind.choices)
    division = forms.CharField(
        label=_("Division code"),
        max_length=15,
        help_text=_("The county, township or village the facility belongs to."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=8, decimal_places=6, required=False
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=FacilityLevel.choices, initial=FacilityLevel.NONE
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    opened_on = DateField(label=_("Opened on"), widget=DATE, required=False)
    closed_on = DateField(
        label=_("Closed on"),
        widget=DATE,
        required=False,
        help_text=_("The day it closed or will close; leave empty while it is in service."),
    )
    active = forms.BooleanField(label=_("Open"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_division(self) -> Division:
        code = self.cleaned_data["division"].strip()
        division = Division.objects.visible_to(self.actor).filter(code=code, active=True).first()
        if division is None:
            raise forms.ValidationError(_("No division with this code in your jurisdiction."))
        return division


# --- wards and experts (the facility page) --------------------------------------------------
# Numbers of beds are whole and not negative here already; the action (``actions.count``)
# checks them again with the upper bound, for the API and every other caller.


class WardForm(forms.Form):
    name = forms.CharField(label=_("Ward name"), max_length=50)
    bed_type = forms.ChoiceField(label=_("Bed type"), choices=BedType.choices)
    capacity = forms.IntegerField(label=_("Beds"), min_value=0, widget=BEDS)
    out_of_service = forms.IntegerField(
        label=_("Beds out of service"), min_value=0, initial=0, widget=BEDS
    )

    def __init__(self, *args: Any, bed_types: Sequence[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if bed_types is not None:
            field = self.fields["bed_type"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(v, label) for v, label in BedType.choices if v in bed_types]


class WardChangeForm(forms.Form):
    capacity = forms.IntegerField(label=_("Beds"), min_value=0, widget=BEDS)
    out_of_service = forms.IntegerField(label=_("Beds out of service"), min_value=0, widget=BEDS)
    active = forms.BooleanField(
        label=_("Open"),
        required=False,
        help_text=_("Untick to close the ward; a ward with patients cannot close."),
    )


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("Expert's name"), max_length=50)
    specialty = forms.CharField(label=_("Specialty"), max_length=50)
    home_hospital = forms.CharField(label=_("From hospital"), max_length=100)
    since = DateField(
        label=_("On site since"), widget=DATE, required=False, help_text=_("Today if empty.")
    )


class ExpertLeaveForm(forms.Form):
    until = DateField(
        label=_("Left on"), widget=DATE, required=False, help_text=_("Today if empty.")
    )


class BedTypeForm(forms.Form):
    """The bed type the board's trend and map are drawn for."""

    type = forms.ChoiceField(
        label=_("Bed type"),
        choices=BedType.choices,
        required=False,
        initial=BedType.ISOLATION_WARD,
    )
