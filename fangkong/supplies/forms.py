"""Forms of the ledger's pages. Quantities are read as text and parsed by
``actions.quantity`` (the one parser for every path: forms, API, imports), so that ``2.5`` and
``-3`` get the same message wherever they are typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.medical.models import Facility
from fangkong.regions.models import Division
from fangkong.supplies.actions import MANUAL_KINDS
from fangkong.supplies.choices import ItemCategory, MovementKind, Priority, StoreKind
from fangkong.supplies.models import Item

if TYPE_CHECKING:
    from fangkong.accounts.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = forms.TextInput(
    attrs={"inputmode": "numeric", "pattern": "-?[0-9]*", "autocomplete": "off"}
)


def item_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(pk), f"{name}（{unit}）")
        for pk, name, unit in Item.objects.filter(active=True).values_list("pk", "name", "unit")
    ]


class ItemField(forms.ChoiceField):
    """An item of the catalogue by id; an unknown or retired one is "not in the catalogue"."""

    default_error_messages = {"invalid_choice": _("Choose an item of the catalogue.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=item_choices, **kwargs)

    def clean(self, value: Any) -> Item | None:
        value = super().clean(value)
        if not value:
            return None
        item = Item.objects.filter(pk=int(value), active=True).first()
        if item is None:
            raise forms.ValidationError(_("Choose an item of the catalogue."))
        return item


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=60)
    category = forms.ChoiceField(label=_("Category"), choices=ItemCategory.choices)
    unit = forms.CharField(
        label=_("Unit"), max_length=10, help_text=_("What is counted: 只, 件, 副, 瓶(500 ml), 台…")
    )
    standard = forms.CharField(label=_("Standard"), max_length=40, required=False)
    alert_days = forms.IntegerField(
        label=_("Alert below days of supply"), min_value=1, max_value=90, required=False
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class StoreFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all")), *StoreKind.choices], required=False
    )
    q = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class StoreForm(forms.Form):
    """A warehouse of a division (by code) or the store of a facility of the user's area."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    division = forms.CharField(
        label=_("Division code"),
        max_length=15,
        required=False,
        help_text=_("For a warehouse: the division it belongs to."),
    )
    facility = forms.ChoiceField(
        label=_("Medical facility"),
        required=False,
        help_text=_(
            "For a facility's store: the facility (its place and priority are taken from it)."
        ),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=8, decimal_places=6, required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.COMMUNITY
    )
    active = forms.BooleanField(label=_("Open"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if editing:
            del self.fields["division"]
            del self.fields["facility"]
        else:
            facilities = (
                Facility.objects.visible_to(actor)
                .filter(store__isnull=True, active=True)
                .order_by("name")
            )
            field = self.fields["facility"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "—")] + [(str(f.pk), f.name) for f in facilities[:500]]

    def clean_division(self) -> Division | None:
        code = (self.cleaned_data.get("division") or "").strip()
        if not code:
            return None
        division = Division.objects.visible_to(self.actor).filter(code=code, active=True).first()
        if division is None:
            raise forms.ValidationError(_("No division with this code in your jurisdiction."))
        return division

    def clean_facility(self) -> Facility | None:
        value = self.cleaned_data.get("facility")
        if not value:
            return None
        facility = Facility.objects.visible_to(self.actor).filter(pk=int(value)).first()
        if facility is None:
            raise forms.ValidationError(_("Choose a medical facility."))
        return facility

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "division" in self.fields and not data.get("division") and not data.get("facility"):
            raise forms.ValidationError(_("Give the division of a warehouse or choose a facility."))
        return data


class BookForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Movement"),
        choices=[(k.value, k.label) for k in MovementKind if k in MANUAL_KINDS],
    )
    item = ItemField(label=_("Item"))
    quantity = forms.CharField(
        label=_("Quantity"),
        max_length=16,
        widget=NUMBER,
        help_text=_("An adjustment may be negative (−5 takes five away)."),
    )
    day = DateField(label=_("Day"), widget=DATE, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class DayForm(forms.Form):
    """The day of a consumption report or a stock count, and the counted or used quantity of
    each item the store holds (``item_<id>``, read by the view)."""

    day = DateField(label=_("Day"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class LedgerFilterForm(forms.Form):
    store = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    item = forms.ChoiceField(label=_("Item"), required=False)
    kind = forms.ChoiceField(
        label=_("Movement"), choices=[("", _("all")), *MovementKind.choices], required=False
    )
    since = DateField(label=_("From"), widget=DATE, required=False)
    until = DateField(label=_("To"), widget=DATE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("all")), *item_choices()[1:]]
