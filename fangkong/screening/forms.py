from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import ActionError
from fangkong.core.parsing import DateField
from fangkong.core.validators import clean_phone
from fangkong.people.actions import clean_identity, clean_name
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
MAX_RECORD_ID = 2**63 - 1
# What the facts check (actions.clean_screening) is given in place of a value it refused, so
# that it goes on to find the next problem: every error of the form shows at the first submit.
NEUTRAL: dict[str, dict[str, Any]] = {
    "screened_on": {"screened_on": None},
    "temperature": {"temperature": "36.5"},
    "symptoms": {"symptoms": []},
    "arrival_date": {"arrival_date": None, "origin_code": "", "origin_name": ""},
    "origin_code": {"arrival_date": None, "origin_code": "", "origin_name": ""},
    "origin_name": {"arrival_date": None, "origin_code": "", "origin_name": ""},
    "travel": {"travel": []},
    "transport": {"transport": ""},
    "transport_number": {"transport_number": ""},
    "contact": {"contact": Contact.NONE, "contact_date": None},
    "contact_date": {"contact": Contact.NONE, "contact_date": None},
    "household_size": {"household_size": 1},
    "phone": {"phone": "13800000000"},
    "address": {"address": "-"},
    "measures": {"measures": ""},
}


TRAIN_NUMBER = re.compile(r"[GDCZTKYSL][0-9]{1,4}")
FLIGHT_NUMBER = re.compile(r"(?=[A-Z0-9]{2}[0-9])[A-Z0-9]{2}[0-9]{2,4}")


def transport_of(number: str | None) -> str:
    """The means of transport a train or flight number names (G1234: train; CZ6101: flight),
    so that a worker who typed the number need not pick it too."""
    text = "".join((number or "").split()).upper()
    if TRAIN_NUMBER.fullmatch(text):
        return Transport.TRAIN
    if FLIGHT_NUMBER.fullmatch(text):
        return Transport.FLIGHT
    return ""


def place_choices(
    key_areas: list[tuple[str, str]], extra: tuple[str, str] | None = None
) -> list[Any]:
    """The origin and travel pickers: the key areas first, then every province, by name only
    (a grid worker has no use for division codes). ``extra`` is a place carried over from a
    checkpoint or an earlier screening that is neither (a county: 420106 武汉市武昌区)."""
    provinces = [(code, name) for code, name in sorted(PROVINCES.items())]
    choices: list[Any] = [("", _("— none, or outside China —"))]
    known = {c for c, _n in key_areas} | set(PROVINCES)
    if extra and extra[0] and extra[0] not in known:
        choices.append(extra)
    if key_areas:
        choices.append((_("Key areas"), list(key_areas)))
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
    # a flagged traveller handed over by a checkpoint, screened with this form (its document
    # and phone come from the passage, on the server)
    handover = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_RECORD_ID
    )
    # the screening of the household member registered just before (同户下一位)
    household_of = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_RECORD_ID
    )

    def __init__(
        self,
        *args: Any,
        actor: User | AnonymousUser,
        key_areas: list[tuple[str, str]],
        grids: list[Division] | None = None,
        extra_place: tuple[str, str] | None = None,
        held_document: bool = False,
        held_phone: str = "",
        **kwargs: Any,
    ):
        """``held_document``: the document comes from the server (a hand-over's passage), and
        the form has no field for it. ``held_phone``: a phone the server holds (masked here),
        used when the phone field is left empty."""
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("screened_on", timezone.localdate())
        kwargs["initial"].setdefault("client_uuid", uuid.uuid4())
        super().__init__(*args, **kwargs)
        grid = self.fields["grid"]
        assert isinstance(grid, GridField)
        grid.actor = actor
        if grids is not None:
            grid.widget = forms.Select(choices=[(g.code, g.name) for g in grids])
        if held_document:
            del self.fields["doc_type"], self.fields["doc_number"]
        if held_phone:
            phone = self.fields["phone"]
            phone.required = False
            phone.help_text = _("Leave empty to keep %(phone)s.") % {"phone": held_phone}
        places = place_choices(key_areas, extra_place)
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
        if extra_place and extra_place[0]:
            self.labels.setdefault(extra_place[0], extra_place[1])

    def travel_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"travel_code_{i}"], self[f"travel_name_{i}"], self[f"travel_date_{i}"])
            for i in range(TRAVEL_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        """Every problem at once: the identity (the ID number's check character), the phone and
        the facts the action would refuse, each beside its field, together with the missing
        fields Django found."""
        data = super().clean() or {}
        self._check(lambda: clean_name(data["name"]) if data.get("name") else None)
        if "doc_number" in self.fields and data.get("doc_number"):
            self._check(
                lambda: clean_identity(
                    data.get("doc_type") or DocType.RESIDENT_ID,
                    data["doc_number"],
                    data.get("sex") or None,
                    data.get("birth_date"),
                )
            )
        if data.get("phone"):
            self._check(lambda: clean_phone(data["phone"]))
        self._check_facts(data)
        return data

    def _check(self, call: Any) -> None:
        try:
            call()
        except ActionError as exc:
            self._add(exc)

    def _add(self, exc: ActionError) -> None:
        field = exc.field if exc.field in self.fields else None
        if field is not None and field in self.errors:
            return  # the field's own check said it first
        self.add_error(field, exc.message)

    def _check_facts(self, data: dict[str, Any]) -> None:
        from fangkong.screening.actions import clean_screening

        facts: dict[str, Any] = {
            name: data.get(name)
            for name in (
                "screened_on",
                "temperature",
                "symptoms",
                "phone",
                "address",
                "arrival_date",
                "origin_code",
                "origin_name",
                "transport",
                "transport_number",
                "contact",
                "contact_date",
                "household_size",
                "measures",
            )
        }
        facts["travel"] = self.travel()
        for name in list(facts):
            if name in self.errors or (name != "travel" and name not in data):
                facts.update(NEUTRAL.get(name, {name: None}))
        if not facts["phone"]:
            facts.update(NEUTRAL["phone"])  # missing (or held by the server): said elsewhere
        if not facts["address"]:
            facts.update(NEUTRAL["address"])
        facts["contact"] = facts["contact"] or Contact.NONE
        for _round in range(len(NEUTRAL)):
            try:
                clean_screening(**facts)
                return
            except ActionError as exc:
                self._add(exc)
                neutral = NEUTRAL.get(exc.field or "")
                if neutral is None:
                    return
                facts.update(neutral)

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
        data["transport"] = data.get("transport") or transport_of(data.get("transport_number"))
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
