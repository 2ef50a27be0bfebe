"""Screens of the command app: the leading groups of the jurisdiction, a group's page with
its members, working groups and 包保 responsibilities (and the forms that change them), a
division's secretary, and the chain of a village or grid. Thin: parse, check the role, call
one action, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.command import actions, selectors
from fangkong.command.forms import (
    EndForm,
    GroupForm,
    MemberForm,
    ResponsibilityForm,
    SecretaryForm,
    WorkingGroupForm,
)
from fangkong.command.models import GroupMember, LeadingGroup, Responsibility, Secretary
from fangkong.command.permissions import CommandPerm as Perm
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of
from fangkong.core.permissions import require
from fangkong.regions.choices import Level
from fangkong.regions.models import Division

CODE = r"^\d{1,15}$"


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    require(request, Perm.VIEW_GROUP)
    new = (request.GET.get("new") or "").strip()
    if new and request.user.has_perm(Perm.MANAGE_GROUP) and new.isascii() and new.isdigit():
        division = Division.objects.visible_to(request.user).filter(code=new[:15]).first()
        if division is not None:
            return redirect("command:group_new", code=division.code)
        messages.error(request, _("No division with this code in your jurisdiction."))
    return render(
        request,
        "command/list.html",
        {
            "groups": selectors.groups(request.user),
            "can_manage": request.user.has_perm(Perm.MANAGE_GROUP),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest, code: str) -> HttpResponse:
    division: Division = get_visible_or_404(Division.objects.all(), request.user, code=code)
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    initial = {
        "name": f"{division.name}新冠肺炎疫情防控工作领导小组",
        "office_name": "领导小组办公室",
    }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        group = run_action(
            form, lambda: actions.create_group(actor=actor, division=division, **form.cleaned_data)
        )
        if group is not None:
            messages.success(request, _("%(name)s set up.") % {"name": group.name})
            return redirect(group.get_absolute_url())
    return render(
        request, "command/group_form.html", {"form": form, "division": division, "group": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group: LeadingGroup = get_visible_or_404(
        LeadingGroup.objects.select_related("division"), request.user, pk=pk
    )
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    initial = {
        "name": group.name,
        "office_name": group.office_name,
        "office_phone": group.office_phone,
    }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.update_group(actor=actor, group=group, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("%(name)s saved.") % {"name": done.name})
            return redirect(done.get_absolute_url())
    return render(
        request,
        "command/group_form.html",
        {"form": form, "division": group.division, "group": group},
    )


def _group(request: HttpRequest, pk: int) -> LeadingGroup:
    group: LeadingGroup = get_visible_or_404(
        LeadingGroup.objects.select_related("division"), request.user, pk=pk
    )
    return group


def _group_page(request: HttpRequest, group: LeadingGroup, **bound: forms.Form) -> HttpResponse:
    forms_: dict[str, Any] = {
        "working_group_form": WorkingGroupForm(),
        "member_form": MemberForm(group=group),
        "responsibility_form": ResponsibilityForm(group=group),
        "end_form": EndForm(),
    }
    forms_.update(bound)
    return render(
        request,
        "command/group.html",
        {
            "group": group,
            "members": selectors.members(group),
            "working_groups": group.working_groups.all(),
            "responsibilities": selectors.responsibilities(group),
            "can_manage": request.user.has_perm(Perm.MANAGE_GROUP),
            **forms_,
        },
    )


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    require(request, Perm.VIEW_GROUP)
    return _group_page(request, group)


@login_required
@require_POST
def working_group_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    form = WorkingGroupForm(request.POST)
    if form.is_valid() and (
        run_action(
            form, lambda: actions.add_working_group(actor=actor, group=group, **form.cleaned_data)
        )
        is not None
    ):
        messages.success(request, _("Working group added."))
        return redirect(group.get_absolute_url())
    return _group_page(request, group, working_group_form=form)


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    form = MemberForm(request.POST, group=group)
    if form.is_valid() and (
        run_action(form, lambda: actions.add_member(actor=actor, group=group, **form.cleaned_data))
        is not None
    ):
        messages.success(request, _("Member added."))
        return redirect(group.get_absolute_url())
    return _group_page(request, group, member_form=form)


@login_required
@require_POST
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member: GroupMember = get_visible_or_404(
        GroupMember.objects.select_related("group__division"), request.user, pk=pk
    )
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    form = EndForm(request.POST)
    if form.is_valid() and (
        run_action(
            form,
            lambda: actions.end_member(
                actor=actor,
                member=member,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            ),
        )
        is not None
    ):
        messages.success(request, _("%(name)s has left the group.") % {"name": member.name})
        return redirect(member.group.get_absolute_url())
    return _group_page(request, member.group, end_form=form)


@login_required
@require_POST
def responsibility_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    form = ResponsibilityForm(request.POST, group=group)
    if form.is_valid():
        code = form.cleaned_data["division"]
        division = None
        if code:
            division = Division.objects.visible_to(actor).filter(code=code).first()
            if division is None:
                form.add_error("division", _("No division with this code in your jurisdiction."))
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.assign_responsibility(
                actor=actor,
                member=form.cleaned_data["member"],
                division=division,
                field=form.cleaned_data["field"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            ),
        )
        if done is not None:
            messages.success(request, _("Responsibility assigned."))
            return redirect(group.get_absolute_url())
    return _group_page(request, group, responsibility_form=form)


@login_required
@require_POST
def responsibility_end(request: HttpRequest, pk: int) -> HttpResponse:
    resp: Responsibility = get_visible_or_404(
        Responsibility.objects.select_related("group__division"), request.user, pk=pk
    )
    require(request, Perm.MANAGE_GROUP)
    actor = user_of(request)
    form = EndForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.end_responsibility(
                actor=actor,
                responsibility=resp,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if done is not None:
            messages.success(request, _("Responsibility ended."))
            return redirect(resp.group.get_absolute_url())
    return _group_page(request, resp.group, end_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def secretary(request: HttpRequest, code: str) -> HttpResponse:
    division: Division = get_visible_or_404(
        Division.objects.filter(level__lt=Level.GRID), request.user, code=code
    )
    require(request, Perm.MANAGE_SECRETARY)
    actor = user_of(request)
    form = SecretaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.set_secretary(actor=actor, division=division, **form.cleaned_data)
        )
        if done is not None:
            messages.success(
                request, _("Secretary of %(division)s recorded.") % {"division": division.name}
            )
            return redirect("command:chain", code=division.code)
    history = Secretary.objects.filter(division=division).order_by("-starts_on", "-id")
    return render(
        request, "command/secretary.html", {"form": form, "division": division, "history": history}
    )


@login_required
def chain(request: HttpRequest, code: str) -> HttpResponse:
    division: Division = get_visible_or_404(Division.objects.all(), request.user, code=code)
    require(request, Perm.VIEW_CHAIN)
    return render(
        request,
        "command/chain.html",
        {
            "division": division,
            "links": selectors.chain(division),
            "can_set_secretary": request.user.has_perm(Perm.MANAGE_SECRETARY),
        },
    )
