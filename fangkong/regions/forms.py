from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.regions.choices import StaffKind
from fangkong.regions.models import Division, GridStaff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fangkong.accounts.models import User


class GridForm(forms.Form):
    name = forms.CharField(label=_("Grid name"), max_length=50)
    note = forms.CharField(
        label=_("Area covered"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Division.objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args: Any, grid: Division, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only grids the actor may see: a user whose home is a grid sees no other grid.
        field.queryset = (
            Division.objects.visible_to(actor)
            .filter(parent_id=grid.parent_id, level=grid.level, active=True)
            .exclude(pk=grid.pk)
        )
        field.to_field_name = "code"


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    kind = forms.ChoiceField(label=_("Kind"), choices=StaffKind.choices)
    party_organisation = forms.CharField(
        label=_("Party organisation"), required=False, max_length=100
    )


class StaffEditForm(StaffForm):
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class AssignForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Staff"), queryset=GridStaff.objects.none())

    def __init__(self, *args: Any, grid: Division, actor: User | AnonymousUser, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only staff the actor may see: the village's staff are outside a grid-level user's scope.
        field.queryset = (
            GridStaff.objects.visible_to(actor)
            .filter(division=grid.parent, active=True)
            .exclude(assignments__grid=grid, assignments__ended_at=None)
        )


class EndAssignmentForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=100)
