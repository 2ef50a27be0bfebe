"""Forms of admission and transfer: each parses input once; the actions check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.cases.choices import Severity
from fangkong.regions.widgets import DivisionCodeInput
from fangkong.treatment.choices import OrderKind, OrderState, Transport


class OrderFilterForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Orders"),
        required=False,
        choices=[
            ("", _("all I see")),
            ("in", _("to my facilities")),
            ("out", _("for my patients")),
        ],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("any")), ("open", _("open")), *OrderState.choices],
    )
    overdue = forms.BooleanField(label=_("not answered in 2 hours"), required=False)


class AdmitForm(forms.Form):
    ward = forms.TypedChoiceField(label=_("Bed"), coerce=int, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = choices  # type: ignore[attr-defined]
        if choices and not self.is_bound:
            self.initial.setdefault("ward", choices[0][0])


class TransferForm(AdmitForm):
    kind = forms.ChoiceField(
        label=_("Transfer"),
        choices=[
            (OrderKind.TRANSFER_UP.value, OrderKind.TRANSFER_UP.label),
            (OrderKind.TRANSFER_DOWN.value, OrderKind.TRANSFER_DOWN.label),
        ],
    )
    severity = forms.ChoiceField(
        label=_("New clinical severity"),
        required=False,
        choices=[("", _("unchanged")), *Severity.choices],
    )


class NeedForm(forms.Form):
    """What a transfer is for, before the beds are listed (GET)."""

    kind = TransferForm.base_fields["kind"]
    severity = TransferForm.base_fields["severity"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TransportForm(forms.Form):
    transport = forms.ChoiceField(
        label=pgettext_lazy("patient transfer", "Transport"), choices=Transport.choices
    )


class PlanForm(forms.Form):
    division = forms.CharField(
        label=_("Patients waiting in"),
        max_length=20,
        widget=DivisionCodeInput(),
        help_text=_("Type a name: the waiting patients of this area are placed."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_division(self) -> Any:
        division = division_of(self.cleaned_data["division"], self.actor)
        if division is None:
            raise forms.ValidationError(_("No division with this code in your jurisdiction."))
        return division


class PolicyForm(forms.Form):
    mild_to_makeshift = forms.BooleanField(
        label=_("Mild cases and asymptomatic infections may go to makeshift hospitals (方舱医院)"),
        required=False,
    )


def division_of(code: str, actor: Any) -> Any:
    """A division of the actor's jurisdiction by its code (None when not found there)."""
    from fangkong.regions.models import Division

    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()):
        return None
    return Division.objects.visible_to(actor).filter(code=code, active=True).first()
