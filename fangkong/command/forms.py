"""Forms of the command pages: only parsing and bounds; the rules are the actions'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.command.choices import Department, DirectiveKind, MemberRole, VenueKind, WorkField
from fangkong.command.models import GroupMember, LeadingGroup, WorkingGroup
from fangkong.core.parsing import DateField
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

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


# --- directives and venues ---------------------------------------------------------------------

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the checks by content are the actions')."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DeadlineField(forms.DateTimeField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs.setdefault("widget", DATETIME)
        super().__init__(*args, **kwargs)


class DirectiveForm(forms.Form):
    """Issue a directive: recipients are the issuer's child divisions (checkboxes) or every
    division of a level below it."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DirectiveKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    content = forms.CharField(label=_("Content"), max_length=20000, widget=forms.Textarea)
    feedback_required = forms.CharField(
        label=_("Feedback required"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What each recipient must report when it completes."),
    )
    deadline = DeadlineField(label=_("Deadline"))
    recipients = forms.MultipleChoiceField(
        label=_("Recipients"), required=False, widget=forms.CheckboxSelectMultiple
    )
    level = forms.TypedChoiceField(
        label=_("Or every division of this level under me"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    departments = forms.MultipleChoiceField(
        label=_("Departments"),
        required=False,
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Addressed to these departments at each recipient (or at your division)."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint or images, at most 20 MB each."),
    )

    def __init__(self, *args: Any, issuer: Division, **kwargs: Any):
        super().__init__(*args, **kwargs)
        children = Division.objects.filter(parent=issuer, active=True).order_by("code")
        recipients: Any = self.fields["recipients"]
        recipients.choices = [
            (issuer.code, _("%(name)s (its departments)") % {"name": issuer.name}),
            *((d.code, d.name) for d in children),
        ]
        level: Any = self.fields["level"]
        level.choices = [("", "—"), *((v, lbl) for v, lbl in Level.choices if v > issuer.level)]


class ProgressForm(forms.Form):
    progress = forms.CharField(
        label=_("Progress"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attachment = forms.FileField(label=_("Evidence file"), required=False)


class PassOnForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label=_("Pass on to"), required=False, widget=forms.CheckboxSelectMultiple
    )
    level = forms.TypedChoiceField(
        label=_("Or every division of this level under us"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    deadline = DeadlineField(label=_("Deadline"), required=False)

    def __init__(self, *args: Any, division: Division, **kwargs: Any):
        super().__init__(*args, **kwargs)
        children = Division.objects.filter(parent=division, active=True).order_by("code")
        recipients: Any = self.fields["recipients"]
        recipients.choices = [(d.code, d.name) for d in children]
        level: Any = self.fields["level"]
        level.choices = [("", "—"), *((v, lbl) for v, lbl in Level.choices if v > division.level)]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=VenueKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class VenueEditForm(VenueForm):
    active = forms.BooleanField(label=_("In use"), required=False)
