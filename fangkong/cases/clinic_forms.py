"""Forms of the fever clinic: register a patient, the doctor's decision, the list filters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import Decision, Importation, Occupation
from fangkong.cases.clinic import CLINIC_KINDS
from fangkong.core.parsing import DateField
from fangkong.medical.models import Facility
from fangkong.people.choices import DocType, Symptom
from fangkong.people.forms import GridCodeField, TemperatureField
from fangkong.regions.models import Division
from fangkong.regions.widgets import DivisionCodeInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from fangkong.accounts.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def clinics_of(user: User | AnonymousUser) -> QuerySet[Facility]:
    """The open fever clinics (and designated hospitals) in the user's jurisdiction."""
    return Facility.objects.visible_to(user).filter(kind__in=CLINIC_KINDS, active=True)


class FindPersonForm(forms.Form):
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class OptionalGridCodeField(GridCodeField):
    """A grid by its code, or nothing (the person is already registered)."""

    def clean(self, value: Any) -> Division | None:  # type: ignore[override]
        if not (value or "").strip():
            return None
        return super().clean(value)


class VisitForm(forms.Form):
    """A patient at the fever clinic: who (found by document number, or registered here in a
    grid of the clinic's jurisdiction), when, temperature, symptoms and the history."""

    facility = forms.ModelChoiceField(label=_("Fever clinic"), queryset=Facility.objects.none())
    doc_type = forms.ChoiceField(
        label=_("Document type"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(
        label=_("Full name"),
        max_length=50,
        required=False,
        help_text=_("Only for a person not yet registered."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    grid = OptionalGridCodeField(
        label=_("Grid code"),
        required=False,
        help_text=_("The grid where a new person lives."),
    )
    visited_at = forms.DateTimeField(label=_("Time of the visit"), widget=MOMENT)
    temperature = TemperatureField()
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    epi_history = forms.CharField(
        label=_("Epidemiological history"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Pre-filled from the screenings, observations and passages; correct it."),
    )

    def __init__(self, *args: Any, actor: User | AnonymousUser, known: bool = False, **kwargs: Any):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "visited_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        facility = self.fields["facility"]
        assert isinstance(facility, forms.ModelChoiceField)
        facility.queryset = clinics_of(actor).order_by("name")
        facility.error_messages["invalid_choice"] = _(
            "No open fever clinic with this number in your jurisdiction."
        )
        grid = self.fields["grid"]
        assert isinstance(grid, GridCodeField)
        grid.grids = Division.objects.visible_to(actor).active_grids()
        self.known = known
        if known:  # the person is found: the fields of a new person are not asked
            for name in ("name", "phone", "address", "grid"):
                self.fields[name].widget = forms.HiddenInput()


class DecisionForm(forms.Form):
    """The doctor's decision; for a suspected case, the fields of the report card."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in Decision.choices if c[0] != Decision.PENDING],
        widget=forms.RadioSelect,
    )
    doctor = forms.CharField(label=_("Doctor"), max_length=50)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    last_exposure = DateField(
        label=_("Last exposure"),
        required=False,
        widget=DATE,
        help_text=_("Home observation: 14 days from this day (default: from the history)."),
    )
    address = forms.CharField(label=_("Current address"), max_length=200, required=False)
    address_division = forms.CharField(
        label=_("Division code of the current address"),
        max_length=15,
        required=False,
        widget=DivisionCodeInput(),
        help_text=_("Type a name or code and pick from the list."),
    )
    onset_date = DateField(label=_("Onset date"), required=False, widget=DATE)
    occupation = forms.ChoiceField(
        label=_("Occupation"),
        choices=Occupation.choices,
        initial=Occupation.UNKNOWN,
        required=False,
    )
    workplace = forms.CharField(label=_("Workplace or school"), max_length=100, required=False)
    import_status = forms.ChoiceField(
        label=_("Import status"),
        choices=Importation.choices,
        initial=Importation.LOCAL,
        required=False,
    )
    origin = forms.CharField(label=_("Imported from"), max_length=100, required=False)

    CASE_FIELDS = (
        "address",
        "address_division",
        "onset_date",
        "occupation",
        "workplace",
        "import_status",
        "origin",
    )

    def __init__(self, *args: Any, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_address_division(self) -> Division | None:
        code = (self.cleaned_data.get("address_division") or "").strip()
        if not code:
            return None
        # the patient may live in another county (a commuter): any real division (ADR 0015)
        found = Division.objects.filter(code=code, active=True) if code.isdigit() else None
        division = found.first() if found is not None else None
        if division is None:
            raise forms.ValidationError(_("No division with this code."))
        return division

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["occupation"] = data.get("occupation") or Occupation.UNKNOWN
        data["import_status"] = data.get("import_status") or Importation.LOCAL
        if data.get("decision") == Decision.SUSPECTED:
            if not data.get("address_division") and "address_division" not in self.errors:
                self.add_error("address_division", _("Choose the division of the current address."))
            if not (data.get("address") or "").strip():
                self.add_error("address", _("Enter the current address."))
            if not data.get("onset_date"):
                self.add_error("onset_date", _("Enter the date the symptoms began."))
        return data


class VisitFilterForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("all")), *Decision.choices], required=False
    )
    day = DateField(label=_("Day"), required=False, widget=DATE)
