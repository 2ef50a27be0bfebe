"""Login, users and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.accounts import actions
from fangkong.accounts.forms import (
    LoginForm,
    OwnPasswordForm,
    PasswordResetForm,
    TokenForm,
    UserEditForm,
    UserForm,
)
from fangkong.accounts.models import ApiToken, User
from fangkong.core.forms import run_action
from fangkong.core.jurisdiction import get_visible_or_404, user_of

PAGE = 50


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        actions.record_login(user=form.get_user())
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        actions.record_login_failure(username=str(self.request.POST.get("username", "")))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            actions.record_logout(user=user_of(request))
        return super().post(request, *args, **kwargs)


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes answers once an account or an address is locked."""
    return render(request, "accounts/locked.html", status=429)


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require(request, "accounts.manage_users")
    qs = User.objects.visible_to(request.user).select_related("home_division")
    query = (request.GET.get("q") or "").strip()[:40]
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(full_name__contains=query)
            | Q(home_division__name__contains=query)
        )
    after = request.GET.get("after") or ""
    if after:
        qs = qs.filter(username__gt=after)
    items = list(qs.order_by("username").prefetch_related("groups")[: PAGE + 1])
    next_after = items[PAGE - 1].username if len(items) > PAGE else None
    return render(
        request,
        "accounts/user_list.html",
        {"items": items[:PAGE], "next_after": next_after, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    _require(request, "accounts.manage_users")
    home = user_of(request).home_division
    form = UserForm(
        request.POST or None,
        actor=user_of(request),
        initial={"home_division": home.code if home else ""},
    )
    if request.method == "POST" and form.is_valid():
        user = run_action(
            form, lambda: actions.create_user(actor=user_of(request), **form.cleaned_data)
        )
        if user is not None:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.manage_users")
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    initial = {
        "full_name": user.full_name,
        "phone": user.phone,
        "title": user.title,
        "home_division": user.home_division.code if user.home_division else "",
        "roles": user.roles,
        "is_active": user.is_active,
    }
    form = UserEditForm(request.POST or None, actor=user_of(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form,
            lambda: actions.update_user(actor=user_of(request), user=user, **form.cleaned_data),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_edit", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "subject": user, "creating": False, "password_form": PasswordResetForm()},
    )


@login_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.manage_users")
    user = get_visible_or_404(User.objects.select_related("home_division"), request.user, pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            lambda: actions.reset_password(
                actor=user_of(request), user=user, password=form.cleaned_data["password"]
            ),
        )
        if done is not None:
            messages.success(request, _("Password reset."))
            return redirect("accounts:user_edit", pk=user.pk)
    for error in form.errors.get("password", []) + form.non_field_errors():
        messages.error(request, str(error))
    return redirect("accounts:user_edit", pk=user.pk)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_action(
            form, lambda: actions.change_own_password(actor=user_of(request), **form.cleaned_data)
        )
        if done is not None:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, done)
            messages.success(request, _("Password changed."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    _require(request, "accounts.manage_tokens")
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        subject = (
            User.objects.visible_to(request.user)
            .filter(username=form.cleaned_data["username"])
            .first()
        )
        if subject is None:
            form.add_error("username", _("No such user in your jurisdiction."))
        else:
            created = run_action(
                form,
                lambda: actions.create_token(
                    actor=user_of(request),
                    user=subject,
                    name=form.cleaned_data["name"],
                    expires_at=form.cleaned_data["expires_at"],
                ),
            )
            if created is not None:
                raw = created[1]
                form = TokenForm()
    tokens = ApiToken.objects.visible_to(request.user).select_related("user", "created_by")[:200]
    return render(
        request, "accounts/token_list.html", {"form": form, "tokens": tokens, "raw_token": raw}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.manage_tokens")
    token = get_visible_or_404(ApiToken.objects.select_related("user"), request.user, pk=pk)
    actions.revoke_token(actor=user_of(request), token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:token_list")
