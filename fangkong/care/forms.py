from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.care.actions import MAX_DESCRIPTION, MAX_NOTE
from fangkong.care.choices import CareKind, CareStatus, Urgency
from fangkong.care.models import CareRequest
from fangkong.care.selectors import assignable_staff
from fangkong.core.parsing import DateField
from fangkong.people.models import Household, Person
from fangkong.regions.models import Division, GridStaff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} · {obj.address}" if obj.address else obj.name


class StaffChoiceField(forms.ModelChoiceField[GridStaff]):
    def label_from_instance(self, obj: GridStaff) -> str:
        org = f" · {obj.party_organisation}" if obj.party_organisation else ""
        return f"{obj.name}{org}"


class CareRequestForm(forms.Form):
    person = PersonChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Who needs the help; or choose only the household."),
    )
    household = forms.ModelChoiceField(
        label=_("Household"), queryset=Household.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Kind of help"), choices=CareKind.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    description = forms.CharField(
        label=_("What is needed"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requested_on = DateField(label=_("Requested on"), required=False, widget=DateInput)
    due_on = DateField(
        label=_("Due on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for the default: medicine 1 day, food 2 days, anything else 3."),
    )

    def __init__(self, *args: Any, grid: Division, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        household = self.fields["household"]
        assert isinstance(person, forms.ModelChoiceField)
        assert isinstance(household, forms.ModelChoiceField)
        # Only people and households of this grid that the actor may see: anyone else is
        # refused like a choice that does not exist.
        person.queryset = (
            Person.objects.visible_to(actor).filter(grid=grid).order_by("address", "name", "id")
        )
        household.queryset = (
            Household.objects.visible_to(actor).filter(grid=grid).order_by("address", "id")
        )


class AssignForm(forms.Form):
    staff = StaffChoiceField(label=_("Party member"), queryset=GridStaff.objects.none())

    def __init__(self, *args: Any, care: CareRequest, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = assignable_staff(actor, care.grid)


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilterForm(forms.Form):
    """The list's filters that are plain values; the area and the grid are codes, resolved
    through the user's jurisdiction by the view."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any status")), *CareStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any kind")), *CareKind.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
