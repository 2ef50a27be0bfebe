from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.medical.choices import FacilityKind
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


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
