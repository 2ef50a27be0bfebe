"""Forms of the person pages: register, edit, move, and the reason for showing a full number."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import ActionError
from fangkong.core.parsing import DateField
from fangkong.people.choices import TEMPERATURE_MAX, TEMPERATURE_MIN, DocType, RevealReason, Sex
from fangkong.people.health import clean_temperature
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.people.models import Person

GRID_SELECT_MAX = 200  # more grids than this in a jurisdiction: type the grid's code instead


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


SEX_CHOICES = [("", _("from the ID number")), *Sex.choices]


class TemperatureField(forms.DecimalField):
    """Body temperature as typed on a phone (decimal keypad, steps of 0.1), the one field of
    every form that records one (screening, check-in, checkpoint passage). It checks through
    :func:`fangkong.people.health.clean_temperature`, so the form refuses what the actions
    refuse (outside 35.0–42.0 ℃, however large) with the same message."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("Temperature (℃)"))
        kwargs.setdefault(
            "widget",
            forms.NumberInput(
                attrs={
                    "step": "0.1",
                    "min": str(TEMPERATURE_MIN),
                    "max": str(TEMPERATURE_MAX),
                    "inputmode": "decimal",
                    "placeholder": "36.5",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            return clean_temperature(value)
        except ActionError as exc:
            raise ValidationError(exc.message, code=exc.code) from None


class PersonForm(forms.Form):
    """Register a person in a grid (the grid comes from the page's address)."""

    name = forms.CharField(
        label=_("Full name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    doc_type = forms.ChoiceField(
        label=_("Document type"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=40,  # 18 characters, and the spaces people type between groups
        help_text=_("A resident ID number fills in the sex and birth date."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    birth_date = DateField(label=_("Birth date"), required=False, widget=DateInput())
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Building, unit and room: people at one address form a household."),
    )

    def clean_sex(self) -> str | None:
        return self.cleaned_data.get("sex") or None


class PersonEditForm(forms.Form):
    """Change what may change about a person; a resident ID fixes the sex and birth date."""

    name = PersonForm.base_fields["name"]
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = DateField(label=_("Birth date"), required=False, widget=DateInput())
    phone = PersonForm.base_fields["phone"]
    address = PersonForm.base_fields["address"]

    def __init__(self, *args: Any, person: Person, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if person.phone:
            phone = self.fields["phone"]
            phone.widget.attrs["placeholder"] = person.masked_phone
            phone.help_text = _("Leave empty to keep %(phone)s.") % {"phone": person.masked_phone}
        if person.doc_type == DocType.RESIDENT_ID:
            for name in ("sex", "birth_date"):
                field = self.fields[name]
                field.disabled = True
                field.help_text = _("From the ID number.")


class GridCodeField(forms.CharField):
    """An active grid, by its code, among those the actor may see."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("max_length", 15)
        super().__init__(*args, **kwargs)
        self.grids = Division.objects.none()

    def clean(self, value: Any) -> Division:
        code = super().clean(value).strip()
        grid = self.grids.filter(code=code).first()
        if grid is None:
            raise forms.ValidationError(_("No active grid with this code in your jurisdiction."))
        return grid


class MoveForm(forms.Form):
    grid = GridCodeField(label=_("Move to grid"))

    def __init__(self, *args: Any, person: Person, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["grid"]
        assert isinstance(field, GridCodeField)
        grids = (
            Division.objects.visible_to(actor)
            .active_grids()
            .exclude(pk=person.grid_id)
            .order_by("code")
        )
        field.grids = grids
        choices = list(grids.values_list("code", "name", "parent__name")[: GRID_SELECT_MAX + 1])
        self.no_grids = not choices
        if len(choices) <= GRID_SELECT_MAX:
            field.widget = forms.Select(
                choices=[("", "—"), *((c, f"{v} · {n}") for c, n, v in choices)]
            )
        else:
            field.help_text = _("The 15-digit code of the grid, as on its page.")


class RevealForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=RevealReason.choices)
