"""Forms of the checkpoint pages. They check types; the rules are the actions' (intake.py), whose
problems the views put back on the field they are about."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.choices import Direction, Outcome, SiteKind
from fangkong.checkpoints.intake import MAX_PEOPLE, PersonInput
from fangkong.people.choices import DocType
from fangkong.people.forms import TemperatureField
from fangkong.people.idcard import PROVINCES
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User

ABROAD = "abroad"
HOME_PROVINCE = "22"  # most travellers at a Jilin checkpoint come from Jilin


class DivisionChoiceField(forms.ModelChoiceField[Division]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=SiteKind.choices)
    division = DivisionChoiceField(
        label=_("Run by (county or township)"),
        queryset=Division.objects.none(),
        to_field_name="code",
    )
    longitude = forms.DecimalField(
        label=_("Longitude (E)"),
        max_digits=10,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        help_text=_("Decimal degrees, e.g. 125.3245"),
    )
    latitude = forms.DecimalField(
        label=_("Latitude (N)"),
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        help_text=_("Decimal degrees, e.g. 43.8168"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["division"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Division.objects.visible_to(actor)
            .filter(level__in=[Level.COUNTY, Level.TOWNSHIP], active=True)
            .order_by("code")
        )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class TokensForm(forms.Form):
    """The terminal tokens that may register passages at a checkpoint."""

    tokens = forms.TypedMultipleChoiceField(
        label=_("Terminal tokens"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A token bound here may register passages at this checkpoint (and at the others it "
            "is bound to) only; a token bound to no checkpoint registers none."
        ),
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["tokens"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = choices


# --- registering a passage ---------------------------------------------------------------------


class PassageForm(forms.Form):
    # Chosen when the form is shown, so that submitting it twice registers one passage.
    uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)
    plate = forms.CharField(
        label=_("Plate"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "placeholder": "吉A12345"}),
        help_text=_("Leave empty for people on foot."),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.IN,
        widget=forms.RadioSelect,
    )
    passed_at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Empty: now."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)


def origin_choices() -> list[tuple[str, str]]:
    return [
        *((code, name) for code, name in sorted(PROVINCES.items())),
        (ABROAD, str(_("Abroad"))),
    ]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    doc_type = forms.ChoiceField(
        label=_("Document"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    doc_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    temperature = TemperatureField()
    origin = forms.ChoiceField(
        label=_("Coming from"), choices=origin_choices, initial=HOME_PROVINCE
    )
    origin_detail = forms.CharField(
        label=_("City or country"),
        required=False,
        max_length=60,
        help_text=_("e.g. 武汉市; the country when coming from abroad"),
    )
    destination = forms.CharField(
        label=_("Going to (grid, village or county)"),
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Type a name or code and pick from the list."),
    )
    destination_detail = forms.CharField(label=_("Address"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Suggestions as the destination is typed: htmx fills the row's own <datalist>.
        self.fields["destination"].widget.attrs.update(
            {
                "list": self.datalist_id,
                "hx-get": reverse("checkpoints:destinations"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{self.datalist_id}",
                "hx-sync": "this:replace",
            }
        )

    @property
    def datalist_id(self) -> str:
        return f"dest-{self.prefix or 'person'}"

    def to_input(self) -> PersonInput:
        data = self.cleaned_data
        origin = data["origin"]
        detail = data.get("origin_detail", "")
        abroad = origin == ABROAD
        return PersonInput(
            name=data["name"],
            doc_type=data["doc_type"],
            doc_number=data["doc_number"],
            phone=data["phone"],
            temperature=data["temperature"],
            origin_code="" if abroad else origin,
            origin_name=detail if abroad else f"{PROVINCES.get(origin, '')}{detail}",
            origin_abroad=abroad,
            destination=data.get("destination", ""),
            destination_detail=data.get("destination_detail", ""),
        )


PersonFormSet = forms.formset_factory(
    PersonForm, extra=1, max_num=MAX_PEOPLE, absolute_max=MAX_PEOPLE, validate_max=True
)
PEOPLE_PREFIX = "people"

# Where a problem about a person's field (intake.py) shows on the form.
PERSON_FIELD = {"origin_code": "origin", "origin_name": "origin_detail"}


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


# --- the destination's side --------------------------------------------------------------------


class HandleForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What was done"), choices=[("", "—"), *Outcome.choices])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
