"""Forms of the medical staff app. They parse; the rules are the actions'."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from fangkong.care.choices import Urgency
from fangkong.core.parsing import DateField
from fangkong.medical.models import Facility, Ward
from fangkong.medical_staff.actions import MAX_DESCRIPTION
from fangkong.medical_staff.choices import ExposureKind, FamilyCareKind, ShiftKind, StaffRole
from fangkong.medical_staff.models import StaffMember
from fangkong.regions.models import Division
from fangkong.regions.widgets import DivisionCodeInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CODE_MAX = 15


class WardChoiceField(forms.ModelChoiceField[Ward]):
    def label_from_instance(self, obj: Ward) -> str:
        return f"{obj.name}（{obj.get_bed_type_display()}）"


class StaffFilterForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Facility"), queryset=Facility.objects.none(), required=False
    )
    q = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Facility.objects.visible_to(actor).order_by("name", "id")


class StaffForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    specialty = forms.CharField(label=_("Specialty"), max_length=50, required=False)
    ward = WardChoiceField(label=_("Ward"), queryset=Ward.objects.none(), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    doc_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        required=False,
        help_text=_(
            "Links the staff member to their record in the population register (needed to "
            "start an observation after an exposure and to care for their family). Leave "
            "empty to keep the link as it is."
        ),
    )
    active = forms.BooleanField(label=_("At work"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        actor: User | AnonymousUser,
        staff: StaffMember | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        facility = self.fields["facility"]
        ward = self.fields["ward"]
        assert isinstance(facility, forms.ModelChoiceField)
        assert isinstance(ward, forms.ModelChoiceField)
        facility.queryset = Facility.objects.visible_to(actor).order_by("name", "id")
        wards = Ward.objects.visible_to(actor).filter(active=True)
        if staff is not None:
            del self.fields["facility"]
            wards = wards.filter(facility_id=staff.facility_id)
        ward.queryset = wards.select_related("facility").order_by("facility", "bed_type", "name")


class ExposureForm(forms.Form):
    occurred_on = DateField(label=_("Exposed on"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=ExposureKind.choices)
    ward = WardChoiceField(label=_("Ward"), queryset=Ward.objects.none(), required=False)
    description = forms.CharField(
        label=_("What happened"), max_length=MAX_DESCRIPTION, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, staff: StaffMember, **kwargs: Any):
        super().__init__(*args, **kwargs)
        ward = self.fields["ward"]
        assert isinstance(ward, forms.ModelChoiceField)
        ward.queryset = Ward.objects.filter(facility_id=staff.facility_id).order_by("name")


class FamilyCareForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the family needs"), choices=FamilyCareKind.choices)
    grid = forms.CharField(
        label=_("The family's grid (division code)"),
        max_length=CODE_MAX,
        widget=DivisionCodeInput(),
        help_text=_(
            "Type the name or code of the grid where the family lives and pick from the list; "
            "the request goes to that grid."
        ),
    )
    family_doc_number = forms.CharField(
        label=_("ID number of the family member"),
        max_length=32,
        required=False,
        help_text=_(
            "Of the child, parent or spouse the help is for, registered in that grid. Leave "
            "empty for the staff member's own household there."
        ),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    description = forms.CharField(
        label=_("What is needed"), max_length=MAX_DESCRIPTION, widget=forms.Textarea({"rows": 3})
    )

    def clean_grid(self) -> Division:
        """Any grid of the province: the family often lives outside the hospital's county
        (the division tree itself is public statistical codes)."""
        code = self.cleaned_data["grid"].strip()
        grid = (
            Division.objects.filter(code=code, active=True).first()
            if code.isascii() and code.isdigit()
            else None
        )
        if grid is None or not grid.is_grid:
            raise forms.ValidationError(_("No grid with this code."))
        return grid


def cell_name(staff: StaffMember, day: dt.date) -> str:
    return f"s{staff.pk}_{day:%Y%m%d}"


class RosterForm(forms.Form):
    """A week of a facility's roster: one choice per staff member and day, "off" or a shift
    (in a ward of the facility, or without one)."""

    def __init__(
        self,
        *args: Any,
        staff: list[StaffMember],
        days: list[dt.date],
        wards: list[Ward],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.staff, self.days = staff, days
        self.wards = {str(w.pk): w for w in wards}
        choices: list[tuple[str, str]] = [("", str(pgettext("roster", "off duty")))]
        for kind in ShiftKind:
            choices.append((f"{kind.value}:", str(kind.label)))
            for ward in wards:
                choices.append((f"{kind.value}:{ward.pk}", f"{kind.label} · {ward.name}"))
        for member in staff:
            for day in days:
                self.fields[cell_name(member, day)] = forms.ChoiceField(
                    label=f"{member.name} {day:%m-%d}", choices=choices, required=False
                )

    def planned(self) -> list[tuple[StaffMember, dt.date, str, Ward | None]]:
        found = []
        for member in self.staff:
            for day in self.days:
                value = self.cleaned_data.get(cell_name(member, day)) or ""
                if not value:
                    continue
                kind, _sep, ward_id = value.partition(":")
                found.append((member, day, kind, self.wards.get(ward_id) if ward_id else None))
        return found


class RuleForm(forms.Form):
    """The province's rotation and rest rule (bounds checked by the action)."""

    max_days = forms.IntegerField(label=_("Most consecutive days in an isolation ward"))
    rest_days = forms.IntegerField(label=_("Days of rest after"))
