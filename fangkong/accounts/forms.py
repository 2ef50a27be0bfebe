from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.regions.models import Division


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. After 5 failures within 15 minutes the "
            "account is locked for 15 minutes."
        ),
        "inactive": _("This account has been deactivated."),
    }


class DivisionCodeField(forms.CharField):
    """A division chosen by its code, limited to what the actor may see."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("max_length", 15)
        super().__init__(*args, **kwargs)
        self.actor: User | None = None

    def clean(self, value: Any) -> Division:
        code = super().clean(value)
        division = Division.objects.visible_to(self.actor).filter(code=code.strip()).first()
        if division is None:
            raise forms.ValidationError(_("No division with this code in your jurisdiction."))
        return division


class UserForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Letters, digits and @ . + - _ only.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    title = forms.CharField(label=_("Position"), max_length=50, required=False)
    home_division = DivisionCodeField(label=_("Home division code"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["home_division"]
        assert isinstance(field, DivisionCodeField)
        field.actor = actor


class UserEditForm(UserForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["password"]
        del self.fields["username"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)


class OwnPasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput, strip=False
    )
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    username = forms.CharField(label=_("Acts as user"), max_length=150)
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows now, or one recovery code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
