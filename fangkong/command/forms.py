"""Forms of the command pages: only parsing and bounds; the rules are the actions'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.command.choices import MemberRole, WorkField
from fangkong.command.models import GroupMember, LeadingGroup, WorkingGroup
from fangkong.core.parsing import DateField

DATE = forms.DateInput(attrs={"type": "date"})


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    office_name = forms.CharField(label=_("Office"), max_length=100, required=False)
    office_phone = forms.CharField(label=_("Office phone"), max_length=20, required=False)


class WorkingGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    field = forms.ChoiceField(label=_("Field"), choices=WorkField.choices)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    post = forms.CharField(label=_("Post"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)
    working_group = forms.ModelChoiceField(
        label=_("Working group"),
        queryset=WorkingGroup.objects.none(),
        required=False,
    )
    joined_on = DateField(label=_("Joined on"), required=False, widget=DATE)

    def __init__(self, *args: Any, group: LeadingGroup, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["working_group"]
        field.queryset = group.working_groups.all()


class ResponsibilityForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=GroupMember.objects.none())
    division = forms.RegexField(
        label=_("Division code"),
        regex=r"^\d{1,15}$",
        required=False,
        help_text=_("The code of a division inside the group's area; empty: a field only."),
    )
    field = forms.ChoiceField(
        label=_("Field"), choices=[("", "—"), *WorkField.choices], required=False
    )
    starts_on = DateField(label=_("From"), widget=DATE)
    ends_on = DateField(label=_("Until"), required=False, widget=DATE)

    def __init__(self, *args: Any, group: LeadingGroup, **kwargs: Any):
        super().__init__(*args, **kwargs)
        member: Any = self.fields["member"]
        member.queryset = group.members.filter(left_on__isnull=True)


class EndForm(forms.Form):
    on = DateField(label=_("Last day"), required=False, widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class SecretaryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    post = forms.CharField(label=_("Post"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    starts_on = DateField(label=_("From"), required=False, widget=DATE)
