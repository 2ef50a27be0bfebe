"""Forms of tracing: a contact of a case, the grid where a contact is registered, a note, and
the filters of the lists. They parse; the rules are the actions'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.parsing import DateField
from fangkong.people.choices import DocType
from fangkong.regions.models import Division
from fangkong.regions.widgets import DivisionCodeInput
from fangkong.tracing.actions import MAX_ADDRESS, MAX_NOTE
from fangkong.tracing.choices import ContactKind, ContactStatus, HandoverState, Relation
from fangkong.tracing.models import Contact

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User
    from fangkong.cases.models import Case

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CODE_MAX = 15


class SourceChoiceField(forms.ModelChoiceField[Contact]):
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.name} · {obj.get_relation_display()}"


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    doc_type = forms.ChoiceField(
        label=_("Document type"), choices=DocType.choices, initial=DocType.RESIDENT_ID
    )
    doc_number = forms.CharField(label=_("Document number"), max_length=32)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=MAX_ADDRESS, required=False)
    residence = forms.CharField(
        label=_("Lives in (division code)"),
        max_length=CODE_MAX,
        widget=DivisionCodeInput(),
        help_text=_(
            "Type the name or code of the county, street, community or grid where the contact "
            "lives and pick from the list; a contact living in another county is handed over "
            "to it."
        ),
    )
    relation = forms.ChoiceField(label=_("Relation to the case"), choices=Relation.choices)
    first_exposure = DateField(label=_("First exposure"), widget=DATE)
    last_exposure = DateField(label=_("Last exposure"), widget=DATE)
    protected = forms.BooleanField(label=_("Protected during the exposure"), required=False)
    source_contact = SourceChoiceField(
        label=_("Met the close contact (secondary contact)"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("Leave empty for a contact of the case itself."),
    )

    def __init__(self, *args: Any, case: Case, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        source = self.fields["source_contact"]
        assert isinstance(source, forms.ModelChoiceField)
        source.queryset = (
            Contact.objects.visible_to(actor)
            .filter(case=case, kind=ContactKind.CLOSE)
            .order_by("name", "id")
        )

    def clean_residence(self) -> Division:
        """Any real division: where a contact lives is often outside the investigator's
        jurisdiction (the division tree itself is public statistical codes)."""
        code = self.cleaned_data["residence"].strip()
        division = (
            Division.objects.filter(code=code, active=True).first()
            if code.isascii() and code.isdigit()
            else None
        )
        if division is None:
            raise forms.ValidationError(_("No division with this code."))
        return division


class GridForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Division.objects.none())

    def __init__(self, *args: Any, area: Division, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        grid = self.fields["grid"]
        assert isinstance(grid, forms.ModelChoiceField)
        grid.queryset = (
            Division.objects.visible_to(actor)
            .active_grids()
            .filter(path__startswith=area.path)
            .select_related("parent")
            .order_by("path")
        )
        grid.label_from_instance = (  # type: ignore[method-assign]
            lambda d: f"{d.parent.name} · {d.name}" if d.parent else d.name  # type: ignore[assignment]
        )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("What was tried"), max_length=MAX_NOTE)


class ContactFilterForm(forms.Form):
    county = forms.CharField(label=_("Division code"), max_length=CODE_MAX, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all")), *ContactStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all")), *ContactKind.choices], required=False
    )
    case = forms.CharField(label=_("Case number"), max_length=20, required=False)
    q = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


DIRECTIONS = [
    ("in", _("handed over to us")),
    ("out", _("handed over by us")),
    ("escalated", _("escalated to us")),
]


class HandoverFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"), choices=DIRECTIONS, required=False, initial="in"
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("all")), *HandoverState.choices], required=False
    )
